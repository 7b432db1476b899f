"""tf-keras 2.x (tf.keras) on refimpl: ``import refimpl.dialects.tf_keras as keras`` (profile ``tf-keras``).

What differs from Keras 3:

- ``metrics=['accuracy']`` is logged as ``acc`` / ``val_acc``; the LR callbacks write ``lr`` into logs.
- Batch-end logs hold the batch's own values plus ``batch`` and ``size``; ``BaseLogger`` (added first to
  every ``fit``) turns them into epoch means.
- ``evaluate`` and ``predict`` take callbacks, fit's validation run calls the test hooks, ``on_train_end`` gets
  the last epoch's logs and ``self.params`` holds ``epochs``, ``steps`` and ``verbose``, as in tf-keras 2.21.
- The names and signatures are Keras 2's (``refimpl.dialects.keras2``'s layers, callbacks and optimizers).

This is what the ``keras2`` profile described before it was split: the Keras 2 callbacks page's names (``acc``,
per-batch values, ``batch``/``size``) with tf-keras's hooks. Real tf-keras 2.21 differs in the names (it logs
``accuracy``, running means, no ``batch``/``size``): conformance/expectations/tf_keras.toml lists each case.
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
