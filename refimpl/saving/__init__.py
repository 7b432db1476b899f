"""Saving and loading models: ``.keras`` archives, ``.weights.h5`` files and Keras 2's legacy ``.h5``.

Every write is atomic (see :mod:`refimpl.saving.atomic`): a crash leaves the previous file intact.
Every read treats the file as untrusted data (see :mod:`refimpl.saving.serialization`): nothing is
unpickled, evaluated or imported because a file says so.
"""

from .api import load_model, load_weights, save_model, save_weights
from .atomic import atomic_write
from .errors import InvalidCheckpointError, UnsafeCheckpointError, WeightsMismatchError

__all__ = ["save_weights", "load_weights", "save_model", "load_model", "atomic_write", "InvalidCheckpointError",
           "UnsafeCheckpointError", "WeightsMismatchError"]
