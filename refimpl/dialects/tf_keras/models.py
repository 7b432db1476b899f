"""tf-keras models: Keras 2's ``Sequential`` and ``Model`` on the ``tf-keras`` profile (callbacks in ``fit``,
``evaluate`` and ``predict``; Keras 3's ``self.params``), with ``fit_generator`` and friends."""

from __future__ import annotations

from ... import models as _models
from ... import profiles
from .._legacy_models import load_model_into
from ..keras2 import models as _keras2


class Model(_keras2.Model):
    """A tf-keras model: ``accuracy``/``val_accuracy`` log names, running means at batch end, no BaseLogger, ``lr``
    in logs, and tf-keras's hooks: ``evaluate`` and ``predict`` take callbacks, fit's validation run calls the test
    hooks, ``on_train_end`` gets the last epoch's logs and ``self.params`` holds ``epochs``, ``steps`` and
    ``verbose``.

    Example:
        >>> import numpy as np
        >>> from refimpl.dialects.tf_keras.models import Sequential
        >>> from refimpl.dialects.tf_keras.layers import Dense
        >>> model = Sequential()
        >>> model.add(Dense(2, input_dim=3, activation="softmax"))
        >>> model.compile(loss="categorical_crossentropy", optimizer="sgd", metrics=["accuracy"])
        >>> history = model.fit(np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]], epochs=1, verbose=0)
        >>> sorted(history.history), sorted(history.params)
        (['accuracy', 'loss'], ['epochs', 'steps', 'verbose'])
    """

    _dialect_profile = profiles.TF_KERAS
    fit = _models.Model.fit
    evaluate = _models.Model.evaluate
    predict = _models.Model.predict


class Sequential(Model, _models.Sequential):
    """A tf-keras linear stack of layers: ``model.add(Dense(10, input_dim=784))``.

    Args:
        layers: the layers in order. Defaults to none.
        name: the model's name. Defaults to `"sequential"`, numbered.
    """


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True) -> Sequential:
    """Load a model saved by ``model.save`` (``.h5``/``.hdf5`` or ``.keras``) as a tf-keras ``Sequential``.

    Args:
        filepath: the saved file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics. Defaults to `None`.
        compile: restore the optimizer, loss and metrics. Defaults to `True`.
    """
    return load_model_into(Sequential, profiles.TF_KERAS, filepath, custom_objects, compile)


__all__ = ["Model", "Sequential", "load_model"]
