"""Backend facts for code written against ``keras.backend``: refimpl computes with numpy, in float32."""

from __future__ import annotations

import numpy as np

_FLOATX = "float32"


def backend() -> str:
    """Return the name of the array library refimpl computes with: ``"numpy"``."""
    return "numpy"


def floatx() -> str:
    """Return the default float dtype name, ``"float32"`` as in Keras."""
    return _FLOATX


def epsilon() -> float:
    """Return the fuzz factor Keras uses in numeric expressions, ``1e-7``."""
    return 1e-7


def clear_session() -> None:
    """Reset the automatic layer-name counters, as ``keras.backend.clear_session`` does."""
    from .layers.base import reset_name_counters

    reset_name_counters()


def get_value(x) -> np.ndarray | float:
    """Return the value of a variable (or of anything array-like) as numpy data.

    Kept for Keras 1/2 code such as ``K.get_value(model.optimizer.lr)``.
    """
    if hasattr(x, "numpy"):
        value = x.numpy()
    else:
        value = np.asarray(x)
    return value.item() if np.ndim(value) == 0 else value


def set_value(x, value) -> None:
    """Assign ``value`` to a variable, as Keras 1/2's ``K.set_value`` did."""
    if not hasattr(x, "assign"):
        raise TypeError(f"set_value() needs a variable with an assign() method; got {type(x).__name__}.")
    x.assign(value)
