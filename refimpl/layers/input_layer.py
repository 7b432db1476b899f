"""``Input`` and ``InputLayer``: a placeholder that tells a model the shape of its inputs."""

from __future__ import annotations

import numpy as np

from .base import Layer


class KerasTensor:
    """A symbolic tensor: the shape flowing through a model being defined, and the layers that made it."""

    def __init__(self, shape: tuple, source: Layer, parent: KerasTensor | None = None):
        self.shape = tuple(shape)
        self.source = source
        self.parent = parent

    def layer_chain(self) -> list[Layer]:
        chain, node = [], self
        while node is not None:
            chain.append(node.source)
            node = node.parent
        return chain[::-1]

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape} from {self.source.name}>"


class InputLayer(Layer):
    """The layer behind ``Input``: holds the input shape and passes data through unchanged.

    Args:
        shape: the shape of one sample, without the batch dimension, e.g. ``(784,)``.
        batch_size: an optional fixed batch size (recorded, not enforced).
        name: the layer's name. Defaults to ``"input_layer"``, numbered.
    """

    def __init__(self, shape=None, batch_size: int | None = None, name: str | None = None,
                 input_shape=None, dtype: str | None = None, **kwargs):
        shape = shape if shape is not None else input_shape
        if shape is None:
            raise ValueError("InputLayer needs shape=, the shape of one sample, e.g. shape=(784,).")
        if isinstance(shape, int):
            shape = (shape,)
        shape = tuple(shape)
        if any(d is not None and (not isinstance(d, (int, np.integer)) or d <= 0) for d in shape):
            raise ValueError(f"shape must hold positive integers (or None); got {shape}.")
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.shape = shape
        self.batch_size = batch_size
        self.ensure_built(shape)
        self.output = KerasTensor((batch_size, *shape), source=self)

    def forward(self, x, training=False):
        return x

    def backward(self, grad, need_input_grad=True):
        return grad

    def get_config(self):
        return {"name": self.name, "shape": list(self.shape), "batch_size": self.batch_size, "dtype": self.dtype}


def Input(shape=None, batch_size: int | None = None, name: str | None = None, dtype: str | None = None,
          batch_shape=None) -> KerasTensor:
    """Declare a model input of the given per-sample ``shape`` (e.g. ``Input(shape=(784,))``).

    Returns:
        A symbolic tensor to pass to ``Sequential([...])`` or to layers when building a ``Model``.
    """
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
    return InputLayer(shape=shape, batch_size=batch_size, name=name, dtype=dtype).output
