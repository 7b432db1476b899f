"""MonitorCallback: mode resolution, min_delta, baseline, and the missing-monitor warning."""

from __future__ import annotations

import operator
import warnings

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import MonitorCallback
from refimpl.callbacks.monitor_callback import resolve_mode


@pytest.mark.parametrize("monitor, expected", [
    ("loss", "min"), ("val_loss", "min"), ("mae", "min"), ("val_mean_squared_error", "min"),
    ("accuracy", "max"), ("val_accuracy", "max"), ("acc", "max"), ("val_acc", "max"),
    ("auc", "max"), ("val_precision", "max"), ("recall", "max"), ("sparse_categorical_accuracy", "max"),
    ("val_f1_score", "max"), ("some_custom_error", "min"),
])
def test_auto_mode_resolves_like_keras(monitor, expected):
    cb = MonitorCallback(monitor=monitor)
    assert cb.resolved_mode == expected
    assert cb.monitor_op is (operator.lt if expected == "min" else operator.gt)


@pytest.mark.parametrize("mode", ["min", "max"])
def test_explicit_mode_wins_over_the_name(mode):
    assert resolve_mode("val_accuracy", mode) == mode
    assert MonitorCallback("loss", mode=mode).resolved_mode == mode


@pytest.mark.parametrize("bad", ["maximum", "", "AUTO", None, 1])
def test_unknown_mode_is_a_value_error_listing_the_modes(bad):
    with pytest.raises(ValueError) as info:
        MonitorCallback(mode=bad)
    message = str(info.value)
    assert repr(bad) in message
    for mode in ("'auto'", "'min'", "'max'"):
        assert mode in message


@pytest.mark.parametrize("kwargs, arg", [
    ({"min_delta": float("nan")}, "min_delta"), ({"min_delta": "0.1"}, "min_delta"),
    ({"baseline": float("inf")}, "baseline"), ({"baseline": "high"}, "baseline"),
    ({"monitor": ""}, "monitor"), ({"monitor": None}, "monitor"),
])
def test_bad_arguments_name_the_argument(kwargs, arg):
    with pytest.raises(ValueError, match=arg):
        MonitorCallback(**kwargs)


def test_min_delta_sign_is_ignored_and_applies_in_the_right_direction():
    low = MonitorCallback("val_loss", min_delta=-0.1)
    assert low.min_delta == 0.1
    assert low._is_improvement(0.85, 1.0)
    assert not low._is_improvement(0.95, 1.0)  # better, but by less than min_delta
    high = MonitorCallback("val_accuracy", min_delta=0.1)
    assert high._is_improvement(0.75, 0.6)
    assert not high._is_improvement(0.65, 0.6)
    assert not high._is_improvement(0.5, 0.6)


def test_reference_none_improves_except_nan():
    cb = MonitorCallback("loss")
    assert cb._is_improvement(123.0, None)
    assert not cb._is_improvement(float("nan"), None)
    assert not cb._is_improvement(float("nan"), 1.0)


def test_baseline_is_the_starting_best_and_reset_returns_to_it():
    cb = MonitorCallback("loss", baseline=0.5)
    assert cb.best == 0.5
    assert not cb._is_improvement(0.6, cb.best)
    cb.best = 0.1
    cb._reset_best()
    assert cb.best == 0.5
    assert MonitorCallback("loss", baseline=np.float32(0.25)).best == 0.25


def test_missing_monitor_warns_once_listing_available_keys():
    cb = MonitorCallback("val_loss")
    with pytest.warns(UserWarning) as record:
        assert cb.get_monitor_value({"loss": 1.0, "accuracy": 0.5}) is None
    assert len(record) == 1
    message = str(record[0].message)
    assert "'val_loss'" in message and "accuracy, loss" in message
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cb.get_monitor_value({"loss": 1.0}) is None  # second miss: silent
    assert cb.get_monitor_value({"val_loss": np.float32(0.5)}) == 0.5


def test_non_scalar_monitor_value_is_a_clear_error():
    with pytest.raises(ValueError, match="scalar"):
        MonitorCallback("loss").get_monitor_value({"loss": [1.0, 2.0]})


def test_subclass_in_a_real_fit_tracks_the_best_epoch():
    class BestEpoch(MonitorCallback):
        def on_epoch_end(self, epoch, logs=None):
            current = self.get_monitor_value(logs)
            if self._is_improvement(current, self.best):
                self.best, self.best_epoch = current, epoch

    rng = np.random.default_rng(0)
    x = rng.random((32, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    tracker = BestEpoch(monitor="loss")
    history = model.fit(x, y, epochs=5, batch_size=8, verbose=0, callbacks=[tracker])
    losses = history.history["loss"]
    assert tracker.best == min(losses)
    assert tracker.best_epoch == int(np.argmin(losses))
