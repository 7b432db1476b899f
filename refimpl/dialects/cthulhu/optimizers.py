"""cthulhu optimizers (Keras 2.2's): ``SGD(lr=0.01, momentum=0., decay=0., nesterov=False)``, ``RMSprop``,
``Adam``, ``Adagrad``."""

from ...optimizers import Optimizer
from .._legacy_optimizers import getter, optimizer_classes

_CLASSES = optimizer_classes("2", rmsprop_epsilon=1e-7, adam_epsilon=1e-7)
SGD = _CLASSES["SGD"]
RMSprop = _CLASSES["RMSprop"]
Adam = _CLASSES["Adam"]
Adagrad = _CLASSES["Adagrad"]
get = getter(_CLASSES)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adagrad", "get"]
