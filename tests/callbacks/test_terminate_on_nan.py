"""TerminateOnNaN: where it stops, what still runs after, and what it prints."""

from __future__ import annotations

import math

import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import LambdaCallback, TerminateOnNaN


def make_model(learning_rate: float = 0.01):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


X = np.random.default_rng(1).normal(size=(40, 3)).astype("float32")
Y = X.sum(axis=1, keepdims=True) * 10


def poison(at_batch: int, value: float = float("nan")) -> LambdaCallback:
    """Makes the loss invalid at one batch end, as a diverging model would."""
    def hook(batch, logs):
        if batch == at_batch:
            logs["loss"] = value
    return LambdaCallback(on_train_batch_end=hook)


def hooks_recorder(events: list) -> LambdaCallback:
    return LambdaCallback(
        on_train_batch_end=lambda batch, logs: events.append(("batch", batch)),
        on_test_begin=lambda logs: events.append(("test", None)),
        on_epoch_end=lambda epoch, logs: events.append(("epoch_end", epoch)),
        on_train_end=lambda logs: events.append(("train_end", None)))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf")])
def test_stops_at_the_first_invalid_batch_and_finishes_the_epoch(capsys, value):
    events: list = []
    model = make_model()
    history = model.fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False, validation_data=(X[:8], Y[:8]),
                        callbacks=[poison(2, value), TerminateOnNaN(), hooks_recorder(events)])
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert events == [("batch", 0), ("batch", 1), ("batch", 2), ("test", None), ("epoch_end", 0),
                      ("train_end", None)]
    assert history.epoch == [0] and "val_loss" in history.history
    assert model.stop_training


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow is the point of this test
def test_a_diverging_model_is_stopped(capsys):
    events: list = []
    history = make_model(learning_rate=1e12).fit(X, Y, batch_size=8, epochs=3, verbose=0, shuffle=False,
                                                 callbacks=[TerminateOnNaN(), hooks_recorder(events)])
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 1 and printed[0].endswith(": Invalid loss, terminating training")
    stopped_at = int(printed[0].split()[1].rstrip(":"))
    assert [e for e in events if e[0] == "batch"][-1] == ("batch", stopped_at)
    assert not math.isfinite(history.history["loss"][0]) and history.epoch == [0]


def test_finite_losses_train_every_epoch(capsys):
    history = make_model().fit(X, Y, batch_size=8, epochs=3, verbose=0, callbacks=[TerminateOnNaN()])
    assert history.epoch == [0, 1, 2] and capsys.readouterr().out == ""


def test_raise_error_ends_fit_at_once():
    events: list = []
    with pytest.raises(RuntimeError, match="batch 1"):
        make_model().fit(X, Y, batch_size=8, epochs=2, verbose=0,
                         callbacks=[poison(1), TerminateOnNaN(raise_error=True), hooks_recorder(events)])
    assert events == [("batch", 0)]


def test_bad_raise_error_is_rejected():
    with pytest.raises(TypeError, match="raise_error"):
        TerminateOnNaN(raise_error="yes")
