"""Weights in HDF5: the Keras 3 layout of ``.weights.h5`` and the Keras 2 layout of legacy ``.h5`` files.

``.weights.h5`` (and the ``model.weights.h5`` member of a ``.keras`` archive) — the Keras 3 layout, so that
Keras 3 and refimpl read each other's files::

    /                       attrs: refimpl_format="refimpl.weights", refimpl_format_version=1
    /layers/<group>/vars    one group per layer, in model order; attrs: name=<layer name>, class_name
    /layers/<group>/vars/0  the layer's variables as datasets "0", "1"… (Dense: kernel, bias);
                            attrs: name=<variable name>
    /vars                   the model's own variables (none); attrs: name=<model name>
    /optimizer/vars/0…      optimizer state when the model is compiled: iterations, learning_rate,
                            then each variable's slots (e.g. Adam's m and v), then EMA averages

``<group>`` is the layer's class name in snake case, numbered per class as Keras numbers it
(``dense``, ``dense_1``, ``dropout``…); the layer's own name is the ``name`` attribute of its ``vars``.

Legacy ``.h5``/``.hdf5`` — the Keras 2 layout: attrs ``layer_names`` on the root (weights only) or on
``/model_weights`` (whole model, with ``model_config``/``training_config`` JSON attrs on the root and the
optimizer state in ``/optimizer_weights``); each layer group lists its datasets in ``weight_names``.

Reading is defensive: only hard links are followed (no soft or external links), only numeric datasets
are read (no object, string, reference or compound data, no external or virtual storage), and every
shape is checked against the model before any weight is changed.
"""

from __future__ import annotations

import contextlib
import re
import warnings

import h5py
import numpy as np

from ..layers import get_layer_class
from .errors import InvalidCheckpointError, UnsafeCheckpointError, WeightsMismatchError

FORMAT_NAME = "refimpl.weights"
FORMAT_VERSION = 1
MAX_ATTR_CHARS = 64 * 1024 * 1024


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def saved_layer_class_name(layer) -> str:
    """The class name a layer is saved under.

    refimpl's dialects rename built-in layers (cthulhu's ``Daoloth`` is a ``Dense``); they are saved under the
    built-in name so that any refimpl (and Keras) loads them. A user's own subclass keeps its own name and needs
    ``custom_objects`` to load.
    """
    cls = type(layer)
    if not cls.__module__.startswith("refimpl."):
        return cls.__name__
    for base in cls.__mro__:
        try:
            if get_layer_class(base.__name__) is base:
                return base.__name__
        except ValueError:
            continue
    return cls.__name__


def layer_group_names(layers) -> list[str]:
    """Keras 3's per-class numbering of layer groups: ``dense``, ``dense_1``, ``dropout``, ``dense_2``…"""
    counts: dict[str, int] = {}
    names = []
    for layer in layers:
        base = _snake(saved_layer_class_name(layer))
        n = counts.get(base, 0)
        counts[base] = n + 1
        names.append(base if n == 0 else f"{base}_{n}")
    return names


def _version() -> str:
    from .. import __version__

    return f"refimpl {__version__}"


# ------------------------------------------------------------------------------------------------- writing
def write_weights(f: h5py.File, model, include_optimizer: bool = True) -> None:
    """Write ``model``'s weights (and optimizer state) into an open HDF5 file in the Keras 3 layout."""
    f.attrs["refimpl_format"] = FORMAT_NAME
    f.attrs["refimpl_format_version"] = FORMAT_VERSION
    layers_group = f.create_group("layers")
    for group_name, layer in zip(layer_group_names(model.layers), model.layers):
        vars_group = layers_group.create_group(group_name).create_group("vars")
        vars_group.attrs["name"] = layer.name
        vars_group.attrs["class_name"] = saved_layer_class_name(layer)
        for i, var in enumerate(layer.weights):
            dataset = vars_group.create_dataset(str(i), data=var.value)
            dataset.attrs["name"] = var.name
    f.create_group("vars").attrs["name"] = model.name
    optimizer = getattr(model, "optimizer", None)
    if include_optimizer and optimizer is not None:
        vars_group = f.create_group("optimizer").create_group("vars")
        vars_group.attrs["name"] = optimizer.name
        vars_group.attrs["class_name"] = type(optimizer).__name__
        for i, var in enumerate(optimizer.variables):
            vars_group.create_dataset(str(i), data=var.value).attrs["name"] = var.path


def write_legacy_weights(group: h5py.Group, model) -> None:
    """Write weights in the Keras 2 layout (``layer_names`` / ``weight_names`` attributes)."""
    group.attrs["layer_names"] = _bytes_array([layer.name for layer in model.layers])
    group.attrs["backend"] = "numpy"
    group.attrs["keras_version"] = _version()
    for layer in model.layers:
        layer_group = group.create_group(layer.name)
        names = [f"{layer.name}/{var.name}:0" for var in layer.weights]
        layer_group.attrs["weight_names"] = _bytes_array(names)
        for name, var in zip(names, layer.weights):
            layer_group.create_dataset(name, data=var.value)


def write_legacy_optimizer(group: h5py.Group, optimizer) -> None:
    """Write optimizer state in the Keras 2 layout (``/optimizer_weights``)."""
    names = [f"{optimizer.name}/{i}_{var.path.replace('/', '.')}:0" for i, var in enumerate(optimizer.variables)]
    group.attrs["weight_names"] = _bytes_array(names)
    for name, var in zip(names, optimizer.variables):
        group.create_dataset(name, data=var.value)


def _bytes_array(names: list[str]) -> np.ndarray:
    if not names:
        return np.zeros((0,), dtype="S1")
    return np.array([n.encode("utf-8") for n in names], dtype="S")


# ------------------------------------------------------------------------------------------ safe reading
def child(group: h5py.Group, name: str, path, where: str):
    """Return ``group[name]`` if it exists as a hard link, None if absent; refuse soft and external links."""
    try:
        link = group.get(name, getlink=True)
    except (KeyError, ValueError, OSError, RuntimeError) as e:
        raise InvalidCheckpointError(path, f"cannot read {where}/{name}: {e}") from None
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        raise UnsafeCheckpointError(path, f"{where}/{name} is a {type(link).__name__}; links to other objects "
                                          "or files are not followed.")
    try:
        return group[name]
    except (KeyError, ValueError, OSError, RuntimeError) as e:
        raise InvalidCheckpointError(path, f"cannot read {where}/{name}: {e}") from None


def walk(group: h5py.Group, relative: str, path, where: str):
    """Follow a ``a/b/c`` path from ``group`` through hard links only."""
    node = group
    for part in relative.split("/"):
        if not part:
            continue
        if not isinstance(node, h5py.Group):
            return None
        node = child(node, part, path, where)
        where = f"{where}/{part}"
        if node is None:
            return None
    return node


def read_array(node, path, where: str) -> np.ndarray:
    """Read a numeric dataset; refuse object, string, reference, compound, external and virtual data."""
    if not isinstance(node, h5py.Dataset):
        raise InvalidCheckpointError(path, f"{where} should be a dataset of numbers, not a {type(node).__name__}.")
    dtype = node.dtype
    if dtype.kind not in "biuf":
        raise UnsafeCheckpointError(path, f"dataset {where} has dtype {dtype}; only numeric arrays are loaded "
                                          "(never object, string, reference or compound data).")
    if node.is_virtual or node.external:
        raise UnsafeCheckpointError(path, f"dataset {where} stores its data in other files; refused.")
    try:
        return np.asarray(node[()])
    except (OSError, ValueError, RuntimeError, KeyError) as e:
        raise InvalidCheckpointError(path, f"dataset {where} cannot be read (truncated or corrupt?): {e}") from None


def read_str_attr(node, name: str, path, where: str, required: bool = True) -> str | None:
    """Read a string attribute (stored as str or bytes); refuse anything else."""
    try:
        value = node.attrs.get(name)
    except (OSError, ValueError, RuntimeError, TypeError) as e:
        raise InvalidCheckpointError(path, f"attribute {where}@{name} cannot be read: {e}") from None
    if value is None:
        if required:
            raise InvalidCheckpointError(path, f"attribute {where}@{name} is missing.")
        return None
    if isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "SUO":
        value = value[()]
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="strict")
    if not isinstance(value, str):
        raise InvalidCheckpointError(path, f"attribute {where}@{name} should be a string; "
                                           f"found {type(value).__name__}.")
    if len(value) > MAX_ATTR_CHARS:
        raise InvalidCheckpointError(path, f"attribute {where}@{name} is larger than {MAX_ATTR_CHARS} characters.")
    return value


def read_str_list_attr(node, name: str, path, where: str) -> list[str] | None:
    """Read a list-of-strings attribute (Keras 2's ``layer_names``/``weight_names``); None if absent."""
    try:
        value = node.attrs.get(name)
    except (OSError, ValueError, RuntimeError, TypeError) as e:
        raise InvalidCheckpointError(path, f"attribute {where}@{name} cannot be read: {e}") from None
    if value is None:
        return None
    if isinstance(value, h5py.Empty):
        return []
    if isinstance(value, (bytes, str)):
        value = [value]
    elif isinstance(value, np.ndarray) and value.dtype.kind in "SUO" and value.ndim <= 1:
        value = list(value.reshape(-1))
    else:
        raise InvalidCheckpointError(path, f"attribute {where}@{name} should be a list of strings.")
    out = []
    for item in value:
        if isinstance(item, bytes):
            item = item.decode("utf-8")
        if not isinstance(item, str):
            raise InvalidCheckpointError(path, f"attribute {where}@{name} holds a {type(item).__name__}, not a string.")
        out.append(item)
    return out


def detect_layout(f: h5py.File, path) -> str:
    """Return ``"keras3"``, ``"legacy_model"`` or ``"legacy_weights"`` for an open HDF5 file."""
    try:
        keys = set(f.keys())
        attrs = set(f.attrs.keys())
    except (OSError, RuntimeError, ValueError) as e:
        raise InvalidCheckpointError(path, f"its HDF5 structure cannot be read: {e}") from None
    if "layers" in keys:
        return "keras3"
    if "model_weights" in keys:
        return "legacy_model"
    if "layer_names" in attrs:
        return "legacy_weights"
    raise InvalidCheckpointError(path, "it is an HDF5 file but holds no model weights (no 'layers' group and no "
                                       "'layer_names' attribute).")


# ------------------------------------------------------------------------------------------------ loading
def _check_layer(layer, arrays: list[np.ndarray], path, skip_mismatch: bool, where: str) -> bool:
    """Check one layer's saved arrays against its variables; True if they can be assigned."""
    expected = layer.weights
    if len(arrays) != len(expected):
        message = (f"layer '{layer.name}' has {len(expected)} variables but {where} in {path!r} holds "
                   f"{len(arrays)}.")
        if skip_mismatch:
            warnings.warn(f"Skipping loading weights of {message}", UserWarning, stacklevel=4)
            return False
        raise WeightsMismatchError(f"Cannot load weights: {message}")
    for var, value in zip(expected, arrays):
        if tuple(value.shape) != tuple(var.shape):
            message = (f"layer '{layer.name}' variable '{var.name}' has shape {tuple(var.shape)} in the model but "
                       f"shape {tuple(value.shape)} in {path!r} ({where}).")
            if skip_mismatch:
                warnings.warn(f"Skipping loading weights of {message}", UserWarning, stacklevel=4)
                return False
            raise WeightsMismatchError(f"Cannot load weights: {message}")
    return True


def read_weights(f: h5py.File, model, path, skip_mismatch: bool = False, load_optimizer: bool = True) -> None:
    """Load weights (and optimizer state) from an open HDF5 file of any supported layout into ``model``.

    Every array is read and checked first; the model changes only if all checks pass.

    Raises:
        ValueError: when the file is for a model of another shape (the message names the layer and
            both shapes).
        InvalidCheckpointError / UnsafeCheckpointError: for a malformed or unsafe file.
    """
    if not model.built:
        raise ValueError(f"Cannot load weights from {path!r} into model '{model.name}': the model is not built yet. "
                         "Give it an Input(shape) or call it on data first.")
    with reading(path):
        _read_weights(f, model, path, skip_mismatch, load_optimizer)


@contextlib.contextmanager
def reading(path):
    """Turn the errors h5py raises on damaged files (wrong types, unreadable nodes) into InvalidCheckpointError."""
    try:
        yield
    except (InvalidCheckpointError, WeightsMismatchError, FileNotFoundError, PermissionError):
        raise
    except (OSError, RuntimeError, KeyError, TypeError, AttributeError, ValueError, IndexError) as e:
        raise InvalidCheckpointError(path, f"its HDF5 content is damaged ({type(e).__name__}: {e}).") from None


def _read_weights(f, model, path, skip_mismatch, load_optimizer) -> None:
    layout = detect_layout(f, path)
    if layout == "keras3":
        plan, optimizer_arrays = _plan_keras3(f, model, path, skip_mismatch)
    else:
        root = child(f, "model_weights", path, "") if layout == "legacy_model" else f
        plan = _plan_legacy(root, model, path, skip_mismatch)
        optimizer_arrays = _legacy_optimizer_arrays(f, path) if layout == "legacy_model" else None
    for layer, arrays in plan:
        for var, value in zip(layer.weights, arrays):
            var.assign(value)
    if load_optimizer and optimizer_arrays is not None:
        restore_optimizer(model, optimizer_arrays, path)


def _read_vars_group(vars_group, path, where: str) -> list[np.ndarray]:
    try:
        names = list(vars_group.keys())
    except (OSError, RuntimeError, ValueError) as e:
        raise InvalidCheckpointError(path, f"{where} cannot be listed: {e}") from None
    if set(names) != {str(i) for i in range(len(names))}:
        found = sorted(map(repr, names))
        raise InvalidCheckpointError(path, f"{where} should hold datasets named 0, 1, …; found {found}.")
    return [read_array(child(vars_group, str(i), path, where), path, f"{where}/{i}") for i in range(len(names))]


def _plan_keras3(f, model, path, skip_mismatch):
    layers_group = child(f, "layers", path, "")
    if not isinstance(layers_group, h5py.Group):
        raise InvalidCheckpointError(path, "'/layers' should be a group.")
    group_names = layer_group_names(model.layers)
    try:
        saved_names = set(layers_group.keys())
    except (OSError, RuntimeError, ValueError) as e:
        raise InvalidCheckpointError(path, f"'/layers' cannot be listed: {e}") from None
    plan = []
    for group_name, layer in zip(group_names, model.layers):
        saved_names.discard(group_name)
        group = child(layers_group, group_name, path, "/layers")
        vars_group = None if group is None else child(group, "vars", path, f"/layers/{group_name}")
        if vars_group is None:
            if layer.weights:
                message = (f"layer '{layer.name}' ({type(layer).__name__}) has weights but {path!r} has no "
                           f"/layers/{group_name}/vars for it.")
                if skip_mismatch:
                    warnings.warn(f"Skipping loading weights of {message}", UserWarning, stacklevel=3)
                    continue
                raise WeightsMismatchError(f"Cannot load weights: {message} The file is for a different model.")
            continue
        arrays = _read_vars_group(vars_group, path, f"/layers/{group_name}/vars")
        if _check_layer(layer, arrays, path, skip_mismatch, f"/layers/{group_name}/vars"):
            plan.append((layer, arrays))
    extra = []
    for name in sorted(saved_names):
        group = child(layers_group, name, path, "/layers")
        vars_group = child(group, "vars", path, f"/layers/{name}") if isinstance(group, h5py.Group) else None
        if isinstance(vars_group, h5py.Group) and len(vars_group):
            extra.append(name)
    if extra:
        message = (f"{path!r} holds weights for layers the model does not have: {', '.join(extra)} "
                   f"(model layers: {', '.join(group_names) or 'none'}).")
        if not skip_mismatch:
            raise WeightsMismatchError(f"Cannot load weights: {message}")
        warnings.warn(f"Ignoring weights: {message}", UserWarning, stacklevel=3)
    optimizer_arrays = None
    opt_group = child(f, "optimizer", path, "")
    if isinstance(opt_group, h5py.Group):
        opt_vars = child(opt_group, "vars", path, "/optimizer")
        if isinstance(opt_vars, h5py.Group):
            optimizer_arrays = _read_vars_group(opt_vars, path, "/optimizer/vars")
            saved_class = read_str_attr(opt_vars, "class_name", path, "/optimizer/vars", required=False)
            optimizer = getattr(model, "optimizer", None)
            if saved_class is not None and optimizer is not None and saved_class != type(optimizer).__name__:
                warnings.warn(f"Skipping loading the optimizer state from {path!r}: it was saved by {saved_class}, "
                              f"the model's optimizer is {type(optimizer).__name__}.", UserWarning, stacklevel=4)
                optimizer_arrays = None
    return plan, optimizer_arrays


def _plan_legacy(root, model, path, skip_mismatch):
    if not isinstance(root, h5py.Group):
        raise InvalidCheckpointError(path, "'/model_weights' should be a group.")
    where = root.name if root.name != "/" else ""
    layer_names = read_str_list_attr(root, "layer_names", path, where or "/")
    if layer_names is None:
        raise InvalidCheckpointError(path, f"{where or '/'}@layer_names is missing.")
    saved = []
    for name in layer_names:
        group = child(root, name, path, where)
        if not isinstance(group, h5py.Group):
            raise InvalidCheckpointError(path, f"layer group {where}/{name} listed in layer_names is missing.")
        weight_names = read_str_list_attr(group, "weight_names", path, f"{where}/{name}") or []
        arrays = []
        for weight_name in weight_names:
            node = walk(group, weight_name, path, f"{where}/{name}")
            if node is None:
                raise InvalidCheckpointError(path, f"dataset {where}/{name}/{weight_name} is missing.")
            arrays.append(read_array(node, path, f"{where}/{name}/{weight_name}"))
        if arrays:
            saved.append((name, arrays))
    model_layers = [layer for layer in model.layers if layer.weights]
    if len(saved) != len(model_layers):
        raise WeightsMismatchError(
            f"Cannot load weights: {path!r} holds weights for {len(saved)} layers "
            f"({', '.join(n for n, _ in saved) or 'none'}) but model '{model.name}' has {len(model_layers)} layers "
            f"with weights ({', '.join(layer.name for layer in model_layers) or 'none'}).")
    plan = []
    for layer, (name, arrays) in zip(model_layers, saved):
        if _check_layer(layer, arrays, path, skip_mismatch, f"layer group '{name}'"):
            plan.append((layer, arrays))
    return plan


def _legacy_optimizer_arrays(f, path):
    group = child(f, "optimizer_weights", path, "")
    if not isinstance(group, h5py.Group):
        return None
    names = read_str_list_attr(group, "weight_names", path, "/optimizer_weights") or []
    arrays = []
    for name in names:
        node = walk(group, name, path, "/optimizer_weights")
        if node is None:
            raise InvalidCheckpointError(path, f"dataset /optimizer_weights/{name} is missing.")
        arrays.append(read_array(node, path, f"/optimizer_weights/{name}"))
    return arrays


def restore_optimizer(model, arrays: list[np.ndarray], path) -> bool:
    """Set the model's optimizer state from saved arrays; warn and skip when they do not fit."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not arrays:
        return False
    if optimizer._built_for is None and len(arrays) > 2:
        optimizer.build(model.trainable_weights)
    targets = optimizer.variables
    mismatch = len(targets) != len(arrays) or any(
        tuple(t.shape) != tuple(a.shape) for t, a in zip(targets, arrays))
    if mismatch:
        warnings.warn(f"Skipping loading the optimizer state from {path!r}: it holds {len(arrays)} variables "
                      f"{[tuple(a.shape) for a in arrays]} but the optimizer has {len(targets)} "
                      f"{[tuple(t.shape) for t in targets]}.", UserWarning, stacklevel=3)
        return False
    for target, value in zip(targets, arrays):
        target.assign(value)
    return True
