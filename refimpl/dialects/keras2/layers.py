"""Keras 2 layers: ``Dense(units, ..., kernel_initializer=, input_dim=)``, ``Activation``, ``Dropout(rate)``…"""

from ...layers import Activation, Flatten, Input, InputLayer, Layer
from .._legacy_layers import Keras2Dense, Keras2Dropout
from .._names import module_getattr


class Dense(Keras2Dense):
    __doc__ = Keras2Dense.__doc__


class Dropout(Keras2Dropout):
    __doc__ = Keras2Dropout.__doc__


__getattr__ = module_getattr(__name__, globals(), {})

__all__ = ["Activation", "Dense", "Dropout", "Flatten", "Input", "InputLayer", "Layer"]
