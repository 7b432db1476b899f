"""Loading treats files as untrusted data: code, pickles, links, zip-slip and malformed configs are refused."""

from __future__ import annotations

import ast
import json
import pathlib
import zipfile

import h5py
import numpy as np
import pytest

import refimpl as keras
from refimpl.saving import InvalidCheckpointError, UnsafeCheckpointError, keras_archive

from .conftest import make_model, same_arrays

REPO = pathlib.Path(__file__).resolve().parents[2]


def _archive_parts(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_archive(path, members):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)


@pytest.fixture
def archive(tmp_path, trained):
    path = tmp_path / "good.keras"
    trained.save(path)
    return path


def _with_config(tmp_path, archive, edit, name="edited.keras"):
    parts = _archive_parts(archive)
    config = json.loads(parts["config.json"])
    edit(config)
    parts["config.json"] = json.dumps(config).encode()
    out = tmp_path / name
    _write_archive(out, parts.items())
    return out


def _assert_refused(path, match, error=UnsafeCheckpointError, **kwargs):
    with pytest.raises(error, match=match) as info:
        keras.models.load_model(path, **kwargs)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize("safe_mode", [True, False])
def test_lambda_layer_is_refused_even_without_safe_mode(tmp_path, archive, safe_mode):
    def add_lambda(config):
        config["config"]["layers"].insert(2, {"class_name": "Lambda", "config": {
            "name": "evil", "function": {"class_name": "__lambda__", "config": {"code": "ZGVmIGY6IHBhc3M="}}}})

    path = _with_config(tmp_path, archive, add_lambda)
    _assert_refused(path, "Lambda layer, which holds Python code", safe_mode=safe_mode)


@pytest.mark.parametrize("class_name", ["EvilLayer", "os.system", "__import__", "Conv2D"])
def test_unknown_layer_class_is_refused_listing_known_ones(tmp_path, archive, class_name):
    def rename(config):
        config["config"]["layers"][1]["class_name"] = class_name

    path = _with_config(tmp_path, archive, rename)
    error = _assert_refused(path, "Unknown layer class")
    assert "Dense" in str(error) and class_name in str(error)


def test_custom_objects_allow_a_users_own_layer(tmp_path):
    class Doubler(keras.layers.Layer):
        def forward(self, x, training=False):
            return 2 * x

    model = keras.Sequential([keras.Input((2,)), Doubler(name="doubler"), keras.layers.Dense(1)])
    path = tmp_path / "custom.keras"
    model.save(path)
    _assert_refused(path, "Doubler")
    restored = keras.models.load_model(path, custom_objects={"Doubler": Doubler})
    assert isinstance(restored.layers[0], Doubler)
    assert same_arrays(restored.get_weights(), model.get_weights())


@pytest.mark.parametrize("edit, match", [
    (lambda c: c.update(class_name="subprocess.Popen"), "unknown model class"),
    (lambda c: c.update(config=[1, 2]), "'config' must be a JSON object"),
    (lambda c: c["config"].update(layers="Dense"), "no 'layers' list"),
    (lambda c: c["config"]["layers"].__setitem__(1, ["Dense", {}]), "layer entry 1"),
    (lambda c: c["config"]["layers"][1].pop("config"), "layer entry 1"),
    (lambda c: c["config"]["layers"][1]["config"].update(units="four"), "layer entry 1"),
    (lambda c: c["config"]["layers"][1]["config"].update(activation="rm -rf"), "Unknown activation"),
    (lambda c: c["config"]["layers"][1]["config"].update(exec="print(1)"), "unexpected keyword"),
    (lambda c: c["compile_config"]["optimizer"].update(class_name="Evil"), "optimizer"),
    (lambda c: c["compile_config"].update(loss={"class_name": "Evil"}), "unknown loss class"),
    (lambda c: c["compile_config"].update(metrics=[{"class_name": "Evil"}]), "unknown metric class"),
    (lambda c: c["compile_config"].update(steps_per_execution=0), "steps_per_execution"),
])
def test_malformed_configs_are_refused_with_a_clear_error(tmp_path, archive, edit, match):
    path = _with_config(tmp_path, archive, edit)
    with pytest.raises(InvalidCheckpointError, match=match) as info:
        keras.models.load_model(path)
    assert str(path) in str(info.value)


def test_config_that_is_not_json_is_refused(tmp_path, archive):
    parts = _archive_parts(archive)
    parts["config.json"] = b"\x80\x04\x95 not json (a pickle header)"
    path = tmp_path / "pickled.keras"
    _write_archive(path, parts.items())
    _assert_refused(path, "config.json is not valid JSON", error=InvalidCheckpointError)


def test_deeply_nested_config_is_refused(tmp_path, archive):
    def nest(config):
        deep: dict = {}
        node = deep
        for _ in range(100):
            node["x"] = {}
            node = node["x"]
        config["config"]["layers"][1]["config"]["extra"] = deep

    _assert_refused(_with_config(tmp_path, archive, nest), "nested more than", error=InvalidCheckpointError)


@pytest.mark.parametrize("member, reason", [
    ("../escape.json", "climbs out"), ("/etc/passwd", "absolute"), ("assets/../../x", "climbs out"),
    ("C:/windows/x", "absolute"), ("assets/notes.txt", "inside a folder"), ("payload.pkl", "unexpected member"),
])
def test_zip_slip_and_unexpected_members_are_refused(tmp_path, archive, member, reason):
    parts = _archive_parts(archive)
    path = tmp_path / "slip.keras"
    _write_archive(path, [*parts.items(), (member, b"x")])
    _assert_refused(path, reason)
    with pytest.raises(UnsafeCheckpointError):
        make_model().load_weights(path)


def test_duplicate_member_is_refused(tmp_path, archive):
    parts = _archive_parts(archive)
    path = tmp_path / "dup.keras"
    with pytest.warns(UserWarning):  # zipfile itself warns about the duplicate name
        _write_archive(path, [*parts.items(), ("config.json", parts["config.json"])])
    _assert_refused(path, "appears twice")


def test_oversized_member_is_refused_before_reading(tmp_path, archive, monkeypatch):
    monkeypatch.setattr(keras_archive, "MAX_JSON_BYTES", 64)
    _assert_refused(archive, "oversized member")


def test_missing_member_is_an_invalid_checkpoint(tmp_path, archive):
    parts = _archive_parts(archive)
    path = tmp_path / "partial.keras"
    _write_archive(path, [(n, d) for n, d in parts.items() if n != "model.weights.h5"])
    _assert_refused(path, "lacks model.weights.h5", error=InvalidCheckpointError)


# ------------------------------------------------------------------------------------------- HDF5 data
def _weights_file(tmp_path, trained, name="w.weights.h5"):
    path = tmp_path / name
    trained.save_weights(path)
    return path


def _replace_dataset(path, where, maker):
    with h5py.File(path, "a") as f:
        del f[where]
        maker(f, where)


@pytest.mark.parametrize("maker, match", [
    (lambda f, w: f.create_dataset(w, data=np.array(["a", "b"], dtype=h5py.string_dtype())), "only numeric"),
    (lambda f, w: f.create_dataset(w, data=np.void(b"\x80\x04pickle")), "only numeric"),
    (lambda f, w: f.create_dataset(w, data=[f["layers/dense/vars/1"].ref], dtype=h5py.ref_dtype), "only numeric"),
    (lambda f, w: f.__setitem__(w, h5py.SoftLink("/layers/dense_1/vars/0")), "SoftLink"),
    (lambda f, w: f.__setitem__(w, h5py.ExternalLink("/etc/hosts.h5", "/x")), "ExternalLink"),
])
def test_non_numeric_data_and_links_in_weights_are_refused(tmp_path, trained, maker, match):
    path = _weights_file(tmp_path, trained)
    _replace_dataset(path, "layers/dense/vars/0", maker)
    clone = make_model()
    before = clone.get_weights()
    with pytest.raises(UnsafeCheckpointError, match=match) as info:
        clone.load_weights(path)
    assert str(path) in str(info.value)
    assert same_arrays(clone.get_weights(), before)  # nothing half-loaded


def test_external_storage_dataset_is_refused(tmp_path, trained):
    path = _weights_file(tmp_path, trained)
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.zeros((3, 4), dtype="float32").tobytes())

    def external(f, where):
        f.create_dataset(where, shape=(3, 4), dtype="float32", external=[(str(raw), 0, h5py.h5f.UNLIMITED)])

    _replace_dataset(path, "layers/dense/vars/0", external)
    with pytest.raises(UnsafeCheckpointError, match="other files"):
        make_model().load_weights(path)


def test_legacy_h5_with_a_lambda_in_model_config_is_refused(tmp_path, trained):
    path = tmp_path / "legacy.h5"
    trained.save(path)
    with h5py.File(path, "a") as f:
        config = json.loads(f.attrs["model_config"])
        config["config"]["layers"].append({"class_name": "Lambda", "config": {"function": "lambda x: x"}})
        f.attrs["model_config"] = json.dumps(config)
    _assert_refused(path, "Lambda")


def test_nothing_in_the_project_imports_pickle_or_allows_pickle():
    offenders = []
    for folder in ("refimpl", "conformance"):
        for source in (REPO / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            tree = ast.parse(text)
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                if any(n.split(".")[0] in ("pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve")
                       for n in names):
                    offenders.append(f"{source}: import {names}")
            if "allow_pickle=True" in text:
                offenders.append(f"{source}: allow_pickle=True")
    assert offenders == []


def test_an_in_memory_archive_is_never_extracted(tmp_path, archive):
    # Loading reads members into memory: no file appears next to the archive.
    before = sorted(p.name for p in tmp_path.iterdir())
    keras.models.load_model(archive)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_keras3_written_config_with_a_regularizer_is_refused_clearly(tmp_path, archive):
    def keras_style(config):
        config["module"] = "keras"
        config["config"]["layers"][1]["config"]["kernel_regularizer"] = {
            "module": "keras.regularizers", "class_name": "L2", "config": {"l2": 0.01}, "registered_name": None}

    path = _with_config(tmp_path, archive, keras_style)
    _assert_refused(path, "uses kernel_regularizer, which refimpl does not implement", error=InvalidCheckpointError)


def test_keras3_written_config_with_off_features_loads(tmp_path, archive):
    def keras_style(config):
        config["module"] = "keras"
        dense = config["config"]["layers"][1]["config"]
        dense.update(kernel_regularizer=None, bias_constraint=None, quantization_config=None,
                     dtype={"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                            "registered_name": None})

    model = keras.models.load_model(_with_config(tmp_path, archive, keras_style))
    assert model.layers[0].dtype == "float32"
