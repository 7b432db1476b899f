"""The ``Callback`` base class: every hook a training loop calls, each a no-op until overridden."""

from __future__ import annotations

# Bumped whenever a hook is set on or deleted from a callback instance, so that a CallbackList can tell, with
# one comparison per hook call, that the hooks it resolved may have changed (tqdm assigns hooks mid-run).
HOOK_GENERATION = [0]


class Callback:
    """Base class of callbacks: override the hooks you need.

    A callback list calls only the hooks a callback overrides. ``fit`` calls ``set_model`` and
    ``set_params`` before ``on_train_begin``; ``self.params`` then holds ``{"verbose", "epochs",
    "steps"}`` and ``self.model`` the model being trained.

    Besides ``model`` and ``params``, the callback list gives every callback two attributes:

    - ``self.profile``: the contract profile (:class:`refimpl.profiles.Profile`) of the loop calling it, which
      says how that Keras version's loop behaved (``lr`` or ``learning_rate``, per-batch values…); None
      until a callback list sets it.
    - ``self.fit_state``: during ``fit``, the loop's :class:`refimpl.trainer.FitState`: the current epoch,
      the step within it, the running metrics (``get_state``/``set_state``), the random state, and
      ``resume()`` to continue an interrupted run; None until a ``fit`` sets it.

    Every ``*_begin`` hook gets ``logs={}``; batch-end hooks get the running means of the loss and
    metrics over the epoch (or evaluation) so far; ``on_epoch_end`` gets the epoch's results with
    ``val_``-prefixed validation results; ``on_predict_batch_end`` gets ``{"outputs": predictions}``.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> class CountBatches(keras.callbacks.Callback):
        ...     def on_train_begin(self, logs=None):
        ...         self.seen = 0
        ...     def on_train_batch_end(self, batch, logs=None):
        ...         self.seen += 1
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> counter = CountBatches()
        >>> _ = model.fit(np.zeros((10, 3)), np.zeros((10, 1)), batch_size=4, epochs=2, verbose=0,
        ...               callbacks=[counter])
        >>> counter.seen
        6
    """

    #: The contract profile of the loop calling this callback (set by ``CallbackList``).
    profile = None
    #: The running ``fit``'s :class:`refimpl.trainer.FitState` (set by ``CallbackList`` in ``fit``).
    fit_state = None

    def __init__(self):
        self.params: dict = {}
        self._model = None

    def __setattr__(self, name: str, value) -> None:
        object.__setattr__(self, name, value)
        if name in _HOOK_NAMES:
            HOOK_GENERATION[0] += 1

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        if name in _HOOK_NAMES:
            HOOK_GENERATION[0] += 1

    @property
    def model(self):
        """The model this callback is attached to (set by ``set_model``)."""
        return self._model

    @model.setter
    def model(self, model) -> None:
        self._model = model

    def set_params(self, params: dict) -> None:
        """Receive the loop's parameters: ``{"verbose", "epochs", "steps"}``."""
        self.params = params

    def set_model(self, model) -> None:
        """Receive the model being trained, evaluated or used for prediction."""
        self._model = model

    # Legacy aliases: on_train_batch_* call these unless overridden, so Keras 1/2 callbacks keep working.
    def on_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Legacy name of ``on_train_batch_begin`` (training batches only)."""

    def on_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Legacy name of ``on_train_batch_end`` (training batches only)."""

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the start of an epoch (0-based ``epoch``), with ``logs={}``."""

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        """Called at the end of an epoch with its results, validation results prefixed ``val_``."""

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a training batch (or a group of ``steps_per_execution`` batches)."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a training batch with the running means over the epoch so far."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before an evaluation batch (in ``evaluate`` and in ``fit``'s validation)."""

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after an evaluation batch with the running means over the evaluation so far."""

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        """Called before a prediction batch."""

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        """Called after a prediction batch with ``{"outputs": that batch's predictions}``."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        """Called once at the start of ``fit``, with ``logs={}``."""

    def on_train_end(self, logs: dict | None = None) -> None:
        """Called once at the end of ``fit`` with a copy of the last epoch's logs (``{}`` if none ran)."""

    def on_test_begin(self, logs: dict | None = None) -> None:
        """Called at the start of an evaluation (``evaluate`` or ``fit``'s validation)."""

    def on_test_end(self, logs: dict | None = None) -> None:
        """Called at the end of an evaluation with its final results (unprefixed)."""

    def on_predict_begin(self, logs: dict | None = None) -> None:
        """Called at the start of ``predict``."""

    def on_predict_end(self, logs: dict | None = None) -> None:
        """Called at the end of ``predict`` with ``logs={}``."""


HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end",
    "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)
# The legacy hooks that stand in for a train-batch hook when only they are overridden.
LEGACY_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
_HOOK_NAMES = frozenset(HOOKS) | frozenset(LEGACY_ALIASES.values())
