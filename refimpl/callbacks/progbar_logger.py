"""``ProgbarLogger``: prints training progress the way Keras does for ``verbose=1`` and ``verbose=2``."""

from __future__ import annotations

import warnings

from ..utils.progbar import Progbar
from .callback import Callback


class ProgbarLogger(Callback):
    """Prints ``Epoch i/n`` and a progress bar with the running loss and metrics.

    ``fit``, ``evaluate`` and ``predict`` add one when ``verbose`` is not 0: ``verbose=1`` draws a bar
    that updates after every batch, ``verbose=2`` prints one line per epoch.

    Args:
        count_mode: Keras 2's choice of counting ``"steps"`` or ``"samples"``. refimpl counts steps, as
            Keras 3 does; ``"samples"`` is accepted with a DeprecationWarning. Defaults to None.
        stateful_metrics: accepted for Keras 2 code; every value refimpl logs is already a running
            mean, so nothing is averaged again. Defaults to None.

    Raises:
        ValueError: for a ``count_mode`` other than ``"steps"`` or ``"samples"``.
    """

    def __init__(self, count_mode: str | None = None, stateful_metrics=None):
        super().__init__()
        if count_mode is not None:
            if count_mode not in ("steps", "samples"):
                raise ValueError(f"count_mode must be 'steps' or 'samples'; got {count_mode!r}.")
            if count_mode == "samples":
                warnings.warn("ProgbarLogger(count_mode='samples') is deprecated: progress is counted in "
                              "steps (batches), as in Keras 3.", DeprecationWarning, stacklevel=2)
        self.count_mode = count_mode or "steps"
        self.stateful_metrics = set(stateful_metrics or ())
        self.progbar: Progbar | None = None
        self.verbose = 1
        self.epochs = 1

    def set_params(self, params):
        super().set_params(params)
        verbose = params.get("verbose", 1)
        self.verbose = 1 if verbose == "auto" else int(verbose or 0)
        self.epochs = params.get("epochs", params.get("nb_epoch", 1))  # Keras 1's params say nb_epoch
        self.target = params.get("steps")

    def _start(self):
        self.progbar = Progbar(self.target, verbose=self.verbose, unit_name="step")
        self.seen = 0

    def on_train_begin(self, logs=None):
        self._training = True

    def on_train_end(self, logs=None):
        self._training = False
        self.progbar = None

    def on_epoch_begin(self, epoch, logs=None):
        self._start()
        if self.verbose and self.epochs > 1:
            print(f"Epoch {epoch + 1}/{self.epochs}", flush=True)

    def on_train_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        self.progbar.update(self.seen, logs, finalize=False)

    def on_epoch_end(self, epoch, logs=None):
        self.progbar.update(self.seen, logs, finalize=True)

    # fit's validation run is silent (its results show on the epoch line); evaluate() gets its own bar.
    def on_test_begin(self, logs=None):
        if not getattr(self, "_training", False):
            self._start()

    def on_test_batch_end(self, batch, logs=None):
        if not getattr(self, "_training", False):
            self.seen = batch + 1
            self.progbar.update(self.seen, logs, finalize=False)

    def on_test_end(self, logs=None):
        if not getattr(self, "_training", False):
            self.progbar.update(self.seen, logs, finalize=True)

    def on_predict_begin(self, logs=None):
        self._start()

    def on_predict_batch_end(self, batch, logs=None):
        self.seen = batch + 1
        self.progbar.update(self.seen, None, finalize=False)

    def on_predict_end(self, logs=None):
        self.progbar.update(self.seen, None, finalize=True)
