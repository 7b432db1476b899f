"""``LossScaleOptimizer``: Keras 3's wrapper for mixed-precision training, for code that uses it.

Keras multiplies the loss by ``dynamic_scale`` so that float16 gradients do not underflow, divides the
gradients by it again, skips a step whose gradients are not finite (halving the scale) and doubles the
scale after ``dynamic_growth_steps`` finite steps in a row. refimpl computes in float32, where
multiplying and dividing by a power of two changes nothing, so the wrapper passes the gradients through
unscaled; what it keeps from Keras is the rest: the skipped step on non-finite gradients and the
``dynamic_scale`` / ``step_counter`` bookkeeping, so that the weights and the state match Keras 3's.
"""

from __future__ import annotations

import numpy as np

from ..variables import Variable
from .base import Optimizer


class LossScaleOptimizer(Optimizer):
    """Wraps ``inner_optimizer``: steps with non-finite gradients are skipped, as in Keras 3.

    Everything else (``learning_rate``, ``iterations``, the slots, the config of the inner optimizer) is
    the inner optimizer's.

    Args:
        inner_optimizer: the optimizer that applies the gradients, e.g. ``SGD(0.01)``.
        initial_scale: the starting ``dynamic_scale``. Defaults to `32768.0` (``2 ** 15``).
        dynamic_growth_steps: finite steps in a row after which the scale doubles. Defaults to `2000`.
        name: the optimizer's name. Defaults to `"loss_scale_optimizer"`.

    Raises:
        ValueError: when ``inner_optimizer`` is not an optimizer, ``initial_scale`` is not a positive
            number or ``dynamic_growth_steps`` is not an integer >= 1.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> optimizer = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(0.1))
        >>> round(float(optimizer.learning_rate), 6), float(optimizer.dynamic_scale)
        (0.1, 32768.0)
        >>> w = keras.Variable(np.ones(2, dtype="float32"))
        >>> optimizer.apply([np.array([np.inf, 1.0], dtype="float32")], [w])  # skipped, scale halved
        >>> w.numpy().tolist(), float(optimizer.dynamic_scale), int(optimizer.iterations)
        ([1.0, 1.0], 16384.0, 0)
    """

    def __init__(self, inner_optimizer, initial_scale: float = 2.0**15, dynamic_growth_steps: int = 2000,
                 name: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"LossScaleOptimizer() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if not isinstance(inner_optimizer, Optimizer):
            raise ValueError("LossScaleOptimizer(inner_optimizer=...) must be an optimizer instance such as "
                             f"keras.optimizers.SGD(); got {inner_optimizer!r}.")
        if isinstance(initial_scale, bool) or not isinstance(initial_scale, (int, float)) or not initial_scale > 0:
            raise ValueError(f"initial_scale must be a positive number; got {initial_scale!r}.")
        if isinstance(dynamic_growth_steps, bool) or not isinstance(dynamic_growth_steps, int) \
                or dynamic_growth_steps < 1:
            raise ValueError(f"dynamic_growth_steps must be an integer >= 1; got {dynamic_growth_steps!r}.")
        self.inner_optimizer = inner_optimizer
        self.name = name or "loss_scale_optimizer"
        self.initial_scale = float(initial_scale)
        self.dynamic_growth_steps = dynamic_growth_steps
        self.step_counter = Variable(0, name="step_counter", dtype="int64", trainable=False)
        self.dynamic_scale = Variable(self.initial_scale, name="dynamic_scale", trainable=False)

    def __getattr__(self, name):
        # Only reached for attributes the wrapper lacks: the inner optimizer's state and settings.
        if name == "inner_optimizer":
            raise AttributeError(name)
        return getattr(self.inner_optimizer, name)

    @property
    def learning_rate(self) -> Variable:
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self.inner_optimizer.learning_rate = value

    @property
    def iterations(self) -> Variable:
        return self.inner_optimizer.iterations

    @property
    def variables(self) -> list[Variable]:
        """The inner optimizer's variables, then ``step_counter`` and ``dynamic_scale``."""
        return [*self.inner_optimizer.variables, self.step_counter, self.dynamic_scale]

    def scale_loss(self, loss):
        """``loss * dynamic_scale``, as Keras's trainers scale the loss before differentiating it."""
        return loss * self.dynamic_scale.value

    def apply(self, grads: list[np.ndarray], variables: list[Variable]) -> None:
        """Apply ``grads`` with the inner optimizer if they are all finite; else skip and halve the scale."""
        if not all(np.isfinite(g).all() for g in grads):
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value / 2)
            return
        self.inner_optimizer.apply(grads, variables)
        if int(self.step_counter.value) >= self.dynamic_growth_steps - 1:
            self.step_counter.assign(0)
            self.dynamic_scale.assign(self.dynamic_scale.value * 2)
        else:
            self.step_counter.assign_add(1)

    def finalize_variable_values(self, variables: list[Variable]) -> None:
        self.inner_optimizer.finalize_variable_values(variables)

    def get_config(self) -> dict:
        inner = self.inner_optimizer
        return {"name": self.name, "inner_optimizer": {"class_name": type(inner).__name__,
                                                       "config": inner.get_config()},
                "initial_scale": self.initial_scale, "dynamic_growth_steps": self.dynamic_growth_steps}

    @classmethod
    def from_config(cls, config: dict) -> LossScaleOptimizer:
        from . import get

        config = dict(config)
        config["inner_optimizer"] = get(config["inner_optimizer"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<LossScaleOptimizer inner={self.inner_optimizer!r} dynamic_scale={float(self.dynamic_scale):g}>"
