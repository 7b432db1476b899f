"""tf-keras 2.x (tf.keras) on refimpl: ``import refimpl.dialects.tf_keras as keras`` (profile ``tf-keras``).

What differs from Keras 3 (measured on tf-keras 2.21):

- The LR callbacks write ``lr`` into logs; ``ModelCheckpoint`` and ``CSVLogger`` behave as tf-keras's.
- The names and signatures are Keras 2's (``refimpl.dialects.keras2``'s layers, callbacks and optimizers).

What it shares with Keras 3 and not with standalone Keras 2 (``refimpl.dialects.keras2``): ``metrics=['accuracy']``
is logged as ``accuracy`` / ``val_accuracy``, batch-end logs hold running means over the epoch without ``batch``
and ``size``, batch-begin logs are ``{}``, ``fit`` adds no ``BaseLogger``, ``evaluate`` and ``predict`` take
callbacks, fit's validation run calls the test hooks, ``on_train_end`` gets the last epoch's logs and
``self.params`` holds ``epochs``, ``steps`` and ``verbose``.
"""

import sys

from ..keras2 import backend, callbacks, layers, optimizers, utils
from ..keras2.layers import Input
from .models import Model, Sequential, load_model

# ``refimpl.dialects.tf_keras.layers`` (and the other modules) are Keras 2's: the same module objects, importable
# under this package's name as the Keras 2 code written for tf-keras imports them.
for _name, _module in (("backend", backend), ("callbacks", callbacks), ("layers", layers),
                       ("optimizers", optimizers), ("utils", utils)):
    sys.modules[f"{__name__}.{_name}"] = _module

PROFILE = "tf-keras"

__all__ = ["PROFILE", "backend", "callbacks", "layers", "models", "optimizers", "utils", "Input", "Model",
           "Sequential", "load_model"]
