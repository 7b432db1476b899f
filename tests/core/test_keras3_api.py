"""Keras 3 API that Keras's own callback tests use: metrics, schedules, LossScaleOptimizer, logging switches,
custom call() layers and subclassed models (their numbers are checked against live Keras by the parity stage)."""

from __future__ import annotations

import logging

import numpy as np
import pytest

import refimpl as keras
from refimpl.utils import io_utils

from .helpers import regression_data

X, Y = regression_data(16)


class Counter(keras.layers.Layer):
    """A Keras-style layer: call() only, and a non-trainable counter of its forward passes."""

    def __init__(self):
        super().__init__()
        self.count = self.add_weight(shape=(), initializer="zeros", dtype="float32", trainable=False)

    def call(self, x):
        self.count.assign_add(1)
        return x


def test_a_call_layer_before_the_first_learning_layer_trains_and_counts_its_calls():
    counter = Counter()
    model = keras.Sequential([keras.Input((3,)), counter, keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert int(counter.count) == 0  # building the model does not call call()
    model.fit(X, Y, batch_size=4, epochs=2, verbose=0)
    assert int(counter.count.value) == 8
    assert model.get_weights()[0].shape == ()  # the counter is a weight of the model, saved with it


def test_a_call_layer_after_a_learning_layer_is_refused_before_any_epoch_naming_refimpls_scope():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Counter(), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    with pytest.raises(NotImplementedError, match="Counter.*call\\(\\).*without automatic differentiation"):
        model.fit(X, Y, epochs=1, verbose=0,
                  callbacks=[keras.callbacks.LambdaCallback(on_train_begin=lambda logs: seen.append(1))])
    assert seen == []
    assert model.predict(X, verbose=0).shape == (16, 1)  # the forward pass itself works


def test_a_subclassed_model_with_call_and_non_trainable_state():
    class Identity(keras.Model):
        def __init__(self):
            super().__init__()
            self.calls = self.add_variable(shape=(), initializer="zeros", trainable=False)

        def call(self, inputs):
            self.calls.assign(self.calls + 1)
            return inputs

    model = Identity()
    model.compile(optimizer="sgd", loss="mse")
    seen = []
    model.fit(X[:, :1], Y, batch_size=4, verbose=0, callbacks=[keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs: seen.append(int(model.calls)))])
    assert seen == [1, 2, 3, 4]


def test_add_weight_refuses_what_refimpl_does_not_implement():
    with pytest.raises(NotImplementedError, match="regularizer.*outside refimpl's scope"):
        keras.layers.Layer().add_weight(shape=(2,), regularizer="l2")


def test_interactive_logging_switch_sends_verbose_messages_to_python_logging(caplog, capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    scheduler = keras.callbacks.LearningRateScheduler(lambda epoch: 0.5, verbose=1)
    io_utils.disable_interactive_logging()
    try:
        with caplog.at_level(logging.INFO, logger="refimpl"):
            model.fit(X, Y, epochs=1, verbose=0, callbacks=[scheduler])
    finally:
        io_utils.enable_interactive_logging()
    assert "LearningRateScheduler setting learning rate to 0.5." in caplog.text
    assert "LearningRateScheduler" not in capsys.readouterr().out
    model.fit(X, Y, epochs=1, verbose=0, callbacks=[scheduler])
    assert "LearningRateScheduler setting learning rate to 0.5." in capsys.readouterr().out


def test_set_logging_verbosity_rejects_unknown_levels():
    with pytest.raises(ValueError, match="DEBUG, INFO, WARNING"):
        io_utils.set_logging_verbosity("LOUD")


def test_loss_scale_optimizer_passes_finite_steps_through_and_skips_others():
    inner = keras.optimizers.SGD(0.1)
    optimizer = keras.optimizers.LossScaleOptimizer(inner, initial_scale=8.0, dynamic_growth_steps=2)
    w = keras.Variable(np.ones(2, dtype="float32"))
    optimizer.apply([np.ones(2, dtype="float32")], [w])
    optimizer.apply([np.ones(2, dtype="float32")], [w])  # two finite steps: the scale doubles
    assert w.numpy().tolist() == pytest.approx([0.8, 0.8]) and float(optimizer.dynamic_scale) == 16.0
    optimizer.apply([np.array([np.nan, 1.0], dtype="float32")], [w])
    assert w.numpy().tolist() == pytest.approx([0.8, 0.8]) and float(optimizer.dynamic_scale) == 8.0
    assert int(optimizer.iterations) == 2 and optimizer.iterations is inner.iterations
    optimizer.learning_rate = 0.01
    assert float(inner.learning_rate) == pytest.approx(0.01)
    with pytest.raises(ValueError, match="inner_optimizer"):
        keras.optimizers.LossScaleOptimizer("sgd")


def test_polynomial_decay_survives_a_config_round_trip_and_refuses_bad_steps():
    decay = keras.optimizers.schedules.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=2.0, cycle=True)
    optimizer = keras.optimizers.Adam.from_config(keras.optimizers.Adam(decay).get_config())
    assert optimizer.get_config()["learning_rate"]["config"] == decay.get_config()
    with pytest.raises(ValueError, match="decay_steps"):
        keras.optimizers.schedules.PolynomialDecay(0.1, 0)


def test_metric_arguments_are_checked():
    with pytest.raises(ValueError, match="average"):
        keras.metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="threshold"):
        keras.metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="multi_label=True.*outside refimpl's scope"):
        keras.metrics.AUC(multi_label=True)
    with pytest.raises(ValueError, match="num_thresholds"):
        keras.metrics.AUC(num_thresholds=1)


def test_per_class_f1_is_logged_as_an_array_and_monitored_when_it_has_one_element():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[keras.metrics.F1Score(threshold=0.5)])
    stopper = keras.callbacks.EarlyStopping(monitor="f1_score", patience=5)
    history = model.fit(X, (Y > 0).astype("float32"), epochs=2, verbose=0, callbacks=[stopper])
    assert history.history["f1_score"][0].shape == (1,)  # as Keras 3 logs it
    assert stopper.resolved_mode == "max" and isinstance(stopper.best, float)


def test_ops_are_the_monitor_comparisons():
    assert keras.callbacks.EarlyStopping(monitor="loss").monitor_op is keras.ops.less
    assert keras.callbacks.EarlyStopping(monitor="val_accuracy").monitor_op is keras.ops.greater
