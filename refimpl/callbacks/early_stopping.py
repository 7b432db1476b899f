"""``EarlyStopping``: stops training when a monitored quantity stops improving."""

from __future__ import annotations

from numbers import Integral

from ..utils.io_utils import print_msg
from .monitor_callback import MonitorCallback


def _check_count(value, owner: str, name: str, meaning: str) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{owner}: {name} must be an integer >= 0 ({meaning}); received {name}={value!r}.")


class EarlyStopping(MonitorCallback):
    """Stops training when the monitored quantity has stopped improving.

    At every epoch end from ``start_from_epoch`` on, the value of ``logs[monitor]`` is compared with the
    best value so far: it improves when it beats it by more than ``min_delta`` in the direction of
    ``mode`` (the first value seen always does). Each epoch without improvement adds one to
    :attr:`wait`; once ``wait`` reaches ``patience`` (and at least one epoch has passed) the callback
    sets ``model.stop_training``, which ends ``fit`` after that epoch.

    With a ``baseline``, an improvement only resets ``wait`` when it also beats the baseline, so
    training stops after ``patience`` epochs unless the model does better than the baseline.

    With ``restore_best_weights``, the weights of the best epoch are put back at the end of training,
    whether training stopped early or ran to the last epoch.

    Args:
        monitor: the logs key to watch. Defaults to `"val_loss"`.
        min_delta: the smallest change that counts as an improvement. Defaults to `0`.
        patience: how many epochs without improvement to allow before stopping. Defaults to `0`.
        verbose: 0 is quiet; 1 prints ``Epoch N: early stopping`` when training was stopped and a
            message when weights are restored. Defaults to `0`.
        mode: ``"min"``, ``"max"`` or ``"auto"`` (``min`` for ``loss``, ``max`` for accuracy-like compiled
            metrics such as ``val_accuracy``; a name that is neither ``loss`` nor a compiled metric is a
            ``ValueError`` at the start of ``fit``, as in Keras 3). Defaults to `"auto"`.
        baseline: a value the monitored quantity has to beat for training to go on. Defaults to `None`.
        restore_best_weights: restore the weights of the best epoch when training ends.
            Defaults to `False`.
        start_from_epoch: how many epochs to train before watching starts (a warm-up). Defaults to `0`.

    Attributes:
        stopped_epoch: the 0-based epoch at whose end training was stopped; 0 when it was not stopped.
        wait: epochs counted since the last improvement.
        best: the best monitored value of this ``fit``.
        best_epoch: the 0-based epoch that gave ``best``.
        best_weights: the weights kept for ``restore_best_weights`` (None otherwise).

    Raises:
        ValueError: for an unknown ``mode`` (the message lists the modes), a negative or non-integer
            ``patience``, ``start_from_epoch`` or ``verbose``, a ``restore_best_weights`` that is not a
            bool, or a ``min_delta``/``baseline`` that is not a finite number; at the start of ``fit``, for
            ``mode="auto"`` with a ``monitor`` that is neither ``loss`` nor a compiled metric.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> # The loss falls by less than 100 per epoch, so no epoch after the first counts as better.
        >>> stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=100, patience=2)
        >>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=10, verbose=0, callbacks=[stopper])
        >>> len(history.epoch), stopper.stopped_epoch
        (3, 2)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline: float | None = None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
        super().__init__(monitor, mode, baseline=baseline, min_delta=min_delta)
        owner = type(self).__name__
        _check_count(patience, owner, "patience", "epochs without improvement before stopping")
        _check_count(start_from_epoch, owner, "start_from_epoch", "epochs before watching starts")
        _check_count(verbose, owner, "verbose", "0 is quiet, 1 prints messages")
        if not isinstance(restore_best_weights, bool):
            raise ValueError(f"{owner}: restore_best_weights must be True or False; "
                             f"received restore_best_weights={restore_best_weights!r}.")
        self.patience = patience
        self.verbose = verbose
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        # The baseline is a bar for resetting `wait`, not a starting best: every fit starts with no best.
        self.best = None
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def _missing_monitor_message(self, available: str) -> str:
        return (f"Early stopping conditioned on metric `{self.monitor}` which is not available. "
                f"Available metrics are: {available}")

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._set_monitor_op()
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_weights = None
        self.best_epoch = 0

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        # Read before the warm-up check, so that a misspelt monitor is reported at the first epoch.
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Something to restore even if no epoch ever improves (e.g. the first value is NaN).
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print_msg(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print_msg(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
