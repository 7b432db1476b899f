"""``TerminateOnNaN``: stops training at the first batch whose loss is NaN or infinite."""

from __future__ import annotations

import math

from ..utils.io_utils import print_msg
from .callback import Callback


class TerminateOnNaN(Callback):
    """Stops training as soon as a training batch ends with a NaN or infinite loss.

    It checks ``logs["loss"]`` at every training batch end. At the first invalid value it prints
    ``Batch N: Invalid loss, terminating training`` and sets ``model.stop_training``: no further
    training batch runs, but the epoch still finishes as any stopped epoch does (validation,
    ``on_epoch_end``, then ``on_train_end``), so other callbacks see the invalid loss.

    Args:
        raise_error: raise a ``RuntimeError`` at the invalid batch instead, ending ``fit`` at once
            without validation or ``on_train_end``. Defaults to `False`.

    Raises:
        TypeError: when ``raise_error`` is not a bool.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e12), loss="mse")
        >>> history = model.fit(np.ones((8, 2)), np.full((8, 1), 50.0), batch_size=2, epochs=5, verbose=0,
        ...                     callbacks=[keras.callbacks.TerminateOnNaN()])
        Batch 2: Invalid loss, terminating training
        >>> len(history.epoch), model.stop_training
        (1, True)

        Data that holds an infinity stops training the same way, as in Keras 3: ``fit`` trains on it,
        with one warning that names the first non-finite sample, and the loss of the batch holding it is
        infinite.

        >>> import warnings
        >>> y = np.ones((8, 1))
        >>> y[5] = np.inf
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     history = model.fit(np.ones((8, 2)), y, batch_size=2, epochs=5, shuffle=False, verbose=0,
        ...                         callbacks=[keras.callbacks.TerminateOnNaN()])
        Batch 2: Invalid loss, terminating training
        >>> len(history.epoch), history.history["loss"]
        (1, [inf])
        >>> print(str(caught[0].message).split(";")[0])
        y contains NaN or infinite values (first at sample 5)
    """

    def __init__(self, raise_error: bool = False):
        super().__init__()
        if not isinstance(raise_error, bool):
            raise TypeError(f"TerminateOnNaN(raise_error=...) must be True or False; got {raise_error!r}.")
        self.raise_error = raise_error

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is None:
            return
        loss = float(loss)
        if math.isfinite(loss):
            return
        if self.raise_error:
            raise RuntimeError(f"NaN or Inf loss encountered at batch {batch}. Loss value: {loss}. "
                               "Terminating training immediately.")
        print_msg(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
