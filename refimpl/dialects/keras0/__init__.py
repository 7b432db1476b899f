"""Keras 0 (2015) on refimpl: ``import refimpl.dialects.keras0 as keras``.

What differs from Keras 3 (profile ``keras0``):

- Hooks may be written without ``logs`` (``def on_batch_end(self, batch)``, ``def on_train_begin(self)``) and
  are then called without it.
- ``model.batch_history`` and ``model.epoch_history`` hold per-key lists (``self.model.batch_history.loss[-1]``),
  up to date when the user's hooks run.
- Keras 0 signatures: ``Dense(784, 10, init='uniform')`` (input and output widths), ``Dropout(p)``,
  ``compile(loss=, optimizer=)``, ``fit(X, y, batch_size=128, nb_epoch=100, show_accuracy=False)``.
  Later names (``units``, ``epochs``, ``kernel_initializer``, ``metrics``) raise a TypeError naming the Keras 0 one.
- Batch logs carry ``batch`` and ``size`` and the batch's own values; ``BaseLogger`` averages them per epoch.
"""

from . import backend, callbacks, layers, models, optimizers, utils
from .models import Model, Sequential, load_model

PROFILE = "keras0"

__all__ = ["PROFILE", "backend", "callbacks", "layers", "models", "optimizers", "utils", "Model", "Sequential",
           "load_model"]
