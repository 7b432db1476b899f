"""The one random generator refimpl draws from, so that ``utils.set_random_seed`` makes runs repeatable."""

from __future__ import annotations

import numpy as np

_generator = np.random.default_rng()


def generator() -> np.random.Generator:
    """Return the generator used by initializers, Dropout and shuffling."""
    return _generator


def seed(value: int) -> None:
    """Re-seed refimpl's generator (and numpy's global one, which user code often relies on)."""
    global _generator
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
        raise TypeError(f"seed must be an int; got {value!r}.")
    _generator = np.random.default_rng(int(value))
    np.random.seed(int(value) % (2**32))
