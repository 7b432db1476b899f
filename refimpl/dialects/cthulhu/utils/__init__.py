"""cthulhu utilities: ``to_categorical`` (also as ``utils.np_utils.to_categorical``)."""

from ....utils import to_categorical
from . import np_utils

__all__ = ["to_categorical", "np_utils"]
