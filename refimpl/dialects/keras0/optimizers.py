"""Keras 0 optimizers: ``SGD(lr=0.01, momentum=0., decay=0., nesterov=False)``, ``RMSprop``, ``Adam``, ``Adagrad``.

Keras 0's RMSprop defaults to ``epsilon=1e-6`` and Adam to ``epsilon=1e-8`` (Keras 3: 1e-7);
``compile(optimizer='rmsprop')`` in this dialect uses these classes.
"""

from ...optimizers import Optimizer
from .._legacy_optimizers import getter, optimizer_classes

_CLASSES = optimizer_classes("0", rmsprop_epsilon=1e-6, adam_epsilon=1e-8)
SGD = _CLASSES["SGD"]
RMSprop = _CLASSES["RMSprop"]
Adam = _CLASSES["Adam"]
Adagrad = _CLASSES["Adagrad"]
get = getter(_CLASSES)

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adagrad", "get"]
