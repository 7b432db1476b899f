"""ReduceLROnPlateau: the learning-rate trajectory, the logs key, cooldown, min_lr, epsilon, bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import refimpl as keras
from refimpl import profiles
from refimpl.callbacks import LambdaCallback, ReduceLROnPlateau


def make_model(learning_rate: float = 0.1, profile: str = "keras3"):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model._profile = profiles.get(profile)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=learning_rate), loss="mse")
    return model


def scripted(key: str, values: list[float]) -> LambdaCallback:
    return LambdaCallback(on_epoch_end=lambda epoch, logs: logs.__setitem__(key, values[epoch]))


def fit(model, callbacks, epochs: int):
    x = np.random.default_rng(0).normal(size=(16, 3)).astype("float32")
    return model.fit(x, x.sum(axis=1, keepdims=True), batch_size=8, epochs=epochs, verbose=0, shuffle=False,
                     callbacks=callbacks)


def test_trajectory_messages_and_state_match_keras(capsys):
    # Same scripted values on Keras 3.15.1 gave exactly these rates, messages and final state.
    reduce = ReduceLROnPlateau(monitor="score", mode="min", patience=1, cooldown=1, factor=0.5, min_lr=0.02,
                               verbose=1)
    history = fit(make_model(0.1), [scripted("score", [5, 5, 5, 5, 5, 4, 5]), reduce], epochs=7)
    np.testing.assert_allclose(history.history["learning_rate"],
                               [0.1, 0.1, 0.05, 0.025, 0.02, 0.02, 0.02], rtol=1e-7)
    assert capsys.readouterr().out == (
        "\nEpoch 2: ReduceLROnPlateau reducing learning rate to 0.05000000074505806.\n"
        "\nEpoch 3: ReduceLROnPlateau reducing learning rate to 0.02500000037252903.\n"
        "\nEpoch 4: ReduceLROnPlateau reducing learning rate to 0.02.\n"
    )
    assert (reduce.wait, reduce.cooldown_counter, reduce.best) == (1, 0, 4)


def test_logs_hold_the_rate_in_effect_during_the_epoch():
    rates_used = []
    model = make_model(0.1)
    probe = LambdaCallback(on_train_batch_begin=lambda batch, logs: rates_used.append(
        float(model.optimizer.learning_rate)))
    reduce = ReduceLROnPlateau(monitor="score", mode="min", patience=0, factor=0.1)
    history = fit(model, [probe, scripted("score", [1, 1, 1]), reduce], epochs=3)
    # The first epoch always improves; epochs 1 and 2 lower the rate at their end, for the next epoch.
    # Two batches per epoch.
    np.testing.assert_allclose(rates_used, [0.1, 0.1, 0.1, 0.1, 0.01, 0.01], rtol=1e-6)
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.01], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 1e-3, rtol=1e-6)


def test_cooldown_skips_epochs_after_a_reduction():
    reduce = ReduceLROnPlateau(monitor="score", mode="min", patience=1, cooldown=2, factor=0.5)
    history = fit(make_model(0.1), [scripted("score", [1] * 7), reduce], epochs=7)
    # Reduced at the end of epochs 1, 3 and 5, as on Keras 3.15.1: the epoch in which the cooldown
    # counter reaches 0 already counts towards patience, so cooldown=2 skips one epoch here.
    np.testing.assert_allclose(history.history["learning_rate"],
                               [0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125], rtol=1e-6)
    assert reduce.cooldown_counter == 1


def test_improvements_reset_the_count_and_min_delta_sets_the_bar():
    reduce = ReduceLROnPlateau(monitor="score", mode="max", patience=2, min_delta=0.1, factor=0.5)
    history = fit(make_model(0.1), [scripted("score", [0.5, 0.55, 0.7, 0.75, 0.78, 0.79]), reduce], epochs=6)
    # 0.55, 0.75, 0.78, 0.79 gain less than 0.1 on the best; 0.7 resets the count (same on Keras 3.15.1).
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.1, 0.1, 0.1, 0.05], rtol=1e-6)
    assert reduce.best == 0.7


def test_older_profiles_log_the_rate_as_lr():
    reduce = ReduceLROnPlateau(monitor="loss", patience=5)
    history = fit(make_model(0.1, profile="keras2"), [reduce], epochs=2)
    assert "lr" in history.history and "learning_rate" not in history.history
    np.testing.assert_allclose(history.history["lr"], [0.1, 0.1], rtol=1e-6)


def test_real_training_plateau_lowers_the_rate():
    model = make_model(0.05)
    reduce = ReduceLROnPlateau(monitor="loss", min_delta=10.0, patience=1, factor=0.1)
    history = fit(model, [reduce], epochs=3)
    # The loss falls by less than 10 per epoch: every epoch after the first is a plateau.
    np.testing.assert_allclose(history.history["learning_rate"], [0.05, 0.05, 0.005], rtol=1e-6)
    np.testing.assert_allclose(float(model.optimizer.learning_rate), 0.0005, rtol=1e-6)


def test_epsilon_is_the_deprecated_name_of_min_delta():
    with pytest.warns(DeprecationWarning, match="min_delta"):
        reduce = ReduceLROnPlateau(epsilon=0.25)
    assert reduce.min_delta == 0.25
    assert ReduceLROnPlateau().min_delta == 1e-4
    with pytest.raises(ValueError, match="min_delta.*epsilon"):
        ReduceLROnPlateau(min_delta=0.1, epsilon=0.2)


def test_keras2_positional_arguments_still_work():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        reduce = ReduceLROnPlateau("val_loss", 0.2, 5, 0, "auto", 0.01, 2, 0.001)
    assert (reduce.factor, reduce.patience, reduce.min_delta, reduce.cooldown, reduce.min_lr) == (
        0.2, 5, 0.01, 2, 0.001)


def test_missing_monitor_warns_once_and_training_goes_on():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = fit(make_model(0.1), [ReduceLROnPlateau(monitor="val_loss", patience=0)], epochs=3)
    messages = [str(w.message) for w in caught if "val_loss" in str(w.message)]
    assert messages == ["Learning rate reduction is conditioned on metric `val_loss` which is not available. "
                        "Available metrics are: learning_rate, loss."]
    np.testing.assert_allclose(history.history["learning_rate"], [0.1] * 3, rtol=1e-6)


@pytest.mark.parametrize("kwargs, names", [
    ({"factor": 1.0}, ["factor", "[0, 1)"]),
    ({"factor": -0.5}, ["factor"]),
    ({"patience": -1}, ["patience", ">= 0"]),
    ({"cooldown": 0.5}, ["cooldown"]),
    ({"min_lr": -1e-3}, ["min_lr", ">= 0"]),
    ({"mode": "down"}, ["mode", "'auto'", "'min'", "'max'"]),
    ({"verbose": -1}, ["verbose"]),
])
def test_bad_arguments_are_rejected_at_construction(kwargs, names):
    with pytest.raises(ValueError) as error:
        ReduceLROnPlateau(**kwargs)
    for name in names:
        assert name in str(error.value)


def test_an_optimizer_driven_by_a_schedule_is_refused_before_the_first_epoch():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    decay = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=decay), loss="mse")
    epochs: list[int] = []
    probe = LambdaCallback(on_epoch_begin=lambda epoch, logs: epochs.append(epoch))
    with pytest.raises(TypeError, match="This optimizer was created with a `LearningRateSchedule` "
                                        ".ExponentialDecay.*ReduceLROnPlateau"):
        fit(model, [ReduceLROnPlateau(monitor="loss"), probe], epochs=1)
    assert epochs == []
