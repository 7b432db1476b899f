"""Keras 0 models: ``Sequential`` with ``compile(loss=, optimizer=)``, ``fit(..., nb_epoch=, show_accuracy=)``,
and the ``batch_history`` / ``epoch_history`` records callbacks read."""

from __future__ import annotations

import numpy as np

from ... import models as _models
from ... import profiles
from ...callbacks import Callback
from ...trainer.compiled import CompiledMetrics
from .._legacy_layers import KERAS0_RENAMES
from .._legacy_models import (
    DialectModel,
    LegacyParams,
    legacy_fit_params,
    load_model_into,
    predicted_classes,
    with_callbacks_first,
)
from .._names import reject_kwargs
from . import optimizers

_FIT_ARGS = ("X", "y", "batch_size", "nb_epoch", "verbose", "callbacks", "validation_split", "validation_data",
             "shuffle", "show_accuracy", "class_weight", "sample_weight")


class HistoryRecord(dict):
    """Per-key lists of values, read as ``record.loss[-1]`` or ``record['loss'][-1]`` (Keras 0).

    Example:
        >>> record = HistoryRecord()
        >>> record.append({"loss": 0.5, "size": 128})
        >>> record.loss, record["batch_size"]
        ([0.5], [128])
    """

    # Keras 0 called the batch's sample count ``batch_size``; refimpl's batch logs call it ``size``.
    _KEYS = {"size": "batch_size"}

    def append(self, logs: dict) -> None:
        """Append each value of ``logs`` to its key's list."""
        for key, value in logs.items():
            self.setdefault(self._KEYS.get(key, key), []).append(value)

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"The history has no {name!r} values; it records: "
                                 f"{', '.join(sorted(self)) or 'nothing yet'}.") from None


class _HistoryRecorder(Callback):
    """Fills ``model.batch_history`` and ``model.epoch_history``; it runs before the user's callbacks."""

    def on_train_begin(self, logs=None):
        self.model.batch_history = HistoryRecord()
        self.model.epoch_history = HistoryRecord()

    def on_train_batch_end(self, batch, logs=None):
        self.model.batch_history.append(logs)

    def on_epoch_end(self, epoch, logs=None):
        self.model.epoch_history.append({"epoch": epoch, **logs})


class Model(DialectModel, _models.Model):
    """A Keras 0 model (profile ``keras0``).

    Callbacks' hooks may be written without ``logs`` (``def on_batch_end(self, batch)``) and are called so.
    During ``fit``, ``model.batch_history`` holds per-key lists of every batch's ``batch``, ``batch_size``,
    ``loss`` (and ``accuracy`` with ``show_accuracy=True``), and ``model.epoch_history`` every epoch's
    ``epoch``, ``loss``, ``val_loss``…; both are up to date when the user's hooks run.

    Example:
        >>> import numpy as np
        >>> from refimpl.dialects.keras0.models import Sequential
        >>> from refimpl.dialects.keras0.layers import Activation, Dense
        >>> model = Sequential()
        >>> model.add(Dense(3, 2, init="uniform"))
        >>> model.add(Activation("softmax"))
        >>> model.compile(loss="categorical_crossentropy", optimizer="rmsprop")
        >>> _ = model.fit(np.ones((10, 3)), np.eye(2)[[0, 1] * 5], batch_size=4, nb_epoch=2, verbose=0)
        >>> len(model.batch_history.loss), model.batch_history.batch_size
        (6, [4, 4, 2, 4, 4, 2])
    """

    _dialect_profile = profiles.KERAS0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch_history = HistoryRecord()
        self.epoch_history = HistoryRecord()

    def compile(self, optimizer, loss, class_mode: str = "categorical", theano_mode=None, **kwargs) -> None:
        """Configure training: ``compile(loss='categorical_crossentropy', optimizer='rmsprop')``.

        Args:
            optimizer: a name (this dialect's optimizers) or an optimizer.
            loss: a loss name or function.
            class_mode: ``"categorical"`` or ``"binary"``: how ``show_accuracy`` and ``predict_classes``
                read the outputs. Defaults to `"categorical"`.
            theano_mode: Theano's compilation mode; refimpl compiles nothing, so only None. Defaults to `None`.
            **kwargs: nothing else (``metrics=`` suggests ``fit(show_accuracy=True)``).

        Raises:
            TypeError: for an argument Keras 0 did not have.
            ValueError: for an unknown ``class_mode``.
        """
        reject_kwargs("compile()", kwargs, KERAS0_RENAMES, ["optimizer", "loss", "class_mode", "theano_mode"],
                      "Keras 0")
        if class_mode not in ("categorical", "binary"):
            raise ValueError(f"compile(): class_mode must be 'categorical' or 'binary'; got {class_mode!r}.")
        if theano_mode is not None:
            raise ValueError(f"compile(): theano_mode={theano_mode!r}: refimpl runs numpy, not Theano; leave it None.")
        super().compile(optimizer=optimizers.get(optimizer), loss=loss)
        self.class_mode = class_mode

    def _set_show_accuracy(self, show_accuracy: bool) -> None:
        if not isinstance(show_accuracy, bool):
            raise ValueError(f"show_accuracy must be True or False; got {show_accuracy!r}.")
        self._require_compiled("fit")
        metrics = ["accuracy"] if show_accuracy else None
        self._compiled = CompiledMetrics(self._compiled.loss, metrics, None, self._profile)

    def fit(self, X=None, y=None, batch_size: int = 128, nb_epoch: int = 100, verbose: int = 1, callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, show_accuracy: bool = False,
            class_weight=None, sample_weight=None, **kwargs):
        """Train for ``nb_epoch`` epochs (Keras 0 signature); return the ``History``.

        Args:
            X: input array.
            y: target array.
            batch_size: samples per batch. Defaults to `128`.
            nb_epoch: number of epochs. Defaults to `100`.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch. Defaults to `1`.
            callbacks: callbacks; their hooks may omit ``logs``. Defaults to `None`.
            validation_split: fraction of the data held out for validation. Defaults to `0.0`.
            validation_data: ``(X_val, y_val)``. Defaults to `None`.
            shuffle: shuffle the samples every epoch. Defaults to `True`.
            show_accuracy: also measure ``accuracy`` (and ``val_accuracy``). Defaults to `False`.
            class_weight: ``{class: weight}``. Defaults to `None`.
            sample_weight: one weight per sample. Defaults to `None`.
            **kwargs: nothing else is accepted.

        Raises:
            TypeError: for an argument Keras 0 did not have (``epochs=`` suggests ``nb_epoch``).
        """
        reject_kwargs("fit()", kwargs, KERAS0_RENAMES, _FIT_ARGS, "Keras 0")
        self._set_show_accuracy(show_accuracy)
        extra = legacy_fit_params(X, batch_size, nb_epoch, verbose, validation_split, validation_data,
                                  self.metrics_names)
        extra["show_accuracy"] = show_accuracy
        first = [LegacyParams(extra), _HistoryRecorder()]
        return super().fit(X, y, batch_size=batch_size, epochs=nb_epoch, verbose=verbose,
                           callbacks=with_callbacks_first(first, callbacks), validation_split=validation_split,
                           validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                           sample_weight=sample_weight)

    def evaluate(self, X=None, y=None, batch_size: int = 128, show_accuracy: bool = False, verbose: int = 1,
                 sample_weight=None, **kwargs):
        """Return the loss on ``X``, ``y``, or ``[loss, accuracy]`` with ``show_accuracy=True`` (Keras 0).

        Args:
            X: input array.
            y: target array.
            batch_size: samples per batch. Defaults to `128`.
            show_accuracy: also return the accuracy. Defaults to `False`.
            verbose: 0 silent, 1 progress bar. Defaults to `1`.
            sample_weight: one weight per sample. Defaults to `None`.
            **kwargs: nothing: Keras 0's evaluate() took no callbacks (only fit() did, and its validation run
                called no hook).

        Raises:
            TypeError: for any other keyword argument, ``callbacks`` included.
        """
        reject_kwargs("evaluate()", kwargs, KERAS0_RENAMES,
                      ["X", "y", "batch_size", "show_accuracy", "verbose", "sample_weight"], "Keras 0")
        self._set_show_accuracy(show_accuracy)
        return super().evaluate(X, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight)

    def predict(self, X, batch_size: int = 128, verbose: int = 1, **kwargs) -> np.ndarray:
        """Return the model's outputs for ``X`` (Keras 0 signature).

        Args:
            X: input array.
            batch_size: samples per batch. Defaults to `128`.
            verbose: 0 silent, 1 progress bar. Defaults to `1`.
            **kwargs: nothing: Keras 0's predict() took no callbacks.

        Raises:
            TypeError: for any keyword argument beyond these, ``callbacks`` included.
        """
        reject_kwargs("predict()", kwargs, KERAS0_RENAMES, ["X", "batch_size", "verbose"], "Keras 0")
        return super().predict(X, batch_size=batch_size, verbose=verbose)

    def predict_proba(self, X, batch_size: int = 128, verbose: int = 1) -> np.ndarray:
        """The model's outputs, read as class probabilities (Keras 0)."""
        return self.predict(X, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, X, batch_size: int = 128, verbose: int = 1) -> np.ndarray:
        """The predicted class of each sample: the arg-max (``class_mode='categorical'``) or ``output > 0.5``."""
        return predicted_classes(self.predict(X, batch_size=batch_size, verbose=verbose),
                                 categorical=getattr(self, "class_mode", "categorical") == "categorical")


class Sequential(Model, _models.Sequential):
    """A Keras 0 linear stack of layers: ``model.add(Dense(784, 10, init='uniform'))``.

    Args:
        layers: the layers in order. Defaults to none.
        name: the model's name. Defaults to `"sequential"`, numbered.

    Example:
        >>> from refimpl.dialects.keras0.models import Sequential
        >>> from refimpl.dialects.keras0.layers import Activation, Dense
        >>> model = Sequential()
        >>> model.add(Dense(784, 10, init="uniform"))
        >>> model.add(Activation("softmax"))
        >>> model.output_shape
        (None, 10)
    """


def load_model(filepath, custom_objects: dict | None = None) -> Sequential:
    """Load a model saved by ``model.save`` (``.h5``/``.hdf5``) as a Keras 0 ``Sequential``.

    Args:
        filepath: the saved file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics. Defaults to `None`.
    """
    from . import layers

    objects = {"Dense": layers.Dense, "Dropout": layers.Dropout, **(custom_objects or {})}
    model = load_model_into(Sequential, profiles.KERAS0, filepath, objects, True)
    model.batch_history = HistoryRecord()
    model.epoch_history = HistoryRecord()
    return model


__all__ = ["HistoryRecord", "Model", "Sequential", "load_model"]
