"""refimpl: a numpy + h5py reference implementation of the Keras 3 training loop and callback contract.

Use it where Keras code expects ``keras``::

    import refimpl as keras

or, for code that imports ``keras`` itself (third-party callbacks), ``refimpl.install_as_keras()``.
"""

from . import (
    activations,
    backend,
    callbacks,
    distribution,
    initializers,
    layers,
    losses,
    metrics,
    models,
    ops,
    optimizers,
    profiles,
    saving,
    utils,
)
from .as_keras import KerasPartMissing, install_as_keras, uninstall_as_keras
from .layers import Input
from .models import Model, Sequential
from .variables import Variable

__version__ = "0.1.0"


def __getattr__(name: str):
    # ``keras.ops``, ``keras.random``, ``keras.applications`` … are outside refimpl's scope: say so, with the page.
    from .scope import missing_attribute

    raise missing_attribute(__name__, name, "activations, backend, callbacks, distribution, initializers, layers, "
                                            "losses, metrics, models, ops, optimizers, saving and utils")


__all__ = [
    "activations", "backend", "callbacks", "distribution", "initializers", "layers", "losses", "metrics",
    "models", "ops", "optimizers", "profiles", "saving", "utils", "Input", "Model", "Sequential", "Variable",
    "__version__", "install_as_keras", "uninstall_as_keras", "KerasPartMissing",
]
