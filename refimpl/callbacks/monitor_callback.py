"""``MonitorCallback``: the shared "watch one logs value, decide whether it improved" logic.

ModelCheckpoint, EarlyStopping and ReduceLROnPlateau all watch a quantity in ``logs``, need to know
whether bigger or smaller is better, and compare each new value with the best so far, allowing for a
``min_delta``. This module holds that logic once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np

from .. import ops
from .callback import Callback

MODES = ("auto", "min", "max")

# In "auto" mode a monitored name (without its "val_" prefix) that contains one of these is maximised,
# as for the Keras 3 metrics whose direction is "up"; every other name (loss, errors, ...) is minimised.
MAXIMISED_NAME_PARTS = (
    "acc", "auc", "precision", "recall", "f1", "fbeta", "fmeasure", "iou", "r2", "top_k",
    "true_positives", "true_negatives", "cosine_similarity", "sensitivity", "specificity",
)


def resolve_mode(monitor: str, mode: str, owner: str = "MonitorCallback") -> str:
    """Return ``"min"`` or ``"max"`` for a monitored quantity.

    Args:
        monitor: the logs key being watched, e.g. ``"val_loss"``.
        mode: ``"auto"``, ``"min"`` or ``"max"``.
        owner: the callback's class name, used in the error message. Defaults to `"MonitorCallback"`.

    Returns:
        ``"min"`` or ``"max"``; ``"auto"`` gives ``"max"`` for names such as ``accuracy``, ``val_acc``,
        ``auc`` or ``precision`` and ``"min"`` for everything else.

    Raises:
        ValueError: if ``mode`` is not one of ``"auto"``, ``"min"``, ``"max"``.

    Example:
        >>> resolve_mode("val_accuracy", "auto"), resolve_mode("val_loss", "auto"), resolve_mode("x", "max")
        ('max', 'min', 'max')
    """
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(
            f"{owner}: unknown mode={mode!r}. Expected one of {', '.join(repr(m) for m in MODES)}."
        )
    if mode != "auto":
        return mode
    name = str(monitor).lower().removeprefix("val_")
    return "max" if any(part in name for part in MAXIMISED_NAME_PARTS) else "min"


class MonitorCallback(Callback):
    """Base class of callbacks that watch one value in ``logs`` and act when it improves.

    Subclasses call :meth:`get_monitor_value` to read the watched value and :meth:`_is_improvement`
    to compare it with :attr:`best`; they decide themselves when to update :attr:`best`.

    Args:
        monitor: the ``logs`` key to watch. Defaults to `"val_loss"`.
        mode: ``"min"`` (smaller is better), ``"max"`` (bigger is better) or ``"auto"`` (``max`` for
            accuracy-like names such as ``accuracy``, ``acc``, ``auc``, ``precision``, ``recall``;
            ``min`` otherwise). Defaults to `"auto"`.
        baseline: the initial value of :attr:`best`: a value must beat it to count as an improvement.
            ``None`` means the first value seen is always an improvement. Defaults to `None`.
        min_delta: the smallest change that counts as an improvement; its sign is ignored.
            Defaults to `0`.

    Attributes:
        monitor: the watched key.
        mode: the mode as given (``"auto"``, ``"min"`` or ``"max"``).
        resolved_mode: ``"min"`` or ``"max"``, what ``"auto"`` resolved to.
        monitor_op: ``refimpl.ops.less`` (``operator.lt``) when smaller is better, ``refimpl.ops.greater``
            (``operator.gt``) when bigger is better.
        min_delta: the absolute value of the ``min_delta`` argument.
        baseline: the ``baseline`` argument.
        best: the best value seen so far (starts at ``baseline``).

    Raises:
        ValueError: for an unknown ``mode`` (the message lists the modes), a ``monitor`` that is not a
            non-empty string, or a ``min_delta``/``baseline`` that is not a finite number (``baseline``
            may also be ``None``); at the start of ``fit``, for ``mode="auto"`` with a monitored name
            that is neither ``loss`` nor a compiled metric (see :meth:`_set_monitor_op`).

    Example:
        >>> from refimpl.callbacks import MonitorCallback
        >>> watcher = MonitorCallback(monitor="val_accuracy", min_delta=0.01)
        >>> watcher.resolved_mode
        'max'
        >>> watcher._is_improvement(0.80, None), watcher._is_improvement(0.805, 0.80)
        (True, False)
        >>> watcher._is_improvement(0.82, 0.80)
        True
    """

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: float | None = None,
                 min_delta: float = 0):
        super().__init__()
        owner = type(self).__name__
        if not isinstance(monitor, str) or not monitor:
            raise ValueError(f"{owner}: monitor must be a non-empty string naming a logs key; "
                             f"received monitor={monitor!r}.")
        self.monitor = monitor
        self.mode = mode
        self.resolved_mode = resolve_mode(monitor, mode, owner)
        self.monitor_op: Callable[[float, float], bool] = (
            ops.less if self.resolved_mode == "min" else ops.greater
        )
        self.min_delta = abs(_finite_number(min_delta, "min_delta", owner))
        self.baseline = None if baseline is None else _finite_number(baseline, "baseline", owner)
        self.best: float | None = self.baseline
        self._warned_missing_monitor = False

    def _set_monitor_op(self) -> None:
        """Resolve the direction again, now that the model is known; raise if ``"auto"`` cannot tell.

        Keras 3 resolves ``mode="auto"`` from the model: ``loss`` and ``val_loss`` are minimised, a
        compiled metric goes its own direction, and any other name is an error. refimpl does the same
        at the start of ``fit`` (Keras raises at the end of the first epoch). Without a compiled model
        (or under an older profile) the name alone decides, as described for ``mode``.

        Raises:
            ValueError: when ``mode="auto"`` and the monitored name, without its ``val_`` prefix, is
                neither ``loss`` nor the name of a metric the model was compiled with.
        """
        model = self.model
        names = getattr(model, "metrics_names", None)
        profile = getattr(getattr(self, "profile", None), "name", "keras3")
        name = self.monitor.removeprefix("val_")
        if self.mode == "auto" and profile == "keras3" and isinstance(names, list) and names \
                and name != "loss" and name not in names:
            raise ValueError(
                f"{type(self).__name__} callback received monitor={self.monitor!r} with mode='auto', but "
                f"cannot tell whether it should be maximized or minimized: it is neither 'loss' nor a "
                f"compiled metric ({', '.join(repr(n) for n in names)}). Pass mode='max' to keep the "
                "highest value or mode='min' to keep the lowest.")
        self.resolved_mode = resolve_mode(self.monitor, self.mode, type(self).__name__)
        self.monitor_op = ops.less if self.resolved_mode == "min" else ops.greater

    def _reset_best(self) -> None:
        """Forget the best value seen: start again from ``baseline``."""
        self.best = self.baseline

    def _is_improvement(self, current: float, reference: float | None) -> bool:
        """Whether ``current`` beats ``reference`` by more than ``min_delta`` in the resolved direction.

        Args:
            current: the newly observed value.
            reference: the value to beat; ``None`` (nothing seen yet) means any value improves.

        Returns:
            True if ``current`` is an improvement. NaN never improves.
        """
        if reference is None:
            return not _is_nan(current)
        # Same arithmetic as Keras 3 (shift the new value by min_delta, then compare), so that ties at
        # the float level resolve identically.
        if self.resolved_mode == "min":
            return bool(self.monitor_op(current + self.min_delta, reference))
        return bool(self.monitor_op(current - self.min_delta, reference))

    def get_monitor_value(self, logs: dict | None) -> float | None:
        """Read the watched value from ``logs``.

        Args:
            logs: the logs dict passed to the hook.

        Returns:
            The value as a float, or ``None`` when ``logs`` has no such key. The first time the key is
            missing a ``UserWarning`` lists the keys that are available; later misses are silent.
        """
        logs = logs or {}
        value = logs.get(self.monitor)
        if value is None:
            if not self._warned_missing_monitor:
                self._warned_missing_monitor = True
                available = ", ".join(sorted(logs)) or "(none)"
                warnings.warn(self._missing_monitor_message(available), UserWarning, stacklevel=2)
            return None
        if isinstance(value, np.ndarray) and value.size == 1:
            value = value.reshape(())  # a one-element array (F1Score on one class), as Keras 3 accepts
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"{type(self).__name__}: the monitored value logs[{self.monitor!r}] must be a scalar "
                f"number; received {value!r}."
            ) from None


    def _missing_monitor_message(self, available: str) -> str:
        """The warning text for a monitored key absent from ``logs``; subclasses may word it as Keras does.

        Args:
            available: the keys that ``logs`` does have, comma-separated.

        Returns:
            The message; it names the monitored key and lists the available ones.
        """
        return (f"{type(self).__name__}: the monitored metric {self.monitor!r} is not in logs. "
                f"Available metrics are: {available}.")


def _is_nan(value) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _finite_number(value, name: str, owner: str) -> float:
    is_number = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if not is_number or not math.isfinite(float(value)):
        raise ValueError(f"{owner}: {name} must be a finite number; received {name}={value!r}.")
    return float(value)
