"""``Model``: a stack of layers with compile / fit / evaluate / predict, and its functional form."""

from __future__ import annotations

import warnings

import numpy as np

from .. import optimizers as optimizers_module
from .. import profiles
from ..layers.base import Layer, forward, unique_name
from ..layers.input_layer import InputLayer, KerasTensor
from ..scope import out_of_scope
from ..trainer import loop
from ..trainer.arguments import FitConfig
from ..trainer.compiled import CompiledMetrics
from ..variables import Variable

# Overflow and NaN in the numpy maths are not warned about, as Keras's backends do not warn: the loss in
# logs shows them, TerminateOnNaN acts on them, and non-finite input data gets one warning of its own.
QUIET_FLOATING_POINT = {"over": "ignore", "invalid": "ignore", "divide": "ignore"}


class Model:
    """A model: layers applied in order, trained with ``fit``.

    Build one with ``Sequential([...])``, or functionally as ``Model(inputs, outputs)`` where
    ``outputs`` comes from calling layers one after another on ``inputs = Input(shape)``.

    Args:
        inputs: the ``Input(...)`` tensor (functional form).
        outputs: the tensor the last layer returned (functional form).
        name: the model's name. Defaults to ``"functional"`` or ``"sequential"``, numbered.
    """

    _default_name = "functional"

    def __init__(self, inputs=None, outputs=None, name: str | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        self.name = name or unique_name(self._default_name)
        self._layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self._compiled: CompiledMetrics | None = None
        self.optimizer = None
        self.stop_training = False
        self.stop_evaluating = False
        self.stop_predicting = False
        self.history = None
        self._steps_per_execution = 1
        self._loss_scale = 1.0
        self._profile = profiles.KERAS3
        self._own_weights: list[Variable] = []
        if inputs is not None or outputs is not None:
            self._init_functional(inputs, outputs)

    def _init_functional(self, inputs, outputs) -> None:
        if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
            inputs = inputs[0]
        if isinstance(outputs, (list, tuple)) and len(outputs) == 1:
            outputs = outputs[0]
        if not isinstance(inputs, KerasTensor) or not isinstance(outputs, KerasTensor):
            raise ValueError("Model(inputs, outputs) needs one Input(...) tensor and the tensor returned by the "
                             "last layer; refimpl supports single-input, single-output chains of layers. "
                             + out_of_scope("multi-input and multi-output models"))
        chain = outputs.layer_chain()
        if chain[0] is not inputs.source:
            raise ValueError("outputs were not computed from inputs by a chain of layers.")
        self._input_layer = chain[0]
        self._layers = chain[1:]

    # ----------------------------------------------------------------------------------------- structure
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, without the input layer (as in Keras 3)."""
        return list(self._layers)

    def _compute_layers(self) -> list[Layer]:
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not been built: give it an Input(shape) or call it on data.")
        if hasattr(type(self), "call"):
            # A subclassed model's call() is its forward pass: one layer, with the model's own weights.
            if getattr(self, "_call_layer", None) is None:
                self._call_layer = _ModelCall(self)
            return [self._call_layer]
        return self._layers

    @property
    def built(self) -> bool:
        return self._input_layer is not None and all(layer.built for layer in self._layers)

    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape`` (with or without the batch dimension)."""
        shape = tuple(input_shape)
        if shape and shape[0] is None:
            shape = shape[1:]
        if self._input_layer is None:
            self._input_layer = InputLayer(shape=shape)
        current = self._input_layer.shape
        for layer in self._layers:
            current = layer.ensure_built(current)

    @property
    def input_shape(self) -> tuple | None:
        return None if self._input_layer is None else (None, *self._input_layer.shape)

    @property
    def output_shape(self) -> tuple | None:
        if not self.built or not self._layers:
            return self.input_shape
        return self._layers[-1].output_shape

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """Return a layer by ``name`` or by ``index``.

        Raises:
            ValueError: when no layer has that name or index; the message lists the names.
        """
        if index is not None:
            try:
                return self._layers[index]
            except IndexError:
                raise ValueError(f"index {index} is out of range: the model has {len(self._layers)} layers.") from None
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No layer named {name!r}. Layers: {', '.join(layer.name for layer in self._layers)}.")

    @property
    def weights(self):
        return [*self._own_weights, *(w for layer in self._layers for w in layer.weights)]

    @property
    def trainable_weights(self):
        own = [w for w in self._own_weights if w.trainable]
        return [*own, *(w for layer in self._layers for w in layer.trainable_weights)]

    @property
    def non_trainable_weights(self):
        own = [w for w in self._own_weights if not w.trainable]
        return [*own, *(w for layer in self._layers for w in layer.non_trainable_weights)]

    def add_weight(self, shape=(), initializer="glorot_uniform", name: str | None = None, trainable: bool = True,
                   dtype: str | None = None, **kwargs) -> Variable:
        """Create a weight owned by the model itself (a subclassed model's state); see ``Layer.add_weight``.

        refimpl cannot differentiate a model's ``call()``, so ``fit`` accepts such weights only with
        ``trainable=False`` (counters, running statistics).
        """
        holder = Layer(name=self.name)
        holder._weights = self._own_weights
        return holder.add_weight(shape=shape, initializer=initializer, name=name, trainable=trainable,
                                 dtype=dtype, **kwargs)

    add_variable = add_weight

    @property
    def trainable_variables(self):
        return self.trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """Return copies of every weight, layer by layer (kernel then bias for a Dense layer)."""
        return [w.numpy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set every weight from a list shaped like ``get_weights()``.

        Raises:
            ValueError: when the count or a shape differs; the message names the layer and both shapes.
        """
        weights = list(weights)
        if not self.built:
            raise ValueError(f"Model '{self.name}' has not been built, so it has no weights to set yet.")
        expected = self.weights
        if len(weights) != len(expected):
            raise ValueError(f"Model '{self.name}' has {len(expected)} weight arrays; got {len(weights)}.")
        for var, value in zip(expected, weights):
            if np.shape(value) != var.shape:
                raise ValueError(f"Weight '{var.path}' has shape {var.shape}; the value given has shape "
                                 f"{np.shape(value)}.")
        for var, value in zip(expected, weights):
            var.assign(value)

    def count_params(self) -> int:
        return sum(layer.count_params() for layer in self._layers)

    def summary(self, print_fn=None) -> None:
        """Print a table of the layers, their output shapes and parameter counts."""
        print_fn = print_fn or print
        rows = [(f"{layer.name} ({type(layer).__name__})", str(layer.output_shape), str(layer.count_params()))
                for layer in self._layers]
        widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
                  for i, h in enumerate(("Layer (type)", "Output Shape", "Param #"))]
        line = "  ".join(h.ljust(w) for h, w in zip(("Layer (type)", "Output Shape", "Param #"), widths))
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        print_fn("-" * len(line))
        for row in rows:
            print_fn("  ".join(c.ljust(w) for c, w in zip(row, widths)))
        # Keras 3 counts the optimizer's variables (iterations, learning rate, slots) once it is built.
        trainable = sum(int(w.value.size) for layer in self._layers for w in layer.trainable_weights)
        optimizer = getattr(self, "optimizer", None)
        built = optimizer is not None and getattr(optimizer, "_built_for", None) is not None
        optimizer_params = sum(int(np.size(v.value)) for v in optimizer.variables) if built else 0
        print_fn(f"Total params: {self.count_params() + optimizer_params}")
        print_fn(f"Trainable params: {trainable}")
        print_fn(f"Non-trainable params: {self.count_params() - trainable}")
        if built:
            print_fn(f"Optimizer params: {optimizer_params}")

    def __call__(self, x, training: bool = False):
        if isinstance(x, KerasTensor):
            raise ValueError("Calling a model on a symbolic tensor is not supported by refimpl.")
        x = np.asarray(x, dtype="float32")
        if not self.built:
            self.build(x.shape[1:])
        return forward(self._compute_layers(), x, training)

    # --------------------------------------------------------------------------------------------- compile
    def compile(self, optimizer="rmsprop", loss=None, metrics=None, loss_weights=None, weighted_metrics=None,
                run_eagerly=False, steps_per_execution: int = 1, jit_compile="auto", auto_scale_loss=True,
                sample_weight_mode=None, **kwargs) -> None:
        """Configure training: the optimizer, the loss and the metrics reported in ``logs``.

        Args:
            optimizer: a name (``"rmsprop"``, ``"adam"``, ``"sgd"``, ``"adagrad"``) or an Optimizer.
                Defaults to ``"rmsprop"``.
            loss: a name (``"mse"``, ``"categorical_crossentropy"``…), a Loss or a function.
            metrics: names (``"accuracy"``, ``"mae"``…), Metric objects or functions. Defaults to None.
            weighted_metrics: metrics that also take ``sample_weight`` into account. Defaults to None.
            loss_weights: ``[w]``: the loss (and its gradient) is multiplied by ``w``. Defaults to None.
            steps_per_execution: batches run between two batch hooks. Defaults to 1.
            run_eagerly: accepted for Keras code; refimpl always runs eagerly.
            jit_compile: accepted for Keras code; refimpl does not compile.

        Raises:
            ValueError: for an unknown optimizer, loss or metric (listing the known ones), a missing loss,
                or ``steps_per_execution`` < 1.
        """
        if kwargs:
            raise TypeError(f"compile() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if loss_weights is not None and not (isinstance(loss_weights, (list, tuple)) and len(loss_weights) == 1):
            raise ValueError("loss_weights is only meaningful for several outputs; refimpl models have one. "
                             f"Got {loss_weights!r}.")
        if sample_weight_mode is not None:
            warnings.warn("sample_weight_mode is deprecated and has no effect: sample weights are per sample.",
                          DeprecationWarning, stacklevel=2)
        if isinstance(steps_per_execution, bool) or not isinstance(steps_per_execution, int) or steps_per_execution < 1:
            raise ValueError(f"steps_per_execution must be an integer >= 1; got {steps_per_execution!r}.")
        self.optimizer = optimizers_module.get(optimizer)
        self._compiled = CompiledMetrics(loss, metrics, weighted_metrics, self._profile)
        self.loss = self._compiled.loss
        self._loss_scale = float(loss_weights[0]) if loss_weights else 1.0  # read by the training step
        self._steps_per_execution = steps_per_execution

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    @property
    def metrics_names(self) -> list[str]:
        return self._compiled.metrics_names if self._compiled else []

    def _require_compiled(self, what: str) -> None:
        if self._compiled is None:
            raise ValueError(f"You must call compile() before {what}(): the model has no loss or optimizer yet.")

    def _check_input_width(self, sample_shape: tuple, arg: str) -> None:
        if not self.built:
            self.build(sample_shape)
            return
        expected = self._input_layer.shape
        if len(expected) != len(sample_shape) or any(e is not None and e != s for e, s in zip(expected, sample_shape)):
            raise ValueError(f"{arg} has samples of shape {tuple(sample_shape)}, but the model expects inputs of "
                             f"shape {tuple(expected)} (input layer '{self._input_layer.name}').")

    def _num_classes(self) -> int:
        units = self.output_shape[-1] if self.output_shape else 1
        return 2 if units in (None, 1) else int(units)

    def _check_targets(self, y, arg: str) -> None:
        from ..losses import SparseCategoricalCrossentropy

        if y is None or self._compiled is None:
            return
        out = self.output_shape
        if isinstance(self._compiled.loss, SparseCategoricalCrossentropy):
            k = out[-1]
            if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
                raise ValueError(f"{arg} must hold integer class labels for sparse_categorical_crossentropy.")
            if y.size and (y.min() < 0 or y.max() >= k):
                raise ValueError(f"{arg} has class labels from {int(y.min())} to {int(y.max())}, but the model "
                                 f"predicts {k} classes (labels 0 to {k - 1}).")
            return
        target = y.shape[1:]
        predicted = tuple(out[1:])
        if target == predicted or (target == () and predicted == (1,)) or (target == (1,) and predicted == ()):
            return
        raise ValueError(f"{arg} has targets of shape {target}, but the model outputs shape {predicted}.")

    # ------------------------------------------------------------------------------------------- training
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None, sample_weight=None,
            initial_epoch=0, steps_per_epoch=None, validation_steps=None, validation_batch_size=None,
            validation_freq=1, nb_epoch=None, **kwargs):
        """Train the model, calling ``callbacks`` at each stage; return the ``History``.

        Args:
            x: inputs: a numpy array, a generator yielding ``(x, y)`` or ``(x, y, sample_weight)``,
                or a ``PyDataset``.
            y: targets, when ``x`` is an array.
            batch_size: samples per batch for arrays. Defaults to 32.
            epochs: index of the last epoch (training runs ``initial_epoch`` to ``epochs - 1``). Defaults to 1.
            verbose: ``"auto"`` (1), 0 silent, 1 progress bar, 2 one line per epoch. Defaults to ``"auto"``.
            callbacks: a list of ``Callback`` instances. Defaults to None.
            validation_split: fraction of the arrays (taken from the end) held out for validation.
                Defaults to 0.
            validation_data: ``(x_val, y_val)``, ``(x_val, y_val, sample_weight)``, a generator or a
                PyDataset evaluated at the end of each epoch. Defaults to None.
            shuffle: reshuffle array data every epoch (``"batch"`` shuffles whole batches). Defaults to `True`.
            class_weight: ``{class index: weight}`` applied to the loss. Defaults to None.
            sample_weight: one weight per sample, applied to the loss. Defaults to None.
            initial_epoch: the epoch to start from (to resume training). Defaults to 0.
            steps_per_epoch: batches per epoch; a shorter pass carries on into the next epoch. Defaults to
                None (one full pass).
            validation_steps: batches per validation run. Defaults to None (a full pass).
            validation_batch_size: batch size for validation arrays. Defaults to ``batch_size``.
            validation_freq: validate every this many epochs, or at the listed 1-based epochs. Defaults to 1.

        Returns:
            The ``History`` callback of this run (also ``model.history``).

        Raises:
            ValueError: for any invalid argument, before any epoch runs.
        """
        if kwargs:
            raise TypeError(f"fit() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if nb_epoch is not None:
            warnings.warn("The `nb_epoch` argument of fit() is deprecated; use `epochs` instead.",
                          DeprecationWarning, stacklevel=2)
            epochs = nb_epoch
        with np.errstate(**QUIET_FLOATING_POINT):
            return loop.fit(self, FitConfig(
                x=x, y=y, batch_size=batch_size, epochs=epochs, verbose=verbose, callbacks=callbacks,
                validation_split=validation_split, validation_data=validation_data, shuffle=shuffle,
                class_weight=class_weight, sample_weight=sample_weight, initial_epoch=initial_epoch,
                steps_per_epoch=steps_per_epoch, validation_steps=validation_steps,
                validation_batch_size=validation_batch_size, validation_freq=validation_freq))

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None, steps=None,
                 callbacks=None, return_dict=False, **kwargs):
        """Compute the loss and metrics on data, calling the ``on_test_*`` hooks.

        Returns:
            The loss alone when no metrics were compiled, else ``[loss, *metrics]`` in compile order, or
            a dict keyed by name when ``return_dict=True``.
        """
        if kwargs:
            raise TypeError(f"evaluate() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        with np.errstate(**QUIET_FLOATING_POINT):
            return loop.evaluate(self, x, y, batch_size, verbose, sample_weight, steps, callbacks, return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None, **kwargs) -> np.ndarray:
        """Return the model's outputs for ``x``, calling the ``on_predict_*`` hooks."""
        if kwargs:
            raise TypeError(f"predict() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        if not self.built and isinstance(x, np.ndarray):
            self.build(x.shape[1:])
        with np.errstate(**QUIET_FLOATING_POINT):
            return loop.predict(self, x, batch_size, verbose, steps, callbacks)

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None, return_dict=False):
        """Run one training step on one batch (no callbacks); return the batch's loss and metrics."""
        return self._on_batch(x, y, sample_weight, class_weight, return_dict, train=True)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        """Evaluate one batch (no callbacks); return its loss and metrics."""
        return self._on_batch(x, y, sample_weight, None, return_dict, train=False)

    def predict_on_batch(self, x) -> np.ndarray:
        """Return the outputs for one batch (no callbacks)."""
        return self(np.asarray(x, dtype="float32"))

    def _on_batch(self, x, y, sample_weight, class_weight, return_dict, train: bool):
        from ..profiles import class_weight_in_use
        from ..trainer import arguments as args
        from ..trainer.data import weigh_classes

        self._require_compiled("train_on_batch" if train else "test_on_batch")
        source = args.make_source(x, y, sample_weight, len(x) if hasattr(x, "__len__") else None, False, "x",
                                  expect_targets=True)
        self._check_input_width(source.x.shape[1:], "x")
        self._check_targets(source.y, "y")
        sw = source.sw
        cw = class_weight_in_use(self._profile, args.check_class_weight(class_weight, self._num_classes()), sw)
        if cw is not None:
            sw = weigh_classes(source.y, sw, cw)
        step = loop.Step(self)
        if train:
            step.check_trainable()
        loss_value, n, y_pred = (step.train if train else step.test)(source.x, source.y, sw)
        running = self._compiled.fresh(source.y.shape, y_pred.shape)
        running.update(loss_value, n, source.y, y_pred, sw)
        logs = running.logs()
        if return_dict:
            return logs
        values = [logs[name] for name in self._compiled.metrics_names if name in logs]
        return values[0] if len(values) == 1 else values

    # ------------------------------------------------------------------------------------------- saving
    def save(self, filepath, overwrite: bool = True, **kwargs) -> None:
        """Save the whole model (``.keras`` archive, or legacy ``.h5``/``.hdf5``)."""
        from ..saving import save_model

        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def save_weights(self, filepath, overwrite: bool = True) -> None:
        """Save the weights to an HDF5 file (``.weights.h5``; legacy ``.h5``/``.hdf5`` accepted)."""
        from ..saving import save_weights

        save_weights(self, filepath, overwrite=overwrite)

    def load_weights(self, filepath, **kwargs) -> None:
        """Load weights saved by ``save_weights`` (or from a ``.keras`` archive)."""
        from ..saving import load_weights

        load_weights(self, filepath, **kwargs)

    def get_config(self) -> dict:
        layers = []
        if self._input_layer is not None:
            layers.append({"class_name": "InputLayer", "config": self._input_layer.get_config()})
        layers += [{"class_name": type(layer).__name__, "config": layer.get_config()} for layer in self._layers]
        return {"name": self.name, "layers": layers}

    @classmethod
    def from_config(cls, config: dict) -> Model:
        from .sequential import Sequential

        return Sequential.from_config(config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, {len(self._layers)} layers>"


class _ModelCall(Layer):
    """A subclassed model's ``call()`` seen as the one layer of its forward pass."""

    def __init__(self, model: Model):
        super().__init__(name=model.name)
        self.model = model
        self._weights = model._own_weights
        self.built = True

    def forward(self, x, training: bool = False):
        from ..layers.base import call_with_training

        return call_with_training(self.model.call, x, training)
