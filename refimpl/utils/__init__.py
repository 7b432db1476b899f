"""Utilities: ``PyDataset``, ``set_random_seed``, ``to_categorical``, ``Progbar``, the interactive-logging
switches (``io_utils``)."""

from __future__ import annotations

import numpy as np

from .. import rng as _rng
from . import io_utils
from .io_utils import disable_interactive_logging, enable_interactive_logging, is_interactive_logging_enabled
from .progbar import Progbar
from .py_dataset import PyDataset, Sequence


def set_random_seed(seed: int) -> None:
    """Seed refimpl's random generator (initializers, Dropout, shuffling) and numpy's global one.

    Two runs that call ``set_random_seed(n)`` with the same ``n`` before building their models give the
    same initial weights, batches and results.
    """
    _rng.seed(seed)


def to_categorical(y, num_classes: int | None = None, dtype: str = "float32") -> np.ndarray:
    """One-hot encode integer class labels.

    Example:
        >>> import refimpl as keras
        >>> keras.utils.to_categorical([0, 2], num_classes=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    y = np.asarray(y, dtype="int64")
    if y.ndim > 1 and y.shape[-1] == 1:
        y = y[..., 0]
    if y.size and y.min() < 0:
        raise ValueError(f"to_categorical() needs labels >= 0; got {int(y.min())}.")
    num_classes = int(y.max(initial=-1)) + 1 if num_classes is None else num_classes
    if y.size and y.max() >= num_classes:
        raise ValueError(f"label {int(y.max())} is out of range for num_classes={num_classes}.")
    return np.eye(num_classes, dtype=dtype)[y]


def clear_session() -> None:
    """Reset the automatic layer-name counters."""
    from ..backend import clear_session as _clear

    _clear()


__all__ = ["PyDataset", "Sequence", "Progbar", "set_random_seed", "to_categorical", "clear_session", "io_utils",
           "disable_interactive_logging", "enable_interactive_logging", "is_interactive_logging_enabled"]
