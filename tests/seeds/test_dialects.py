"""The dialects' own promises: their profiles' logs, native names without warnings, and errors that name the
dialect's spelling when a user writes another version's."""

from __future__ import annotations

import importlib
import os
import warnings

import numpy as np
import pytest

import refimpl.dialects.cthulhu as cthulhu
import refimpl.dialects.keras0 as keras0
import refimpl.dialects.keras1 as keras1
import refimpl.dialects.keras2 as keras2
import refimpl.dialects.tf_keras as tf_keras

from .conftest import learnable


def _data(n=64):
    return learnable(n, seed=5)


@pytest.mark.parametrize("name,profile,model_class", [("keras0", "keras0", "Sequential"),
                                                      ("keras1", "keras1", "Sequential"),
                                                      ("keras2", "keras2", "Sequential"),
                                                      ("tf_keras", "tf-keras", "Sequential"),
                                                      ("cthulhu", "keras2", "Pile")])
def test_dialect_package_shape(name, profile, model_class):
    module = importlib.import_module(f"refimpl.dialects.{name}")
    assert module.PROFILE == profile
    for sub in ("models", "layers", "callbacks", "optimizers", "utils", "backend"):
        assert importlib.import_module(f"refimpl.dialects.{name}.{sub}") is getattr(module, sub)
    model = getattr(module.models, model_class)()
    assert model._profile.name == profile


# ------------------------------------------------------------------------------------------- Keras 0
def test_keras0_hooks_without_logs_in_order_and_histories_current():
    x, y = _data()
    calls = []

    class Recorder(keras0.callbacks.Callback):
        def on_train_begin(self):
            calls.append(("train_begin", self.params["nb_epoch"], self.params["nb_sample"]))

        def on_epoch_begin(self, epoch):
            calls.append(("epoch_begin", epoch))

        def on_batch_begin(self, batch):
            calls.append(("batch_begin", batch))

        def on_batch_end(self, batch):
            calls.append(("batch_end", batch, len(self.model.batch_history.loss)))

        def on_epoch_end(self, epoch):
            calls.append(("epoch_end", epoch, self.model.epoch_history.epoch[-1]))

        def on_train_end(self):
            calls.append(("train_end",))

    model = keras0.models.Sequential()
    model.add(keras0.layers.Dense(784, 10))
    model.add(keras0.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="sgd")
    model.fit(x, y, batch_size=32, nb_epoch=2, verbose=0, callbacks=[Recorder()], show_accuracy=True)
    expected = [("train_begin", 2, 64)]
    for epoch in range(2):
        expected.append(("epoch_begin", epoch))
        for batch in range(2):
            expected += [("batch_begin", batch), ("batch_end", batch, 2 * epoch + batch + 1)]
        expected.append(("epoch_end", epoch, epoch))
    assert calls == expected + [("train_end",)]
    assert sorted(model.batch_history) == ["accuracy", "batch", "batch_size", "loss"]
    assert model.epoch_history.accuracy == model.history.history["accuracy"]
    loss, accuracy = model.evaluate(x, y, show_accuracy=True, verbose=0)
    assert 0 <= accuracy <= 1 and loss > 0
    assert model.predict_classes(x, verbose=0).shape == (64,)


@pytest.mark.parametrize("call,right_name", [
    (lambda: keras0.layers.Dense(units=10), "output_dim"),
    (lambda: keras0.layers.Dense(784, 10, kernel_initializer="uniform"), "init"),
    (lambda: keras0.layers.Dense(784, 10, input_shape=(784,)), "input_dim"),
    (lambda: keras0.layers.Dropout(rate=0.5), "'p'"),
    (lambda: keras0.models.Sequential().compile(loss="mse", optimizer="sgd", metrics=["accuracy"]), "show_accuracy"),
])
def test_keras0_rejects_later_names_with_the_keras0_name(call, right_name):
    with pytest.raises(TypeError, match=right_name):
        call()


def test_keras0_epochs_fails_before_training_and_names_nb_epoch():
    x, y = _data()
    began = []

    class Began(keras0.callbacks.Callback):
        def on_train_begin(self):
            began.append(True)

    model = keras0.models.Sequential()
    model.add(keras0.layers.Dense(784, 10))
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(TypeError, match="'epochs'.*'nb_epoch'"):
        model.fit(x, y, epochs=3, callbacks=[Began()])
    assert began == []


def test_keras0_dense_checks_its_declared_input_width():
    model = keras0.models.Sequential()
    model.add(keras0.layers.Dense(784, 20))
    with pytest.raises(ValueError, match="input_dim=30.*outputs 20"):
        model.add(keras0.layers.Dense(30, 10))


def test_keras0_has_no_input_layer_and_says_why():
    with pytest.raises(AttributeError, match="Dense\\(784, 10\\)"):
        keras0.layers.Input  # noqa: B018


# ------------------------------------------------------------------------------------------- Keras 1/2
def test_keras1_logs_and_params():
    x, y = _data()
    seen = {}

    class Spy(keras1.callbacks.Callback):
        def on_train_begin(self, logs={}):  # noqa: B006  (the seed page's spelling)
            seen["params"] = dict(self.params)

        def on_batch_begin(self, batch, logs={}):  # noqa: B006
            seen.setdefault("begin", []).append(dict(logs))

        def on_batch_end(self, batch, logs={}):  # noqa: B006
            seen.setdefault("end", []).append(dict(logs))

    model = keras1.models.Sequential()
    model.add(keras1.layers.Dense(10, input_dim=784, init="uniform"))
    model.add(keras1.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=48, nb_epoch=1, verbose=0, validation_split=0.25, callbacks=[Spy()])
    assert seen["begin"] == [{"batch": 0, "size": 48}]
    assert sorted(seen["end"][0]) == ["acc", "batch", "loss", "size"]  # Keras 1.2.2's names, not the page's
    assert sorted(history.history) == ["acc", "loss", "val_acc", "val_loss"]
    assert seen["params"]["nb_epoch"] == 1 and seen["params"]["nb_sample"] == 48
    assert seen["params"]["do_validation"] is True
    assert seen["params"]["metrics"] == ["loss", "acc", "val_loss", "val_acc"]


@pytest.mark.parametrize("call,right_name", [
    (lambda: keras1.layers.Dense(units=10), "output_dim"),
    (lambda: keras1.layers.Dense(10, kernel_initializer="uniform"), "'init'"),
    (lambda: keras1.layers.Dropout(rate=0.5), "'p'"),
])
def test_keras1_rejects_later_names(call, right_name):
    with pytest.raises(TypeError, match=right_name):
        call()


def test_keras2_logs_acc_and_lr(no_deprecations):
    x, y = _data()
    model = keras2.models.Sequential()
    model.add(keras2.layers.Dense(10, input_dim=784, kernel_initializer="uniform"))
    model.add(keras2.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer=keras2.optimizers.SGD(lr=0.05, decay=1e-4),
                  metrics=["accuracy"])
    reduce = keras2.callbacks.ReduceLROnPlateau(monitor="val_loss", epsilon=10.0, patience=0, factor=0.5)
    history = model.fit(x, y, epochs=3, verbose=0, validation_split=0.25, callbacks=[reduce])
    assert sorted(history.history) == ["acc", "loss", "lr", "val_acc", "val_loss"]
    # The rate in effect during each epoch; the first plateau (end of epoch 1) halves it for epoch 2.
    assert history.history["lr"] == [pytest.approx(0.05), pytest.approx(0.05), pytest.approx(0.025)]


def test_keras2_accepts_keras1_names_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="`init` is now `kernel_initializer`"):
        layer = keras2.layers.Dense(output_dim=10, init="uniform", input_dim=784)
    assert layer.units == 10
    with pytest.warns(DeprecationWarning, match="`p` is now `rate`"):
        assert keras2.layers.Dropout(p=0.25).rate == 0.25


@pytest.mark.parametrize("dialect", [keras1, keras2, cthulhu])
def test_native_callback_arguments_give_no_deprecation(dialect, tmp_path, no_deprecations):
    checkpoint = getattr(dialect.callbacks, "LumpCheckpoint", None) or dialect.callbacks.ModelCheckpoint
    assert checkpoint(str(tmp_path / "w.hdf5"), period=2).period == 2
    assert dialect.callbacks.ReduceLROnPlateau(epsilon=0.01).min_delta == 0.01
    assert dialect.callbacks.ProgbarLogger(count_mode="samples").count_mode == "samples"
    board = dialect.callbacks.TensorBoard(str(tmp_path / "logs"), batch_size=16, write_grads=False,
                                          embeddings_layer_names=None)
    assert board.batch_size == 16


def test_keras2_checkpoint_period_saves_every_period_epochs(tmp_path, no_deprecations):
    x, y = _data()
    model = keras2.models.Sequential()
    model.add(keras2.layers.Dense(10, input_dim=784))
    model.compile(loss="mse", optimizer="sgd")
    pattern = str(tmp_path / "weights.{epoch:02d}.hdf5")
    model.fit(x, y, epochs=5, verbose=0, callbacks=[keras2.callbacks.ModelCheckpoint(pattern, monitor="loss",
                                                                                      period=2)])
    assert sorted(os.listdir(tmp_path)) == ["weights.02.hdf5", "weights.04.hdf5"]


def test_keras2_tensorboard_warns_for_what_refimpl_does_not_write(tmp_path):
    with pytest.warns(UserWarning, match="gradient"):
        keras2.callbacks.TensorBoard(str(tmp_path), write_grads=True)


@pytest.mark.parametrize("dialect", [keras1, keras2])
def test_early_stopping_stops_after_patience_epochs_without_improvement(dialect, seed_data, no_deprecations):
    model = dialect.models.Sequential()
    if dialect is keras1:
        model.add(dialect.layers.Dense(10, input_dim=784, init="uniform"))
    else:
        model.add(dialect.layers.Dense(10, input_dim=784, kernel_initializer="uniform"))
    model.add(dialect.layers.Activation("softmax"))
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    stopper = dialect.callbacks.EarlyStopping(monitor="val_loss", patience=2, verbose=0)
    epochs = {"nb_epoch": 40} if dialect is keras1 else {"epochs": 40}
    history = model.fit(seed_data["X_train"], seed_data["Y_train"], batch_size=128, verbose=0,
                        validation_data=(seed_data["X_test"], seed_data["Y_test"]), callbacks=[stopper], **epochs)
    val_losses = history.history["val_loss"]
    best = int(np.argmin(val_losses))
    assert len(val_losses) == best + 2 + 1 < 40
    assert stopper.stopped_epoch == len(val_losses) - 1


# ------------------------------------------------------------------------------------------- cthulhu
@pytest.mark.parametrize("get,right_name", [
    (lambda: cthulhu.models.Sequential, "Pile"),
    (lambda: cthulhu.models.Model, "Lump"),
    (lambda: cthulhu.layers.Dense, "Daoloth"),
    (lambda: cthulhu.layers.Activation, "Azatoth"),
    (lambda: cthulhu.layers.Dropout, "Darkness"),
    (lambda: cthulhu.callbacks.ModelCheckpoint, "LumpCheckpoint"),
    (lambda: cthulhu.Sequential, "Pile"),
    (lambda: cthulhu.layers.Daolot, "Daoloth"),
    (lambda: cthulhu.models.Pile().fit, "summon"),
    (lambda: cthulhu.models.Pile().compile, "conjure"),
    (lambda: cthulhu.layers.Laldagorth, "not implemented by refimpl"),
])
def test_cthulhu_names_that_do_not_exist_suggest_the_right_one(get, right_name):
    with pytest.raises(AttributeError, match=right_name):
        get()


def test_cthulhu_errors_speak_cthulhu():
    x, y = _data()
    model = cthulhu.models.Pile()
    model.add(cthulhu.layers.Daoloth(10, input_dim=784))
    with pytest.raises(ValueError, match=r"conjure\(\) before summon\(\)") as raised:
        model.summon(x, y)
    assert "compile" not in str(raised.value) and "fit()" not in str(raised.value)
    with pytest.raises(ValueError, match="^Daoloth units"):
        cthulhu.layers.Daoloth(0)
    with pytest.raises(TypeError, match=r"^Pile\.add\(\)"):
        model.add("not a layer")


def test_cthulhu_keeps_evaluate_predict_load_weights(tmp_path):
    x, y = _data()
    model = cthulhu.models.Pile()
    model.add(cthulhu.layers.Daoloth(10, input_dim=784))
    model.add(cthulhu.layers.Darkness(0.1))
    model.add(cthulhu.layers.Azatoth("softmax"))
    model.conjure(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
    history = model.summon(x, y, epochs=1, verbose=0)
    assert sorted(history.history) == ["acc", "loss"]
    model.save_weights(str(tmp_path / "w.hdf5"))
    other = cthulhu.models.Pile()
    other.add(cthulhu.layers.Daoloth(10, input_dim=784))
    other.add(cthulhu.layers.Darkness(0.1))
    other.add(cthulhu.layers.Azatoth("softmax"))
    other.load_weights(str(tmp_path / "w.hdf5"))
    np.testing.assert_array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))
    assert [type(layer).__name__ for layer in other.layers] == ["Daoloth", "Darkness", "Azatoth"]


def test_dialect_module_docstrings_say_what_differs():
    for module in (keras0, keras1, keras2, cthulhu):
        assert "What differs from Keras 3" in module.__doc__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.reload(keras2.callbacks)


# ------------------------------------------------------------------------- Keras 2.2.4 / 1.2.2 / tf-keras
class _Seen:
    """A callback recording hooks, params at on_train_begin and on_train_end's logs (any dialect's Callback)."""

    @staticmethod
    def make(dialect):
        class Seen(dialect.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.hooks, self.params_seen, self.end_logs = [], None, None

            def on_train_begin(self, logs=None):
                self.params_seen = dict(self.params)

            def on_train_end(self, logs=None):
                self.end_logs = logs

            def on_test_begin(self, logs=None):
                self.hooks.append("on_test_begin")

            def on_predict_begin(self, logs=None):
                self.hooks.append("on_predict_begin")

        return Seen()


def _regression(dialect, **dense):
    model = dialect.models.Sequential()
    model.add(dialect.layers.Dense(1, input_dim=3, **dense))
    model.compile(loss="mse", optimizer="sgd", metrics=["mae", "accuracy"])
    x = np.linspace(0, 1, 30, dtype="float32").reshape(10, 3)
    return model, x, x.sum(axis=1, keepdims=True)


def test_keras2_behaves_as_keras_2_2_4():
    # Measured on Keras 2.2.4 through the harness (conformance/expectations/keras-2.2.4.toml, params.fit-legacy)
    model, x, y = _regression(keras2)
    seen = _Seen.make(keras2)
    history = model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_split=0.3, callbacks=[seen])
    assert seen.params_seen == {"batch_size": 4, "do_validation": True, "epochs": 2, "samples": 7, "steps": None,
                                "verbose": 0, "metrics": ["loss", "mean_absolute_error", "acc", "val_loss",
                                                          "val_mean_absolute_error", "val_acc"]}
    assert seen.end_logs == {} and seen.hooks == []  # on_train_end gets {}; validation calls no hook
    assert sorted(history.history) == ["acc", "loss", "mean_absolute_error", "val_acc", "val_loss",
                                       "val_mean_absolute_error"]
    with pytest.raises(TypeError, match="'callbacks'.*Keras 2.2 only fit"):
        model.evaluate(x, y, verbose=0, callbacks=[seen])
    with pytest.raises(TypeError, match="'callbacks'"):
        model.predict(x, verbose=0, callbacks=[seen])
    assert len(model.evaluate(x, y, verbose=0)) == 3
    # measured on Keras 2.2.4: metrics_names are the logged names, and test_on_batch returns every value
    assert model.metrics_names == ["loss", "mean_absolute_error", "acc"]
    assert len(model.test_on_batch(x[:4], y[:4])) == 3 and len(model.train_on_batch(x[:4], y[:4])) == 3


def test_tf_keras_dialect_keeps_tf_keras_hooks_and_params():
    model, x, y = _regression(tf_keras)
    seen = _Seen.make(tf_keras)
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_split=0.3, callbacks=[seen])
    assert seen.params_seen == {"epochs": 2, "steps": 2, "verbose": 0}
    assert sorted(seen.end_logs) == ["accuracy", "loss", "mae", "val_accuracy", "val_loss", "val_mae"]
    assert seen.hooks == ["on_test_begin", "on_test_begin"]
    model.evaluate(x, y, verbose=0, callbacks=[seen])
    model.predict(x, verbose=0, callbacks=[seen])
    assert seen.hooks[-2:] == ["on_test_begin", "on_predict_begin"]


def test_keras1_params_and_names_are_keras_1_2_2s():
    model, x, y = _regression(keras1)
    seen = _Seen.make(keras1)
    history = model.fit(x, y, batch_size=4, nb_epoch=2, verbose=0, validation_split=0.3, callbacks=[seen])
    assert seen.params_seen == {"batch_size": 4, "do_validation": True, "nb_epoch": 2, "nb_sample": 7,
                                "verbose": 0, "metrics": ["loss", "mean_absolute_error", "acc", "val_loss",
                                                          "val_mean_absolute_error", "val_acc"]}
    assert seen.end_logs == {} and seen.hooks == []
    assert "mean_absolute_error" in history.history
    with pytest.raises(TypeError, match="'callbacks' \\(Keras 1\\)"):
        model.evaluate(x, y, verbose=0, callbacks=[seen])


def test_keras0_evaluate_and_predict_take_no_callbacks_and_validation_calls_no_test_hook():
    # Keras of May 2015 (source history, 1d61d18): evaluate(X, y, batch_size, show_accuracy, verbose), no callbacks;
    # fit's validation calls it without them
    model = keras0.models.Sequential()
    model.add(keras0.layers.Dense(3, 1))
    model.compile(loss="mse", optimizer="sgd")
    x = np.linspace(0, 1, 30, dtype="float32").reshape(10, 3)
    y = x.sum(axis=1, keepdims=True)
    seen = _Seen.make(keras0)
    model.fit(x, y, batch_size=4, nb_epoch=2, verbose=0, validation_split=0.3, callbacks=[seen])
    assert seen.hooks == []
    for call in (lambda: model.evaluate(x, y, verbose=0, callbacks=[seen]),
                 lambda: model.predict(x, verbose=0, callbacks=[seen])):
        with pytest.raises(TypeError, match=r"unexpected keyword argument 'callbacks' \(Keras 0\)\. Accepted: X, "):
            call()
    assert np.isfinite(model.evaluate(x, y, verbose=0))


@pytest.mark.parametrize("dialect", [keras2, keras1], ids=["keras2", "keras1"])
def test_older_dialects_ignore_class_weight_beside_sample_weight_and_say_so(dialect):
    # Keras 2.2.4 and 1.2.2 (standardize_weights: sample_weight wins; 2.2.4 warns), measured through the harness
    x = np.linspace(0, 1, 24, dtype="float32").reshape(8, 3)
    y = np.eye(3, dtype="float32")[np.arange(8) % 3]
    sw = np.linspace(0.5, 2.0, 8, dtype="float32")

    def first_loss(**weights):
        model = dialect.models.Sequential()
        model.add(dialect.layers.Dense(3, input_dim=3, activation="softmax"))
        model.set_weights([np.full((3, 3), 0.1, "float32") * np.arange(3), np.zeros(3, "float32")])
        model.compile(loss="categorical_crossentropy", optimizer="sgd")
        return model.fit(x, y, batch_size=8, verbose=0, **weights).history["loss"][0]

    with pytest.warns(UserWarning, match="class_weight is ignored because sample_weight was given"):
        both = first_loss(sample_weight=sw, class_weight={0: 1.0, 1: 5.0, 2: 1.0})
    assert both == pytest.approx(first_loss(sample_weight=sw), rel=1e-7)
    assert first_loss(class_weight={0: 1.0, 1: 5.0, 2: 1.0}) != pytest.approx(first_loss(), rel=1e-3)
