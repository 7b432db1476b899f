"""cthulhu layers: ``Daoloth`` (Dense), ``Azatoth`` (Activation), ``Darkness`` (Dropout), ``Flatten``, ``Input``.

Keras names (``Dense``…) raise an AttributeError naming the cthulhu one; the fork's names for layers refimpl
does not implement (``LuKthu``, ``Cthalpa2D``, ``Laldagorth``…) raise one saying so.
"""

from ...layers import Activation as _Activation
from ...layers import Flatten, Input, InputLayer, Layer
from .._legacy_layers import Keras2Dense, Keras2Dropout
from .._names import module_getattr
from ._names import LAYERS, NOT_IN_REFIMPL, UNIMPLEMENTED_LAYERS, speaks_cthulhu


class Daoloth(Keras2Dense):
    """A fully connected layer (Keras's Dense): ``Daoloth(10, input_dim=784, kernel_initializer='uniform')``.

    Args:
        units: number of outputs.
        activation: activation name or function; None is linear. Defaults to `None`.
        use_bias: add a bias vector. Defaults to `True`.
        kernel_initializer: e.g. ``"uniform"``. Defaults to `"glorot_uniform"`.
        bias_initializer: Defaults to `"zeros"`.
        **kwargs: ``input_dim``, ``input_shape``, ``name``.

    Example:
        >>> from refimpl.dialects.cthulhu.layers import Daoloth
        >>> Daoloth(10, input_dim=784, kernel_initializer="uniform").name.startswith("daoloth")
        True
    """

    __init__ = speaks_cthulhu(Keras2Dense.__init__)


class Azatoth(_Activation):
    """Applies an activation function (Keras's Activation): ``Azatoth('softmax')``.

    Args:
        activation: a name such as ``"softmax"``, or a function.
        **kwargs: ``name``.

    Example:
        >>> from refimpl.dialects.cthulhu.layers import Azatoth
        >>> Azatoth("softmax").name.startswith("azatoth")
        True
    """

    __init__ = speaks_cthulhu(_Activation.__init__)


class Darkness(Keras2Dropout):
    """Drops a fraction of the inputs while training (Keras's Dropout): ``Darkness(0.5)``.

    Args:
        rate: fraction of inputs to drop, in [0, 1).
        noise_shape: not supported; leave it None. Defaults to `None`.
        seed: seed of the layer's own generator. Defaults to `None`.
        **kwargs: ``name``.

    Example:
        >>> from refimpl.dialects.cthulhu.layers import Darkness
        >>> Darkness(0.5).rate
        0.5
    """

    __init__ = speaks_cthulhu(Keras2Dropout.__init__)


__getattr__ = module_getattr(__name__, globals(), {**LAYERS, **UNIMPLEMENTED_LAYERS}, NOT_IN_REFIMPL)

__all__ = ["Azatoth", "Daoloth", "Darkness", "Flatten", "Input", "InputLayer", "Layer"]
