"""What the dialects' models share: the profile switch, loading into a dialect, Keras 0/1 fit parameters."""

from __future__ import annotations

import math
import warnings

from .. import models as _models
from .. import profiles
from ..callbacks import Callback
from ._names import native_arguments


class DialectModel:
    """Mixin: a model that follows ``_dialect_profile`` (set before ``compile`` reads it).

    Keras 1 built functional models with ``Model(input=..., output=...)``; those names are taken here
    (with a DeprecationWarning unless ``_legacy_io_native``).
    """

    _dialect_profile: profiles.Profile = profiles.KERAS3
    _legacy_io_native = False

    def __init__(self, *args, **kwargs):
        legacy = {name: kwargs.pop(name) for name in ("input", "output") if name in kwargs}
        if legacy:
            if not self._legacy_io_native:
                warnings.warn("Model(input=..., output=...) is the Keras 1 spelling; use inputs= and outputs=.",
                              DeprecationWarning, stacklevel=2)
            kwargs.setdefault("inputs", legacy.get("input"))
            kwargs.setdefault("outputs", legacy.get("output"))
        super().__init__(*args, **kwargs)
        self._profile = self._dialect_profile


def predicted_classes(probabilities, categorical: bool = True):
    """Keras 0/1's ``predict_classes``: the arg-max of several outputs, else ``output > 0.5``."""
    if categorical and probabilities.shape[-1] > 1:
        return probabilities.argmax(axis=-1)
    return (probabilities > 0.5).astype("int32")


def adopt(model, cls: type, profile: profiles.Profile):
    """Turn a model refimpl loaded into an instance of the dialect's class ``cls`` following ``profile``."""
    model.__class__ = cls
    model._profile = profile
    if model._compiled is not None:
        model._compiled.profile = profile
    return model


def load_model_into(cls: type, profile: profiles.Profile, filepath, custom_objects=None, compile: bool = True):
    """Load a saved model with refimpl's loader and make it a model of the dialect."""
    loaded = _models.load_model(filepath, custom_objects=custom_objects, compile=compile)
    return adopt(loaded, cls, profile)


class LegacyParams(Callback):
    """Adds the fit parameters Keras 0/1 callbacks read (``nb_epoch``, ``nb_sample``…) to ``self.params``.

    It goes first in the callback list; every callback shares one params dict, so all of them see the keys.

    Args:
        extra: the keys to add.
        drop: Keras 3 keys the release did not have (Keras 1.2.2: ``epochs``, ``steps``). Defaults to none.
    """

    def __init__(self, extra: dict, drop: tuple[str, ...] = ()):
        super().__init__()
        self.extra = extra
        self.drop = drop

    def set_params(self, params: dict) -> None:
        for key in self.drop:
            params.pop(key, None)
        params.update(self.extra)
        super().set_params(params)


def legacy_fit_params(x, batch_size: int, nb_epoch: int, verbose, validation_split: float, validation_data,
                      metrics: list[str]) -> dict:
    """The ``params`` Keras 0/1 gave callbacks in ``fit`` (``metrics``: every logs name, ``val_`` ones too)."""
    n = len(x) if hasattr(x, "__len__") else None
    if n is not None and validation_split:
        n = int(math.floor(n * (1.0 - validation_split)))
    do_validation = bool(validation_split) or validation_data is not None
    names = list(metrics) + ([f"val_{name}" for name in metrics] if do_validation else [])
    return {"batch_size": batch_size, "nb_epoch": nb_epoch, "nb_sample": n, "verbose": verbose,
            "do_validation": do_validation, "metrics": names}


def with_callbacks_first(first: list, callbacks) -> list:
    """``first`` then the user's callbacks (a copy: the user's list is not changed)."""
    return [*first, *(callbacks or [])]


__all__ = ["DialectModel", "adopt", "load_model_into", "LegacyParams", "legacy_fit_params", "native_arguments"]
