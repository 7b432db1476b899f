"""Layers: ``Input``/``InputLayer``, ``Dense``, ``Activation``, ``Dropout``, ``Flatten``."""

from .base import Layer
from .core import Activation, Dense, Dropout, Flatten
from .input_layer import Input, InputLayer, KerasTensor

__all__ = ["Layer", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout", "Flatten"]

_BY_CLASS_NAME = {cls.__name__: cls for cls in (InputLayer, Dense, Activation, Dropout, Flatten)}


def get_layer_class(class_name: str) -> type[Layer]:
    """Return the layer class saved under ``class_name`` in a config.

    Raises:
        ValueError: for an unknown class name; the message lists the known ones (nothing else is loaded).
    """
    cls = _BY_CLASS_NAME.get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer class '{class_name}'. Known layers: {', '.join(sorted(_BY_CLASS_NAME))}.")
    return cls


def __getattr__(name: str):
    # ``keras.layers.Concatenate``, ``Conv2D`` …: not an AttributeError without a word of why.
    from ..scope import LAYERS, missing_attribute

    raise missing_attribute(__name__, name, LAYERS)
