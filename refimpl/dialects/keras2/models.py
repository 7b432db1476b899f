"""Keras 2 models: ``Sequential`` and ``Model`` on the ``keras2`` profile (Keras 2.2.4's callback behaviour,
measured), with ``fit_generator`` and friends."""

from __future__ import annotations

from ... import models as _models
from ... import profiles
from .._legacy_models import DialectModel, LegacyParams, legacy_fit_params, load_model_into, with_callbacks_first
from . import optimizers

_NO_CALLBACKS = ("{}() got an unexpected keyword argument 'callbacks': in Keras 2.2 only fit() takes callbacks "
                 "(evaluate() and predict() take them from Keras 2.3 on; use refimpl.dialects.tf_keras for that).")


class Model(DialectModel, _models.Model):
    """A Keras 2 model as Keras 2.2.4 behaved: ``acc``/``val_acc`` and ``mean_absolute_error`` log names,
    per-batch values, BaseLogger, ``lr`` in logs, ``on_train_end`` with ``{}``, Keras 2.2's ``self.params``, and
    callbacks in ``fit`` only (its validation run calls no hook; ``evaluate``/``predict`` take no callbacks).

    Build it functionally, ``Model(inputs, outputs)`` (Keras 1's ``input=``/``output=`` warn), or use
    ``Sequential``.

    Example:
        >>> import numpy as np
        >>> from refimpl.dialects.keras2.models import Sequential
        >>> from refimpl.dialects.keras2.layers import Dense
        >>> model = Sequential()
        >>> model.add(Dense(2, input_dim=3, activation="softmax"))
        >>> model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
        >>> history = model.fit(np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]], epochs=1, verbose=0)
        >>> sorted(history.history)
        ['acc', 'loss']
    """

    _dialect_profile = profiles.KERAS2

    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, **kwargs) -> None:
        """Configure training (Keras 2 signature; ``sample_weight_mode`` is native here).

        Args:
            optimizer: a name (resolved to this dialect's optimizers) or an optimizer. Defaults to `"rmsprop"`.
            loss: a loss name, Loss or function.
            metrics: e.g. ``["accuracy"]`` (logged as ``acc``). Defaults to `None`.
            loss_weights: one weight for the single output. Defaults to `None`.
            sample_weight_mode: ``None`` (per-sample weights; ``"temporal"`` is not supported). Defaults to `None`.
            weighted_metrics: metrics weighted by ``sample_weight``. Defaults to `None`.
            **kwargs: Keras 3 arguments (``steps_per_execution``…).
        """
        if sample_weight_mode is not None:
            raise ValueError(f"compile(): sample_weight_mode={sample_weight_mode!r} is not supported by refimpl; "
                             "sample weights are per sample (leave it None).")
        super().compile(optimizer=optimizers.get(optimizer), loss=loss, metrics=metrics, loss_weights=loss_weights,
                        weighted_metrics=weighted_metrics, **kwargs)

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, **kwargs):
        """Train for ``epochs`` epochs (Keras 2.2 signature; Keras 3 arguments pass through); return the History.

        ``self.params`` holds what Keras 2.2.4 gave callbacks: for arrays ``batch_size``, ``do_validation``,
        ``epochs``, ``metrics`` (every logs name, ``val_`` ones too), ``samples``, ``steps`` (None unless
        ``steps_per_epoch``) and ``verbose``; for a generator ``do_validation``, ``epochs``, ``metrics``,
        ``steps`` and ``verbose``.

        Args:
            x: inputs: an array, a generator or a ``Sequence``.
            y: targets, for arrays.
            batch_size: samples per batch. Defaults to `None` (32).
            epochs: number of epochs. Defaults to `1`.
            verbose: 0, 1 or 2. Defaults to `1`.
            callbacks: callbacks. Defaults to `None`.
            validation_split: fraction of the arrays held out for validation. Defaults to `0.0`.
            validation_data: ``(x_val, y_val)`` or a generator. Defaults to `None`.
            shuffle: shuffle the samples every epoch. Defaults to `True`.
            class_weight: ``{class: weight}``. Defaults to `None`.
            sample_weight: one weight per sample. Defaults to `None`.
            initial_epoch: the epoch to start from. Defaults to `0`.
            steps_per_epoch: batches per epoch. Defaults to `None`.
            validation_steps: batches per validation run. Defaults to `None`.
            **kwargs: Keras 3 arguments (``validation_freq``…) and Keras 1's ``nb_epoch`` (deprecated).
        """
        names = [profiles.logged_metric_name(self._profile, n) for n in self.metrics_names]
        extra = legacy_fit_params(x, batch_size or 32, epochs, verbose, validation_split, validation_data, names)
        extra.pop("nb_epoch")
        samples = extra.pop("nb_sample")
        if isinstance(x, (list, tuple)) or hasattr(x, "shape"):  # arrays
            extra.update(samples=None if steps_per_epoch else samples, steps=steps_per_epoch)
        else:
            extra.pop("batch_size")
        extra["epochs"] = kwargs.get("nb_epoch", epochs)
        return super().fit(x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                           callbacks=with_callbacks_first([LegacyParams(extra)], callbacks),
                           validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                           class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
                           steps_per_epoch=steps_per_epoch, validation_steps=validation_steps, **kwargs)

    def evaluate(self, x=None, y=None, batch_size=None, verbose=1, sample_weight=None, steps=None, **kwargs):
        """Return the loss (and metrics) on ``x``, ``y`` (Keras 2.2 signature: no callbacks).

        Raises:
            TypeError: for ``callbacks=`` (Keras 2.2's evaluate had none).
        """
        if "callbacks" in kwargs and self._profile.eval_callbacks is False:
            raise TypeError(_NO_CALLBACKS.format("evaluate"))
        return super().evaluate(x, y, batch_size=batch_size, verbose=verbose, sample_weight=sample_weight,
                                steps=steps, **kwargs)

    def predict(self, x, batch_size=None, verbose=0, steps=None, **kwargs):
        """Return the model's outputs for ``x`` (Keras 2.2 signature: no callbacks).

        Raises:
            TypeError: for ``callbacks=`` (Keras 2.2's predict had none).
        """
        if "callbacks" in kwargs and self._profile.eval_callbacks is False:
            raise TypeError(_NO_CALLBACKS.format("predict"))
        return super().predict(x, batch_size=batch_size, verbose=verbose, steps=steps, **kwargs)

    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, max_queue_size=10, workers=1,
                      use_multiprocessing=False, shuffle=True, initial_epoch=0):
        """Train on batches from a generator or ``Sequence`` (Keras 2's separate generator API).

        Args:
            generator: yields ``(x, y)`` or ``(x, y, sample_weight)`` batches.
            steps_per_epoch: batches per epoch. Defaults to `None` (until the generator ends).
            epochs: number of epochs. Defaults to `1`.
            verbose: 0, 1 or 2. Defaults to `1`.
            callbacks: callbacks. Defaults to `None`.
            validation_data: a generator or ``(x, y)``. Defaults to `None`.
            validation_steps: batches per validation run. Defaults to `None`.
            class_weight: ``{class: weight}``. Defaults to `None`.
            max_queue_size: Keras 2's prefetch queue; refimpl reads batches in order. Defaults to `10`.
            workers: Keras 2's worker count; refimpl runs in one thread. Defaults to `1`.
            use_multiprocessing: Keras 2's process pool; refimpl runs in one process. Defaults to `False`.
            shuffle: shuffle a ``Sequence``'s batch order. Defaults to `True`.
            initial_epoch: the epoch to start from. Defaults to `0`.

        Returns:
            The ``History``.
        """
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        class_weight=class_weight, shuffle=shuffle, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                           verbose=0, **kwargs):
        """Evaluate on batches from a generator (Keras 2); returns what ``evaluate`` returns."""
        return self.evaluate(generator, steps=steps, verbose=verbose, **kwargs)

    def predict_generator(self, generator, steps=None, max_queue_size=10, workers=1, use_multiprocessing=False,
                          verbose=0, **kwargs):
        """Predict on batches from a generator (Keras 2); returns the stacked outputs."""
        return self.predict(generator, steps=steps, verbose=verbose, **kwargs)


class Sequential(Model, _models.Sequential):
    """A Keras 2 linear stack of layers: ``model.add(Dense(10, input_dim=784))``.

    Args:
        layers: the layers in order. Defaults to none.
        name: the model's name. Defaults to `"sequential"`, numbered.

    Example:
        >>> from refimpl.dialects.keras2.models import Sequential
        >>> from refimpl.dialects.keras2.layers import Activation, Dense
        >>> model = Sequential()
        >>> model.add(Dense(10, input_dim=784, kernel_initializer="uniform"))
        >>> model.add(Activation("softmax"))
        >>> model.output_shape
        (None, 10)
    """


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True) -> Sequential:
    """Load a model saved by ``model.save`` (``.h5``/``.hdf5`` or ``.keras``) as a Keras 2 ``Sequential``.

    Args:
        filepath: the saved file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics. Defaults to `None`.
        compile: restore the optimizer, loss and metrics. Defaults to `True`.
    """
    return load_model_into(Sequential, profiles.KERAS2, filepath, custom_objects, compile)


__all__ = ["Model", "Sequential", "load_model"]
