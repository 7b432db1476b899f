"""``History``: records each epoch's logs; ``fit`` returns it."""

from __future__ import annotations

from .callback import Callback


class History(Callback):
    """Records the logs of every epoch; ``fit`` adds one automatically and returns it.

    Attributes:
        epoch: the epoch indices recorded by the latest ``fit`` (0-based, ``initial_epoch`` first).
        history: a dict from each logs key to the list of its per-epoch values.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=3, verbose=0)
        >>> history.epoch, sorted(history.history)
        ([0, 1, 2], ['loss'])
    """

    def __init__(self):
        super().__init__()
        self.history: dict[str, list] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs=None):
        self.epoch = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)
        # Set here rather than at the end of fit, so callbacks see the latest History during training.
        if self.model is not None:
            self.model.history = self
