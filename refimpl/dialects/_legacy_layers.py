"""Dense and Dropout with the signatures of Keras 0, 1 and 2.

Each class builds refimpl's layer, so weights, configs and saved files are the same as Keras 3's; only the
constructor speaks the older names. ``from_config`` takes the (Keras 3) config ``get_config`` writes, so a
model saved from a dialect loads back in refimpl and in the dialect.
"""

from __future__ import annotations

import warnings

from .. import layers as _layers
from ._names import reject_kwargs

_KERAS1_TO_KERAS2 = {"output_dim": "units", "init": "kernel_initializer", "bias": "use_bias",
                     "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
                     "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint", "p": "rate"}
_KERAS2_TO_KERAS1 = {new: old for old, new in _KERAS1_TO_KERAS2.items()}
# Keyword arguments every layer takes in Keras 1 and 2 (refimpl's Layer base class).
_LAYER_KWARGS = ("name", "trainable", "dtype", "input_shape", "batch_input_shape")


def _unsupported(owner: str, **values) -> None:
    """Refuse, by name, features refimpl does not implement (regularizers, constraints)."""
    for arg, value in values.items():
        if value is not None:
            raise ValueError(f"{owner}: {arg} is not supported by refimpl (it has no regularizers or "
                             f"constraints); received {arg}={value!r}. Leave it None.")


class _FromKeras3Config:
    """Build the dialect layer from the Keras 3 config that ``get_config`` writes."""

    @classmethod
    def from_config(cls, config: dict):
        layer = cls.__new__(cls)
        cls._keras3_class.__init__(layer, **config)
        return layer


class _InitialWeights:
    """Keras 0/1 ``weights=[...]``: the layer's initial weights, set once it is built."""

    _initial_weights = None

    def build(self, input_shape):
        super().build(input_shape)
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None


class Keras2Dense(_layers.Dense):
    """A fully connected layer (Keras 2 signature; Keras 1 names are accepted with a DeprecationWarning).

    Args:
        units: number of outputs.
        activation: activation name or function; None is linear. Defaults to `None`.
        use_bias: add a bias vector. Defaults to `True`.
        kernel_initializer: e.g. ``"uniform"`` or ``"glorot_uniform"``. Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        **kwargs: ``input_dim``, ``input_shape``, ``name``…; Keras 1's ``output_dim``, ``init``, ``bias``.

    Example:
        >>> from refimpl.dialects.keras2.layers import Dense
        >>> layer = Dense(10, input_dim=784, kernel_initializer="uniform")
        >>> layer.units, layer.kernel_initializer.get_config()["maxval"]
        (10, 0.05)
    """

    def __init__(self, units: int | None = None, activation=None, use_bias: bool = True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        legacy = {old: kwargs.pop(old) for old in ("output_dim", "init", "bias") if old in kwargs}
        _unsupported(f"{type(self).__name__}()", **{k: kwargs.pop(k) for k in list(kwargs) if k in (
            "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
            "bias_constraint", "W_regularizer", "b_regularizer", "W_constraint", "b_constraint")})
        if legacy:
            warnings.warn(f"Update your `{type(self).__name__}` call to the Keras 2 API: "
                          + ", ".join(f"`{old}` is now `{_KERAS1_TO_KERAS2[old]}`" for old in legacy) + ".",
                          DeprecationWarning, stacklevel=2)
            units = legacy.get("output_dim", units)
            kernel_initializer = legacy.get("init", kernel_initializer)
            use_bias = legacy.get("bias", use_bias)
        if units is None:
            raise TypeError(f"{type(self).__name__}() missing required argument: 'units' (the number of outputs).")
        super().__init__(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer, **kwargs)


class Keras2Dropout(_layers.Dropout):
    """Dropout (Keras 2 signature; Keras 1's ``p`` is accepted with a DeprecationWarning).

    Args:
        rate: fraction of inputs to drop, in [0, 1).
        noise_shape: not supported by refimpl; leave it None. Defaults to `None`.
        seed: seed of the layer's own generator. Defaults to `None`.
        **kwargs: ``name``…; Keras 1's ``p``.

    Example:
        >>> from refimpl.dialects.keras2.layers import Dropout
        >>> Dropout(0.5).rate
        0.5
    """

    def __init__(self, rate: float | None = None, noise_shape=None, seed: int | None = None, **kwargs):
        if "p" in kwargs:
            warnings.warn(f"Update your `{type(self).__name__}` call to the Keras 2 API: `p` is now `rate`.",
                          DeprecationWarning, stacklevel=2)
            rate = kwargs.pop("p")
        if rate is None:
            raise TypeError(f"{type(self).__name__}() missing required argument: 'rate' (the fraction to drop).")
        super().__init__(rate, seed=seed, noise_shape=noise_shape, **kwargs)


class Keras1Dense(_FromKeras3Config, _InitialWeights, _layers.Dense):
    """A fully connected layer, Keras 1 signature: ``Dense(10, input_dim=784, init='uniform')``.

    Args:
        output_dim: number of outputs.
        init: initializer of the kernel. Defaults to `"glorot_uniform"`.
        activation: activation name or function; None is linear. Defaults to `None`.
        weights: initial ``[kernel, bias]``, set when the layer is built. Defaults to `None`.
        W_regularizer: not supported by refimpl. Defaults to `None`.
        b_regularizer: not supported by refimpl. Defaults to `None`.
        activity_regularizer: not supported by refimpl. Defaults to `None`.
        W_constraint: not supported by refimpl. Defaults to `None`.
        b_constraint: not supported by refimpl. Defaults to `None`.
        bias: add a bias vector. Defaults to `True`.
        input_dim: input width, on a model's first layer. Defaults to `None`.
        **kwargs: ``name``, ``input_shape``, ``batch_input_shape``, ``trainable``.

    Raises:
        TypeError: for a Keras 2/3 name (``units``, ``kernel_initializer``…); the message gives the Keras 1 name.

    Example:
        >>> from refimpl.dialects.keras1.layers import Dense
        >>> Dense(10, input_dim=784, init="uniform").units
        10
    """

    _keras3_class = _layers.Dense

    def __init__(self, output_dim: int | None = None, init="glorot_uniform", activation=None, weights=None,
                 W_regularizer=None,
                 b_regularizer=None, activity_regularizer=None, W_constraint=None, b_constraint=None,
                 bias: bool = True, input_dim: int | None = None, **kwargs):
        reject_kwargs("Dense()", {k: v for k, v in kwargs.items() if k not in _LAYER_KWARGS}, _KERAS2_TO_KERAS1,
                      ["output_dim", "init", "activation", "weights", "bias", "input_dim", *_LAYER_KWARGS], "Keras 1")
        if output_dim is None:
            raise TypeError("Dense() missing required argument: 'output_dim' (the number of outputs).")
        _unsupported("Dense()", W_regularizer=W_regularizer, b_regularizer=b_regularizer,
                     activity_regularizer=activity_regularizer, W_constraint=W_constraint, b_constraint=b_constraint)
        super().__init__(output_dim, activation=activation, use_bias=bias, kernel_initializer=init,
                         input_dim=input_dim, **kwargs)
        self._initial_weights = weights


class Keras1Dropout(_FromKeras3Config, _layers.Dropout):
    """Dropout, Keras 1 signature: ``Dropout(p)``.

    Args:
        p: fraction of inputs to drop, in [0, 1).
        **kwargs: ``name``, ``trainable``.

    Example:
        >>> from refimpl.dialects.keras1.layers import Dropout
        >>> Dropout(0.25).rate
        0.25
    """

    _keras3_class = _layers.Dropout

    _dialect = "Keras 1"

    def __init__(self, p: float | None = None, **kwargs):
        reject_kwargs("Dropout()", {k: v for k, v in kwargs.items() if k not in _LAYER_KWARGS}, _KERAS2_TO_KERAS1,
                      ["p", *_LAYER_KWARGS], self._dialect)
        if p is None:
            raise TypeError("Dropout() missing required argument: 'p' (the fraction of inputs to drop).")
        super().__init__(p, **kwargs)


# Keras 3 (and 2) names a Keras 0 user might write, mapped to the Keras 0 names.
KERAS0_RENAMES = {"units": "output_dim", "kernel_initializer": "init", "input_shape": "input_dim",
                  "rate": "p", "epochs": "nb_epoch", "metrics": "show_accuracy=True (an argument of fit())"}


class Keras0Dense(_FromKeras3Config, _InitialWeights, _layers.Dense):
    """A fully connected layer, Keras 0 signature: ``Dense(784, 10, init='uniform')`` (input and output widths).

    Args:
        input_dim: width of the inputs.
        output_dim: number of outputs.
        init: initializer of the kernel. Defaults to `"glorot_uniform"`.
        activation: activation name or function. Defaults to `"linear"`.
        weights: initial ``[kernel, bias]``. Defaults to `None`.
        **kwargs: ``name``.

    Raises:
        TypeError: for a Keras 1/2/3 name (``units``, ``kernel_initializer``…); the message gives the Keras 0 name.
        ValueError: when the model feeds the layer inputs of another width than ``input_dim``.

    Example:
        >>> from refimpl.dialects.keras0.layers import Dense
        >>> layer = Dense(784, 10, init="uniform")
        >>> layer.input_dim, layer.units
        (784, 10)
    """

    _keras3_class = _layers.Dense

    def __init__(self, input_dim: int | None = None, output_dim: int | None = None, init="glorot_uniform",
                 activation="linear", weights=None, **kwargs):
        reject_kwargs("Dense()", {k: v for k, v in kwargs.items() if k != "name"}, KERAS0_RENAMES,
                      ["input_dim", "output_dim", "init", "activation", "weights", "name"], "Keras 0")
        if output_dim is None:
            raise TypeError("Dense() missing required argument: 'output_dim'. Keras 0 layers take the input width "
                            "and the output width: Dense(784, 10).")
        if isinstance(input_dim, bool) or not isinstance(input_dim, int) or input_dim <= 0:
            raise ValueError(f"Dense(input_dim, output_dim): input_dim must be a positive integer; got {input_dim!r}. "
                             "Keras 0 layers take their input width first: Dense(784, 10).")
        super().__init__(output_dim, activation=activation, kernel_initializer=init, input_dim=input_dim, **kwargs)
        self._initial_weights = weights

    @property
    def input_dim(self) -> int:
        """The input width the layer was declared with."""
        return self._declared_input_shape[-1]

    def build(self, input_shape):
        declared = getattr(self, "_declared_input_shape", None)
        if declared is not None and input_shape[-1] != declared[-1]:
            raise ValueError(f"Dense layer '{self.name}' was declared with input_dim={declared[-1]}, but the layer "
                             f"before it outputs {input_shape[-1]} values.")
        super().build(input_shape)


class Keras0Dropout(Keras1Dropout):
    """Dropout, Keras 0 signature: ``Dropout(p)``.

    Args:
        p: fraction of inputs to drop, in [0, 1).
        **kwargs: ``name``.

    Example:
        >>> from refimpl.dialects.keras0.layers import Dropout
        >>> Dropout(0.5).rate
        0.5
    """

    _dialect = "Keras 0"
