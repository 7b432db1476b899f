"""``save_weights``, ``load_weights``, ``save_model`` and ``load_model``: the file formats' front door."""

from __future__ import annotations

import contextlib
import json
import os

import h5py

from . import h5_format, keras_archive, serialization
from .atomic import atomic_write, check_destination
from .errors import InvalidCheckpointError

WEIGHTS_SUFFIX = ".weights.h5"
MODEL_SUFFIX = ".keras"
LEGACY_SUFFIXES = (".h5", ".hdf5")


def _as_path(filepath, arg: str = "filepath") -> str:
    try:
        path = os.fspath(filepath)
    except TypeError:
        raise TypeError(f"{arg} must be a str or os.PathLike; received {arg}={filepath!r}.") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not path:
        raise ValueError(f"{arg} must not be empty.")
    return path


def _kind(path: str) -> str:
    lower = path.lower()
    if lower.endswith(WEIGHTS_SUFFIX):
        return "weights"
    if lower.endswith(MODEL_SUFFIX):
        return "keras"
    if lower.endswith(LEGACY_SUFFIXES):
        return "legacy"
    return "unknown"


def _check_overwrite(overwrite) -> None:
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False; received overwrite={overwrite!r}.")


def _require_built(model, path: str) -> None:
    if not model.built:
        raise ValueError(f"Cannot save model '{model.name}' to {path!r}: it is not built yet, so it has no weights. "
                         "Give it an Input(shape), or call it on data (or fit it) first.")


def save_weights(model, filepath, overwrite: bool = True) -> None:
    """Save a model's weights (and optimizer state) to an HDF5 file, atomically.

    ``.weights.h5`` uses the Keras 3 layout (readable by h5py alone and by Keras 3; see
    :mod:`refimpl.saving.h5_format`); the legacy names ``.h5``/``.hdf5`` of Keras 2 use the Keras 2 layout.

    Args:
        model: a built model.
        filepath: where to write; must end in ``.weights.h5`` (or legacy ``.h5``/``.hdf5``).
        overwrite: replace an existing file. Defaults to `True`.

    Raises:
        ValueError: for another extension, or a model that is not built.
        FileExistsError: if the file exists and ``overwrite`` is False.
        IsADirectoryError / FileNotFoundError: for a directory, or a missing parent directory.

    Example:
        >>> import os, tempfile
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> keras.saving.save_weights(model, path)
        >>> import h5py
        >>> h5py.File(path)["layers/dense/vars/0"].shape
        (3, 2)
    """
    path = _as_path(filepath)
    _check_overwrite(overwrite)
    kind = _kind(path)
    if kind not in ("weights", "legacy"):
        raise ValueError("The filename must end in `.weights.h5` (or the legacy `.h5`/`.hdf5` of Keras 2). "
                         f"Received: filepath={path}")
    _require_built(model, path)
    check_destination(path, overwrite, "weights")
    with atomic_write(path, overwrite) as temp, _writing(path):
        with h5py.File(temp, "w") as f:
            if kind == "weights":
                h5_format.write_weights(f, model, include_optimizer=True)
            else:
                h5_format.write_legacy_weights(f, model)


def save_model(model, filepath, overwrite: bool = True, include_optimizer: bool = True, **kwargs) -> None:
    """Save a whole model (architecture, compile settings, weights, optimizer state), atomically.

    ``.keras`` writes a zip archive with ``config.json``, ``metadata.json`` and ``model.weights.h5``;
    the legacy ``.h5``/``.hdf5`` writes one HDF5 file in the Keras 2 layout (``model_config`` and
    ``training_config`` attributes, ``/model_weights``, ``/optimizer_weights``).

    Args:
        model: a built model.
        filepath: where to write; must end in ``.keras`` (or legacy ``.h5``/``.hdf5``).
        overwrite: replace an existing file. Defaults to `True`.
        include_optimizer: also save the optimizer state. Defaults to `True`.

    Raises:
        ValueError: for another extension (``.weights.h5`` names ``save_weights``), or an unbuilt model.
        FileExistsError: if the file exists and ``overwrite`` is False.
        TypeError: for an unknown keyword argument.

    Example:
        >>> import os, tempfile, zipfile
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> keras.saving.save_model(model, path)
        >>> sorted(zipfile.ZipFile(path).namelist())
        ['config.json', 'metadata.json', 'model.weights.h5']
    """
    save_format = kwargs.pop("save_format", None)
    if kwargs:
        raise TypeError(f"save_model() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
    path = _as_path(filepath)
    _check_overwrite(overwrite)
    kind = _kind(path)
    if save_format is not None and save_format not in ("keras", "h5"):
        raise ValueError(f"save_format must be 'keras' or 'h5' (the name's extension decides); received "
                         f"save_format={save_format!r}.")
    if kind == "weights":
        raise ValueError(f"{path!r} names a weights file: model.save() saves the whole model, so use a `.keras` "
                         "name, or call model.save_weights() for `.weights.h5`.")
    if kind == "unknown":
        raise ValueError("Invalid filepath extension for saving. Add a `.keras` extension for the native format "
                         f"(recommended) or a legacy `.h5`/`.hdf5` extension. Received: filepath={path}")
    _require_built(model, path)
    check_destination(path, overwrite, "model")
    config = serialization.model_config(model)
    if kind == "keras":
        with atomic_write(path, overwrite) as temp, _writing(path):
            keras_archive.write_archive(model, temp, config, keras_archive.default_metadata(model))
        return
    compile_cfg = config.pop("compile_config", None)
    with atomic_write(path, overwrite) as temp, _writing(path):
        with h5py.File(temp, "w") as f:
            f.attrs["keras_version"] = h5_format._version()
            f.attrs["backend"] = "numpy"
            f.attrs["refimpl_profile"] = model._profile.name
            f.attrs["model_config"] = json.dumps(config)
            if compile_cfg is not None:
                f.attrs["training_config"] = json.dumps(compile_cfg)
            h5_format.write_legacy_weights(f.create_group("model_weights"), model)
            if include_optimizer and model.optimizer is not None:
                h5_format.write_legacy_optimizer(f.create_group("optimizer_weights"), model.optimizer)


@contextlib.contextmanager
def _writing(path: str):
    """h5py reports some write failures (disk full, file too large) as RuntimeError: report them as OSError."""
    try:
        yield
    except RuntimeError as e:
        raise OSError(f"Could not write {path!r}: {e}. The previous file, if any, is unchanged.") from e


def _check_readable(path: str) -> None:
    if not os.path.exists(path):
        raise FileNotFoundError(f"No such file: {path!r}.")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory; pass the path of a checkpoint file.")


def _open_h5(path: str) -> h5py.File:
    if not h5py.is_hdf5(path):
        raise InvalidCheckpointError(path, "it is not an HDF5 file (it may be empty, truncated or corrupt).")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise InvalidCheckpointError(path, f"the HDF5 file cannot be opened; it may be truncated or corrupt ({e}).") \
            from None


def load_weights(model, filepath, skip_mismatch: bool = False) -> None:
    """Load weights (and optimizer state, when the model is compiled) saved by ``save_weights`` or ``save_model``.

    The file's content decides the layout: a ``.keras`` archive, a ``.weights.h5`` file, or a legacy
    Keras 2 ``.h5`` file (weights only or whole model). Every array is checked before any weight
    changes, so a failed load leaves the model as it was.

    Args:
        model: a built model of the same architecture.
        filepath: the file to read (``.weights.h5``, ``.keras``, ``.h5`` or ``.hdf5``).
        skip_mismatch: skip (with a warning) layers whose variables differ in number or shape instead of
            raising. Defaults to `False`.

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: for an unsupported extension, or weights of another shape (naming the layer and both
            shapes).
        InvalidCheckpointError: for a truncated, corrupt or foreign file (naming it).
        UnsafeCheckpointError: for links, object data or unsafe archive members.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.weights.h5")
        >>> model.save_weights(path)
        >>> clone = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        >>> clone.load_weights(path)
        >>> all(np.array_equal(a, b) for a, b in zip(model.get_weights(), clone.get_weights()))
        True
    """
    path = _as_path(filepath)
    if not isinstance(skip_mismatch, bool):
        raise TypeError(f"skip_mismatch must be True or False; received skip_mismatch={skip_mismatch!r}.")
    if _kind(path) == "unknown":
        raise ValueError("Cannot load weights: the filename must end in `.weights.h5`, `.keras`, or the legacy "
                         f"`.h5`/`.hdf5`. Received: filepath={path}")
    _check_readable(path)
    load_optimizer = getattr(model, "optimizer", None) is not None
    if keras_archive.is_zip(path) or _kind(path) == "keras":
        _, _, weights = keras_archive.read_archive(path)
        with keras_archive.open_weights(weights, path) as f:
            h5_format.read_weights(f, model, path, skip_mismatch, load_optimizer)
        return
    with _open_h5(path) as f:
        h5_format.read_weights(f, model, path, skip_mismatch, load_optimizer)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by ``save_model``: architecture, weights, and (when ``compile``) compile settings and
    optimizer state.

    The file is parsed as data: layer, optimizer, loss and metric classes are looked up in refimpl's
    own tables or in ``custom_objects``; anything else, Lambda layers, pickled or object data, links
    and unsafe archive members are refused. refimpl never runs code from a file, so ``safe_mode=False``
    does not relax these checks.

    Args:
        filepath: a ``.keras`` archive or a legacy whole-model ``.h5``/``.hdf5`` file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics.
            Defaults to `None`.
        compile: compile the model as it was saved and restore the optimizer state. Defaults to `True`.
        safe_mode: accepted for Keras compatibility; loading is always safe. Defaults to `True`.

    Returns:
        The model (a ``Sequential``).

    Raises:
        FileNotFoundError: if the file does not exist.
        ValueError: for an unsupported extension.
        InvalidCheckpointError: for a truncated, corrupt or weights-only file (naming it).
        UnsafeCheckpointError: for anything refused by the safety checks.

    Example:
        >>> import os, tempfile
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, activation="relu")])
        >>> model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.keras")
        >>> model.save(path)
        >>> restored = keras.models.load_model(path)
        >>> [type(layer).__name__ for layer in restored.layers], restored.metrics_names
        (['Dense'], ['loss', 'mae'])
    """
    path = _as_path(filepath)
    if custom_objects is not None and not isinstance(custom_objects, dict):
        raise TypeError(f"custom_objects must be a dict of name -> class or function; received {custom_objects!r}.")
    for arg, value in (("compile", compile), ("safe_mode", safe_mode)):
        if not isinstance(value, bool):
            raise TypeError(f"{arg} must be True or False; received {arg}={value!r}.")
    kind = _kind(path)
    if kind == "unknown":
        raise ValueError("Cannot load a model: the filename must end in `.keras` or the legacy `.h5`/`.hdf5`. "
                         f"Received: filepath={path}")
    _check_readable(path)
    if keras_archive.is_zip(path) or kind == "keras":
        config, metadata, weights = keras_archive.read_archive(path)
        model = serialization.model_from_config(config, path, custom_objects)
        serialization.apply_profile(model, metadata.get("profile"))
        compiled = False
        if compile and isinstance(config, dict) and config.get("compile_config") is not None:
            compile_config = config["compile_config"]
            if config.get("module") == "keras" and isinstance(compile_config, dict):
                compile_config = serialization.normalize_keras3_compile(compile_config)
            compiled = serialization.apply_compile_config(model, compile_config, path, custom_objects)
        with keras_archive.open_weights(weights, path) as f:
            h5_format.read_weights(f, model, path, load_optimizer=compiled)
        return model
    with _open_h5(path) as f:
        layout = h5_format.detect_layout(f, path)
        if layout != "legacy_model":
            raise InvalidCheckpointError(path, "it holds only weights, no model config: build the model in code "
                                               "and call model.load_weights() on it.")
        config = _json_attr(f, "model_config", path, required=True)
        training = _json_attr(f, "training_config", path, required=False)
        model = serialization.model_from_config(config, path, custom_objects)
        serialization.apply_profile(model, h5_format.read_str_attr(f, "refimpl_profile", path, "/", required=False))
        compiled = False
        if compile and training is not None:
            compiled = serialization.apply_compile_config(model, training, path, custom_objects)
        h5_format.read_weights(f, model, path, load_optimizer=compiled)
        return model


def _json_attr(f, name: str, path: str, required: bool):
    text = h5_format.read_str_attr(f, name, path, "/", required=required)
    if text is None:
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as e:
        raise InvalidCheckpointError(path, f"attribute /@{name} is not valid JSON ({e}).") from None
