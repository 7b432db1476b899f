"""Keras 2 (2017) on refimpl: ``import refimpl.dialects.keras2 as keras``.

Standalone Keras 2.0 to 2.2 as Keras 2.2.4 behaves (measured through the harness). What differs from Keras 3
(profile ``keras2``):

- ``metrics=['accuracy']`` is logged as ``acc`` / ``val_acc``, ``metrics=['mae']`` as ``mean_absolute_error``
  (the function's name); the LR callbacks write ``lr`` into logs.
- Batch-end logs hold the batch's own values plus ``batch`` and ``size``; ``BaseLogger`` (added first to
  every ``fit``) turns them into epoch means.
- Only ``fit`` takes callbacks: ``evaluate``/``predict`` refuse ``callbacks=`` and fit's validation run calls
  no hook. ``on_train_end`` gets ``{}``. ``self.params`` holds ``batch_size``, ``do_validation``, ``epochs``,
  ``metrics``, ``samples``, ``steps`` (None for arrays) and ``verbose``.
- tf-keras's behaviour (callbacks everywhere, Keras 3's params): ``refimpl.dialects.tf_keras``.
- Native names, accepted without a DeprecationWarning: ``ModelCheckpoint(period=)``,
  ``ReduceLROnPlateau(epsilon=)``, ``ProgbarLogger(count_mode=)``, TensorBoard's ``batch_size``,
  ``write_grads``, ``embeddings_layer_names``, optimizers' ``lr``/``decay``, ``fit_generator``.
- Keras 1 names (``nb_epoch``, ``Dense(output_dim=, init=)``, ``Dropout(p=)``) work with a DeprecationWarning,
  as Keras 2 accepted them with a warning; ``.hdf5`` checkpoint names are accepted.
"""

from . import backend, callbacks, layers, models, optimizers, utils
from .layers import Input
from .models import Model, Sequential, load_model

PROFILE = "keras2"

__all__ = ["PROFILE", "backend", "callbacks", "layers", "models", "optimizers", "utils", "Input", "Model",
           "Sequential", "load_model"]
