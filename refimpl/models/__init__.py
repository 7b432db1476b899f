"""Models: ``Model``, ``Sequential`` and ``load_model``."""

from .model import Model
from .sequential import Sequential


def load_model(filepath, custom_objects=None, compile: bool = True, safe_mode: bool = True):
    """Load a model saved by ``model.save`` (``.keras`` archive, or legacy ``.h5``)."""
    from ..saving import load_model as _load

    return _load(filepath, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)


__all__ = ["Model", "Sequential", "load_model"]
