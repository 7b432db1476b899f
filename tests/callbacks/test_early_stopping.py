"""EarlyStopping: when it stops, what it restores, what it prints, and the arguments it rejects."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import EarlyStopping, LambdaCallback


def make_model(learning_rate: float = 0.05):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse", metrics=["mae"])
    return model


def data(n: int = 32, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")


def scripted(key: str, values: list[float]) -> LambdaCallback:
    """Sets logs[key] at each epoch end to a scripted value, so the stopping rule sees known numbers."""
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


def fit(callbacks, epochs: int, model=None, **kwargs):
    model = model or make_model()
    x, y = data()
    history = model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, shuffle=False, callbacks=callbacks,
                        **kwargs)
    return model, history


def test_stops_after_patience_epochs_without_improvement():
    stopper = EarlyStopping(monitor="score", mode="min", patience=2)
    _, history = fit([scripted("score", [5, 4, 4.5, 4.2, 3, 1, 1, 1]), stopper], epochs=8)
    # Best 4 at epoch 1; epochs 2 and 3 do not improve, so epoch 3 is the last.
    assert history.epoch == [0, 1, 2, 3]
    assert stopper.stopped_epoch == 3
    assert stopper.best == 4 and stopper.best_epoch == 1 and stopper.wait == 2


def test_min_delta_decides_what_counts_as_improvement():
    stopper = EarlyStopping(monitor="score", mode="min", min_delta=0.5, patience=0)
    _, history = fit([scripted("score", [5, 4.6, 4.0, 3.9]), stopper], epochs=4)
    # 4.6 is less than 0.5 below 5: no improvement, and patience 0 stops at once.
    assert history.epoch == [0, 1]
    assert stopper.best == 5


def test_max_mode_and_auto_mode_for_accuracy():
    assert EarlyStopping(monitor="val_accuracy").resolved_mode == "max"
    assert EarlyStopping(monitor="val_loss").resolved_mode == "min"
    stopper = EarlyStopping(monitor="val_accuracy", mode="max", patience=1)
    _, history = fit([scripted("val_accuracy", [0.5, 0.7, 0.6, 0.65, 0.9]), stopper], epochs=5)
    # patience=1: the first epoch that does not improve on 0.7 is the last.
    assert history.epoch == [0, 1, 2]
    assert stopper.best == 0.7


def test_auto_mode_on_a_name_that_is_not_a_compiled_metric_is_rejected_before_any_epoch():
    # Keras 3.15.1 raises ValueError too (at the end of the first epoch): auto cannot tell the direction.
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    seen = []
    with pytest.raises(ValueError, match="monitor='val_accuracy' with mode='auto'.*mode='max'"):
        fit([keras.callbacks.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(e)), stopper], epochs=2)
    assert seen == []


def test_first_epoch_always_improves_and_never_stops():
    stopper = EarlyStopping(monitor="score", mode="min", patience=0)
    _, history = fit([scripted("score", [1.0, 2.0, 3.0]), stopper], epochs=3)
    assert history.epoch == [0, 1]
    assert stopper.best_epoch == 0


def test_verbose_prints_the_keras_messages(capsys):
    stopper = EarlyStopping(monitor="score", mode="min", patience=1, verbose=1, restore_best_weights=True)
    fit([scripted("score", [3, 2, 2.5, 2.6, 1]), stopper], epochs=5)
    # Observed on Keras 3.15.1 with the same scripted values.
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 3: early stopping",
        "Restoring model weights from the end of the best epoch: 2.",
    ]


def test_restore_best_weights_puts_back_the_best_epochs_weights():
    seen = {}
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.__setitem__(epoch, model.get_weights()))
    model = make_model()
    stopper = EarlyStopping(monitor="score", mode="min", patience=2, restore_best_weights=True)
    fit([scripted("score", [3, 1, 2, 2, 2]), record, stopper], epochs=5, model=model)
    assert stopper.stopped_epoch == 3
    final = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(final, seen[1]))
    assert not all(np.array_equal(a, b) for a, b in zip(final, seen[3]))


def test_restore_best_weights_also_when_training_runs_to_the_end():
    seen = {}
    model = make_model()
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.__setitem__(epoch, model.get_weights()))
    stopper = EarlyStopping(monitor="score", mode="min", patience=5, restore_best_weights=True)
    fit([scripted("score", [3, 1, 2]), record, stopper], epochs=3, model=model)
    assert stopper.stopped_epoch == 0
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), seen[1]))


def test_baseline_only_resets_wait_when_beaten():
    # Improving every epoch but never below the baseline: Keras keeps training while it improves...
    stopper = EarlyStopping(monitor="score", mode="min", baseline=0.5, patience=2)
    _, history = fit([scripted("score", [4, 3, 2, 1.5]), stopper], epochs=4)
    assert history.epoch == [0, 1, 2, 3] and stopper.wait == 4
    # ...and stops once it no longer improves, `patience` epochs after the last baseline-beating value.
    stopper = EarlyStopping(monitor="score", mode="min", baseline=0.5, patience=2)
    _, history = fit([scripted("score", [4, 3, 3, 3, 3]), stopper], epochs=5)
    assert history.epoch == [0, 1, 2] and stopper.stopped_epoch == 2
    # A value better than the baseline resets the count.
    stopper = EarlyStopping(monitor="score", mode="min", baseline=0.5, patience=2)
    _, history = fit([scripted("score", [0.4, 0.45, 0.3, 0.35, 0.36, 0.37]), stopper], epochs=6)
    assert history.epoch == [0, 1, 2, 3, 4] and stopper.best == 0.3


def test_start_from_epoch_ignores_the_warm_up_epochs():
    stopper = EarlyStopping(monitor="score", mode="min", patience=0, start_from_epoch=3)
    _, history = fit([scripted("score", [1, 2, 3, 4, 5, 6]), stopper], epochs=6)
    # Epoch 3 is the first watched (always an improvement); epoch 4 is worse.
    assert history.epoch == [0, 1, 2, 3, 4]
    assert stopper.best == 4 and stopper.best_epoch == 3


def test_real_training_stops_on_rising_val_loss_and_keeps_the_best_val_loss():
    model = make_model(learning_rate=0.1)
    x, y = data()
    vx, vy = data(12, seed=2)
    stopper = EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True)
    history = model.fit(x, y, batch_size=8, epochs=40, verbose=0, shuffle=False, validation_data=(vx, vy),
                        callbacks=[stopper])
    best = min(history.history["val_loss"])
    assert stopper.best == best
    assert history.history["val_loss"][stopper.best_epoch] == best
    np.testing.assert_allclose(model.evaluate(vx, vy, verbose=0)[0], best, rtol=1e-6)


def test_state_resets_on_every_fit():
    stopper = EarlyStopping(monitor="score", mode="min", patience=0)
    model = make_model()
    fit([scripted("score", [1, 2, 3]), stopper], epochs=3, model=model)
    assert stopper.stopped_epoch == 1
    _, history = fit([scripted("score", [5, 4, 3]), stopper], epochs=3, model=model)
    assert history.epoch == [0, 1, 2] and stopper.stopped_epoch == 0 and stopper.best == 3


def test_missing_monitor_warns_once_listing_the_available_keys():
    stopper = EarlyStopping(monitor="val_los", mode="min", patience=0)  # auto: a ValueError, as in Keras
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, history = fit([stopper], epochs=3)
    messages = [str(w.message) for w in caught if "val_los" in str(w.message)]
    assert messages == ["Early stopping conditioned on metric `val_los` which is not available. "
                        "Available metrics are: loss, mae"]
    assert history.epoch == [0, 1, 2]


@pytest.mark.parametrize("kwargs, names", [
    ({"mode": "maximum"}, ["mode", "'auto'", "'min'", "'max'"]),
    ({"patience": -1}, ["patience", ">= 0"]),
    ({"patience": 1.5}, ["patience"]),
    ({"start_from_epoch": -2}, ["start_from_epoch"]),
    ({"restore_best_weights": "yes"}, ["restore_best_weights"]),
    ({"min_delta": float("nan")}, ["min_delta"]),
    ({"baseline": "low"}, ["baseline"]),
])
def test_bad_arguments_are_rejected_at_construction(kwargs, names):
    with pytest.raises(ValueError) as error:
        EarlyStopping(**kwargs)
    for name in names:
        assert name in str(error.value)
