"""Model and compile configs as plain JSON data, and their safe reconstruction.

A config read from a file is data, never code: every class it names is looked up in refimpl's own
tables (or in the ``custom_objects`` the caller passes); anything else is refused with an error that
names the file. Nothing here imports pickle, evaluates strings, or imports modules named by a file.
"""

from __future__ import annotations

import warnings

from .. import layers as layers_module
from .. import losses as losses_module
from .. import metrics as metrics_module
from .. import optimizers as optimizers_module
from .. import profiles as profiles_module
from .errors import InvalidCheckpointError, UnsafeCheckpointError
from .h5_format import saved_layer_class_name

MODEL_CLASS_NAMES = ("Sequential", "Functional", "Model")

# The class loading builds models with: refimpl.models registers Sequential when it is imported, so this
# package serializes models without importing refimpl.models (which imports it for Model.save).
_model_class: type | None = None


def register_model_class(cls: type) -> None:
    """Make ``cls`` (called as ``cls(name=...)``, then ``add(layer)``) the class loaded models are built with."""
    global _model_class
    _model_class = cls
# Layer types that carry Python code (Keras's Lambda, TFOpLambda…): refused by name with a specific message.
CODE_LAYER_NAMES = ("Lambda", "TFOpLambda", "SlicingOpLambda", "LuKthu")
MAX_LAYERS = 100_000
MAX_DEPTH = 32


# ------------------------------------------------------------------------------------------------- saving
def model_config(model) -> dict:
    """Return the JSON-ready description of ``model``: architecture, build shape and compile settings."""
    inner = model.get_config()
    entries = inner.get("layers", [])
    offset = len(entries) - len(model.layers)
    for entry, layer in zip(entries[offset:], model.layers):
        entry["class_name"] = saved_layer_class_name(layer)
    config = {
        "module": "refimpl",
        "class_name": type(model).__name__ if type(model).__name__ in MODEL_CLASS_NAMES else "Sequential",
        "config": inner,
    }
    if model.input_shape is not None:
        config["build_config"] = {"input_shape": list(model.input_shape)}
    compile_cfg = compile_config(model)
    if compile_cfg is not None:
        config["compile_config"] = compile_cfg
    return config


def compile_config(model) -> dict | None:
    """Return the compile settings of ``model`` as JSON data, or None when it was never compiled.

    Losses and metrics given as user functions are saved by name; loading them needs the function
    in ``custom_objects``.
    """
    compiled = getattr(model, "_compiled", None)
    if compiled is None:
        return None
    optimizer = model.optimizer
    return {
        "optimizer": {"class_name": type(optimizer).__name__, "config": optimizer.get_config()},
        "loss": _loss_config(compiled.loss),
        "metrics": [_metric_config(spec) for spec, weighted in compiled.specs if not weighted],
        "weighted_metrics": [_metric_config(spec) for spec, weighted in compiled.specs if weighted],
        "steps_per_execution": int(getattr(model, "_steps_per_execution", 1)),
    }


def _loss_config(loss) -> dict:
    cls_name = type(loss).__name__
    if cls_name in _loss_classes():
        return {"class_name": cls_name, "config": loss.get_config()}
    return {"custom_name": getattr(loss, "name", "custom_loss")}


def _loss_classes() -> dict:
    return {cls.__name__: cls for cls in vars(losses_module).values()
            if isinstance(cls, type) and issubclass(cls, losses_module.Loss) and cls is not losses_module.Loss
            and not cls.__name__.startswith("_")}


def _metric_classes() -> dict:
    return {cls.__name__: cls for cls in vars(metrics_module).values()
            if isinstance(cls, type) and issubclass(cls, metrics_module.Metric) and not cls.__name__.startswith("_")}


def _metric_config(spec):
    if isinstance(spec, str):
        return spec
    if isinstance(spec, metrics_module.Metric):
        if type(spec).__name__ in _metric_classes() and type(spec) is not metrics_module.MeanMetricWrapper:
            return {"class_name": type(spec).__name__, "config": spec.get_config()}
        return {"custom_name": spec.name}
    if isinstance(spec, type) and issubclass(spec, metrics_module.Metric):
        return {"class_name": spec.__name__, "config": {}}
    return {"custom_name": getattr(spec, "__name__", "metric")}


# ------------------------------------------------------------------------------------------------ loading
def check_json_data(value, path, where: str, depth: int = 0) -> None:
    """Refuse anything in a parsed config that is not plain JSON data of reasonable depth."""
    if depth > MAX_DEPTH:
        raise InvalidCheckpointError(path, f"{where} is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidCheckpointError(path, f"{where} has a non-string key {key!r}.")
            check_json_data(item, path, f"{where}.{key}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_json_data(item, path, f"{where}[{i}]", depth + 1)
    elif value is not None and not isinstance(value, (str, int, float, bool)):
        raise InvalidCheckpointError(path, f"{where} holds a {type(value).__name__}, which is not JSON data.")


def _expect(condition: bool, path, message: str) -> None:
    if not condition:
        raise InvalidCheckpointError(path, message)


# Keras 3 layer-config keys that refimpl's layers do not have; accepted only with their "off" value (None).
_KERAS3_OFF_KEYS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                    "bias_constraint", "quantization_config", "lora_rank", "lora_alpha", "noise_shape")
# Keras 3 optimizer-config keys without a refimpl counterpart, accepted only when None.
_KERAS3_OFF_OPTIMIZER_KEYS = ("loss_scale_factor", "gradient_accumulation_steps")


def _keras3_plain(value, path, where: str):
    """Keras 3's nested ``{"module", "class_name", "config", "registered_name"}`` objects, reduced to refimpl's."""
    if isinstance(value, dict) and "class_name" in value and "module" in value:
        if value.get("class_name") in ("DTypePolicy", "FloatDTypePolicy"):
            name = (value.get("config") or {}).get("name")
            _expect(isinstance(name, str), path, f"{where}: a dtype policy without a name.")
            return name
        inner = {k: v for k, v in (value.get("config") or {}).items() if v is not None}
        return {"class_name": value["class_name"], "config": inner}
    return value


def normalize_keras3_layer(entry: dict, path, index: int) -> dict:
    """Turn a layer entry written by Keras 3 into the refimpl form (or refuse features refimpl lacks)."""
    config = {}
    for key, value in entry["config"].items():
        if key in _KERAS3_OFF_KEYS:
            if value is not None:
                raise InvalidCheckpointError(path, f"layer entry {index} ({entry['class_name']}) uses {key}, which "
                                                   "refimpl does not implement.")
            continue
        config[key] = _keras3_plain(value, path, f"layer entry {index}.{key}")
    return {"class_name": entry["class_name"], "config": config}


def normalize_keras3_compile(config: dict) -> dict:
    """Drop the Keras 3 compile and optimizer settings that are off (None) and have no refimpl counterpart."""
    config = dict(config)
    optimizer = config.get("optimizer")
    if isinstance(optimizer, dict) and isinstance(optimizer.get("config"), dict):
        inner = {k: v for k, v in optimizer["config"].items()
                 if not (k in _KERAS3_OFF_OPTIMIZER_KEYS and v is None)}
        config["optimizer"] = {"class_name": optimizer.get("class_name"), "config": inner}
    return config


def model_from_config(config, path, custom_objects: dict | None = None):
    """Rebuild an (uncompiled, built) model from a config read from ``path``.

    Raises:
        InvalidCheckpointError: when the config does not have the expected shape.
        UnsafeCheckpointError: for a layer class that is not refimpl's nor in ``custom_objects``
            (Lambda layers are always refused: they hold code).
    """
    custom_objects = dict(custom_objects or {})
    check_json_data(config, path, "the model config")
    _expect(isinstance(config, dict), path, f"the model config must be a JSON object, not {type(config).__name__}.")
    class_name = config.get("class_name")
    _expect(isinstance(class_name, str), path, "the model config has no 'class_name' string.")
    if class_name not in MODEL_CLASS_NAMES:
        raise UnsafeCheckpointError(path, f"unknown model class {class_name!r}; refimpl loads "
                                          f"{', '.join(MODEL_CLASS_NAMES)} models.")
    inner = config.get("config")
    _expect(isinstance(inner, dict), path, "the model config's 'config' must be a JSON object.")
    layer_entries = inner.get("layers")
    _expect(isinstance(layer_entries, list), path, "the model config has no 'layers' list.")
    _expect(len(layer_entries) <= MAX_LAYERS, path, f"the model config lists more than {MAX_LAYERS} layers.")
    name = inner.get("name")
    _expect(name is None or isinstance(name, str), path, "the model name must be a string.")

    written_by_keras = config.get("module") == "keras"
    if _model_class is None:
        raise RuntimeError("No model class is registered for loading: import refimpl (or refimpl.models) first.")
    model = _model_class(name=name)
    for i, entry in enumerate(layer_entries):
        _expect(isinstance(entry, dict) and isinstance(entry.get("class_name"), str)
                and isinstance(entry.get("config"), dict), path,
                f"layer entry {i} must be {{'class_name': str, 'config': {{...}}}}.")
        if written_by_keras:
            entry = normalize_keras3_layer(entry, path, i)
        layer_cls = resolve_layer_class(entry["class_name"], path, custom_objects)
        layer_config = dict(entry["config"])
        if entry["class_name"] == "InputLayer" and "batch_shape" in layer_config and "shape" not in layer_config:
            batch_shape = layer_config.pop("batch_shape")
            _expect(isinstance(batch_shape, list) and len(batch_shape) >= 1, path,
                    f"layer entry {i}: batch_shape must be a list.")
            layer_config["shape"] = batch_shape[1:]
            layer_config.pop("sparse", None), layer_config.pop("ragged", None), layer_config.pop("optional", None)
        try:
            layer = layer_cls.from_config(layer_config)
            model.add(layer)
        except (TypeError, ValueError, KeyError) as e:
            raise InvalidCheckpointError(path, f"layer entry {i} ({entry['class_name']}) has a config refimpl "
                                               f"cannot use: {e}") from None
    build = config.get("build_config")
    if not model.built and isinstance(build, dict) and isinstance(build.get("input_shape"), list):
        shape = build["input_shape"]
        _expect(all(d is None or (isinstance(d, int) and d > 0) for d in shape), path,
                f"build_config.input_shape must hold positive integers or null; got {shape!r}.")
        model.build(shape)
    return model


def resolve_layer_class(class_name: str, path, custom_objects: dict):
    """Return the layer class for ``class_name``: refimpl's own, or one the caller passed in ``custom_objects``."""
    custom = custom_objects.get(class_name)
    if isinstance(custom, type) and issubclass(custom, layers_module.Layer):
        return custom
    if class_name in CODE_LAYER_NAMES:
        raise UnsafeCheckpointError(path, f"it contains a {class_name} layer, which holds Python code; refimpl "
                                          "never loads code from a file.")
    try:
        return layers_module.get_layer_class(class_name)
    except ValueError as e:
        raise UnsafeCheckpointError(path, f"{e} Pass your own layer classes in custom_objects.") from None


def apply_compile_config(model, config, path, custom_objects: dict | None = None) -> bool:
    """Compile ``model`` as described by a saved compile config; return False (with a warning) if it cannot.

    Raises:
        InvalidCheckpointError: when the compile config does not have the expected shape.
    """
    custom_objects = dict(custom_objects or {})
    check_json_data(config, path, "the compile config")
    _expect(isinstance(config, dict), path, "the compile config must be a JSON object.")
    opt_cfg = config.get("optimizer")
    _expect(isinstance(opt_cfg, dict) and isinstance(opt_cfg.get("class_name"), str)
            and isinstance(opt_cfg.get("config", {}), dict), path,
            "compile_config.optimizer must be {'class_name': str, 'config': {...}}.")
    try:
        optimizer = optimizers_module.get({"class_name": opt_cfg["class_name"], "config": opt_cfg.get("config", {})})
    except (TypeError, ValueError) as e:
        raise UnsafeCheckpointError(path, f"compile_config.optimizer cannot be rebuilt: {e}") from None
    unresolved: list[str] = []
    loss = _resolve_loss(config.get("loss"), path, custom_objects, unresolved)
    metrics = [_resolve_metric(m, path, custom_objects, unresolved) for m in _list(config, "metrics", path)]
    weighted = [_resolve_metric(m, path, custom_objects, unresolved) for m in _list(config, "weighted_metrics", path)]
    spe = config.get("steps_per_execution", 1)
    _expect(isinstance(spe, int) and not isinstance(spe, bool) and spe >= 1, path,
            f"compile_config.steps_per_execution must be an integer >= 1; got {spe!r}.")
    if unresolved:
        warnings.warn(f"{path!r}: the model was compiled with custom objects {', '.join(unresolved)} that are not "
                      "in custom_objects; it is returned uncompiled. Pass them in custom_objects, or call "
                      "compile() yourself.", UserWarning, stacklevel=3)
        return False
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics or None, weighted_metrics=weighted or None,
                  steps_per_execution=spe)
    return True


def _list(config: dict, key: str, path) -> list:
    value = config.get(key) or []
    _expect(isinstance(value, list), path, f"compile_config.{key} must be a list.")
    return value


def _custom_object(name, custom_objects, unresolved):
    """A user's own loss or metric, by the name it was saved under; None (and noted) when not supplied."""
    if name in custom_objects:
        return custom_objects[name]
    unresolved.append(repr(name))
    return None


def _resolve_loss(cfg, path, custom_objects, unresolved):
    _expect(isinstance(cfg, (dict, str)), path, "compile_config.loss must be a name or an object.")
    if isinstance(cfg, str):
        cfg = {"class_name": cfg, "config": {}} if cfg in _loss_classes() else {"name": cfg}
    if "custom_name" in cfg:
        return _custom_object(cfg["custom_name"], custom_objects, unresolved)
    if "name" in cfg and "class_name" not in cfg:
        try:
            return losses_module.get(cfg["name"])
        except ValueError as e:
            raise UnsafeCheckpointError(path, f"compile_config.loss: {e}") from None
    class_name = cfg.get("class_name")
    if class_name in custom_objects:
        return custom_objects[class_name]
    cls = _loss_classes().get(class_name)
    if cls is None:
        raise UnsafeCheckpointError(path, f"unknown loss class {class_name!r} in compile_config. Known: "
                                          f"{', '.join(sorted(_loss_classes()))}.")
    inner = cfg.get("config", {})
    _expect(isinstance(inner, dict), path, "compile_config.loss.config must be an object.")
    try:
        return cls.from_config(inner)
    except (TypeError, ValueError) as e:
        raise InvalidCheckpointError(path, f"compile_config.loss cannot be rebuilt: {e}") from None


def _resolve_metric(cfg, path, custom_objects, unresolved):
    if isinstance(cfg, str):
        if cfg in custom_objects:
            return custom_objects[cfg]
        try:
            metrics_module.get(cfg)
        except ValueError as e:
            raise UnsafeCheckpointError(path, f"compile_config.metrics: {e}") from None
        return cfg
    _expect(isinstance(cfg, dict), path, f"compile_config.metrics entries must be names or objects; got {cfg!r}.")
    if "custom_name" in cfg:
        return _custom_object(cfg["custom_name"], custom_objects, unresolved)
    class_name = cfg.get("class_name")
    if class_name in custom_objects:
        return custom_objects[class_name]
    cls = _metric_classes().get(class_name)
    if cls is None:
        raise UnsafeCheckpointError(path, f"unknown metric class {class_name!r} in compile_config.")
    inner = cfg.get("config", {})
    _expect(isinstance(inner, dict), path, "compile_config.metrics[].config must be an object.")
    try:
        return cls(**inner)
    except (TypeError, ValueError) as e:
        raise InvalidCheckpointError(path, f"metric {class_name!r} cannot be rebuilt: {e}") from None


def apply_profile(model, name) -> None:
    """Give a loaded model the profile (``keras3``, ``keras2``…) it was saved with, when known."""
    if isinstance(name, str) and name in profiles_module.PROFILES:
        model._profile = profiles_module.PROFILES[name]
