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


def call_with_training(call, x, training: bool):
    """Call a Keras-style ``call(inputs)``, passing ``training`` only when it accepts one."""
    import inspect

    try:
        accepts = "training" in inspect.signature(call).parameters
    except (TypeError, ValueError):
        accepts = False
    return call(x, training=training) if accepts else call(x)


def no_autodiff_message(owner: str) -> str:
    return (f"{owner} computes its output in call(), which refimpl cannot differentiate: refimpl is numpy "
            "without automatic differentiation, so a custom call() layer can have no trainable weights and "
            "must come before the first layer that learns (or define backward()). Use trainable=False "
            "weights for state, or train this model with Keras. " + out_of_scope_page())


def out_of_scope_page() -> str:
    from ..scope import SCOPE_PAGE

    return SCOPE_PAGE[0].upper() + SCOPE_PAGE[1:] + "."


class Layer:
    """Base class of refimpl's layers.

    A subclass creates its weights in ``build(input_shape)`` with ``add_weight``, computes its output in
    ``forward(x, training)`` and, for training, returns the gradient with respect to its input from
    ``backward(grad)``, storing the gradients of its trainable weights in ``self.grads`` (same order as
    ``trainable_weights``).

    Keras-style custom layers work as far as numpy without automatic differentiation allows: a subclass
    may define ``call(inputs)`` (or ``call(inputs, training=...)``) instead of ``forward``, and keep
    state in non-trainable weights (``add_weight(..., trainable=False)``, updated with ``assign`` /
    ``assign_add``). refimpl cannot differentiate ``call``, so such a layer can have no trainable
    weights and must come before the first layer that learns (nothing needs its input gradient there);
    otherwise ``fit`` stops before the first epoch with a ``NotImplementedError`` that says so. A layer
    whose ``call`` changes the shape of its input defines ``compute_output_shape`` as well.

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
    def add_weight(self, shape=(), initializer="glorot_uniform", name: str | None = None, trainable: bool = True,
                   dtype: str | None = None, **kwargs) -> Variable:
        """Create a weight of this layer and return it.

        Args:
            shape: the weight's shape. Defaults to `()` (a scalar).
            initializer: an initializer or its name, e.g. ``"zeros"``. Defaults to `"glorot_uniform"`.
            name: the weight's name. Defaults to `"variable"`, numbered.
            trainable: whether ``fit`` updates it. Defaults to `True`.
            dtype: its dtype. Defaults to the layer's dtype.
            **kwargs: Keras's ``regularizer``, ``constraint``, ``autocast`` and ``aggregation`` are
                accepted when they are ``None`` / their defaults; refimpl does not implement them.

        Raises:
            NotImplementedError: for a regularizer or a constraint (outside refimpl's scope).
        """
        unsupported = sorted(k for k, v in kwargs.items()
                             if not (v is None or (k, v) in (("autocast", True), ("aggregation", "none"))))
        if unsupported:
            raise NotImplementedError(f"add_weight({', '.join(unsupported)}=...) is outside refimpl's scope "
                                      "(no regularizers, constraints or distribution).")
        from .. import initializers

        dtype = dtype or self.dtype
        if name is None:
            name = "variable" if not any(w.name == "variable" for w in self._weights) else \
                f"variable_{sum(w.name.startswith('variable') for w in self._weights)}"
        value = initializers.get(initializer)(tuple(shape), dtype)
        var = Variable(value, name=name, dtype=dtype, trainable=trainable, path=f"{self.name}/{name}")
        self._weights.append(var)
        return var

    add_variable = add_weight

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
        call = getattr(self, "call", None)
        if call is None:
            raise NotImplementedError(f"{type(self).__name__} defines neither forward() nor call().")
        return call_with_training(call, x, training)

    def backward(self, grad: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Return d(loss)/d(input) given d(loss)/d(output); ``need_input_grad=False`` lets the first
        learning layer skip that product (nothing before it learns)."""
        raise NotImplementedError(no_autodiff_message(type(self).__name__))

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
