"""Optimizers: ``SGD``, ``RMSprop``, ``Adam``, ``AdamW``, ``Adagrad``, ``LossScaleOptimizer``, and
``schedules``."""

from . import schedules
from .base import Optimizer
from .loss_scale_optimizer import LossScaleOptimizer
from .optimizers import SGD, Adagrad, Adam, AdamW, RMSprop

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "LossScaleOptimizer", "schedules", "get"]

_BY_NAME = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad}
_BY_CLASS_NAME = {cls.__name__: cls for cls in (*_BY_NAME.values(), LossScaleOptimizer)}


def get(identifier) -> Optimizer:
    """Return an optimizer for a name (``"rmsprop"``), a class name, a config dict or an instance.

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier.lower()) or _BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown optimizer: '{identifier}'. Known optimizers: {', '.join(sorted(_BY_NAME))}.")
        return cls()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = _BY_CLASS_NAME.get(identifier["class_name"])
        if cls is None:
            raise ValueError(f"Unknown optimizer class '{identifier['class_name']}'. Known: "
                             f"{', '.join(sorted(_BY_CLASS_NAME))}.")
        return cls.from_config(identifier.get("config", {}))
    raise ValueError(f"optimizer must be a name, an Optimizer or a config; got {identifier!r}. "
                     f"Known optimizers: {', '.join(sorted(_BY_NAME))}.")


def __getattr__(name: str):
    # ``keras.optimizers.Nadam`` and other optimizers refimpl does not implement: say which ones it does, and the page.
    from ..scope import missing_attribute

    raise missing_attribute(__name__, name, ", ".join(sorted(_BY_CLASS_NAME)) + " and schedules")
