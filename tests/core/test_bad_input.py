"""Bad input to compile / fit / evaluate / predict: a clear error naming the argument, before any epoch."""

from __future__ import annotations

import re

import numpy as np
import pytest

import refimpl as keras

from .helpers import Recorder, regression_data, regression_model

X, Y = regression_data(20)


def classifier(loss="sparse_categorical_crossentropy", units=3):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(units, activation="softmax")])
    model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
    return model


FIT_CASES = [
    ("xy_length_mismatch", dict(x=X, y=Y[:10]), "same number of samples"),
    ("validation_split_above_one", dict(validation_split=1.5), "validation_split must be a float in \\[0, 1\\)"),
    ("validation_split_one", dict(validation_split=1.0), "validation_split must be a float in \\[0, 1\\)"),
    ("validation_split_negative", dict(validation_split=-0.1), "validation_split must be"),
    ("validation_split_with_generator", dict(x=(b for b in []), y=None, batch_size=None, validation_split=0.2),
     "validation_split is only supported for numpy arrays"),
    ("wrong_input_width", dict(x=np.zeros((20, 4)), y=Y), "expects inputs of shape \\(3,\\)"),
    ("wrong_target_width", dict(x=X, y=np.zeros((20, 2))), "targets of shape \\(2,\\)"),
    ("empty_data", dict(x=np.zeros((0, 3)), y=np.zeros((0, 1))), "empty"),
    ("batch_size_zero", dict(batch_size=0), "batch_size must be an integer >= 1"),
    ("batch_size_negative", dict(batch_size=-4), "batch_size must be an integer >= 1"),
    ("batch_size_float", dict(batch_size=8.5), "batch_size must be an integer >= 1"),
    ("epochs_negative", dict(epochs=-1), "epochs must be an integer >= 0"),
    ("initial_epoch_negative", dict(initial_epoch=-2), "initial_epoch must be"),
    ("steps_per_epoch_zero", dict(steps_per_epoch=0), "steps_per_epoch must be an integer >= 1"),
    ("validation_steps_zero", dict(validation_data=(X, Y), validation_steps=0), "validation_steps must be"),
    ("validation_batch_size_zero", dict(validation_data=(X, Y), validation_batch_size=0),
     "validation_batch_size must be"),
    ("validation_freq_zero", dict(validation_freq=0), "validation_freq must be an integer >= 1"),
    ("validation_freq_bad_list", dict(validation_freq=[0, 2]), "validation_freq as a list"),
    ("verbose_bad", dict(verbose=3), "verbose must be one of 'auto', 0, 1, 2"),
    ("shuffle_bad", dict(shuffle="yes"), "shuffle must be True, False or 'batch'"),
    ("callback_not_a_callback", dict(callbacks=[print]), "callbacks\\[0\\] must be a keras callback"),
    ("callbacks_hold_a_class", dict(callbacks=[keras.callbacks.History]), "callbacks\\[0\\] must be"),
    ("sample_weight_wrong_length", dict(sample_weight=np.ones(5)), "sample_weight must be a 1-D array"),
    ("sample_weight_negative", dict(sample_weight=-np.ones(20)), "sample_weight must hold finite values >= 0"),
    ("validation_data_bad_shape", dict(validation_data=(X,)), "validation_data must be a tuple"),
    ("validation_data_wrong_width", dict(validation_data=(np.zeros((4, 5)), np.zeros((4, 1)))),
     "validation_data has samples of shape"),
    ("validation_data_wrong_width_with_generator_x",
     dict(x=((X[i:i + 4], Y[i:i + 4]) for i in range(0, 20, 4)), y=None, batch_size=None,
          validation_data=(np.zeros((4, 5)), np.zeros((4, 1)))), "validation_data has samples of shape"),
    ("split_and_data_together", dict(validation_split=0.2, validation_data=(X, Y)), "either validation_split"),
    ("y_missing", dict(x=X, y=None), "y is required"),
    ("generator_with_batch_size", dict(x=(b for b in []), y=None, batch_size=8), "batch_size must not be given"),
    ("unknown_keyword", dict(nb_epochs=3), "unexpected keyword"),
    ("x_ragged", dict(x=[[1, 2, 3], [1, 2]], y=Y[:2]), "x must"),
]


@pytest.mark.parametrize("case,kwargs,message", FIT_CASES, ids=[c[0] for c in FIT_CASES])
def test_fit_rejects_bad_input_before_any_hook(case, kwargs, message):
    model = regression_model()
    before = model.get_weights()
    rec = Recorder()
    call = {"x": X, "y": Y, "epochs": 1, "verbose": 0, "callbacks": [rec], **kwargs}
    if case.startswith("callback"):
        call["callbacks"] = kwargs["callbacks"]
    with pytest.raises((ValueError, TypeError), match=message):
        model.fit(**call)
    assert rec.events == []
    assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


NON_FINITE_CASES = [
    ("nan_in_x", dict(x=np.where(np.arange(60).reshape(20, 3) == 7, np.nan, X)), "x contains NaN .* sample 2\\)"),
    ("inf_in_y", dict(y=np.where(np.arange(20).reshape(20, 1) == 3, np.inf, Y)), "y contains NaN .* sample 3\\)"),
    ("inf_in_validation_targets", dict(validation_data=(X, np.where(np.arange(20).reshape(20, 1) == 5, np.inf, Y))),
     "the targets of validation_data contain"),
]


@pytest.mark.parametrize("case,kwargs,message", NON_FINITE_CASES, ids=[c[0] for c in NON_FINITE_CASES])
def test_non_finite_data_trains_as_in_keras_with_one_warning(case, kwargs, message):
    """Keras 3 trains on NaN/inf data (TerminateOnNaN exists for that); refimpl too, with one warning first."""
    model = regression_model()
    rec = Recorder()
    with pytest.warns(UserWarning) as warned:
        model.fit(**{"x": X, "y": Y, "epochs": 2, "verbose": 0, "callbacks": [rec], **kwargs})
    messages = [str(w.message) for w in warned if "NaN or infinite" in str(w.message)]
    assert len(messages) == 1, messages
    assert re.search(message.replace("contain", "contains?"), messages[0]), messages[0]
    assert [e[0] for e in rec.events].count("on_epoch_end") == 2


def test_inf_targets_stop_training_with_terminate_on_nan():
    model = regression_model()
    y = np.where(np.arange(20).reshape(20, 1) == 9, np.inf, Y)
    with pytest.warns(UserWarning, match="first at sample 9"):
        history = model.fit(X, y, batch_size=4, epochs=5, verbose=0, callbacks=[keras.callbacks.TerminateOnNaN()])
    assert len(history.history["loss"]) == 1
    assert not np.isfinite(history.history["loss"][0])


CLASS_CASES = [
    ("class_weight_unknown_class", dict(class_weight={0: 1.0, 5: 2.0}), "class 5, which does not exist"),
    ("class_weight_negative", dict(class_weight={0: -1.0}), "must be a finite number >= 0"),
    ("class_weight_not_dict", dict(class_weight=[1.0, 2.0]), "class_weight must be a non-empty dict"),
    ("class_weight_string_key", dict(class_weight={"a": 1.0}), "integer class indices"),
    ("sparse_label_out_of_range", dict(y=np.array([0, 1, 7] * 6 + [0, 1])), "labels 0 to 2"),
    ("sparse_label_negative", dict(y=np.array([0, -1] * 10)), "labels 0 to 2"),
]


@pytest.mark.parametrize("case,kwargs,message", CLASS_CASES, ids=[c[0] for c in CLASS_CASES])
def test_classification_bad_input(case, kwargs, message):
    model = classifier()
    call = {"x": X, "y": np.array([0, 1, 2] * 6 + [0, 1]), "epochs": 1, "verbose": 0, **kwargs}
    with pytest.raises(ValueError, match=message):
        model.fit(**call)


COMPILE_CASES = [
    ("unknown_loss", dict(loss="mean_sq_err"), "Unknown loss: 'mean_sq_err'. Known losses:"),
    ("loss_none", dict(loss=None), "compile\\(\\) needs a loss"),
    ("unknown_metric", dict(loss="mse", metrics=["precission"]), "Unknown metric"),
    ("unknown_optimizer", dict(loss="mse", optimizer="adamm"), "Known optimizers"),
    ("steps_per_execution_zero", dict(loss="mse", steps_per_execution=0), "steps_per_execution must be"),
    ("metrics_not_a_list", dict(loss="mse", metrics=5), "metrics must be a list"),
]


@pytest.mark.parametrize("case,kwargs,message", COMPILE_CASES, ids=[c[0] for c in COMPILE_CASES])
def test_compile_rejects_bad_arguments(case, kwargs, message):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match=message):
        model.compile(**kwargs)


def test_fit_before_compile():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="You must call compile\\(\\) before fit\\(\\)"):
        model.fit(X, Y, verbose=0)


def test_unknown_activation_in_layer():
    with pytest.raises(ValueError, match="Unknown activation: 'softmaxx'"):
        keras.layers.Dense(3, activation="softmaxx")


@pytest.mark.parametrize("units", [0, -1, 2.5, "3"])
def test_dense_units_must_be_positive_int(units):
    with pytest.raises(ValueError, match="units must be a positive integer"):
        keras.layers.Dense(units)


def test_evaluate_and_predict_bad_input():
    model = regression_model()
    with pytest.raises(ValueError, match="expects inputs of shape"):
        model.predict(np.zeros((4, 7)), verbose=0)
    with pytest.raises(ValueError, match="same number of samples"):
        model.evaluate(X, Y[:3], verbose=0)
    with pytest.raises(ValueError, match="steps must be an integer >= 1"):
        model.evaluate(X, Y, steps=0, verbose=0)


def test_set_weights_of_wrong_shape_names_the_weight():
    model = regression_model()
    weights = model.get_weights()
    weights[0] = np.zeros((5, 4))
    with pytest.raises(ValueError, match="kernel' has shape \\(3, 4\\); the value given has shape \\(5, 4\\)"):
        model.set_weights(weights)
