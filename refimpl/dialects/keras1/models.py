"""Keras 1 models: ``Sequential`` and ``Model(input, output)`` with Keras 1's ``compile``/``fit`` signatures."""

from __future__ import annotations

import numpy as np

from ... import models as _models
from ... import profiles
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

# Keras 2/3 names a Keras 1 user might write, mapped to the Keras 1 names.
_RENAMES = {"epochs": "nb_epoch", "inputs": "input", "outputs": "output"}
_FIT_ARGS = ("x", "y", "batch_size", "nb_epoch", "verbose", "callbacks", "validation_split", "validation_data",
             "shuffle", "class_weight", "sample_weight", "initial_epoch")


class Model(DialectModel, _models.Model):
    """A Keras 1 model (profile ``keras1``): ``fit(X, Y, nb_epoch=...)``, per-batch values in batch logs.

    Build it functionally, ``Model(input=inputs, output=outputs)``, or use ``Sequential``. Batch-begin logs
    carry ``batch`` and ``size``, batch-end logs the batch's own ``loss`` and metrics, and ``BaseLogger``
    (added first to every ``fit``) averages them into the epoch's logs. ``self.params`` holds Keras 1's
    ``batch_size``, ``nb_epoch``, ``nb_sample``, ``do_validation``, ``metrics`` and ``verbose``: exactly Keras
    1.2.2's keys (measured), without Keras 3's ``epochs`` and ``steps``. ``metrics=['mae']`` is logged as
    ``mean_absolute_error``, ``['accuracy']`` as ``acc``.

    Example:
        >>> import numpy as np
        >>> from refimpl.dialects.keras1.models import Sequential
        >>> from refimpl.dialects.keras1.layers import Dense
        >>> model = Sequential()
        >>> model.add(Dense(2, input_dim=3, activation="softmax"))
        >>> model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
        >>> history = model.fit(np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]], nb_epoch=2, verbose=0)
        >>> sorted(history.history), len(history.history["loss"])
        (['acc', 'loss'], 2)
    """

    _dialect_profile = profiles.KERAS1
    _legacy_io_native = True

    def compile(self, optimizer, loss, metrics=None, loss_weights=None, sample_weight_mode=None, **kwargs) -> None:
        """Configure training (Keras 1 signature).

        Args:
            optimizer: a name (this dialect's optimizers: ``"rmsprop"``, ``"sgd"``, ``"adam"``…) or an optimizer.
            loss: a loss name (``"categorical_crossentropy"``…) or function.
            metrics: e.g. ``["accuracy"]``. Defaults to `None`.
            loss_weights: one weight for the single output. Defaults to `None`.
            sample_weight_mode: ``None`` (``"temporal"`` is not supported by refimpl). Defaults to `None`.
            **kwargs: nothing else is accepted.

        Raises:
            TypeError: for an argument Keras 1 did not have.
        """
        reject_kwargs("compile()", kwargs, _RENAMES,
                      ["optimizer", "loss", "metrics", "loss_weights", "sample_weight_mode"], "Keras 1")
        if sample_weight_mode is not None:
            raise ValueError(f"compile(): sample_weight_mode={sample_weight_mode!r} is not supported by refimpl; "
                             "sample weights are per sample (leave it None).")
        super().compile(optimizer=optimizers.get(optimizer), loss=loss, metrics=metrics, loss_weights=loss_weights)

    def fit(self, x=None, y=None, batch_size: int = 32, nb_epoch: int = 10, verbose: int = 1, callbacks=None,
            validation_split: float = 0.0, validation_data=None, shuffle: bool = True, class_weight=None,
            sample_weight=None, initial_epoch: int = 0, **kwargs):
        """Train for ``nb_epoch`` epochs (Keras 1 signature); return the ``History``.

        Args:
            x: input array.
            y: target array.
            batch_size: samples per batch. Defaults to `32`.
            nb_epoch: number of epochs. Defaults to `10`.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch. Defaults to `1`.
            callbacks: callbacks. Defaults to `None`.
            validation_split: fraction of the data held out for validation. Defaults to `0.0`.
            validation_data: ``(x_val, y_val)``. Defaults to `None`.
            shuffle: shuffle the samples every epoch. Defaults to `True`.
            class_weight: ``{class: weight}``. Defaults to `None`.
            sample_weight: one weight per sample. Defaults to `None`.
            initial_epoch: the epoch to start from. Defaults to `0`.
            **kwargs: nothing else is accepted.

        Raises:
            TypeError: for an argument Keras 1 did not have (``epochs=`` suggests ``nb_epoch``).
        """
        reject_kwargs("fit()", kwargs, _RENAMES, _FIT_ARGS, "Keras 1")
        logged = [profiles.logged_metric_name(self._profile, n) for n in self.metrics_names]  # Keras 1.2.2's
        extra = legacy_fit_params(x, batch_size, nb_epoch, verbose, validation_split, validation_data, logged)
        return super().fit(x, y, batch_size=batch_size, epochs=nb_epoch, verbose=verbose,
                           callbacks=with_callbacks_first([LegacyParams(extra, drop=("epochs", "steps"))], callbacks),
                           validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                           class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch)

    def evaluate(self, x=None, y=None, batch_size: int = 32, verbose: int = 1, sample_weight=None, **kwargs):
        """Return the loss (and metrics) on ``x``, ``y`` (Keras 1 signature).

        Args:
            x: input array.
            y: target array.
            batch_size: samples per batch. Defaults to `32`.
            verbose: 0 silent, 1 progress bar. Defaults to `1`.
            sample_weight: one weight per sample. Defaults to `None`.
            **kwargs: nothing else is accepted: Keras 1.2.2's evaluate() took no callbacks (measured).

        Raises:
            TypeError: for an argument Keras 1 did not have, ``callbacks`` included.
        """
        reject_kwargs("evaluate()", kwargs, _RENAMES, ["x", "y", "batch_size", "verbose", "sample_weight"],
                      "Keras 1")
        return super().evaluate(x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight)

    def predict(self, x, batch_size: int = 32, verbose: int = 0, **kwargs) -> np.ndarray:
        """Return the model's outputs for ``x`` (Keras 1 signature).

        Args:
            x: input array.
            batch_size: samples per batch. Defaults to `32`.
            verbose: 0 silent, 1 progress bar. Defaults to `0`.
            **kwargs: nothing else is accepted: Keras 1.2.2's predict() took no callbacks (measured).

        Raises:
            TypeError: for an argument Keras 1 did not have, ``callbacks`` included.
        """
        reject_kwargs("predict()", kwargs, _RENAMES, ["x", "batch_size", "verbose"], "Keras 1")
        return super().predict(x, batch_size=batch_size, verbose=verbose)

    def predict_proba(self, x, batch_size: int = 32, verbose: int = 1) -> np.ndarray:
        """The model's outputs, read as class probabilities (Keras 1)."""
        return self.predict(x, batch_size=batch_size, verbose=verbose)

    def predict_classes(self, x, batch_size: int = 32, verbose: int = 1) -> np.ndarray:
        """The predicted class of each sample: the arg-max, or ``output > 0.5`` for one output (Keras 1)."""
        return predicted_classes(self.predict(x, batch_size=batch_size, verbose=verbose))


class Sequential(Model, _models.Sequential):
    """A Keras 1 linear stack of layers: ``model.add(Dense(10, input_dim=784, init='uniform'))``.

    Args:
        layers: the layers in order. Defaults to none.
        name: the model's name. Defaults to `"sequential"`, numbered.

    Example:
        >>> from refimpl.dialects.keras1.models import Sequential
        >>> from refimpl.dialects.keras1.layers import Activation, Dense
        >>> model = Sequential()
        >>> model.add(Dense(10, input_dim=784, init="uniform"))
        >>> model.add(Activation("softmax"))
        >>> model.output_shape
        (None, 10)
    """


def load_model(filepath, custom_objects: dict | None = None) -> Sequential:
    """Load a model saved by ``model.save`` (``.h5``/``.hdf5``) as a Keras 1 ``Sequential``.

    Args:
        filepath: the saved file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics. Defaults to `None`.
    """
    from . import layers

    objects = {"Dense": layers.Dense, "Dropout": layers.Dropout, **(custom_objects or {})}
    return load_model_into(Sequential, profiles.KERAS1, filepath, objects, True)


__all__ = ["Model", "Sequential", "load_model"]
