"""Dense, Activation, Dropout and Flatten."""

from __future__ import annotations

import numpy as np

from .. import activations, initializers
from .. import rng as _rng
from .base import Layer


class Dense(Layer):
    """A fully connected layer: ``activation(x @ kernel + bias)``.

    Args:
        units: number of outputs.
        activation: a name (``"relu"``, ``"softmax"``…), a function, or None for linear. Defaults to None.
        use_bias: whether to add a bias vector. Defaults to `True`.
        kernel_initializer: initializer of the kernel. Defaults to ``"glorot_uniform"``.
        bias_initializer: initializer of the bias. Defaults to ``"zeros"``.
        input_dim: Keras 1/2 way to give the input width on a model's first layer. Defaults to None.
        input_shape: Keras 2 way to give the input shape on a model's first layer. Defaults to None.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> layer = keras.layers.Dense(2, kernel_initializer="ones")
        >>> layer(np.ones((1, 3), dtype="float32")).tolist()
        [[3.0, 3.0]]
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        if isinstance(units, bool) or not isinstance(units, (int, np.integer)) or units <= 0:
            raise ValueError(f"Dense units must be a positive integer; got {units!r}.")
        super().__init__(**kwargs)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def build(self, input_shape):
        if input_shape[-1] is None:
            raise ValueError(f"Dense layer '{self.name}' needs a known input width; got shape {input_shape}.")
        self.kernel = self.add_weight((input_shape[-1], self.units), self.kernel_initializer, "kernel")
        self.bias = self.add_weight((self.units,), self.bias_initializer, "bias") if self.use_bias else None

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)

    def forward(self, x, training=False):
        z = x @ self.kernel.value
        if self.bias is not None:
            z += self.bias.value
        y = self.activation(z)
        if training:
            self._cache = (x, z, y)
        return y

    def backward(self, grad, need_input_grad: bool = True):
        x, z, y = self._cache
        gz = self.activation.backward(grad, z, y)
        if x.ndim == 2:
            grads = [x.T @ gz]
            if self.bias is not None:
                grads.append(np.add.reduce(gz, axis=0))
        else:
            x2 = x.reshape(-1, x.shape[-1])
            gz2 = gz.reshape(-1, gz.shape[-1])
            grads = [x2.T @ gz2]
            if self.bias is not None:
                grads.append(gz2.sum(axis=0))
        self.grads = grads if self.trainable else []
        return gz @ self.kernel.value.T if need_input_grad else None

    def get_config(self):
        config = super().get_config()
        config.update(units=self.units, activation=activations.serialize(self.activation), use_bias=self.use_bias,
                      kernel_initializer=initializers.serialize(self.kernel_initializer),
                      bias_initializer=initializers.serialize(self.bias_initializer))
        return config


class Activation(Layer):
    """Applies an activation function to its input.

    Args:
        activation: a name such as ``"softmax"``, or a function.
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def forward(self, x, training=False):
        y = self.activation(x)
        if training:
            self._cache = (x, y)
        return y

    def backward(self, grad, need_input_grad=True):
        x, y = self._cache
        return self.activation.backward(grad, x, y)

    def get_config(self):
        config = super().get_config()
        config["activation"] = activations.serialize(self.activation)
        return config


class Dropout(Layer):
    """Sets a fraction ``rate`` of inputs to 0 during training and scales the rest by ``1 / (1 - rate)``.

    Args:
        rate: fraction of the inputs to drop, in [0, 1).
        seed: seed of this layer's own random generator; None draws from refimpl's generator, which
            ``refimpl.utils.set_random_seed`` seeds. Defaults to None.
    """

    def __init__(self, rate: float, seed: int | None = None, noise_shape=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= float(rate) < 1:
            raise ValueError(f"Dropout rate must be in [0, 1); got {rate!r}.")
        if noise_shape is not None:
            raise ValueError("Dropout noise_shape is not supported by refimpl; leave it None.")
        self.rate = float(rate)
        self.seed = seed
        self._generator = np.random.default_rng(seed) if seed is not None else None

    def forward(self, x, training=False):
        if not training or self.rate == 0:
            self._mask = None
            return x
        gen = self._generator or _rng.generator()
        keep = (gen.random(x.shape) >= self.rate).astype(x.dtype)
        self._mask = keep / np.float32(1 - self.rate)
        return x * self._mask

    def backward(self, grad, need_input_grad=True):
        return grad if self._mask is None else grad * self._mask

    def get_config(self):
        config = super().get_config()
        config.update(rate=self.rate, seed=self.seed)
        return config


class Flatten(Layer):
    """Flattens each sample to one dimension: ``(batch, a, b)`` becomes ``(batch, a * b)``."""

    def compute_output_shape(self, input_shape):
        if any(d is None for d in input_shape):
            return (None,)
        return (int(np.prod(input_shape)),)

    def forward(self, x, training=False):
        if training:
            self._shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, grad, need_input_grad=True):
        return grad.reshape(self._shape)
