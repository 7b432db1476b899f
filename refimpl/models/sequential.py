"""``Sequential``: a model built by listing (or adding) layers in order."""

from __future__ import annotations

from ..layers import get_layer_class
from ..layers.base import Layer
from ..layers.input_layer import InputLayer, KerasTensor
from ..saving.serialization import register_model_class
from .model import Model


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: the layers in order; the first may be ``Input(shape)``. Defaults to none.
        name: the model's name. Defaults to ``"sequential"``, numbered.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
        ...                           keras.layers.Dense(1)])
        >>> model.compile(optimizer="adam", loss="mse")
        >>> model.predict(np.zeros((3, 4)), verbose=0).shape
        (3, 1)
    """

    _default_name = "sequential"

    def __init__(self, layers=None, name: str | None = None, **kwargs):
        super().__init__(name=name, **kwargs)
        for layer in layers or []:
            self.add(layer)

    def add(self, layer) -> None:
        """Append a layer (or an ``Input(...)`` as the first element).

        Raises:
            TypeError: when ``layer`` is not a layer.
            ValueError: when an input is added after other layers.
        """
        if isinstance(layer, KerasTensor) and isinstance(layer.source, InputLayer):
            layer = layer.source
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError("An Input can only be the first element of a Sequential model.")
            self._input_layer = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential.add() needs a layer; got {type(layer).__name__}: {layer!r}.")
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f"All layers in a model must have unique names; '{layer.name}' is already used.")
        if self._input_layer is None and not self._layers and layer._declared_input_shape is not None:
            self._input_layer = InputLayer(shape=layer._declared_input_shape)
        self._layers.append(layer)
        if self._input_layer is not None:
            self.build(self._input_layer.shape)

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise ValueError("There are no layers to pop.")
        return self._layers.pop()

    @classmethod
    def from_config(cls, config: dict) -> Sequential:
        if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
            raise ValueError("A Sequential config must be a dict with a 'layers' list.")
        model = cls(name=config.get("name"))
        for entry in config["layers"]:
            if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
                raise ValueError(f"Each layer entry must be {{'class_name': ..., 'config': {{...}}}}; got {entry!r}.")
            layer_cls = get_layer_class(str(entry.get("class_name")))
            model.add(layer_cls.from_config(dict(entry["config"])))
        return model


register_model_class(Sequential)
