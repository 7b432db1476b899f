"""``BaseLogger``: the Keras 1/2 epoch averages of per-batch losses and metrics."""

from __future__ import annotations

from collections.abc import Iterable

from .callback import Callback

# Keys of Keras 1/2 batch logs that describe the batch rather than measure the model.
_BATCH_DESCRIPTION_KEYS = ("batch", "size", "num_steps")


class BaseLogger(Callback):
    """Averages the per-batch values of the loss and metrics into the epoch's logs (Keras 1/2).

    In Keras 1 and 2 the batch-end logs held each batch's own values, with the batch's sample count
    under ``size``; ``BaseLogger``, which ``fit`` added first to every run, turned them into epoch
    values: the mean of the batch values weighted by ``size``. refimpl's ``keras2``, ``keras1`` and
    ``keras0`` profiles do the same and add it for you. At the end of each epoch it replaces every
    epoch-logs key that the batch logs also carried (validation results are left alone).

    In the ``keras3`` profile, batch-end values are already running means over the epoch and the
    epoch logs already hold the epoch's values, so a ``BaseLogger`` passed there leaves them unchanged.

    Args:
        stateful_metrics: names of metrics whose batch value already covers the whole epoch so far
            (a running total or mean); the last batch's value is used instead of an average.
            Defaults to `None`.

    Attributes:
        seen: samples seen in the current epoch (the sum of the batches' ``size``; a batch without
            ``size`` counts as one sample).
        totals: per key, the running sum of ``value * size`` (the latest value for stateful metrics).

    Raises:
        TypeError: when ``stateful_metrics`` is not an iterable of names.

    Example:
        >>> import refimpl as keras
        >>> logger = keras.callbacks.BaseLogger()  # as a Keras 2 loop drives it:
        >>> logger.on_epoch_begin(0)
        >>> logger.on_train_batch_end(0, {"batch": 0, "size": 3, "loss": 1.0})
        >>> logger.on_train_batch_end(1, {"batch": 1, "size": 1, "loss": 5.0})
        >>> logs = {"loss": 3.0, "val_loss": 4.0}
        >>> logger.on_epoch_end(0, logs)
        >>> logs
        {'loss': 2.0, 'val_loss': 4.0}
    """

    def __init__(self, stateful_metrics: Iterable[str] | None = None):
        super().__init__()
        if isinstance(stateful_metrics, str) or not isinstance(stateful_metrics, (Iterable, type(None))):
            raise TypeError("BaseLogger(stateful_metrics=...) must be a list of metric names or None; "
                            f"got {stateful_metrics!r}.")
        self.stateful_metrics = set(stateful_metrics or ())
        self.seen = 0
        self.totals: dict[str, float] = {}

    def _batch_values_are_running_means(self) -> bool:
        # Without a refimpl model (a Keras 2 style loop driving the hooks), batch values are per batch.
        return self.profile is not None and self.profile.batch_values_running_mean

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.seen = 0
        self.totals = {}

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        size = logs.get("size", 1)
        self.seen += size * logs.get("num_steps", 1)
        for key, value in logs.items():
            if key in _BATCH_DESCRIPTION_KEYS:
                continue
            if key in self.stateful_metrics:
                self.totals[key] = value
            else:
                self.totals[key] = self.totals.get(key, 0.0) + value * size

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if logs is None or not self.seen or self._batch_values_are_running_means():
            return
        for key in logs:
            if key in self.totals:
                total = self.totals[key]
                logs[key] = total if key in self.stateful_metrics else float(total / self.seen)
