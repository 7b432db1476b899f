"""LearningRateScheduler: both schedule signatures, when the rate applies, the logs key, bad schedules."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras
from refimpl import profiles
from refimpl.callbacks import LambdaCallback, LearningRateScheduler


def make_model(learning_rate: float = 0.1, profile: str = "keras3"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model._profile = profiles.get(profile)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def fit(model, callbacks, epochs: int):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    return model.fit(x, x.sum(axis=1, keepdims=True), batch_size=8, epochs=epochs, verbose=0, shuffle=False,
                     callbacks=callbacks)


def rate_probe(model, into: list) -> LambdaCallback:
    return LambdaCallback(on_train_batch_begin=lambda batch, logs: into.append(float(model.optimizer.learning_rate)))


def test_one_argument_schedule_sets_the_rate_before_the_epochs_batches():
    model = make_model(0.1)
    used: list[float] = []
    history = fit(model, [LearningRateScheduler(lambda epoch: 0.5 ** (epoch + 1)), rate_probe(model, used)],
                  epochs=3)
    np.testing.assert_allclose(used, [0.5, 0.5, 0.25, 0.25, 0.125, 0.125], rtol=1e-7)
    np.testing.assert_allclose(history.history["learning_rate"], [0.5, 0.25, 0.125], rtol=1e-7)


def test_two_argument_schedule_receives_the_current_rate():
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return lr * 0.5

    history = fit(make_model(0.1), [LearningRateScheduler(schedule)], epochs=3)
    assert [epoch for epoch, _ in calls] == [0, 1, 2]
    np.testing.assert_allclose([lr for _, lr in calls], [0.1, 0.05, 0.025], rtol=1e-6)
    assert all(type(lr) is float for _, lr in calls)
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.025, 0.0125], rtol=1e-6)


def test_a_zero_rate_really_freezes_the_weights():
    model = make_model(0.1)
    snapshots = []
    record = LambdaCallback(on_epoch_end=lambda epoch, logs: snapshots.append(model.get_weights()))
    fit(model, [LearningRateScheduler(lambda epoch: 0.1 if epoch == 0 else 0.0), record], epochs=3)
    assert not np.array_equal(snapshots[0][0], make_model(0.1).get_weights()[0])
    for later in snapshots[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(snapshots[0], later))


def test_a_type_error_inside_the_schedule_is_not_mistaken_for_a_one_argument_schedule():
    def schedule(epoch, lr):
        return lr + "oops"

    with pytest.raises(TypeError, match="unsupported operand"):
        fit(make_model(), [LearningRateScheduler(schedule)], epochs=1)


def test_keras2_profile_logs_the_rate_as_lr():
    history = fit(make_model(0.1, profile="keras2"), [LearningRateScheduler(lambda epoch: 0.2)], epochs=2)
    np.testing.assert_allclose(history.history["lr"], [0.2, 0.2], rtol=1e-6)
    assert "learning_rate" not in history.history


def test_integers_and_numpy_numbers_are_accepted():
    def constant(value):
        return lambda epoch: value

    for value in (1, np.float32(0.5), np.float64(0.25), np.array(0.125)):
        history = fit(make_model(), [LearningRateScheduler(constant(value))], epochs=1)
        np.testing.assert_allclose(history.history["learning_rate"], [float(value)], rtol=1e-7)


def test_verbose_prints_the_keras_message(capsys):
    fit(make_model(), [LearningRateScheduler(lambda epoch: 0.5 ** epoch, verbose=1)], epochs=2)
    assert capsys.readouterr().out == ("\nEpoch 1: LearningRateScheduler setting learning rate to 1.0.\n"
                                       "\nEpoch 2: LearningRateScheduler setting learning rate to 0.5.\n")


@pytest.mark.parametrize("returned", [None, "0.1", [0.1], True, float("nan"), float("inf"), -0.1])
def test_a_schedule_returning_no_usable_rate_fails_before_the_first_batch(returned):
    batches = []
    probe = LambdaCallback(on_train_batch_begin=lambda batch, logs: batches.append(batch))
    with pytest.raises(ValueError, match="at epoch 0 it returned") as error:
        fit(make_model(), [LearningRateScheduler(lambda epoch: returned), probe], epochs=2)
    assert "LearningRateScheduler" in str(error.value)
    assert batches == []


def test_bad_constructor_arguments():
    with pytest.raises(TypeError, match="schedule"):
        LearningRateScheduler(0.1)
    with pytest.raises(ValueError, match="verbose"):
        LearningRateScheduler(lambda epoch: 0.1, verbose=-1)


def test_an_optimizer_driven_by_a_schedule_is_refused_before_the_first_epoch():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=decay), loss="mse")
    epochs: list[int] = []
    probe = LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    with pytest.raises(TypeError, match="This optimizer was created with a `LearningRateSchedule` "
                                        ".ExponentialDecay.*LearningRateScheduler"):
        fit(model, [LearningRateScheduler(lambda epoch: 0.1), probe], epochs=1)
    assert epochs == []
