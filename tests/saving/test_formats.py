"""Round trips of every format, read back with h5py and zipfile to check the documented layouts."""

from __future__ import annotations

import json
import zipfile

import h5py
import numpy as np
import pytest

import refimpl as keras
from refimpl import rng
from refimpl.saving import InvalidCheckpointError

from .conftest import data, make_model, same_arrays


def test_weights_h5_layout_is_one_group_per_layer_readable_by_h5py(tmp_path, trained):
    path = tmp_path / "model.weights.h5"
    trained.save_weights(path)
    with h5py.File(path, "r") as f:
        assert sorted(f["layers"].keys()) == ["dense", "dense_1", "dropout"]
        assert f["layers/dense/vars"].attrs["name"] == trained.layers[0].name
        assert f["layers/dense/vars"].attrs["class_name"] == "Dense"
        kernel, bias = trained.layers[0].get_weights()
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], kernel)
        np.testing.assert_array_equal(f["layers/dense/vars/1"][()], bias)
        assert f["layers/dense/vars/0"].attrs["name"] == "kernel"
        assert len(f["layers/dropout/vars"]) == 0
        opt = f["optimizer/vars"]
        assert opt.attrs["class_name"] == "Adam"
        assert len(opt) == len(trained.optimizer.variables)
        assert int(opt["0"][()]) == int(trained.optimizer.iterations) == 6
        assert f.attrs["refimpl_format"] == "refimpl.weights"


def test_weights_round_trip_restores_weights_and_optimizer_state(tmp_path, trained):
    path = tmp_path / "model.weights.h5"
    trained.save_weights(path)
    clone = make_model()
    clone.load_weights(path)
    assert same_arrays(clone.get_weights(), trained.get_weights())
    assert same_arrays(clone.optimizer.get_state(), trained.optimizer.get_state())
    x, _ = data()
    np.testing.assert_array_equal(clone.predict(x, verbose=0), trained.predict(x, verbose=0))


def test_keras_archive_holds_config_metadata_and_weights(tmp_path, trained):
    path = tmp_path / "model.keras"
    trained.save(path)
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
        metadata = json.loads(archive.read("metadata.json"))
    assert config["class_name"] == "Sequential"
    assert [layer["class_name"] for layer in config["config"]["layers"]] == ["InputLayer", "Dense", "Dropout", "Dense"]
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["optimizer"]["config"]["learning_rate"] == pytest.approx(0.001)
    assert compile_config["loss"]["class_name"] == "MeanSquaredError"
    assert compile_config["metrics"] == ["mae"]
    assert metadata["profile"] == "keras3" and "date_saved" in metadata


def test_keras_archive_round_trip_restores_everything(tmp_path, trained):
    path = tmp_path / "model.keras"
    trained.save(path)
    restored = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in restored.layers] == ["Dense", "Dropout", "Dense"]
    assert [layer.name for layer in restored.layers] == [layer.name for layer in trained.layers]
    assert same_arrays(restored.get_weights(), trained.get_weights())
    assert type(restored.optimizer).__name__ == "Adam"
    assert same_arrays(restored.optimizer.get_state(), trained.optimizer.get_state())
    assert restored.metrics_names == ["loss", "mae"]
    # Training continues identically from the restored state.
    x, y = data(seed=3)
    rng.seed(5)  # the same Dropout draws for both
    a = trained.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False).history
    rng.seed(5)
    b = restored.fit(x, y, epochs=1, batch_size=8, verbose=0, shuffle=False).history
    assert a == b


def test_load_model_compile_false_gives_an_uncompiled_model(tmp_path, trained):
    path = tmp_path / "model.keras"
    trained.save(path)
    restored = keras.models.load_model(path, compile=False)
    assert restored.optimizer is None and not restored.compiled
    assert same_arrays(restored.get_weights(), trained.get_weights())


def test_uncompiled_model_saves_and_loads(tmp_path):
    model = make_model(compile=False)
    path = tmp_path / "plain.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert not restored.compiled
    assert same_arrays(restored.get_weights(), model.get_weights())


@pytest.mark.parametrize("name", ["model.h5", "model.hdf5"])
def test_legacy_whole_model_h5_round_trip(tmp_path, trained, name):
    path = tmp_path / name
    trained.save(path)
    with h5py.File(path, "r") as f:
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        assert json.loads(f.attrs["training_config"])["optimizer"]["class_name"] == "Adam"
        names = [n.decode() for n in f["model_weights"].attrs["layer_names"]]
        assert names == [layer.name for layer in trained.layers]
        first = trained.layers[0].name
        weight_names = [n.decode() for n in f["model_weights"][first].attrs["weight_names"]]
        assert weight_names == [f"{first}/kernel:0", f"{first}/bias:0"]
        assert "optimizer_weights" in f
    restored = keras.models.load_model(path)
    assert same_arrays(restored.get_weights(), trained.get_weights())
    assert same_arrays(restored.optimizer.get_state(), trained.optimizer.get_state())


@pytest.mark.parametrize("name", ["weights.h5", "weights.hdf5"])
def test_legacy_weights_only_h5_round_trip(tmp_path, trained, name):
    path = tmp_path / name
    trained.save_weights(path)
    with h5py.File(path, "r") as f:
        assert "layer_names" in f.attrs and "model_config" not in f.attrs
    clone = make_model()
    clone.load_weights(path)
    assert same_arrays(clone.get_weights(), trained.get_weights())
    with pytest.raises(InvalidCheckpointError, match="only weights"):
        keras.models.load_model(path)


@pytest.mark.parametrize("name", ["model.keras", "whole.h5"])
def test_load_weights_reads_whole_model_files_too(tmp_path, trained, name):
    path = tmp_path / name
    trained.save(path)
    clone = make_model()
    clone.load_weights(path)
    assert same_arrays(clone.get_weights(), trained.get_weights())


def test_keras2_profile_is_kept_by_the_archive(tmp_path):
    from refimpl import profiles

    model = make_model(compile=False)
    model._profile = profiles.KERAS2
    model.compile(optimizer="sgd", loss="mse", metrics=["accuracy"])
    path = tmp_path / "k2.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored._profile.name == "keras2"
    x, y = data()
    logs = restored.fit(x, y, epochs=1, verbose=0).history
    assert "acc" in logs


def test_schedule_and_options_of_the_optimizer_survive(tmp_path):
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model = make_model(compile=False)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.9, clipnorm=1.0), loss="mse")
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "sched.keras"
    model.save(path)
    restored = keras.models.load_model(path)
    assert restored.optimizer.get_config() == model.optimizer.get_config()
    assert float(restored.optimizer.learning_rate) == pytest.approx(float(model.optimizer.learning_rate))


def test_custom_loss_function_needs_custom_objects(tmp_path):
    def doubled_mse(y_true, y_pred):
        return 2.0 * np.mean((y_true - y_pred) ** 2, axis=-1)

    model = make_model(compile=False)
    model.compile(optimizer="sgd", loss=doubled_mse)
    path = tmp_path / "custom.keras"
    model.save(path)
    with pytest.warns(UserWarning, match="doubled_mse"):
        uncompiled = keras.models.load_model(path)
    assert not uncompiled.compiled
    restored = keras.models.load_model(path, custom_objects={"doubled_mse": doubled_mse})
    assert restored.compiled and restored.loss.name == "doubled_mse"


def test_pathlike_and_str_paths_both_work(tmp_path, trained):
    trained.save_weights(str(tmp_path / "a.weights.h5"))
    trained.save_weights(tmp_path / "b.weights.h5")
    clone = make_model()
    clone.load_weights(str(tmp_path / "b.weights.h5"))
    assert same_arrays(clone.get_weights(), trained.get_weights())


def test_unicode_and_long_paths(tmp_path, trained):
    folder = tmp_path / ("检查点-체크포인트-" + "x" * 150)
    folder.mkdir()
    path = folder / "模型.keras"
    trained.save(path)
    restored = keras.models.load_model(path)
    assert same_arrays(restored.get_weights(), trained.get_weights())
