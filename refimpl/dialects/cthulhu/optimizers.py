"""cthulhu optimizers: Keras 2.2's, the same classes as ``refimpl.dialects.keras2.optimizers``
(``SGD(lr=0.01, momentum=0., decay=0., nesterov=False)``, ``RMSprop``, ``Adam``, ``Adagrad``)."""

from ..keras2.optimizers import SGD, Adagrad, Adam, Optimizer, RMSprop, get

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "Adagrad", "get"]
