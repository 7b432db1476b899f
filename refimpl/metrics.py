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


def accuracy(y_true, y_pred):
    """1 where the prediction equals the target exactly, else 0 (``metrics.Accuracy``; element-wise)."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    return (y_true == y_pred).astype("float32")


def hinge(y_true, y_pred):
    """``mean(maximum(1 - y_true * y_pred, 0))`` over the last axis; 0/1 targets count as -1/1, as in Keras."""
    y_true, y_pred = _float_pair(y_true, y_pred)
    if np.all((y_true == 0) | (y_true == 1)):
        y_true = 2.0 * y_true - 1.0
    return np.mean(np.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


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


Accuracy = _metric_class("Accuracy", accuracy, "accuracy",
                         "How often the prediction equals the target exactly (``metrics=[Accuracy()]``; the "
                         "string ``\"accuracy\"`` picks binary, categorical or sparse accuracy instead).")
Hinge = _metric_class("Hinge", hinge, "hinge", "Running mean of the hinge loss (0/1 targets count as -1/1).")


class RootMeanSquaredError(Mean):
    """The square root of the running mean of squared errors."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: str = "float32"):
        super().__init__(name=name, dtype=dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        values = mean_squared_error(y_true, y_pred)
        super().update_state(values, sample_weight)

    def result(self):
        return float(np.sqrt(np.float32(self.total / self.count))) if self.count else 0.0


class FBetaScore(Metric):
    """The F-beta score per class, or averaged, over every batch seen (as Keras 3's ``FBetaScore``).

    Predictions count as positive above ``threshold``; with ``threshold=None`` the highest prediction
    of each sample is its (only) positive class. The true positives, false positives and false negatives
    are summed per class; the result is ``(1 + beta**2) * precision * recall / (beta**2 * precision +
    recall)`` with Keras's epsilon (1e-7) in each division.

    Args:
        average: ``None`` (one score per class: the result is an array), ``"micro"`` (counts summed over
            classes), ``"macro"`` (the mean of the class scores) or ``"weighted"`` (that mean weighted
            by each class's number of true samples). Defaults to `None`.
        beta: the weight of recall against precision, > 0. Defaults to `1.0`.
        threshold: a float in (0, 1], or None. Defaults to `None`.
        name: the key in ``logs``. Defaults to `"fbeta_score"`.

    Raises:
        ValueError: for an unknown ``average``, a ``beta`` that is not > 0 or a ``threshold`` outside (0, 1].

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> f1 = keras.metrics.F1Score(average="macro", threshold=0.5)
        >>> f1.update_state(np.array([[1, 0], [0, 1], [1, 0]]), np.array([[0.9, 0.2], [0.6, 0.7], [0.3, 0.1]]))
        >>> round(f1.result(), 4)  # class 0: precision 1/2, recall 1/2; class 1: both 1
        0.75
    """

    AVERAGES = (None, "micro", "macro", "weighted")

    def __init__(self, average: str | None = None, beta: float = 1.0, threshold: float | None = None,
                 name: str = "fbeta_score", dtype: str = "float32"):
        if average not in self.AVERAGES:
            raise ValueError("average must be one of None, 'micro', 'macro', 'weighted'; "
                             f"received average={average!r}.")
        if isinstance(beta, bool) or not isinstance(beta, (int, float)) or not beta > 0:
            raise ValueError(f"beta must be a number > 0; received beta={beta!r}.")
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, (int, float))
                                      or not 0 < threshold <= 1):
            raise ValueError(f"threshold must be a float in (0, 1] or None; received threshold={threshold!r}.")
        self.average, self.beta, self.threshold = average, float(beta), threshold
        super().__init__(name=name, dtype=dtype)

    def reset_state(self) -> None:
        self.true_positives = self.false_positives = self.false_negatives = self.intermediate_weights = None

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_true = np.asarray(y_true, dtype="float32")
        y_pred = np.asarray(y_pred, dtype="float32")
        if y_true.ndim != 2 or y_pred.ndim != 2:
            raise ValueError(f"{type(self).__name__} expects 2-D targets and predictions (samples, classes); "
                             f"received y_true of shape {y_true.shape} and y_pred of shape {y_pred.shape}.")
        if self.threshold is None:
            top = y_pred.max(axis=-1, keepdims=True)
            positive = (y_pred >= top) & (np.abs(y_pred) > 1e-9)  # all-zero rows predict nothing
        else:
            positive = y_pred > self.threshold
        y_pred = positive.astype("float32")
        weight = None if sample_weight is None else np.asarray(sample_weight, dtype="float32").reshape(-1, 1)
        axis = None if self.average == "micro" else 0

        def total(values):
            return (values if weight is None else values * weight).sum(axis=axis, dtype="float32")

        counts = (total(y_pred * y_true), total(y_pred * (1 - y_true)), total((1 - y_pred) * y_true), total(y_true))
        if self.true_positives is None:
            self.true_positives, self.false_positives, self.false_negatives, self.intermediate_weights = counts
        else:
            self.true_positives = self.true_positives + counts[0]
            self.false_positives = self.false_positives + counts[1]
            self.false_negatives = self.false_negatives + counts[2]
            self.intermediate_weights = self.intermediate_weights + counts[3]

    def result(self):
        if self.true_positives is None:
            return 0.0
        eps = np.float32(1e-7)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + eps)
        recall = tp / (tp + self.false_negatives + eps)
        beta2 = np.float32(self.beta**2)
        score = precision * recall / (beta2 * precision + recall + eps) * (1 + beta2)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + eps)
            score = (score * weights).sum()
        elif self.average is not None:
            score = score.mean()
        score = np.asarray(score, dtype="float32")
        return float(score) if score.ndim == 0 else score

    def get_config(self) -> dict:
        return {"name": self.name, "average": self.average, "beta": self.beta, "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score (``FBetaScore`` with ``beta=1``), per class or averaged; see ``FBetaScore``.

    Args:
        average: ``None``, ``"micro"``, ``"macro"`` or ``"weighted"``. Defaults to `None`.
        threshold: a float in (0, 1], or None (the highest prediction is the positive class).
            Defaults to `None`.
        name: the key in ``logs``. Defaults to `"f1_score"`.
    """

    def __init__(self, average: str | None = None, threshold: float | None = None, name: str = "f1_score",
                 dtype: str = "float32"):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


class AUC(Metric):
    """The area under the ROC or precision-recall curve, from counts at fixed thresholds (as Keras 3).

    Every prediction (all elements, flattened) is compared with ``num_thresholds`` thresholds spread
    evenly over [0, 1] (plus one just below 0 and one just above 1); true/false positives/negatives are
    summed per threshold over every batch, and the curve they trace is integrated with a Riemann sum.

    Args:
        num_thresholds: the number of thresholds, > 1. Defaults to `200`.
        curve: ``"ROC"`` or ``"PR"``. Defaults to `"ROC"`.
        summation_method: ``"interpolation"``, ``"minoring"`` or ``"majoring"``. Defaults to
            `"interpolation"`.
        name: the key in ``logs``. Defaults to `"auc"`.
        thresholds: explicit thresholds in [0, 1] instead of ``num_thresholds``. Defaults to `None`.
        multi_label: only ``False`` (one curve over all labels) is supported by refimpl.
        from_logits: apply a sigmoid to the predictions first. Defaults to `False`.

    Raises:
        ValueError: for ``num_thresholds`` <= 1, an unknown ``curve`` or ``summation_method``, or
            ``multi_label=True`` (outside refimpl's scope: the message says so).

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> auc = keras.metrics.AUC(num_thresholds=3)
        >>> auc.update_state(np.array([0, 0, 1, 1]), np.array([0.0, 0.5, 0.3, 0.9]))
        >>> auc.result()
        0.75
    """

    CURVES = ("ROC", "PR")
    SUMMATIONS = ("interpolation", "minoring", "majoring")

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: str | None = None, thresholds=None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights=None, from_logits: bool = False):
        curve = str(curve).upper()
        summation_method = str(summation_method).lower()
        if curve not in self.CURVES:
            raise ValueError(f"curve must be 'ROC' or 'PR' in refimpl; received curve={curve!r}.")
        if summation_method not in self.SUMMATIONS:
            raise ValueError("summation_method must be one of 'interpolation', 'minoring', 'majoring'; "
                             f"received summation_method={summation_method!r}.")
        if multi_label:
            raise ValueError("AUC(multi_label=True) is outside refimpl's scope (single-output models, one curve "
                             "over all labels); use multi_label=False.")
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) or num_thresholds <= 1:
                raise ValueError(f"Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds!r}")
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        self.num_thresholds = len(inner) + 2
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.from_logits = False, bool(from_logits)
        self._thresholds = np.array([0.0 - 1e-7, *inner, 1.0 + 1e-7], dtype="float32")
        super().__init__(name=name or "auc", dtype=dtype or "float32")

    @property
    def thresholds(self) -> list[float]:
        return [float(t) for t in self._thresholds]

    def reset_state(self) -> None:
        zeros = np.zeros(self.num_thresholds, dtype="float32")
        self.true_positives, self.false_positives = zeros.copy(), zeros.copy()
        self.true_negatives, self.false_negatives = zeros.copy(), zeros.copy()

    def update_state(self, y_true, y_pred, sample_weight=None) -> None:
        y_pred = np.asarray(y_pred, dtype="float32")
        if self.from_logits:
            y_pred = 1.0 / (1.0 + np.exp(-y_pred))
        y_true = np.asarray(y_true)
        if y_true.size != y_pred.size and y_true.ndim == y_pred.ndim - 1:
            y_true = y_true[..., None]
        labels = np.broadcast_to(y_true, y_pred.shape).astype(bool).reshape(-1)
        weight = (np.ones(labels.shape, dtype="float32") if sample_weight is None else np.broadcast_to(
            np.asarray(sample_weight, dtype="float32").reshape((-1,) + (1,) * (y_pred.ndim - 1)),
            y_pred.shape).reshape(-1))
        above = y_pred.reshape(1, -1) > self._thresholds.reshape(-1, 1)  # (thresholds, predictions)
        positive, negative = weight * labels, weight * ~labels
        self.true_positives += (above * positive).sum(axis=1, dtype="float32")
        self.false_positives += (above * negative).sum(axis=1, dtype="float32")
        self.false_negatives += (~above * positive).sum(axis=1, dtype="float32")
        self.true_negatives += (~above * negative).sum(axis=1, dtype="float32")

    def result(self) -> float:
        tp, fp, tn, fn = self.true_positives, self.false_positives, self.true_negatives, self.false_negatives
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.curve == "PR" and self.summation_method == "interpolation":
                return float(self._interpolated_pr_auc())
            recall = _divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = _divide_no_nan(fp, fp + tn), recall
            else:
                x, y = recall, _divide_no_nan(tp, tp + fp)
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / np.float32(2)
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return float(((x[:-1] - x[1:]) * heights).sum(dtype="float32"))

    def _interpolated_pr_auc(self):
        # Davis & Goadrich's interpolation of precision between thresholds, in Keras 3's closed form.
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        ratio = np.where((p[:-1] > 0) & (p[1:] > 0), _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increment = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return increment.sum(dtype="float32")

    def get_config(self) -> dict:
        return {"name": self.name, "num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "multi_label": False, "from_logits": self.from_logits}


def _divide_no_nan(a, b):
    a, b = np.asarray(a, dtype="float32"), np.asarray(b, dtype="float32")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.float32(0), a / np.where(b == 0, np.float32(1), b)).astype("float32")


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
    "hinge": lambda n: Hinge(name=n),
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


def __getattr__(name: str):
    # ``keras.metrics.Precision`` and other metrics refimpl does not implement: say which ones it does, and the page.
    from .scope import missing_attribute

    raise missing_attribute(__name__, name, ", ".join(sorted(
        n for n, v in globals().items() if isinstance(v, type) and issubclass(v, Metric) and v is not Metric)))
