"""Keras 2 utilities: ``to_categorical`` (also as ``utils.np_utils.to_categorical``) and ``Sequence``."""

from ....utils import Sequence, to_categorical
from . import np_utils

__all__ = ["Sequence", "to_categorical", "np_utils"]
