"""ModelCheckpoint: file names, best-only logic, batch frequency, messages and bad input, with real files."""

from __future__ import annotations

import os
import warnings

import h5py
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refimpl as keras
from refimpl.callbacks import ModelCheckpoint
from refimpl.callbacks.model_checkpoint import FilepathTemplateError


def _model(seed: int = 0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


def _data(n: int = 32, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-1.0], [0.5]], dtype="float32"))


class WeightsPerEpoch(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


class CountEpochs(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.epochs = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs += 1


def _h5_weights(path):
    with h5py.File(path, "r") as f:
        return [f[f"layers/{group}/vars/{i}"][()] for group in ("dense", "dense_1") for i in (0, 1)]


def test_template_names_use_one_based_epochs_and_logs_values(tmp_path):
    x, y = _data()
    template = str(tmp_path / "ck.{epoch:02d}-{val_loss:.4f}.weights.h5")
    checkpoint = ModelCheckpoint(template, save_weights_only=True)
    recorder = WeightsPerEpoch()
    history = _model().fit(x, y, validation_data=_data(12, 2), batch_size=8, epochs=3, verbose=0, shuffle=False,
                           callbacks=[checkpoint, recorder])
    expected = [f"ck.{e + 1:02d}-{v:.4f}.weights.h5" for e, v in enumerate(history.history["val_loss"])]
    assert sorted(os.listdir(tmp_path)) == expected
    for name, weights in zip(expected, recorder.weights):
        for saved, live in zip(_h5_weights(tmp_path / name), weights):
            np.testing.assert_array_equal(saved, live)
    assert checkpoint.last_saved == str(tmp_path / expected[-1])


def test_save_best_only_keeps_the_best_epochs_weights(tmp_path):
    x, y = _data()
    path = tmp_path / "best.weights.h5"
    checkpoint = ModelCheckpoint(str(path), monitor="val_loss", save_best_only=True, save_weights_only=True)
    recorder = WeightsPerEpoch()

    class Worsen(keras.callbacks.Callback):  # make epochs 3 and 4 worse, so the best stays at epoch 2
        def on_epoch_begin(self, epoch, logs=None):
            if epoch >= 2:
                self.model.set_weights([w + 5.0 for w in self.model.get_weights()])

    history = _model().fit(x, y, validation_data=_data(12, 2), epochs=4, verbose=0, batch_size=8,
                           callbacks=[Worsen(), checkpoint, recorder])
    best_epoch = int(np.argmin(history.history["val_loss"]))
    assert best_epoch == 1
    assert checkpoint.best == min(history.history["val_loss"])
    for saved, live in zip(_h5_weights(path), recorder.weights[best_epoch]):
        np.testing.assert_array_equal(saved, live)


def test_mode_max_and_initial_value_threshold(tmp_path):
    x, y = _data()
    path = tmp_path / "never.keras"
    unreachable = ModelCheckpoint(str(path), monitor="loss", mode="min", save_best_only=True,
                                  initial_value_threshold=-1.0)
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[unreachable])
    assert not path.exists() and unreachable.best == -1.0
    maxed = ModelCheckpoint(str(tmp_path / "max.keras"), monitor="loss", mode="max", save_best_only=True)
    history = _model().fit(x, y, epochs=3, verbose=0, callbacks=[maxed])
    assert maxed.best == max(history.history["loss"])


def test_seed_001_hdf5_with_save_best_only_and_verbose(tmp_path, capsys):
    """Seed 001/003's example: ModelCheckpoint(filepath='/tmp/weights.hdf5', verbose=1, save_best_only=True)."""
    path = tmp_path / "weights.hdf5"
    checkpointer = ModelCheckpoint(filepath=str(path), verbose=1, save_best_only=True)
    rng = np.random.default_rng(0)
    x_train = rng.random((64, 784)).astype("float32")
    y_train = np.eye(10, dtype="float32")[rng.integers(0, 10, 64)]
    model = keras.Sequential([keras.layers.Dense(10, input_dim=784, kernel_initializer="uniform"),
                              keras.layers.Activation("softmax")])
    model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
    history = model.fit(x_train, y_train, batch_size=128, epochs=3, verbose=0,
                        validation_data=(x_train[:16], y_train[:16]), callbacks=[checkpointer])
    out = capsys.readouterr().out
    losses = history.history["val_loss"]
    assert f"\nEpoch 1: val_loss improved from None to {losses[0]:.5f}, saving model to {path}\n" in out
    assert f"\nEpoch 1: finished saving model to {path}\n" in out
    restored = keras.models.load_model(path)
    with h5py.File(path, "r") as f:
        assert "model_config" in f.attrs and "model_weights" in f
    assert restored.predict(x_train[:2], verbose=0).shape == (2, 10)


def test_verbose_messages_match_keras(tmp_path, capsys):
    x, y = _data()
    path = tmp_path / "m.keras"

    class Worsen(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.set_weights([w + 5.0 for w in self.model.get_weights()])

    checkpoint = ModelCheckpoint(str(path), monitor="loss", save_best_only=True, verbose=1)
    history = _model().fit(x, y, epochs=2, verbose=0, callbacks=[Worsen(), checkpoint])
    first = history.history["loss"][0]
    assert capsys.readouterr().out == (
        f"\nEpoch 1: loss improved from None to {first:.5f}, saving model to {path}\n"
        f"\nEpoch 1: finished saving model to {path}\n"
        f"\nEpoch 2: loss did not improve from {first:.5f}\n")
    every = ModelCheckpoint(str(tmp_path / "e{epoch}.keras"), verbose=1)
    _model().fit(x, y, epochs=1, verbose=0, callbacks=[every])
    assert capsys.readouterr().out == (f"\nEpoch 1: saving model to {tmp_path / 'e1.keras'}\n"
                                       f"\nEpoch 1: finished saving model to {tmp_path / 'e1.keras'}\n")


def test_integer_save_freq_fills_one_based_batch_as_keras(tmp_path):
    """Observed on Keras 3.15.1: 16 samples, batch 4, 2 epochs, save_freq=3 -> w1-3 and w2-2."""
    x, y = _data(16)
    checkpoint = ModelCheckpoint(str(tmp_path / "w{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=3)
    _model().fit(x, y, batch_size=4, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["w1-3.weights.h5", "w2-2.weights.h5"]


def test_integer_save_freq_with_steps_per_execution(tmp_path):
    x, y = _data(32)
    model = _model()
    model.compile(optimizer="sgd", loss="mse", steps_per_execution=2)
    checkpoint = ModelCheckpoint(str(tmp_path / "w{epoch}-{batch}.weights.h5"), save_weights_only=True, save_freq=4)
    model.fit(x, y, batch_size=4, epochs=1, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["w1-4.weights.h5", "w1-8.weights.h5"]


def test_whole_model_checkpoints_load_back(tmp_path):
    x, y = _data()
    model = _model()
    checkpoint = ModelCheckpoint(str(tmp_path / "model.keras"))
    model.fit(x, y, epochs=2, verbose=0, callbacks=[checkpoint])
    restored = keras.models.load_model(tmp_path / "model.keras")
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))
    assert int(restored.optimizer.iterations) == int(model.optimizer.iterations)


def test_templated_directories_are_created(tmp_path):
    x, y = _data()
    checkpoint = ModelCheckpoint(str(tmp_path / "run" / "epoch{epoch}" / "model.keras"))
    _model().fit(x, y, epochs=2, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path / "run")) == ["epoch1", "epoch2"]


def test_period_is_a_deprecated_alias_saving_every_n_epochs(tmp_path):
    x, y = _data()
    with pytest.warns(DeprecationWarning, match="save_freq"):
        checkpoint = ModelCheckpoint(str(tmp_path / "p{epoch}.keras"), period=2)
    _model().fit(x, y, epochs=5, verbose=0, callbacks=[checkpoint])
    assert sorted(os.listdir(tmp_path)) == ["p2.keras", "p4.keras"]


def test_missing_template_key_names_the_key_and_available_ones(tmp_path):
    x, y = _data()
    checkpoint = ModelCheckpoint(str(tmp_path / "m-{val_accuracy:.2f}.keras"))
    with pytest.raises(FilepathTemplateError) as info:
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])
    message = str(info.value)
    assert "'val_accuracy'" in message and "epoch, loss, mae" in message
    assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
    assert os.listdir(tmp_path) == []


def test_batch_field_with_epoch_saving_says_why(tmp_path):
    x, y = _data()
    checkpoint = ModelCheckpoint(str(tmp_path / "m-{batch}.keras"))
    with pytest.raises(FilepathTemplateError, match="save_freq is an integer"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[checkpoint])


def test_missing_monitor_warns_once_listing_keys_and_still_saves(tmp_path):
    x, y = _data()
    checkpoint = ModelCheckpoint(str(tmp_path / "m{epoch}.keras"), save_best_only=True)  # no validation data
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        _model().fit(x, y, epochs=2, verbose=0, callbacks=[checkpoint])
    explained = [w for w in record if "save_best_only cannot compare it" in str(w.message)]
    assert len(explained) == 1 and "Available metrics are: loss, mae" in str(explained[0].message)
    # Keras's own per-epoch warning names the keys too, so a misspelt monitor is obvious wherever it is read.
    per_epoch = [str(w.message) for w in record if str(w.message).startswith("Can save best model only")]
    assert per_epoch == ["Can save best model only with val_loss available. Available metrics are: loss, mae."] * 2
    assert sorted(os.listdir(tmp_path)) == ["m1.keras", "m2.keras"]


def test_unwritable_directory_fails_at_train_begin_before_any_epoch(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    counter = CountEpochs()
    checkpoint = ModelCheckpoint(str(blocker / "sub" / "m{epoch}.keras"))
    x, y = _data()
    with pytest.raises(PermissionError, match="cannot create the directory") as info:
        _model().fit(x, y, epochs=2, verbose=0, callbacks=[counter, checkpoint])
    assert str(blocker / "sub") in str(info.value)
    assert counter.epochs == 0


def test_existing_directory_as_filepath_fails_at_train_begin(tmp_path):
    folder = tmp_path / "model.keras"
    folder.mkdir()
    counter = CountEpochs()
    x, y = _data()
    with pytest.raises(IsADirectoryError, match="non-directory filepath"):
        _model().fit(x, y, epochs=1, verbose=0, callbacks=[counter, ModelCheckpoint(str(folder))])
    assert counter.epochs == 0


@pytest.mark.parametrize("kwargs, error, match", [
    ({"filepath": "w.keras", "save_weights_only": True}, ValueError, "must end in `.weights.h5`"),
    ({"filepath": "w.weights.h5"}, ValueError, "save_weights_only=True"),
    ({"filepath": "w.txt"}, ValueError, "must end in `.keras`"),
    ({"filepath": "w.keras", "mode": "best"}, ValueError, "'auto', 'min', 'max'"),
    ({"filepath": "w.keras", "save_freq": "batch"}, ValueError, "save_freq"),
    ({"filepath": "w.keras", "save_freq": 0}, ValueError, "save_freq"),
    ({"filepath": "w.keras", "save_freq": True}, ValueError, "save_freq"),
    ({"filepath": "w{}.keras"}, ValueError, "fields must be names"),
    ({"filepath": "w{0}.keras"}, ValueError, "fields must be names"),
    ({"filepath": "w{logs.x}.keras"}, ValueError, "fields must be names"),
    ({"filepath": "w{epoch.keras"}, ValueError, "not a valid format template"),
    ({"filepath": "w.keras", "save_best_only": "yes"}, ValueError, "save_best_only"),
    ({"filepath": "w.keras", "verbose": -1}, ValueError, "verbose"),
    ({"filepath": "w.keras", "initial_value_threshold": "low"}, ValueError, "baseline|initial_value_threshold"),
    ({"filepath": "", }, ValueError, "filepath"),
    ({"filepath": None}, TypeError, "filepath"),
    ({"filepath": "w.keras", "options": {}}, TypeError, "options"),
])
def test_bad_arguments_fail_at_construction(kwargs, error, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(error, match=match):
            ModelCheckpoint(**kwargs)


@pytest.mark.parametrize("period", [0, -1, 1.5, "2"])
def test_bad_period(period):
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="period"):
        ModelCheckpoint("w.keras", period=period)


def test_legacy_names_accepted_for_both_kinds(tmp_path):
    x, y = _data()
    model = _model()
    model.fit(x, y, epochs=1, verbose=0, callbacks=[
        ModelCheckpoint(str(tmp_path / "w.h5"), save_weights_only=True),
        ModelCheckpoint(str(tmp_path / "m.hdf5"))])
    clone = _model(seed=5)
    clone.load_weights(tmp_path / "w.h5")
    assert all(np.array_equal(a, b) for a, b in zip(clone.get_weights(), model.get_weights()))
    assert keras.models.load_model(tmp_path / "m.hdf5").count_params() == model.count_params()


def test_keras2_dialect_gets_tf_keras_messages_and_skips_without_monitor(tmp_path, capsys):
    """tf-keras 2.21 starts best at inf, prints no "finished saving" line, and skips when the monitor is missing."""
    from refimpl.dialects.cthulhu.callbacks import LumpCheckpoint
    from refimpl.dialects.cthulhu.layers import Azatoth, Daoloth
    from refimpl.dialects.cthulhu.models import Pile, load_model

    path = tmp_path / "weights.hdf5"
    rng = np.random.default_rng(0)
    x_train = rng.random((32, 784)).astype("float32")
    y_train = np.eye(10, dtype="float32")[rng.integers(0, 10, 32)]
    model = Pile()
    model.add(Daoloth(10, input_dim=784, kernel_initializer="uniform"))
    model.add(Azatoth("softmax"))
    model.conjure(loss="categorical_crossentropy", optimizer="rmsprop")
    checkpointer = LumpCheckpoint(filepath=str(path), verbose=1, save_best_only=True)
    history = model.summon(x_train, y_train, batch_size=128, epochs=1, verbose=0,
                           validation_data=(x_train, y_train), callbacks=[checkpointer])
    first = history.history["val_loss"][0]
    assert capsys.readouterr().out == f"\nEpoch 1: val_loss improved from inf to {first:.5f}, saving model to {path}\n"
    restored = load_model(str(path))
    np.testing.assert_allclose(restored.predict(x_train[:2], verbose=0), model.predict(x_train[:2], verbose=0))
    missing = LumpCheckpoint(filepath=str(tmp_path / "none.hdf5"), save_best_only=True)
    with pytest.warns(UserWarning, match="skipping|checkpoints are skipped"):
        model.summon(x_train, y_train, epochs=1, verbose=0, callbacks=[missing])
    assert not (tmp_path / "none.hdf5").exists()


# ----------------------------------------------------------------------------------- template fuzzing
_keys = st.from_regex(r"[a-z_][a-z0-9_]{0,12}", fullmatch=True).filter(lambda k: k not in ("epoch", "batch"))
_values = st.floats(allow_nan=True, allow_infinity=True, width=32)
_specs = st.sampled_from(["", ":.2f", ":.4f", ":e", ":08.3f", ":g"])


@given(logs=st.dictionaries(_keys, _values, max_size=5), used=st.lists(st.tuples(_keys, _specs), max_size=4),
       epoch=st.integers(0, 10_000), batch=st.one_of(st.none(), st.integers(0, 10_000)))
def test_filled_templates_match_str_format_or_name_the_missing_key(logs, used, epoch, batch):
    template = "ck-{epoch:03d}" + "".join(f"-{{{key}{spec}}}" for key, spec in used) + ".keras"
    checkpoint = ModelCheckpoint(template, save_freq="epoch" if batch is None else 5)
    values = {**logs, "epoch": epoch + 1}
    if batch is not None:
        values["batch"] = batch + 1
    missing = [key for key, _ in used if key not in values]
    if missing:
        with pytest.raises(FilepathTemplateError) as info:
            checkpoint._get_file_path(epoch, batch, logs)
        assert repr(missing[0]) in str(info.value)
        for key in logs:
            assert key in str(info.value)
    else:
        assert checkpoint._get_file_path(epoch, batch, logs) == template.format(**values)


@given(text=st.text(alphabet=st.sampled_from("ab{}:.0_!-/"), max_size=20))
def test_arbitrary_brace_text_is_accepted_or_refused_at_construction(text):
    try:
        checkpoint = ModelCheckpoint(text + ".keras")
    except ValueError as e:
        assert "filepath" in str(e)
        return
    try:
        name = checkpoint._get_file_path(0, None, {"a": 1.0, "b": 2.0})
    except (FilepathTemplateError, ValueError) as e:
        assert "filepath" in str(e)
    else:
        assert name.endswith(".keras")
