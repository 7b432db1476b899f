"""BaseLogger: Keras 1/2 epoch averages weighted by batch size, and what it leaves alone."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras
from refimpl import profiles
from refimpl.callbacks import BaseLogger, LambdaCallback


def drive(logger: BaseLogger, batches: list[dict], epoch_logs: dict) -> dict:
    """Drive the hooks as a Keras 1/2 loop does: per-batch values with ``batch`` and ``size``."""
    logger.on_epoch_begin(0)
    for index, logs in enumerate(batches):
        logger.on_train_batch_end(index, {"batch": index, **logs})
    logger.on_epoch_end(0, epoch_logs)
    return epoch_logs


def test_epoch_values_are_batch_values_weighted_by_size():
    logs = drive(BaseLogger(), [{"size": 4, "loss": 1.0, "acc": 0.5}, {"size": 4, "loss": 2.0, "acc": 1.0},
                                {"size": 2, "loss": 4.0, "acc": 0.0}],
                 {"loss": 0.0, "acc": 0.0, "val_loss": 9.0})
    assert logs == {"loss": pytest.approx(2.0), "acc": pytest.approx(0.6), "val_loss": 9.0}


def test_stateful_metrics_keep_the_last_batch_value():
    logs = drive(BaseLogger(stateful_metrics=["seen_total"]),
                 [{"size": 3, "loss": 1.0, "seen_total": 3.0}, {"size": 1, "loss": 5.0, "seen_total": 4.0}],
                 {"loss": 0.0, "seen_total": 0.0})
    assert logs == {"loss": pytest.approx(2.0), "seen_total": 4.0}


def test_batch_description_keys_and_batch_only_keys_stay_out_of_the_epoch_logs():
    logs = drive(BaseLogger(), [{"size": 2, "loss": 1.0, "only_in_batches": 7.0}], {"loss": 3.0})
    assert logs == {"loss": 1.0}


def test_totals_restart_every_epoch():
    logger = BaseLogger()
    drive(logger, [{"size": 1, "loss": 100.0}], {"loss": 0.0})
    assert drive(logger, [{"size": 1, "loss": 1.0}], {"loss": 0.0}) == {"loss": 1.0}


def make_model(profile: str):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model._profile = profiles.get(profile)
    model.set_weights([np.array([[0.5], [-0.25]], dtype="float32"), np.zeros(1, dtype="float32")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse", metrics=["mae"])
    return model


def fit(model, callbacks=()):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(10, 2)).astype("float32")
    return model.fit(x, x @ np.array([[1.0], [2.0]], dtype="float32"), batch_size=4, epochs=2, verbose=0,
                     shuffle=False, callbacks=list(callbacks))


def test_in_the_keras3_profile_it_leaves_the_epoch_values_alone():
    plain = fit(make_model("keras3")).history
    with_logger = fit(make_model("keras3"), [BaseLogger()]).history
    assert with_logger == plain


def test_keras2_profile_epoch_loss_is_the_epoch_mean():
    # Same weights, data and optimizer: the epoch's mean loss does not depend on the profile.
    keras3 = fit(make_model("keras3")).history
    keras2 = fit(make_model("keras2")).history
    np.testing.assert_allclose(keras2["loss"], keras3["loss"], rtol=1e-6)
    # Keras 2.2 logged metrics=['mae'] under the function's name (measured on Keras 2.2.4)
    np.testing.assert_allclose(keras2["mean_absolute_error"], keras3["mae"], rtol=1e-6)


def test_keras2_profile_averages_what_the_batches_reported():
    batches: list[dict] = []
    record = LambdaCallback(on_batch_end=lambda batch, logs: batches.append(dict(logs)))
    history = fit(make_model("keras2"), [record])
    first_epoch = batches[:3]
    assert [b["size"] for b in first_epoch] == [4, 4, 2]
    expected = sum(b["loss"] * b["size"] for b in first_epoch) / 10
    np.testing.assert_allclose(history.history["loss"][0], expected, rtol=1e-6)


def test_bad_stateful_metrics_is_rejected():
    with pytest.raises(TypeError, match="stateful_metrics"):
        BaseLogger(stateful_metrics="acc")
