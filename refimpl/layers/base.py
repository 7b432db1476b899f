"""The Layer base class: weights as Variables, a numpy forward pass and its backward pass."""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np

from ..variables import Variable

_name_counters: defaultdict[str, int] = defaultdict(int)


def reset_name_counters() -> None:
    _name_counters.clear()


def unique_name(base: str) -> str:
    """``dense``, then ``dense_1``, ``dense_2``… as Keras names layers it was not given names for."""
    n = _name_counters[base]
    _name_counters[base] += 1
    return base if n == 0 else f"{base}_{n}"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Layer:
    """Base class of refimpl's layers.

    A subclass creates its weights in ``build(input_shape)`` with ``add_weight``, computes its output in
    ``forward(x, training)`` and, for training, returns the gradient with respect to its input from
    ``backward(grad)``, storing the gradients of its trainable weights in ``self.grads`` (same order as
    ``trainable_weights``).

    Args:
        name: the layer's name, unique within a model. Defaults to the snake-case class name, numbered.
        trainable: whether ``fit`` updates this layer's weights. Defaults to `True`.
        dtype: the dtype of the weights. Defaults to ``"float32"``.
    """

    def __init__(self, name: str | None = None, trainable: bool = True, dtype: str | None = None,
                 input_shape=None, input_dim: int | None = None, batch_input_shape=None, **kwargs):
        if kwargs:
            unknown = ", ".join(sorted(kwargs))
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {unknown}.")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"name must be a string; got {name!r}.")
        self.name = name or unique_name(_snake(type(self).__name__))
        self.trainable = trainable
        self.dtype = dtype or "float32"
        self._weights: list[Variable] = []
        self.grads: list[np.ndarray] = []
        self.built = False
        self.input_shape: tuple | None = None
        self.output_shape: tuple | None = None
        # Keras 1/2 let the first layer say its input width; Sequential reads it to build itself.
        if input_dim is not None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            input_shape = tuple(batch_input_shape)[1:]
        self._declared_input_shape = tuple(input_shape) if input_shape is not None else None

    # -------------------------------------------------------------------------------------------- weights
    def add_weight(self, shape, initializer, name: str, trainable: bool = True) -> Variable:
        value = initializer(tuple(shape), self.dtype)
        var = Variable(value, name=name, dtype=self.dtype, trainable=trainable, path=f"{self.name}/{name}")
        self._weights.append(var)
        return var

    @property
    def weights(self) -> list[Variable]:
        return list(self._weights)

    @property
    def trainable_weights(self) -> list[Variable]:
        return [w for w in self._weights if w.trainable] if self.trainable else []

    @property
    def non_trainable_weights(self) -> list[Variable]:
        return [w for w in self._weights if not w.trainable or not self.trainable]

    def get_weights(self) -> list[np.ndarray]:
        """Return copies of the layer's weights as numpy arrays."""
        return [w.numpy() for w in self._weights]

    def set_weights(self, weights) -> None:
        """Set the layer's weights from a list of arrays of the same shapes.

        Raises:
            ValueError: when the number of arrays or a shape differs; the message names the layer.
        """
        weights = list(weights)
        if len(weights) != len(self._weights):
            raise ValueError(f"Layer '{self.name}' expects {len(self._weights)} weight arrays, got {len(weights)}.")
        for var, value in zip(self._weights, weights):
            value = np.asarray(value)
            if value.shape != var.shape:
                raise ValueError(f"Layer '{self.name}' weight '{var.name}' has shape {var.shape}; "
                                 f"the value given has shape {value.shape}.")
        for var, value in zip(self._weights, weights):
            var.assign(value)

    def count_params(self) -> int:
        return int(sum(w.value.size for w in self._weights))

    # ------------------------------------------------------------------------------------------- building
    def build(self, input_shape: tuple) -> None:
        """Create weights for inputs of ``input_shape`` (batch dimension excluded)."""

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return tuple(input_shape)

    def ensure_built(self, input_shape: tuple) -> tuple:
        if not self.built:
            self.build(tuple(input_shape))
            self.built = True
            self.input_shape = (None, *input_shape)
            self.output_shape = (None, *self.compute_output_shape(tuple(input_shape)))
        return self.output_shape[1:]

    # ------------------------------------------------------------------------------------------- compute
    def forward(self, x: np.ndarray, training: bool = False) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Return d(loss)/d(input) given d(loss)/d(output); ``need_input_grad=False`` lets the first
        learning layer skip that product (nothing before it learns)."""
        raise NotImplementedError(f"{type(self).__name__} has no backward pass.")

    def __call__(self, inputs, training: bool = False):
        from .input_layer import KerasTensor

        if isinstance(inputs, KerasTensor):
            out_shape = self.ensure_built(inputs.shape[1:])
            return KerasTensor((None, *out_shape), source=self, parent=inputs)
        x = np.asarray(inputs, dtype=self.dtype)
        self.ensure_built(x.shape[1:])
        return self.forward(x, training=training)

    # -------------------------------------------------------------------------------------------- config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._declared_input_shape is not None:
            config["input_shape"] = list(self._declared_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def forward(layers, x, training: bool):
    """``x`` through ``layers`` in order: the forward pass of a model (``training`` switches Dropout on)."""
    for layer in layers:
        x = layer.forward(x, training)
    return x
