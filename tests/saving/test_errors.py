"""Bad input to the savers and loaders: each gets an error naming the argument or the file, before any write."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import refimpl as keras
from refimpl.saving import InvalidCheckpointError

from .conftest import make_model, same_arrays


# ------------------------------------------------------------------------------------ corrupt files
def _truncations(data: bytes):
    return sorted({0, 1, 7, len(data) // 3, len(data) // 2, len(data) - 100, len(data) - 1})


@pytest.mark.parametrize("name", ["model.keras", "model.weights.h5", "model.h5"])
def test_truncated_files_are_invalid_checkpoints_naming_the_file(tmp_path, trained, name):
    good = tmp_path / f"good-{name}"
    (trained.save_weights if name.endswith(".weights.h5") else trained.save)(good)
    data = good.read_bytes()
    for cut in _truncations(data):
        path = tmp_path / f"cut{cut}-{name}"
        path.write_bytes(data[:cut])
        clone = make_model()
        before = clone.get_weights()
        with pytest.raises(InvalidCheckpointError) as info:
            clone.load_weights(path)
        message = str(info.value)
        assert str(path) in message and "is not a valid checkpoint" in message, (cut, message)
        assert "not found" not in message.lower()
        assert same_arrays(clone.get_weights(), before)
        if not name.endswith(".weights.h5"):
            with pytest.raises(InvalidCheckpointError, match="not a valid checkpoint"):
                keras.models.load_model(path)


@pytest.mark.parametrize("name", ["model.keras", "model.weights.h5"])
def test_flipped_bytes_never_load_silently_wrong_structure(tmp_path, trained, name):
    good = tmp_path / f"good-{name}"
    (trained.save_weights if name.endswith(".weights.h5") else trained.save)(good)
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(0)
    for trial in range(60):
        corrupt = bytearray(data)
        for index in rng.integers(0, len(data), size=8):
            corrupt[index] ^= 0xFF
        path = tmp_path / f"flip{trial}-{name}"
        path.write_bytes(bytes(corrupt))
        clone = make_model()
        try:
            clone.load_weights(path)
        except (InvalidCheckpointError, ValueError) as e:
            assert str(path) in str(e)
        # Either a clear error or a load of arrays of the right shapes: never another exception type.


def test_random_bytes_with_a_checkpoint_name(tmp_path):
    path = tmp_path / "noise.weights.h5"
    path.write_bytes(os.urandom(4096))
    with pytest.raises(InvalidCheckpointError, match="not an HDF5 file"):
        make_model().load_weights(path)


def test_missing_file_is_file_not_found_naming_it(tmp_path):
    path = tmp_path / "absent.keras"
    with pytest.raises(FileNotFoundError, match="absent.keras"):
        keras.models.load_model(path)
    with pytest.raises(FileNotFoundError, match="absent.keras"):
        make_model().load_weights(path)


def test_a_directory_is_not_a_checkpoint(tmp_path):
    folder = tmp_path / "dir.keras"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="directory"):
        keras.models.load_model(folder)


# ------------------------------------------------------------------------------------ wrong shapes
def test_weights_of_another_shape_name_the_layer_and_both_shapes(tmp_path, trained):
    path = tmp_path / "w.weights.h5"
    trained.save_weights(path)
    other = make_model(hidden=5)
    before = other.get_weights()
    with pytest.raises(ValueError) as info:
        other.load_weights(path)
    message = str(info.value)
    layer = other.layers[0].name
    assert f"layer '{layer}'" in message and "(3, 5)" in message and "(3, 4)" in message
    assert str(path) in message
    assert same_arrays(other.get_weights(), before)


@pytest.mark.parametrize("name", ["w.weights.h5", "w.h5", "w.keras"])
def test_skip_mismatch_loads_the_layers_that_fit(tmp_path, name):
    source = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(2)])
    path = tmp_path / name
    (source.save if name.endswith(".keras") else source.save_weights)(path)
    target = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4), keras.layers.Dense(3)])
    with pytest.warns(UserWarning, match="Skipping"):
        target.load_weights(path, skip_mismatch=True)
    assert same_arrays(target.layers[0].get_weights(), source.layers[0].get_weights())
    assert target.layers[1].get_weights()[0].shape == (4, 3)


def test_more_layers_in_the_file_than_in_the_model(tmp_path):
    deep = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.Dense(3), keras.layers.Dense(1)])
    shallow = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), keras.layers.Dense(3)])
    for name in ("deep.weights.h5", "deep.h5"):
        path = tmp_path / name
        deep.save_weights(path)
        with pytest.raises(ValueError, match="dense_2|3 layers"):
            shallow.load_weights(path)


def test_unbuilt_model_cannot_load_or_save(tmp_path, trained):
    path = tmp_path / "w.weights.h5"
    trained.save_weights(path)
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="not built"):
        unbuilt.load_weights(path)
    with pytest.raises(ValueError, match="not built"):
        unbuilt.save_weights(tmp_path / "x.weights.h5")
    assert not (tmp_path / "x.weights.h5").exists()


def test_optimizer_state_of_another_optimizer_is_skipped_with_a_warning(tmp_path, trained):
    path = tmp_path / "w.weights.h5"
    trained.save_weights(path)  # Adam: 2 slots per variable
    clone = make_model(optimizer="sgd")
    with pytest.warns(UserWarning, match="optimizer state"):
        clone.load_weights(path)
    assert same_arrays(clone.get_weights(), trained.get_weights())


# ------------------------------------------------------------------------------------ bad arguments
@pytest.mark.parametrize("call, match", [
    (lambda m, d: m.save_weights(d / "w.keras"), "must end in `.weights.h5`"),
    (lambda m, d: m.save_weights(d / "w.npz"), "must end in `.weights.h5`"),
    (lambda m, d: m.save(d / "m.weights.h5"), "save_weights"),
    (lambda m, d: m.save(d / "m.tf"), "Invalid filepath extension"),
    (lambda m, d: m.save(d / "m.keras", save_format="tf"), "save_format"),
    (lambda m, d: m.load_weights(d / "w.txt"), "must end in"),
    (lambda m, d: keras.models.load_model(d / "m.pb"), "must end in"),
    (lambda m, d: m.save_weights(""), "must not be empty"),
])
def test_bad_names_are_value_errors(tmp_path, trained, call, match):
    with pytest.raises(ValueError, match=match):
        call(trained, tmp_path)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("call, match", [
    (lambda m, d: m.save_weights(d / "w.weights.h5", overwrite="yes"), "overwrite"),
    (lambda m, d: m.save_weights(42), "filepath"),
    (lambda m, d: m.save(d / "m.keras", zipped=False), "zipped"),
    (lambda m, d: m.load_weights(d / "w.weights.h5", skip_mismatch="no"), "skip_mismatch"),
    (lambda m, d: m.load_weights(d / "w.weights.h5", by_name=True), "by_name"),
    (lambda m, d: keras.models.load_model(d / "m.keras", custom_objects=["Dense"]), "custom_objects"),
    (lambda m, d: keras.models.load_model(d / "m.keras", compile="no"), "compile"),
    (lambda m, d: keras.models.load_model(d / "m.keras", safe_mode=None), "safe_mode"),
])
def test_bad_argument_types_are_type_errors_naming_the_argument(tmp_path, trained, call, match):
    with pytest.raises(TypeError, match=match):
        call(trained, tmp_path)


def test_overwrite_false_refuses_and_keeps_the_file(tmp_path, trained):
    path = tmp_path / "m.keras"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="overwrite=False"):
        trained.save(path, overwrite=False)
    assert path.read_bytes() == b"precious"
    with pytest.raises(FileExistsError):
        trained.save_weights(tmp_path / "m.keras.weights.h5", overwrite=False) if False else \
            keras.saving.save_model(trained, path, overwrite=False)
    fresh = tmp_path / "fresh.keras"
    trained.save(fresh, overwrite=False)
    assert keras.models.load_model(fresh)


def test_saving_to_a_directory_or_a_missing_directory(tmp_path, trained):
    folder = tmp_path / "m.keras"
    folder.mkdir()
    with pytest.raises(IsADirectoryError, match="directory"):
        trained.save(folder)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        trained.save(tmp_path / "missing" / "m.keras")


def test_no_temporary_files_are_left_after_saves(tmp_path, trained):
    for name in ("a.keras", "b.weights.h5", "c.h5"):
        (trained.save_weights if name.endswith(".weights.h5") else trained.save)(tmp_path / name)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.keras", "b.weights.h5", "c.h5"]


def test_load_warns_nothing_on_a_clean_round_trip(tmp_path, trained):
    path = tmp_path / "m.keras"
    trained.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keras.models.load_model(path)


def test_optimizer_state_of_another_class_with_the_same_shapes_is_not_loaded(tmp_path):
    source = make_model(optimizer=keras.optimizers.RMSprop())  # one slot per variable
    source.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0)
    path = tmp_path / "w.weights.h5"
    source.save_weights(path)
    target = make_model(optimizer=keras.optimizers.SGD(momentum=0.9))  # also one slot per variable
    with pytest.warns(UserWarning, match="saved by RMSprop"):
        target.load_weights(path)
    assert int(target.optimizer.iterations) == 0
    assert same_arrays(target.get_weights(), source.get_weights())
