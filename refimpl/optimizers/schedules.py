"""Learning-rate schedules: a function of the optimizer's step count."""

from __future__ import annotations

import math


class LearningRateSchedule:
    """Base class: ``schedule(step) -> learning rate``."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored exponent if ``staircase``).

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps per decay period.
        decay_rate: the factor applied per period.
        staircase: whether to decay in discrete steps. Defaults to `False`.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False):
        if decay_steps <= 0:
            raise ValueError(f"decay_steps must be > 0; got {decay_steps!r}.")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.decay_rate, self.staircase = decay_steps, float(decay_rate), staircase

    def __call__(self, step):
        p = step / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate**p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``step <= boundaries[i]``, then ``values[-1]``.

    Args:
        boundaries: increasing step numbers.
        values: one more value than boundaries.
    """

    def __init__(self, boundaries: list[int], values: list[float]):
        if len(values) != len(boundaries) + 1:
            raise ValueError("values must have exactly one more element than boundaries; "
                             f"got {len(values)} values for {len(boundaries)} boundaries.")
        self.boundaries, self.values = list(boundaries), [float(v) for v in values]

    def __call__(self, step):
        for boundary, value in zip(self.boundaries, self.values):
            if step <= boundary:
                return value
        return self.values[-1]

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values}


class PolynomialDecay(LearningRateSchedule):
    """A polynomial decay from ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps``.

    ``(initial - end) * (1 - step / decay_steps) ** power + end``, with ``step`` capped at
    ``decay_steps``; with ``cycle=True`` the decay restarts instead, over the first multiple of
    ``decay_steps`` at or above ``step``, as in Keras 3.

    Args:
        initial_learning_rate: the rate at step 0.
        decay_steps: positive number of steps to reach ``end_learning_rate``.
        end_learning_rate: the rate after ``decay_steps``. Defaults to `0.0001`.
        power: the exponent of the polynomial. Defaults to `1.0` (linear).
        cycle: whether to decay again after ``decay_steps``. Defaults to `False`.
        name: the schedule's name. Defaults to `"PolynomialDecay"`.

    Raises:
        ValueError: when ``decay_steps`` is not > 0.

    Example:
        >>> from refimpl.optimizers.schedules import PolynomialDecay
        >>> decay = PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.0)
        >>> [round(decay(step), 6) for step in (0, 5, 10, 20)]
        [0.1, 0.05, 0.0, 0.0]
    """

    def __init__(self, initial_learning_rate: float, decay_steps: int, end_learning_rate: float = 0.0001,
                 power: float = 1.0, cycle: bool = False, name: str = "PolynomialDecay"):
        if isinstance(decay_steps, bool) or not isinstance(decay_steps, (int, float)) or decay_steps <= 0:
            raise ValueError(f"Argument `decay_steps` must be > 0. Received: decay_steps={decay_steps!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.decay_steps, self.end_learning_rate = decay_steps, float(end_learning_rate)
        self.power, self.cycle, self.name = float(power), bool(cycle), name

    def __call__(self, step):
        step = float(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        fraction = 1.0 - step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * fraction**self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


# Schedules by class name, for optimizer configs read back from saved models.
SCHEDULES = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay)}
