"""A named, assignable numpy array: what ``layer.weights`` and optimizer state are made of."""

from __future__ import annotations

import numpy as np


class Variable:
    """A mutable array with a name, as Keras 3's ``keras.Variable`` for the numpy world.

    Args:
        value: initial value; converted to ``dtype``.
        name: short name, e.g. ``"kernel"``.
        dtype: numpy dtype name. Defaults to ``"float32"``.
        trainable: whether optimizers update it. Defaults to `True`.
        path: full name used in weight files, e.g. ``"dense/kernel"``. Defaults to ``name``.
    """

    __slots__ = ("value", "name", "path", "trainable", "__weakref__")

    def __init__(self, value, name: str = "variable", dtype: str = "float32", trainable: bool = True,
                 path: str | None = None):
        self.value = np.array(value, dtype=dtype)
        self.name = name
        self.path = path or name
        self.trainable = trainable

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def dtype(self) -> str:
        return self.value.dtype.name

    def numpy(self) -> np.ndarray:
        """Return a copy of the current value."""
        return self.value.copy()

    def assign(self, value) -> None:
        """Replace the value, keeping the shape and dtype; raise ValueError on a shape mismatch."""
        new = np.asarray(value, dtype=self.value.dtype)
        if new.shape != self.value.shape:
            raise ValueError(
                f"Cannot assign a value of shape {new.shape} to variable '{self.path}' of shape {self.value.shape}."
            )
        self.value[...] = new

    def assign_add(self, delta) -> None:
        """Add ``delta`` to the value in place (``counter.assign_add(1)``), as Keras's variables do."""
        self.assign(self.value + np.asarray(delta, dtype=self.value.dtype))

    def assign_sub(self, delta) -> None:
        """Subtract ``delta`` from the value in place, as Keras's variables do."""
        self.assign(self.value - np.asarray(delta, dtype=self.value.dtype))

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __float__(self) -> float:
        return float(self.value)

    def __int__(self) -> int:
        return int(self.value)

    def __repr__(self) -> str:
        return f"<Variable path={self.path} shape={self.shape} dtype={self.dtype}>"

    # Arithmetic makes ``optimizer.learning_rate * 0.1`` work as it does on a Keras variable.
    def __mul__(self, other):
        return self.value * other

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self.value / other

    def __add__(self, other):
        return self.value + other

    __radd__ = __add__

    def __sub__(self, other):
        return self.value - other

    def __rsub__(self, other):
        return other - self.value

    def __lt__(self, other):
        return self.value < other

    def __le__(self, other):
        return self.value <= other

    def __gt__(self, other):
        return self.value > other

    def __ge__(self, other):
        return self.value >= other
