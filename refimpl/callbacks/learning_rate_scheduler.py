"""``LearningRateScheduler``: sets the optimizer's learning rate at the start of every epoch."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from numbers import Integral, Real

import numpy as np

from ..utils.io_utils import print_msg
from .callback import Callback


def _takes_current_rate(schedule: Callable) -> bool:
    """Whether ``schedule`` accepts ``(epoch, lr)`` rather than ``(epoch)`` alone."""
    try:
        params = list(inspect.signature(schedule).parameters.values())
    except (TypeError, ValueError):  # some builtins have no signature: call them with the epoch alone
        return False
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2


def learning_rate_key(profile) -> str:
    """The logs key the learning-rate callbacks write: ``learning_rate`` (Keras 3) or ``lr`` (older)."""
    return "learning_rate" if profile is None else profile.learning_rate_key


def check_settable_learning_rate(model, owner: str) -> None:
    """Fail at the start of ``fit`` when the optimizer's rate comes from a ``LearningRateSchedule``.

    Raises:
        TypeError: as Keras 3 raises (its message starts the same way), naming ``owner`` and the schedule
            and saying what to pass instead.
    """
    optimizer = getattr(model, "optimizer", None)
    learning_rate = optimizer.get_config().get("learning_rate") if optimizer is not None else None
    if isinstance(learning_rate, dict):
        raise TypeError(f"This optimizer was created with a `LearningRateSchedule` "
                        f"({learning_rate.get('class_name', 'LearningRateSchedule')}) as its learning_rate, so "
                        f"{owner} cannot set its rate. Create the {type(optimizer).__name__} optimizer with a "
                        f"float learning_rate to use {owner}, or let the schedule alone drive the rate.")


class LearningRateScheduler(Callback):
    """Sets the learning rate from ``schedule`` at the start of every epoch.

    ``schedule`` is called in ``on_epoch_begin`` as ``schedule(epoch, lr)`` with the 0-based epoch and
    the current rate as a float when it accepts two positional arguments, or as ``schedule(epoch)``
    when it accepts one (Keras 2's form); what it returns becomes the optimizer's learning rate for
    that epoch. At the end of the epoch the rate in effect is written into the epoch's logs under
    ``learning_rate`` (``lr`` in the Keras 1/2 profiles), so History and later callbacks record it.

    Args:
        schedule: a function of ``(epoch, lr)`` or ``(epoch)`` returning the new learning rate.
        verbose: 0 is quiet; 1 prints a message each time the rate is set. Defaults to `0`.

    Raises:
        TypeError: when ``schedule`` is not callable; at the start of ``fit``, when the optimizer's rate
            comes from a ``LearningRateSchedule`` and so cannot be set (Keras 3 raises the same type).
        ValueError: when ``verbose`` is not an integer >= 0; during training, when
            ``schedule`` returns something that is not a finite number >= 0 (the message names the
            epoch and the value).

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> def halve_after_first(epoch, lr):
        ...     return lr if epoch == 0 else lr / 2
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0,
        ...                     callbacks=[keras.callbacks.LearningRateScheduler(halve_after_first)])
        >>> [round(lr, 6) for lr in history.history["learning_rate"]]
        [0.1, 0.05, 0.025]
    """

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        if not callable(schedule):
            raise TypeError("LearningRateScheduler(schedule=...) must be a function of (epoch) or "
                            f"(epoch, lr) returning the learning rate; got {type(schedule).__name__}: "
                            f"{schedule!r}.")
        if not isinstance(verbose, Integral) or verbose < 0:
            raise ValueError(f"LearningRateScheduler(verbose=...) must be 0 (quiet) or 1 (messages); "
                             f"got {verbose!r}.")
        self.schedule = schedule
        self.verbose = verbose
        # Decided once from the signature, so that a TypeError raised inside the schedule is reported
        # as it is instead of being mistaken for a one-argument schedule.
        self._pass_rate = _takes_current_rate(schedule)

    def on_train_begin(self, logs: dict | None = None) -> None:
        check_settable_learning_rate(self.model, type(self).__name__)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        optimizer = self.model.optimizer
        if self._pass_rate:
            rate = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            rate = self.schedule(epoch)
        rate = self._checked(rate, epoch)
        optimizer.learning_rate = rate
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {rate}.")

    def _checked(self, rate, epoch: int) -> float:
        if isinstance(rate, np.ndarray) and rate.ndim == 0:
            rate = rate[()]
        if isinstance(rate, bool) or not isinstance(rate, (Real, np.floating, np.integer)):
            raise ValueError(f"The schedule of LearningRateScheduler must return a float (the learning rate); "
                             f"at epoch {epoch} it returned {type(rate).__name__}: {rate!r}.")
        rate = float(rate)
        if not math.isfinite(rate) or rate < 0:
            raise ValueError(f"The schedule of LearningRateScheduler must return a finite learning rate >= 0; "
                             f"at epoch {epoch} it returned {rate!r}.")
        return rate

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is not None:
            logs[learning_rate_key(self.profile)] = float(self.model.optimizer.learning_rate)
