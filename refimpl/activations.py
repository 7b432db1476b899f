"""Activation functions with their backward passes, looked up by name."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class Activation:
    """An elementwise (or row-wise, for softmax) function and its vector-Jacobian product."""

    name = "activation"

    def __call__(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, grad: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Return d(loss)/dx given d(loss)/dy, the input ``x`` and the output ``y``."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class Linear(Activation):
    name = "linear"

    def __call__(self, x):
        return x

    def backward(self, grad, x, y):
        return grad


class Relu(Activation):
    name = "relu"

    def __call__(self, x):
        return np.maximum(x, 0)

    def backward(self, grad, x, y):
        return grad * (x > 0)


class Sigmoid(Activation):
    name = "sigmoid"

    def __call__(self, x):
        # The two-branch form never overflows in exp().
        out = np.empty_like(x)
        pos = x >= 0
        out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
        ex = np.exp(x[~pos])
        out[~pos] = ex / (1.0 + ex)
        return out

    def backward(self, grad, x, y):
        return grad * y * (1 - y)


class Tanh(Activation):
    name = "tanh"

    def __call__(self, x):
        return np.tanh(x)

    def backward(self, grad, x, y):
        return grad * (1 - y * y)


class Softmax(Activation):
    name = "softmax"

    # ufunc reductions directly: ndarray.max/sum add a Python-level wrapper call per batch.
    def __call__(self, x):
        e = np.exp(x - np.maximum.reduce(x, axis=-1, keepdims=True))
        return e / np.add.reduce(e, axis=-1, keepdims=True)

    def backward(self, grad, x, y):
        return y * (grad - np.add.reduce(grad * y, axis=-1, keepdims=True))


class Softplus(Activation):
    name = "softplus"

    def __call__(self, x):
        return np.logaddexp(0, x).astype(x.dtype)

    def backward(self, grad, x, y):
        return grad * Sigmoid()(x)


class Elu(Activation):
    name = "elu"

    def __call__(self, x):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(x.dtype)

    def backward(self, grad, x, y):
        return grad * np.where(x > 0, 1, y + 1)


_ACTIVATIONS: dict[str, type[Activation]] = {
    cls.name: cls for cls in (Linear, Relu, Sigmoid, Tanh, Softmax, Softplus, Elu)
}


class FunctionActivation(Activation):
    """A user function used as an activation; its backward pass uses a numeric derivative."""

    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]):
        self.fn = fn
        self.name = getattr(fn, "__name__", "custom")

    def __call__(self, x):
        return np.asarray(self.fn(x), dtype=x.dtype)

    def backward(self, grad, x, y):
        h = np.float32(1e-3)
        return grad * (self.fn(x + h) - self.fn(x - h)) / (2 * h)


def get(identifier) -> Activation:
    """Return the activation for a name (``"relu"``), ``None`` (linear), an Activation or a function.

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    if identifier is None:
        return Linear()
    if isinstance(identifier, Activation):
        return identifier
    if isinstance(identifier, str):
        cls = _ACTIVATIONS.get(identifier)
        if cls is None:
            raise ValueError(
                f"Unknown activation: '{identifier}'. Known activations: {', '.join(sorted(_ACTIVATIONS))}."
            )
        return cls()
    if callable(identifier):
        name = getattr(identifier, "__name__", None)
        if name in _ACTIVATIONS:
            return _ACTIVATIONS[name]()
        return FunctionActivation(identifier)
    raise TypeError(f"activation must be a name, a function or None; got {identifier!r}.")


def serialize(activation: Activation) -> str:
    """Return the name an activation is saved under in a model config."""
    if activation.name not in _ACTIVATIONS:
        raise ValueError(f"Custom activation '{activation.name}' cannot be saved in a config; use a named one.")
    return activation.name


def _module_level(name: str):
    act = _ACTIVATIONS[name]()

    def fn(x):
        return act(np.asarray(x, dtype="float32"))

    fn.__name__ = name
    return fn


relu = _module_level("relu")
sigmoid = _module_level("sigmoid")
tanh = _module_level("tanh")
softmax = _module_level("softmax")
linear = _module_level("linear")
softplus = _module_level("softplus")
elu = _module_level("elu")
