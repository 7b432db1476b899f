"""Metrics: stateful running means over an epoch or an evaluation, as Keras 3 reports them in ``logs``.

A metric accumulates ``total += sum(weight * value)`` and ``count += sum(weight)`` over batches, so a
batch-end value is the mean over every sample seen so far (weighted by sample count, not batch count).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from . import losses as losses_module
from .losses import EPSILON, align_targets


class Metric:
    """Base class of stateful metrics: ``update_state``, ``result``, ``reset_state``.

    Args:
        name: the key this metric gets in ``logs``.
    """

    def __init__(self, name: str = "metric", dtype: str = "float32"):
        self.name = name
        self.dtype = dtype
        self.reset_state()

    def reset_state(self) -> None:
        self.total = 0.0
        self.count = 0.0

    def update_state(self, *args, **kwargs) -> None:
        raise NotImplementedError

    def result(self) -> float:
        return float(np.float32(self.total / self.count)) if self.count else 0.0

    def get_state(self) -> dict:
        """The running state as plain numbers (JSON data): what ``set_state`` needs to continue from here.

        A subclass that accumulates more than ``total`` and ``count`` overrides both methods.
        """
        return {"total": float(self.total), "count": float(self.count)}

    def set_state(self, state: dict) -> None:
        """Continue from a state returned by ``get_state``.

        Raises:
            ValueError: when ``state`` lacks a key ``get_state`` returns.
        """
        missing = sorted(set(self.get_state()) - set(state))
        if missing:
            raise ValueError(f"{type(self).__name__}.set_state: the state lacks {', '.join(missing)}; "
                             f"got keys {sorted(state)}.")
        self.total = float(state["total"])
        self.count = float(state["count"])

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class Mean(Metric):
    """The weighted mean of the values it is given.

    Example:
        >>> import refimpl as keras
        >>> m = keras.metrics.Mean()
        >>> m.update_state([1.0, 3.0]); m.update_state(5.0, sample_weight=2.0)
        >>> m.result()
        3.5
    """

    def __init__(self, name: str = "mean", dtype: str = "float32"):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, values, sample_weight=None) -> None:
        values = np.asarray(values, dtype="float64")
        if sample_weight is None:
            self.total += float(values.sum())
            self.count += float(values.size)
            return
        weight = np.broadcast_to(np.asarray(sample_weight, dtype="float64"), values.shape)
        self.total += float((values * weight).sum())
        self.count += float(weight.sum())


class MeanMetricWrapper(Mean):
    """A metric defined by a per-sample function ``fn(y_true, y_pred)``, averaged over samples.

    Args:
        fn: returns one value per sample.
        name: the metric's name in ``logs``.
    """

    def __init__(self, fn: Callable, name: str | None = None, dtype: str = "float32", **fn_kwargs):
        super().__init__(name=name or getattr(fn, "__name__", "metric"), dtype=dtype)
        self.fn = fn
        self.fn_kwargs = fn_kwargs

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        values = np.asarray(self.fn(np.asarray(y_true), np.asarray(y_pred), **self.fn_kwargs), dtype="float64")
        if sample_weight is not None:
            shape = (values.shape[0], *([1] * (values.ndim - 1)))
            sample_weight = np.asarray(sample_weight, dtype="float64").reshape(shape)
        super().update_state(values, sample_weight)


# ------------------------------------------------------------------------------------ per-sample functions
def _float_pair(y_true, y_pred):
    y_pred = np.asarray(y_pred, dtype="float32")
    return align_targets(np.asarray(y_true, dtype="float32"), y_pred), y_pred


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = _float_pair(y_true, y_pred)
    return np.mean(np.square(y_pred - y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = _float_pair(y_true, y_pred)
    return np.mean(np.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = _float_pair(y_true, y_pred)
    return 100.0 * np.mean(np.abs((y_true - y_pred) / np.maximum(np.abs(y_true), EPSILON)), axis=-1)


def root_mean_squared_error(y_true, y_pred):
    return np.sqrt(mean_squared_error(y_true, y_pred))


def binary_accuracy(y_true, y_pred, threshold: float = 0.5):
    y_true, y_pred = _float_pair(y_true, y_pred)
    return np.mean((y_true == (y_pred > threshold)).astype("float32"), axis=-1)


def categorical_accuracy(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    return (np.argmax(y_true, axis=-1) == np.argmax(y_pred, axis=-1)).astype("float32")


def sparse_categorical_accuracy(y_true, y_pred):
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true[..., 0]
    return (y_true.astype("int64") == np.argmax(y_pred, axis=-1)).astype("float32")


def _loss_function(name: str):
    loss = losses_module.get(name)  # one Loss object, not one per batch

    def fn(y_true, y_pred):
        return loss.values(*loss.prepare(y_true, y_pred))

    fn.__name__ = name
    return fn


binary_crossentropy = _loss_function("binary_crossentropy")
categorical_crossentropy = _loss_function("categorical_crossentropy")
sparse_categorical_crossentropy = _loss_function("sparse_categorical_crossentropy")

mse = mean_squared_error
mae = mean_absolute_error
mape = mean_absolute_percentage_error


# ------------------------------------------------------------------------------------------------ classes
def _metric_class(class_name: str, fn: Callable, default_name: str, doc: str):
    def __init__(self, name: str = default_name, dtype: str = "float32", **kwargs):
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **kwargs)

    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


MeanSquaredError = _metric_class("MeanSquaredError", mean_squared_error, "mean_squared_error",
                                 "Running mean of the squared error.")
MeanAbsoluteError = _metric_class("MeanAbsoluteError", mean_absolute_error, "mean_absolute_error",
                                  "Running mean of the absolute error.")
MeanAbsolutePercentageError = _metric_class("MeanAbsolutePercentageError", mean_absolute_percentage_error,
                                            "mean_absolute_percentage_error",
                                            "Running mean of the absolute percentage error.")
BinaryAccuracy = _metric_class("BinaryAccuracy", binary_accuracy, "binary_accuracy",
                               "How often ``y_pred > threshold`` equals the 0/1 target.")
CategoricalAccuracy = _metric_class("CategoricalAccuracy", categorical_accuracy, "categorical_accuracy",
                                    "How often the arg-max of the prediction matches the one-hot target.")
SparseCategoricalAccuracy = _metric_class("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                          "sparse_categorical_accuracy",
                                          "How often the arg-max of the prediction matches the integer label.")
BinaryCrossentropy = _metric_class("BinaryCrossentropy", binary_crossentropy, "binary_crossentropy",
                                   "Running mean of the binary crossentropy.")
CategoricalCrossentropy = _metric_class("CategoricalCrossentropy", categorical_crossentropy,
                                        "categorical_crossentropy", "Running mean of the categorical crossentropy.")
SparseCategoricalCrossentropy = _metric_class("SparseCategoricalCrossentropy", sparse_categorical_crossentropy,
                                              "sparse_categorical_crossentropy",
                                              "Running mean of the sparse categorical crossentropy.")


class RootMeanSquaredError(Mean):
    """The square root of the running mean of squared errors."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: str = "float32"):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = mean_squared_error(y_true, y_pred)
        super().update_state(values, sample_weight)

    def result(self):
        return float(np.sqrt(np.float32(self.total / self.count))) if self.count else 0.0


_BY_NAME: dict[str, Callable[[str], Metric]] = {
    "mse": lambda n: MeanSquaredError(name=n), "mean_squared_error": lambda n: MeanSquaredError(name=n),
    "mae": lambda n: MeanAbsoluteError(name=n), "mean_absolute_error": lambda n: MeanAbsoluteError(name=n),
    "mape": lambda n: MeanAbsolutePercentageError(name=n),
    "mean_absolute_percentage_error": lambda n: MeanAbsolutePercentageError(name=n),
    "binary_accuracy": lambda n: BinaryAccuracy(name=n),
    "categorical_accuracy": lambda n: CategoricalAccuracy(name=n),
    "sparse_categorical_accuracy": lambda n: SparseCategoricalAccuracy(name=n),
    "binary_crossentropy": lambda n: BinaryCrossentropy(name=n),
    "categorical_crossentropy": lambda n: CategoricalCrossentropy(name=n),
    "sparse_categorical_crossentropy": lambda n: SparseCategoricalCrossentropy(name=n),
    "root_mean_squared_error": lambda n: RootMeanSquaredError(name=n),
}
ACCURACY_NAMES = ("accuracy", "acc")


def known_names() -> list[str]:
    return sorted([*_BY_NAME, *ACCURACY_NAMES])


def resolve_accuracy(name: str, y_true_shape: tuple, y_pred_shape: tuple, loss=None) -> Metric:
    """Pick binary, categorical or sparse accuracy for ``"accuracy"`` as Keras 3 does, keeping the name.

    Binary when the prediction has one column (or the loss is binary crossentropy); sparse when the
    targets have one axis fewer than the predictions (or a trailing axis of 1 against several columns);
    categorical otherwise.
    """
    from .losses import BinaryCrossentropy as BCE

    if isinstance(loss, BCE) or y_pred_shape[-1] == 1:
        return BinaryAccuracy(name=name)
    sparse = len(y_true_shape) < len(y_pred_shape) or (
        len(y_true_shape) == len(y_pred_shape) and y_true_shape[-1] == 1 and y_pred_shape[-1] > 1)
    return SparseCategoricalAccuracy(name=name) if sparse else CategoricalAccuracy(name=name)


def get(identifier) -> Metric | str:
    """Return a Metric for a name, class, instance or per-sample function (``"accuracy"`` stays a name until
    the shapes are known; see ``resolve_accuracy``).

    Raises:
        ValueError: for an unknown name; the message lists the known ones.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in ACCURACY_NAMES:
            return identifier
        factory = _BY_NAME.get(identifier)
        if factory is None:
            raise ValueError(f"Unknown metric: '{identifier}'. Known metrics: {', '.join(known_names())}.")
        return factory(identifier)
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(f"A metric must be a name, a Metric or a function; got {identifier!r}. "
                     f"Known metrics: {', '.join(known_names())}.")
