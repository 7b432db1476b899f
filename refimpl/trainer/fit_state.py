"""``FitState``: where a running ``fit`` is, owned by the training loop and shown to its callbacks.

Hooks get ``logs``; a callback that must record or restore the run itself (``BackupAndRestore``), or
know that the run continues an interrupted one (``CSVLogger``), reads the loop's ``FitState`` as
``self.fit_state``, which the callback list sets before ``on_train_begin``.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import rng as rng_module


@dataclass
class _ResumePoint:
    epoch: int
    step: int
    history: dict | None
    rng_now: dict | None
    metrics: dict | None


class FitState:
    """The state of one ``fit`` call, kept by the training loop and read by callbacks as ``self.fit_state``.

    Attributes:
        epochs: the ``epochs`` argument of ``fit``.
        initial_epoch: the epoch training (re)starts at; after a resume, the epoch it continues at.
        epoch: the current epoch (0-based); before the first epoch begins, ``initial_epoch``.
        step: how many training batches of the current epoch have finished (reset to 0 when an epoch begins).
        metrics: the current epoch's running loss and metrics (an object with ``logs()``, ``get_state()``
            and ``set_state(state)``), or None before the epoch's first batch has run.
        resumed: whether this ``fit`` continues an interrupted run (``resume`` was called).

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> class Where(keras.callbacks.Callback):
        ...     def on_train_batch_end(self, batch, logs=None):
        ...         self.seen = (self.fit_state.epoch, self.fit_state.step)
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> where = Where()
        >>> _ = model.fit(np.ones((6, 2)), np.ones((6, 1)), batch_size=2, epochs=2, verbose=0, callbacks=[where])
        >>> where.seen
        (1, 3)
    """

    def __init__(self, model, epochs: int, initial_epoch: int):
        self.model = model
        self.epochs = epochs
        self.initial_epoch = initial_epoch
        self.epoch = initial_epoch
        self.step = 0
        self.metrics = None
        self.resumed = False
        self._accepts_resume = True  # until the loop reads it, after on_train_begin
        self._resume: _ResumePoint | None = None
        self._epoch_start_rng: dict | None = None

    def get_rng_state(self) -> dict:
        """The state of every random generator training draws from (shuffling, Dropout), as JSON data."""
        return rng_module.get_states(self.model)

    def set_rng_state(self, state: dict | None) -> None:
        """Put back a state returned by ``get_rng_state``.

        Raises:
            ValueError: when the state was recorded from a different kind of generator.
        """
        rng_module.set_states(self.model, state)

    def resume(self, epoch: int, step: int = 0, history: dict | None = None, rng_epoch_start: dict | None = None,
               rng_now: dict | None = None, metrics: dict | None = None) -> None:
        """Continue an interrupted run: call it in ``on_train_begin``.

        Args:
            epoch: the epoch to continue at (0-based); ``fit`` starts there unless its ``initial_epoch`` is later.
            step: how many training batches of ``epoch`` were trained before the interruption; the loop
                skips them. Defaults to 0 (the epoch starts afresh).
            history: ``{"epoch": [...], "history": {key: [...]}}`` of the epochs already completed; it
                replaces the History's contents. Defaults to None (History left empty).
            rng_epoch_start: ``get_rng_state()`` at the start of ``epoch``, put back at once so the resumed
                epoch shuffles its data as the interrupted one did. Defaults to None.
            rng_now: ``get_rng_state()`` after the ``step`` trained batches. Needed when ``step > 0``.
            metrics: ``metrics.get_state()`` after the ``step`` trained batches. Needed when ``step > 0``.

        Raises:
            RuntimeError: when called outside ``on_train_begin``.
            ValueError: when ``step > 0`` and ``rng_now`` or ``metrics`` is missing.
        """
        if not self._accepts_resume:
            raise RuntimeError("FitState.resume() must be called in on_train_begin, before the first epoch.")
        if step and (metrics is None or rng_now is None):
            raise ValueError(f"FitState.resume(step={step}): resuming inside an epoch needs metrics and rng_now.")
        self.set_rng_state(rng_epoch_start)
        self._epoch_start_rng = rng_epoch_start
        self._resume = _ResumePoint(epoch, step, history, rng_now, metrics)
        self.resumed = True

    # ---------------------------------------------------------------------- used by the training loop
    def _begin(self, history) -> int:
        """After ``on_train_begin``: apply a requested resume; return the epoch to start at."""
        self._accepts_resume = False
        point = self._resume
        if point is None:
            return self.initial_epoch
        if history is not None and point.history is not None:
            history.epoch = list(point.history["epoch"])
            history.history = {key: list(values) for key, values in point.history["history"].items()}
        self.initial_epoch = self.epoch = max(self.initial_epoch, point.epoch)
        if not point.step:
            self._resume = None
        return self.initial_epoch

    def _enter_epoch(self, epoch: int) -> int:
        """At the start of ``epoch``: how many of its batches to skip (trained before the interruption)."""
        self.epoch = epoch
        self.step = 0
        self.metrics = None
        point = self._resume
        if point is None or epoch != point.epoch:
            return 0
        self.set_rng_state(self._epoch_start_rng)  # reshuffle as the interrupted run did
        return point.step

    def _leave_skipped(self) -> None:
        """Before the first batch not yet trained: the random state as it was at the interruption."""
        self.set_rng_state(self._resume.rng_now)
        self.step = self._resume.step

    def _start_metrics(self, metrics) -> None:
        """The epoch's first batch created its running metrics: continue them after a mid-epoch resume."""
        self.metrics = metrics
        point, self._resume = self._resume, None
        if point is not None and point.epoch == self.epoch and point.step:
            metrics.set_state(point.metrics)
