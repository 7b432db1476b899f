"""cthulhu, a renamed fork of Keras 2.2, on refimpl: ``import refimpl.dialects.cthulhu as cthulhu``.

What differs from Keras 3 (profile ``keras2``, as in ``refimpl.dialects.keras2``):

- Renamed names (the fork's ``names.py``): ``Pile`` = Sequential, ``Lump`` = Model, ``summon`` = fit,
  ``conjure`` = compile, ``Daoloth`` = Dense, ``Azatoth`` = Activation, ``Darkness`` = Dropout,
  ``LumpCheckpoint`` = ModelCheckpoint. ``evaluate``, ``predict``, ``load_weights`` keep their names.
- A Keras name (``cthulhu.models.Sequential``, ``model.fit``) raises an AttributeError naming the cthulhu one;
  errors refimpl raises inside the dialect speak its names (``You must call conjure() before summon()``).
- Keras 2 behaviour: ``acc``/``val_acc``, per-batch values with ``batch``/``size``, ``BaseLogger`` first,
  ``lr`` in logs, ``period``/``epsilon`` callback arguments, ``.hdf5`` checkpoints.
- Files saved from a Pile name its layers ``Daoloth``…; load them with ``cthulhu.models.load_model``.
"""

from .._names import module_getattr
from . import backend, callbacks, layers, models, optimizers, utils
from ._names import CALLBACKS, LAYERS, MODELS
from .layers import Input
from .models import Lump, Pile, load_model

PROFILE = "keras2"

__getattr__ = module_getattr(__name__, globals(), {**MODELS, **LAYERS, **CALLBACKS, "keras": "cthulhu"})

__all__ = ["PROFILE", "backend", "callbacks", "layers", "models", "optimizers", "utils", "Input", "Lump", "Pile",
           "load_model"]
