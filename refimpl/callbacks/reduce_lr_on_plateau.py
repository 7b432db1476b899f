"""``ReduceLROnPlateau``: lowers the learning rate when a monitored quantity stops improving."""

from __future__ import annotations

import math
import warnings
from numbers import Integral, Real

import numpy as np

from ..utils.io_utils import print_msg
from .learning_rate_scheduler import check_settable_learning_rate, learning_rate_key
from .monitor_callback import MonitorCallback


def _check_count(value, name: str, meaning: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"ReduceLROnPlateau: {name} must be an integer >= 0 ({meaning}); "
                         f"received {name}={value!r}.")


def _is_number(value) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the learning rate by ``factor`` when the monitored quantity stops improving.

    At every epoch end the learning rate in effect during the epoch is written into the epoch's logs
    under ``learning_rate`` (``lr`` in the Keras 1/2 profiles). Then ``logs[monitor]`` is compared with
    the best value so far: it improves when it beats it by more than ``min_delta`` in the direction of
    ``mode``. After ``patience`` epochs without improvement the rate becomes
    ``max(rate * factor, min_lr)`` (unless it is already at ``min_lr``), and the next ``cooldown``
    epochs are not counted; the new rate applies from the next epoch.

    Args:
        monitor: the logs key to watch. Defaults to `"val_loss"`.
        factor: what the learning rate is multiplied by, in [0, 1). Defaults to `0.1`.
        patience: how many epochs without improvement to allow before lowering the rate.
            Defaults to `10`.
        verbose: 0 is quiet; 1 prints a message each time the rate is lowered. Defaults to `0`.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (``min`` for ``loss``, ``max`` for accuracy-like compiled
            metrics such as ``val_accuracy``; a name that is neither ``loss`` nor a compiled metric is a
            ``ValueError`` at the start of ``fit``, as in Keras 3). Defaults to `"auto"`.
        min_delta: the smallest change that counts as an improvement. Defaults to `0.0001`.
        cooldown: how many epochs after a reduction to wait before counting epochs without
            improvement again. Defaults to `0`.
        min_lr: the learning rate is never lowered below this. Defaults to `0.0`.
        epsilon: Keras 2's name of ``min_delta``; accepted with a DeprecationWarning. Defaults to `None`.

    Attributes:
        wait: epochs counted since the last improvement (or reduction).
        best: the best monitored value of this ``fit``.
        cooldown_counter: epochs of cooldown left.

    Raises:
        ValueError: for an unknown ``mode`` (the message lists the modes), a ``factor`` outside [0, 1),
            a negative or non-integer ``patience``, ``cooldown`` or ``verbose``, a negative ``min_lr``,
            a ``min_delta`` that is not a finite number, or both ``min_delta`` and ``epsilon``; at the
            start of ``fit``, for ``mode="auto"`` with a monitored name that is neither ``loss`` nor a
            compiled metric.
        TypeError: at the start of ``fit``, when the optimizer's rate comes from a
            ``LearningRateSchedule`` (Keras 3 raises the same type).

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        >>> # The loss falls by less than 100 per epoch: every epoch after the first is a plateau.
        >>> reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=1, min_delta=100)
        >>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=4, verbose=0, callbacks=[reduce])
        >>> [round(lr, 6) for lr in history.history["learning_rate"]]
        [0.1, 0.1, 0.05, 0.025]
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", min_delta: float | None = None, cooldown: int = 0, min_lr: float = 0.0,
                 *, epsilon: float | None = None):
        if epsilon is not None:
            if min_delta is not None:
                raise ValueError("ReduceLROnPlateau: pass min_delta or its deprecated Keras 2 name epsilon, "
                                 f"not both; received min_delta={min_delta!r}, epsilon={epsilon!r}.")
            warnings.warn("ReduceLROnPlateau(epsilon=...) is deprecated; use min_delta instead.",
                          DeprecationWarning, stacklevel=2)
            min_delta = epsilon
        super().__init__(monitor, mode, min_delta=1e-4 if min_delta is None else min_delta)
        # Keras's ReduceLROnPlateau has no baseline; keep the attribute set Keras code inspects the same.
        del self.baseline
        if not _is_number(factor) or not 0 <= factor < 1:
            raise ValueError("ReduceLROnPlateau: factor must be a number in [0, 1) (the new learning rate is "
                             f"rate * factor); received factor={factor!r}.")
        if not _is_number(min_lr) or min_lr < 0:
            raise ValueError(f"ReduceLROnPlateau: min_lr must be a number >= 0; received min_lr={min_lr!r}.")
        _check_count(patience, "patience", "epochs without improvement before the rate is lowered")
        _check_count(cooldown, "cooldown", "epochs to wait after lowering the rate")
        _check_count(verbose, "verbose", "0 is quiet, 1 prints messages")
        self.factor = float(factor)
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = float(min_lr)
        self.cooldown_counter = 0
        self.wait = 0

    def _missing_monitor_message(self, available: str) -> str:
        return (f"Learning rate reduction is conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {available}.")

    def on_train_begin(self, logs: dict | None = None) -> None:
        check_settable_learning_rate(self.model, type(self).__name__)
        self._set_monitor_op()
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        """Whether the epochs right after a reduction are still being skipped."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        if logs is not None:
            logs[learning_rate_key(self.profile)] = float(optimizer.learning_rate)
        current = self.get_monitor_value(logs)
        if current is None:
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
            return
        if self.in_cooldown():
            return
        self.wait += 1
        if self.wait >= self.patience and self._reduce(optimizer, epoch):
            self.cooldown_counter = self.cooldown
            self.wait = 0

    def _reduce(self, optimizer, epoch: int) -> bool:
        """Lower the optimizer's rate; False when it is already at ``min_lr``."""
        old_rate = float(optimizer.learning_rate)
        # The rate is stored as float32: compare in float32 so a rate already clipped to min_lr stays put.
        if not old_rate > np.float32(self.min_lr):
            return False
        new_rate = max(old_rate * self.factor, self.min_lr)
        optimizer.learning_rate = new_rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_rate}.")
        return True
