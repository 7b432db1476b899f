"""What refimpl does not cover fails at once, naming refimpl's scope and the page that lists it."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import refimpl as keras
from refimpl.scope import SCOPE_PAGE

from .helpers import Recorder, regression_data, regression_model

X, Y = regression_data(20)
PAGE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "refimpl-scope.rst"


def test_the_page_the_errors_name_exists():
    assert "docs/guide/refimpl-scope.rst" in SCOPE_PAGE
    assert PAGE.read_text(encoding="utf-8").startswith("What refimpl covers\n")


@pytest.mark.parametrize("module, name", [
    ("layers", "Concatenate"), ("layers", "Conv2D"), ("losses", "Hinge"), ("metrics", "Precision"),
    ("optimizers", "Nadam"), (None, "random"), (None, "applications"),
])
def test_a_keras_name_refimpl_lacks_names_the_scope_and_the_page(module, name):
    owner = getattr(keras, module) if module else keras
    with pytest.raises(AttributeError) as info:
        getattr(owner, name)
    message = str(info.value)
    assert f"has no attribute {name!r}" in message
    assert "What refimpl covers" in message and "docs/guide/refimpl-scope.rst" in message
    if module == "layers":
        assert "Dense, Activation, Dropout and Flatten" in message


def test_python_probes_get_the_plain_error():
    assert not hasattr(keras.layers, "__wrapped__")
    with pytest.raises(AttributeError) as info:
        keras.layers.__wrapped__  # noqa: B018
    assert "refimpl" in str(info.value) and "What refimpl covers" not in str(info.value)


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_multi_input_data_is_refused_before_any_hook(call):
    model, recorder = regression_model(), Recorder()
    kwargs = {"x": [X, X], "verbose": 0, "callbacks": [recorder]}
    if call != "predict":
        kwargs["y"] = Y
    with pytest.raises(ValueError) as info:
        getattr(model, call)(**kwargs)
    message = str(info.value)
    assert message.startswith("x is a list of 2 arrays; refimpl models take one array. Multi-input models:")
    assert "What refimpl covers" in message
    assert recorder.events == []


def test_multi_output_targets_and_dict_inputs_are_refused_too():
    with pytest.raises(ValueError, match="y is a tuple of 2 arrays.*Multi-output models.*What refimpl covers"):
        regression_model().fit(X, (Y, Y), verbose=0)
    with pytest.raises(ValueError, match="x is a dict.*Multi-input models"):
        regression_model().fit({"a": X}, Y, verbose=0)


def test_nested_lists_of_numbers_are_still_one_input():
    model = regression_model()
    history = model.fit(X.tolist(), Y.tolist(), epochs=1, verbose=0)
    assert len(history.history["loss"]) == 1


def test_a_keras_style_layer_with_trainable_weights_stops_fit_naming_the_scope():
    class Linear(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="random_normal", trainable=True)

        def compute_output_shape(self, input_shape):
            return (1,)

        def call(self, inputs):
            return inputs @ self.w

    model = keras.Sequential([keras.Input((3,)), Linear()])
    model.compile(optimizer="sgd", loss="mse")
    recorder = Recorder()
    with pytest.raises(NotImplementedError) as info:
        model.fit(X, Y, epochs=1, verbose=0, callbacks=[recorder])
    assert "automatic differentiation" in str(info.value) and "What refimpl covers" in str(info.value)
    assert recorder.events == []


@pytest.mark.parametrize("call", ["fit", "evaluate", "predict"])
def test_a_lone_callback_instead_of_a_list_says_so_before_any_epoch(call):
    model = regression_model()
    stopper = keras.callbacks.EarlyStopping()
    kwargs = {"x": X, "verbose": 0, "callbacks": stopper}
    if call != "predict":
        kwargs["y"] = Y
    with pytest.raises(TypeError) as info:
        getattr(model, call)(**kwargs)
    assert str(info.value) == ("callbacks must be a list of callbacks (or None); got a single EarlyStopping. "
                               "Wrap it in a list: callbacks=[EarlyStopping(...)].")
    assert model.optimizer.iterations.numpy() == 0


def test_a_tuple_of_callbacks_is_accepted_and_a_string_is_not():
    recorder = Recorder()
    regression_model().fit(X, Y, epochs=1, verbose=0, callbacks=(recorder,))
    assert recorder.hooks()[-1] == ("on_train_end", None)
    with pytest.raises(TypeError, match="callbacks must be a list of callbacks \\(or None\\); got a single str.$"):
        regression_model().fit(X, Y, epochs=1, verbose=0, callbacks="early_stopping")


@pytest.mark.parametrize("make", [
    lambda: keras.callbacks.EarlyStopping(monitor="val_los", mode="min"),
    lambda: keras.callbacks.ReduceLROnPlateau(monitor="val_los", mode="min"),
    lambda: keras.callbacks.ModelCheckpoint("m.keras", monitor="val_los", mode="min", save_best_only=True),
])
def test_a_misspelt_monitor_lists_the_available_keys_in_every_warning(make, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        regression_model().fit(X, Y, epochs=2, verbose=0, validation_split=0.25, callbacks=[make()])
    about_monitor = [str(w.message) for w in record if "val_los" in str(w.message)]
    assert about_monitor
    for message in about_monitor:
        assert "Available metrics are: " in message and "val_loss" in message.split("Available metrics are: ")[1]


def test_a_functional_model_with_two_inputs_names_the_scope():
    a, b = keras.Input((3,)), keras.Input((3,))
    with pytest.raises(ValueError, match="single-input, single-output chains of layers. Multi-input and "
                                         "multi-output models: outside refimpl's scope.*What refimpl covers"):
        keras.Model(inputs=[a, b], outputs=keras.layers.Dense(1)(a))
