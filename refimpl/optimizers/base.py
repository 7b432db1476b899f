"""The Optimizer base class: learning rate, step counter, gradient clipping, weight decay and EMA."""

from __future__ import annotations

import warnings

import numpy as np

from ..variables import Variable
from .schedules import LearningRateSchedule


class Optimizer:
    """Base class of refimpl's optimizers; subclasses define ``build_slots`` and ``update``.

    Args:
        learning_rate: a float or a ``LearningRateSchedule``.
        weight_decay: decoupled weight decay applied before each update. Defaults to None.
        clipnorm: clip each gradient to this L2 norm. Defaults to None.
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]``. Defaults to None.
        global_clipnorm: clip all gradients together to this global L2 norm. Defaults to None.
        use_ema: keep an exponential moving average of the weights (see ``SwapEMAWeights``).
            Defaults to `False`.
        ema_momentum: momentum of that average. Defaults to 0.99.
        ema_overwrite_frequency: every this many steps, copy the average into the weights. Defaults to None.
        name: the optimizer's name.
    """

    default_learning_rate = 0.001

    def __init__(self, learning_rate=None, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
                 name=None, lr=None, decay=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if lr is not None:
            warnings.warn("The `lr` argument is deprecated; use `learning_rate` instead.", DeprecationWarning,
                          stacklevel=3)
            if learning_rate is None:
                learning_rate = lr
        if learning_rate is None:
            learning_rate = self.default_learning_rate
        if sum(x is not None for x in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError("Only one of clipnorm, clipvalue and global_clipnorm can be set.")
        for arg, value in (("clipnorm", clipnorm), ("clipvalue", clipvalue), ("global_clipnorm", global_clipnorm),
                           ("weight_decay", weight_decay)):
            if value is not None and (not np.isscalar(value) or value < 0):
                raise ValueError(f"{arg} must be a non-negative number or None; got {value!r}.")
        if not 0 <= ema_momentum <= 1:
            raise ValueError(f"ema_momentum must be in [0, 1]; got {ema_momentum!r}.")
        if decay is not None:
            warnings.warn("The `decay` argument is deprecated (Keras 2's time-based decay); use a "
                          "learning-rate schedule such as optimizers.schedules.InverseTimeDecay instead.",
                          DeprecationWarning, stacklevel=3)
        self.decay = float(decay or 0.0)
        self.name = name or type(self).__name__.lower()
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, global_clipnorm
        self._clips = any(x is not None for x in (clipnorm, clipvalue, global_clipnorm))
        self.use_ema, self.ema_momentum = bool(use_ema), float(ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.iterations = Variable(0, name="iteration", dtype="int64", trainable=False)
        self._schedule: LearningRateSchedule | None = None
        self._learning_rate = Variable(0.0, name="learning_rate", trainable=False)
        self._set_learning_rate(learning_rate)
        self._built_for: list[Variable] | None = None
        self.slots: list[list[Variable]] = []
        self.ema_averages: list[Variable] = []

    # ------------------------------------------------------------------------------------- learning rate
    def _set_learning_rate(self, value) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule = value
            self._learning_rate.assign(value(0))
            return
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object as its "
                            "learning_rate, so its learning rate cannot be set; create it with a float "
                            "learning_rate to set the rate.")
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise TypeError(f"learning_rate must be a number or a LearningRateSchedule; got {value!r}.") from None
        if not np.isfinite(value) or value < 0:
            raise ValueError(f"learning_rate must be a finite number >= 0; got {value!r}.")
        self._learning_rate.assign(value)

    @property
    def learning_rate(self) -> Variable:
        """The current learning rate, as a variable: ``float(optimizer.learning_rate)`` reads it."""
        if self._schedule is not None:
            self._learning_rate.assign(self._schedule(int(self.iterations.value)))
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value) -> None:
        self._set_learning_rate(value)

    @property
    def lr(self) -> Variable:
        warnings.warn("`optimizer.lr` is deprecated; use `optimizer.learning_rate`.", DeprecationWarning,
                      stacklevel=2)
        return self.learning_rate

    @lr.setter
    def lr(self, value) -> None:
        warnings.warn("`optimizer.lr` is deprecated; use `optimizer.learning_rate`.", DeprecationWarning,
                      stacklevel=2)
        self.learning_rate = value

    def _current_lr(self) -> np.float32:
        if self._schedule is not None:
            lr = self._schedule(int(self.iterations.value))
        else:
            lr = self._learning_rate.value
        if self.decay:
            lr = lr / (1.0 + self.decay * float(self.iterations.value))
        return np.float32(lr)

    # ------------------------------------------------------------------------------------------- state
    def build(self, variables: list[Variable]) -> None:
        """Create the per-variable state (slots) for ``variables``; called once, by the first update."""
        self._built_for = list(variables)
        self.slots = [self.build_slots(v) for v in variables]
        if self.use_ema:
            self.ema_averages = [Variable(v.value, name=f"{v.name}_average", path=f"{v.path}_average",
                                          trainable=False) for v in variables]

    def build_slots(self, variable: Variable) -> list[Variable]:
        return []

    def _slot(self, variable: Variable, name: str, fill: float = 0.0) -> Variable:
        return Variable(np.full(variable.shape, fill, dtype=variable.dtype), name=f"{variable.name}_{name}",
                        path=f"{variable.path}_{name}", trainable=False)

    @property
    def variables(self) -> list[Variable]:
        """Every state variable, in a fixed order: iterations, learning rate, slots, EMA averages."""
        out = [self.iterations, self._learning_rate]
        for slots in self.slots:
            out.extend(slots)
        out.extend(self.ema_averages)
        return out

    def get_state(self) -> list[np.ndarray]:
        return [v.numpy() for v in self.variables]

    def set_state(self, values: list[np.ndarray]) -> None:
        targets = self.variables
        if len(values) != len(targets):
            raise ValueError(f"Optimizer state has {len(targets)} variables; got {len(values)} values.")
        for var, value in zip(targets, values):
            var.assign(value)

    # ------------------------------------------------------------------------------------------ update
    def apply(self, grads: list[np.ndarray], variables: list[Variable]) -> None:
        """Apply one step of ``grads`` to ``variables`` (in the same order)."""
        if self._built_for is None:
            self.build(variables)
        lr = self._current_lr()
        if self._clips:
            grads = self._clip(grads)
        if self.weight_decay:
            wd = np.float32(self.weight_decay) * lr
            for var in variables:
                var.value -= var.value * wd
        update = self.update
        for var, grad, slots in zip(variables, grads, self.slots):
            update(var, grad, slots, lr)
        if self.use_ema:
            self._update_ema(variables)
        self._count_step()

    def _count_step(self) -> None:
        # In place, as ``iterations.value += 1``, by item assignment: a ufunc call on a 0-d array costs more
        # than the rest of a small model's update.
        count = self.iterations.value
        count[()] = int(count) + 1

    def apply_gradients(self, grads_and_vars) -> None:
        """Apply ``[(grad, variable), ...]``, as Keras's ``apply_gradients``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])

    def update(self, variable: Variable, grad: np.ndarray, slots: list[Variable], lr: np.float32) -> None:
        raise NotImplementedError

    def _clip(self, grads):
        if self.clipvalue is not None:
            return [np.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        if self.clipnorm is not None:
            out = []
            for g in grads:
                norm = float(np.sqrt((g.astype("float64") ** 2).sum()))
                out.append(g * np.float32(self.clipnorm / norm) if norm > self.clipnorm else g)
            return out
        if self.global_clipnorm is not None:
            norm = float(np.sqrt(sum((g.astype("float64") ** 2).sum() for g in grads)))
            if norm > self.global_clipnorm:
                scale = np.float32(self.global_clipnorm / norm)
                return [g * scale for g in grads]
        return grads

    def _update_ema(self, variables):
        # The first step copies the weights; later steps blend with ema_momentum.
        momentum = np.float32(self.ema_momentum if int(self.iterations.value) != 0 else 0.0)
        for avg, var in zip(self.ema_averages, variables):
            avg.value[...] = momentum * avg.value + (1 - momentum) * var.value
        freq = self.ema_overwrite_frequency
        if freq and (int(self.iterations.value) + 1) % freq == 0:
            for avg, var in zip(self.ema_averages, variables):
                var.value[...] = avg.value

    def finalize_variable_values(self, variables: list[Variable]) -> None:
        """End of ``fit``: with ``use_ema``, put each moving average into its weight (as Keras 3 does)."""
        if self.use_ema and self.ema_averages:
            for avg, var in zip(self.ema_averages, variables):
                var.value[...] = avg.value

    def swap_ema_weights(self, variables: list[Variable]) -> None:
        """Exchange the weights with their moving averages (what ``SwapEMAWeights`` does around evaluation)."""
        if not self.use_ema:
            raise ValueError("swap_ema_weights() needs an optimizer created with use_ema=True.")
        for avg, var in zip(self.ema_averages, variables):
            tmp = var.value.copy()
            var.value[...] = avg.value
            avg.value[...] = tmp

    # ------------------------------------------------------------------------------------------ config
    def get_config(self) -> dict:
        lr = self._schedule.get_config() if self._schedule is not None else float(self._learning_rate.value)
        if self._schedule is not None:
            lr = {"class_name": type(self._schedule).__name__, "config": lr}
        # Keras 3's keys in Keras 3's order; the last two are features refimpl does not have, always off.
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm, "clipvalue": self.clipvalue,
                "use_ema": self.use_ema, "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency, "loss_scale_factor": None,
                "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config: dict) -> Optimizer:
        config = dict(config)
        for key in ("loss_scale_factor", "gradient_accumulation_steps"):
            value = config.pop(key, None)
            if value is not None:
                raise ValueError(f"{key} is a Keras 3 optimizer feature refimpl does not implement; "
                                 f"it must be None (got {value!r}).")
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from . import schedules

            sched_cls = schedules.SCHEDULES.get(lr.get("class_name"))
            if sched_cls is None:
                raise ValueError(f"Unknown learning-rate schedule {lr.get('class_name')!r}.")
            config["learning_rate"] = sched_cls.from_config(lr["config"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} learning_rate={float(self._learning_rate.value):g}>"
