"""``SwapEMAWeights``: evaluates, predicts (and optionally checkpoints) with the weights' moving average."""

from __future__ import annotations

from .callback import Callback


class SwapEMAWeights(Callback):
    """Puts the optimizer's exponential moving average (EMA) of the weights into the model for evaluation.

    With an optimizer created with ``use_ema=True``, the optimizer keeps a moving average of every
    trainable weight. This callback swaps the averages into the model at the start of every evaluation
    (``fit``'s validation or ``evaluate``) and every ``predict``, and swaps the training weights back at
    their end, so validation results describe the averaged model while training goes on with the raw
    weights.

    With ``swap_on_epoch=True`` it also swaps the averages in at the end of every epoch and back at the
    start of the next, so that callbacks placed after it in ``on_epoch_end`` (a ``ModelCheckpoint``,
    say) see the averaged weights. (Whether or not it is used, ``fit`` ends by copying the averages into
    the weights, as Keras 3 does.)

    Args:
        swap_on_epoch: also hold the averaged weights in the model from each epoch's end to the next
            epoch's start. Defaults to `False`.

    Raises:
        TypeError: when ``swap_on_epoch`` is not a bool.
        ValueError: at the start of ``fit``, ``evaluate`` or ``predict``, when the model's optimizer was
            not created with ``use_ema=True``.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1, use_ema=True), loss="mse")
        >>> x, y = np.ones((8, 2)), np.ones((8, 1))
        >>> history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
        ...                     callbacks=[keras.callbacks.SwapEMAWeights()])
        >>> # fit ends with the averages in the model (as Keras 3 does), so evaluating now gives
        >>> # the last validation loss: validation ran with the averages too.
        >>> bool(np.isclose(model.evaluate(x, y, verbose=0), history.history["val_loss"][-1]))
        True
        >>> bool(np.isclose(history.history["loss"][-1], history.history["val_loss"][-1]))
        False
    """

    def __init__(self, swap_on_epoch: bool = False):
        super().__init__()
        if not isinstance(swap_on_epoch, bool):
            raise TypeError(f"SwapEMAWeights(swap_on_epoch=...) must be True or False; got {swap_on_epoch!r}.")
        self.swap_on_epoch = swap_on_epoch
        # The training weights while the averages are in the model, and which loop put them there:
        # "epoch", "test" or "predict". Only that loop swaps them back, so an evaluate() nested in
        # on_epoch_end leaves the epoch's swap alone.
        self._training_weights: list | None = None
        self._swapped_by: str | None = None

    @property
    def _ema_weights_in_model(self) -> bool:
        return self._training_weights is not None

    def _check_optimizer(self) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            described = "no optimizer" if optimizer is None else f"{type(optimizer).__name__} with use_ema=False"
            raise ValueError(f"SwapEMAWeights needs the model's optimizer to be created with use_ema=True; "
                             f"got {described}.")

    def _swap_in(self, loop: str) -> None:
        # The averages are copied in and the training weights kept here, rather than exchanged with the
        # averages, so the optimizer's averages stay true at all times (a checkpoint or the end of fit
        # taken while the averages are in the model still finds the real averages in the optimizer).
        if self._training_weights is not None:
            return
        averages = self.model.optimizer.ema_averages
        if not averages:  # no training step yet: there is no average, the weights are all there is
            return
        weights = self.model.trainable_weights
        self._training_weights = [w.numpy() for w in weights]
        self._swapped_by = loop
        for weight, average in zip(weights, averages):
            weight.assign(average.value)

    def _swap_back(self, loop: str) -> None:
        if self._swapped_by != loop:
            return
        for weight, value in zip(self.model.trainable_weights, self._training_weights):
            weight.assign(value)
        self._training_weights = None
        self._swapped_by = None

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._check_optimizer()

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._swap_back("epoch")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.swap_on_epoch:
            self._swap_in("epoch")

    def on_train_end(self, logs: dict | None = None) -> None:
        # Training is over: the model keeps the averaged weights the last epoch put in.
        if self._swapped_by == "epoch":
            self._training_weights = None
            self._swapped_by = None

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._check_optimizer()
        self._swap_in("test")

    def on_test_end(self, logs: dict | None = None) -> None:
        self._swap_back("test")

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._check_optimizer()
        self._swap_in("predict")

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._swap_back("predict")
