"""Keras 1 (2016) on refimpl: ``import refimpl.dialects.keras1 as keras``.

What differs from Keras 3 (profile ``keras1``):

- Keras 1 signatures: ``Dense(10, input_dim=784, init='uniform')``, ``Dropout(p)``,
  ``fit(X, Y, batch_size=32, nb_epoch=10, ...)``, ``Model(input=, output=)``, optimizers' ``lr``.
  Keras 2/3 names (``epochs``, ``units``, ``kernel_initializer``) raise a TypeError naming the Keras 1 name.
- Batch-begin logs carry ``batch`` and ``size``; batch-end logs the batch's own ``loss`` and ``acc``;
  ``BaseLogger`` (added first to every ``fit``) averages them into the epoch logs; the LR callbacks write
  ``lr``; ``self.params`` holds Keras 1.2.2's keys: ``batch_size``, ``do_validation``, ``metrics``, ``nb_epoch``,
  ``nb_sample``, ``verbose``.
- ``metrics=['accuracy']`` is logged as ``acc`` / ``val_acc`` and ``metrics=['mae']`` as ``mean_absolute_error``,
  as Keras 1.2.2 does (the seed page says ``accuracy`` / ``val_accuracy``; measured through the harness,
  ``conformance/harness``); ``on_train_end`` gets ``{}``.
- Callbacks take Keras 1/2 argument names (``period``, ``epsilon``) without a DeprecationWarning.
"""

from . import backend, callbacks, layers, models, optimizers, utils
from .layers import Input
from .models import Model, Sequential, load_model

PROFILE = "keras1"

__all__ = ["PROFILE", "backend", "callbacks", "layers", "models", "optimizers", "utils", "Input", "Model",
           "Sequential", "load_model"]
