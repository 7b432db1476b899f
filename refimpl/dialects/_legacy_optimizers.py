"""Optimizers with the Keras 0/1/2 signatures: ``lr`` and ``decay`` are native names there."""

from __future__ import annotations

from .. import optimizers as _optimizers
from ._names import native_arguments


def _legacy(base: type, doc: str, default_lr: float, **defaults) -> type:
    """A subclass of ``base`` whose constructor takes ``lr`` (and ``decay``) as its own arguments."""

    def __init__(self, lr: float | None = None, decay: float = 0.0, **kwargs):
        for name, value in defaults.items():
            kwargs.setdefault(name, value)
        learning_rate = kwargs.pop("learning_rate", None)
        if lr is not None and learning_rate is not None:
            raise ValueError(f"{base.__name__}: pass lr or learning_rate (the same rate), not both.")
        rate = lr if lr is not None else learning_rate if learning_rate is not None else default_lr
        with native_arguments():
            base.__init__(self, learning_rate=rate, decay=decay if decay else None, **kwargs)

    return type(base.__name__, (base,), {"__init__": __init__, "__doc__": doc, "__module__": __name__})


_DOC = """{name} with the Keras {version} signature: ``lr`` is the learning rate, ``decay`` its time-based decay.

    Args:
        lr: the learning rate. Defaults to `{lr}`.
        decay: ``lr / (1 + decay * iterations)``. Defaults to `0.0`.
        **kwargs: the optimizer's other arguments ({others}).

    Example:
        >>> from refimpl.dialects.keras2.optimizers import SGD
        >>> round(float(SGD(lr=0.1, momentum=0.9).learning_rate), 6)
        0.1
"""


def optimizer_classes(version: str, rmsprop_epsilon: float, adam_epsilon: float) -> dict[str, type]:
    """The optimizer classes of one Keras version (their epsilon defaults differ between versions)."""
    specs = (
        (_optimizers.SGD, 0.01, "momentum, nesterov", {}),
        (_optimizers.RMSprop, 0.001, "rho, epsilon", {"epsilon": rmsprop_epsilon}),
        (_optimizers.Adam, 0.001, "beta_1, beta_2, epsilon", {"epsilon": adam_epsilon}),
        (_optimizers.Adagrad, 0.01, "epsilon", {"epsilon": adam_epsilon}),
    )
    classes = {}
    for base, lr, others, defaults in specs:
        doc = _DOC.format(name=base.__name__, version=version, lr=lr, others=others)
        classes[base.__name__] = _legacy(base, doc, lr, **defaults)
    return classes


def getter(classes: dict[str, type]):
    """``optimizers.get`` for a dialect: names resolve to the dialect's classes."""
    by_name = {name.lower(): cls for name, cls in classes.items()}

    def get(identifier):
        """Return an optimizer for a name (``"rmsprop"``), a config or an instance."""
        if isinstance(identifier, str) and identifier.lower() in by_name:
            return by_name[identifier.lower()]()
        return _optimizers.get(identifier)

    return get
