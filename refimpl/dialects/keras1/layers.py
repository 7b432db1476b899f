"""Keras 1 layers: ``Dense(output_dim, init=, input_dim=)``, ``Activation``, ``Dropout(p)``, ``Flatten``, ``Input``."""

from ...layers import Activation, Flatten, Input, InputLayer, Layer
from .._legacy_layers import Keras1Dense, Keras1Dropout
from .._names import module_getattr


class Dense(Keras1Dense):
    __doc__ = Keras1Dense.__doc__


class Dropout(Keras1Dropout):
    __doc__ = Keras1Dropout.__doc__


__getattr__ = module_getattr(__name__, globals(), {})

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer"]
