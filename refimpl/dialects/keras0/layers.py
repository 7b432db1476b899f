"""Keras 0 layers: ``Dense(input_dim, output_dim, init=)``, ``Activation``, ``Dropout(p)``, ``Flatten``."""

from ...layers import Activation, Flatten, Layer
from .._legacy_layers import KERAS0_RENAMES, Keras0Dense, Keras0Dropout
from .._names import module_getattr


class Dense(Keras0Dense):
    __doc__ = Keras0Dense.__doc__


class Dropout(Keras0Dropout):
    __doc__ = Keras0Dropout.__doc__


__getattr__ = module_getattr(__name__, globals(), KERAS0_RENAMES, {
    "Input": "Keras 0 had no Input layer; the first Dense layer takes the input width: Dense(784, 10).",
    "InputLayer": "Keras 0 had no Input layer; the first Dense layer takes the input width: Dense(784, 10).",
})

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Layer"]
