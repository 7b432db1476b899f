"""cthulhu models: ``Pile`` (Sequential) and ``Lump`` (Model), trained with ``conjure`` and ``summon``."""

from __future__ import annotations

from ... import models as _models
from ... import profiles
from .._legacy_models import load_model_into
from .._names import RenamedAttribute, module_getattr
from ..keras2 import models as _keras2
from . import layers
from ._names import MODELS, speak, speaks_cthulhu


class Lump(_keras2.Model):
    """A cthulhu model (Keras's Model, ``keras2`` profile): ``conjure`` configures it, ``summon`` trains it.

    ``fit`` and ``compile`` do not exist here (reading them raises an AttributeError naming ``summon`` and
    ``conjure``); ``evaluate``, ``predict``, ``load_weights``, ``save`` keep their names. Errors refimpl
    raises speak cthulhu's names (``You must call conjure() before summon()``).

    Example:
        >>> import numpy as np
        >>> from refimpl.dialects.cthulhu.models import Pile
        >>> from refimpl.dialects.cthulhu.layers import Azatoth, Daoloth
        >>> model = Pile()
        >>> model.add(Daoloth(2, input_dim=3))
        >>> model.add(Azatoth("softmax"))
        >>> model.conjure(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        >>> history = model.summon(np.ones((4, 3)), np.eye(2)[[0, 1, 0, 1]], epochs=2, verbose=0)
        >>> sorted(history.history)
        ['acc', 'loss']
    """

    _default_name = "lump"
    fit = RenamedAttribute("summon")
    compile = RenamedAttribute("conjure")

    @speaks_cthulhu
    def conjure(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, **kwargs) -> None:
        """Configure training (Keras's compile, Keras 2 signature).

        Args:
            optimizer: a name (``"rmsprop"``…) or an optimizer. Defaults to `"rmsprop"`.
            loss: a loss name, Loss or function.
            metrics: e.g. ``["accuracy"]`` (logged as ``acc``). Defaults to `None`.
            loss_weights: one weight for the single output. Defaults to `None`.
            sample_weight_mode: only None is supported. Defaults to `None`.
            weighted_metrics: metrics weighted by ``sample_weight``. Defaults to `None`.
            **kwargs: Keras 3 arguments (``steps_per_execution``…).
        """
        _keras2.Model.compile(self, optimizer=optimizer, loss=loss, metrics=metrics, loss_weights=loss_weights,
                              sample_weight_mode=sample_weight_mode, weighted_metrics=weighted_metrics, **kwargs)

    @speaks_cthulhu
    def summon(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
               validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
               steps_per_epoch=None, validation_steps=None, **kwargs):
        """Train the Lump (Keras's fit, Keras 2 signature); return the ``History``.

        Args:
            x: input array, or a generator of batches.
            y: target array.
            batch_size: samples per batch. Defaults to `None` (32).
            epochs: number of epochs. Defaults to `1`.
            verbose: 0 silent, 1 progress bar, 2 one line per epoch. Defaults to `1`.
            callbacks: callbacks (``cthulhu.callbacks``). Defaults to `None`.
            validation_split: fraction of the data held out for validation. Defaults to `0.0`.
            validation_data: ``(x_val, y_val)``. Defaults to `None`.
            shuffle: shuffle the samples every epoch. Defaults to `True`.
            class_weight: ``{class: weight}``. Defaults to `None`.
            sample_weight: one weight per sample. Defaults to `None`.
            initial_epoch: the epoch to start from. Defaults to `0`.
            steps_per_epoch: batches per epoch. Defaults to `None`.
            validation_steps: batches per validation run. Defaults to `None`.
            **kwargs: Keras 3 arguments (``validation_freq``…).
        """
        return _models.Model.fit(self, x, y, batch_size=batch_size, epochs=epochs, verbose=verbose,
                                 callbacks=callbacks, validation_split=validation_split,
                                 validation_data=validation_data, shuffle=shuffle, class_weight=class_weight,
                                 sample_weight=sample_weight, initial_epoch=initial_epoch,
                                 steps_per_epoch=steps_per_epoch, validation_steps=validation_steps, **kwargs)

    @speaks_cthulhu
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, initial_epoch=0, **kwargs):
        """Train on batches from a generator (Keras 2's fit_generator, kept by the fork); return the ``History``."""
        return self.summon(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                           callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                           class_weight=class_weight, initial_epoch=initial_epoch)

    evaluate = speaks_cthulhu(_keras2.Model.evaluate)
    predict = speaks_cthulhu(_keras2.Model.predict)
    load_weights = speaks_cthulhu(_keras2.Model.load_weights)
    save = speaks_cthulhu(_keras2.Model.save)
    save_weights = speaks_cthulhu(_keras2.Model.save_weights)
    get_layer = speaks_cthulhu(_keras2.Model.get_layer)

    def summary(self, print_fn=None) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        out = print_fn or print
        super().summary(print_fn=lambda line: out(speak(line)))


class Pile(Lump, _models.Sequential):
    """A linear stack of layers (Keras's Sequential): ``model.add(Daoloth(10, input_dim=784))``.

    Args:
        layers: the layers in order. Defaults to none.
        name: the model's name. Defaults to `"pile"`, numbered.

    Example:
        >>> from refimpl.dialects.cthulhu.models import Pile
        >>> from refimpl.dialects.cthulhu.layers import Azatoth, Daoloth
        >>> model = Pile()
        >>> model.add(Daoloth(10, input_dim=784, kernel_initializer="uniform"))
        >>> model.add(Azatoth("softmax"))
        >>> model.output_shape
        (None, 10)
    """

    _default_name = "pile"
    add = speaks_cthulhu(_models.Sequential.add)
    pop = speaks_cthulhu(_models.Sequential.pop)


def load_model(filepath, custom_objects: dict | None = None, compile: bool = True) -> Pile:
    """Load a Pile saved by ``model.save`` (``.h5``/``.hdf5`` or ``.keras``).

    Args:
        filepath: the saved file.
        custom_objects: ``{name: class or function}`` for your own layers, losses and metrics. Defaults to `None`.
        compile: restore the optimizer, loss and metrics (as ``conjure`` set them). Defaults to `True`.
    """
    objects = {"Daoloth": layers.Daoloth, "Azatoth": layers.Azatoth, "Darkness": layers.Darkness,
               **(custom_objects or {})}
    return speaks_cthulhu(load_model_into)(Pile, profiles.KERAS2, filepath, objects, compile)


__getattr__ = module_getattr(__name__, globals(), MODELS)

__all__ = ["Lump", "Pile", "load_model"]
