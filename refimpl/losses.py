"""Losses: per-sample values, their gradient with respect to the predictions, and Keras 3's reduction.

Each loss maps ``(y_true, y_pred)`` of shape ``(batch, ...)`` to one value per sample (the mean over the
last axis, as Keras does), and a model's loss is ``sum(sample_weight * values) / batch_size``.
"""

from __future__ import annotations

import numpy as np

EPSILON = np.float32(1e-7)
ONE_MINUS_EPSILON = np.float32(1) - EPSILON
REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "none", None)


def align_targets(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Give ``y_true`` the rank of ``y_pred`` when they differ by a trailing axis of size 1."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return y_true[..., None]
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return y_true[..., 0]
    return y_true


class Loss:
    """Base class: subclasses define ``values`` (one per sample) and ``gradient`` (d values / d y_pred).

    Args:
        reduction: how ``__call__`` reduces the weighted values: ``"sum_over_batch_size"``, ``"sum"``,
            ``"mean"`` (alias of the first) or ``"none"``. Defaults to ``"sum_over_batch_size"``.
        name: the loss's name. Defaults to the snake-case function name.
    """

    name = "loss"
    sparse = False

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None):
        if reduction not in REDUCTIONS:
            raise ValueError(f"reduction must be one of {', '.join(map(repr, REDUCTIONS))}; got {reduction!r}.")
        self.reduction = reduction
        if name is not None:
            self.name = name

    def prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype="float32")
        y_true = np.asarray(y_true)
        if not self.sparse:
            y_true = align_targets(y_true.astype("float32", copy=False), y_pred)
        return y_true, y_pred

    def values(self, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def gradient(self, y_true: np.ndarray, y_pred: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        """d(sum_i upstream[i] * values[i]) / d y_pred."""
        raise NotImplementedError

    def values_and_gradient(self, y_true: np.ndarray, y_pred: np.ndarray, upstream: np.ndarray):
        """Both at once; losses whose two share intermediate results override this."""
        return self.values(y_true, y_pred), self.gradient(y_true, y_pred, upstream)

    def __call__(self, y_true, y_pred, sample_weight=None) -> float | np.ndarray:
        y_true, y_pred = self.prepare(y_true, y_pred)
        values = self.values(y_true, y_pred)
        if sample_weight is not None:
            values = values * np.asarray(sample_weight, dtype="float32").reshape(values.shape)
        if self.reduction in ("none", None):
            return values
        if self.reduction == "sum":
            return np.float32(values.sum())
        return np.float32(values.sum() / max(values.size, 1))

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class MeanSquaredError(Loss):
    name = "mean_squared_error"

    def values(self, y_true, y_pred):
        return np.mean(np.square(y_pred - y_true), axis=-1)

    def gradient(self, y_true, y_pred, upstream):
        return (2.0 / y_pred.shape[-1]) * (y_pred - y_true) * upstream[..., None]


class MeanAbsoluteError(Loss):
    name = "mean_absolute_error"

    def values(self, y_true, y_pred):
        return np.mean(np.abs(y_pred - y_true), axis=-1)

    def gradient(self, y_true, y_pred, upstream):
        return np.sign(y_pred - y_true) * (upstream[..., None] / y_pred.shape[-1])


class BinaryCrossentropy(Loss):
    """Binary crossentropy of probabilities (or logits with ``from_logits=True``).

    Args:
        from_logits: whether ``y_pred`` are logits rather than probabilities. Defaults to `False`.
        label_smoothing: in [0, 1]; targets become ``t * (1 - s) + s / 2``. Defaults to 0.
    """

    name = "binary_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= label_smoothing <= 1:
            raise ValueError(f"label_smoothing must be in [0, 1]; got {label_smoothing!r}.")
        self.from_logits, self.label_smoothing = from_logits, float(label_smoothing)

    def _smooth(self, y_true):
        if self.label_smoothing:
            return y_true * (1 - self.label_smoothing) + 0.5 * self.label_smoothing
        return y_true

    def values(self, y_true, y_pred):
        t = self._smooth(y_true)
        if self.from_logits:
            per = np.maximum(y_pred, 0) - y_pred * t + np.log1p(np.exp(-np.abs(y_pred)))
        else:
            p = np.clip(y_pred, EPSILON, 1 - EPSILON)
            per = -(t * np.log(p) + (1 - t) * np.log(1 - p))
        return np.mean(per, axis=-1)

    def gradient(self, y_true, y_pred, upstream):
        t = self._smooth(y_true)
        scale = upstream[..., None] / y_pred.shape[-1]
        if self.from_logits:
            sig = 1 / (1 + np.exp(-y_pred))
            return (sig - t) * scale
        inside = (y_pred > EPSILON) & (y_pred < 1 - EPSILON)
        p = np.clip(y_pred, EPSILON, 1 - EPSILON)
        return (-t / p + (1 - t) / (1 - p)) * inside * scale

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(Loss):
    """Crossentropy between one-hot targets and predicted class probabilities (or logits).

    Args:
        from_logits: whether ``y_pred`` are logits. Defaults to `False`.
        label_smoothing: in [0, 1]. Defaults to 0.
    """

    name = "categorical_crossentropy"

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, **kwargs):
        super().__init__(**kwargs)
        self.from_logits, self.label_smoothing = from_logits, float(label_smoothing)

    def _targets(self, y_true, y_pred):
        if self.label_smoothing:
            k = y_pred.shape[-1]
            return y_true * (1 - self.label_smoothing) + self.label_smoothing / k
        return y_true

    def values(self, y_true, y_pred):
        t = self._targets(y_true, y_pred)
        if self.from_logits:
            shifted = y_pred - y_pred.max(axis=-1, keepdims=True)
            log_p = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
            return -(t * log_p).sum(axis=-1)
        # Keras renormalises the probabilities, then clips them, before taking the log.
        normed = y_pred / y_pred.sum(axis=-1, keepdims=True)
        return -(t * np.log(np.clip(normed, EPSILON, 1 - EPSILON))).sum(axis=-1)

    def values_and_gradient(self, y_true, y_pred, upstream):
        if self.from_logits:
            return self.values(y_true, y_pred), self.gradient(y_true, y_pred, upstream)
        t = self._targets(y_true, y_pred)
        total = np.add.reduce(y_pred, axis=-1, keepdims=True)
        normed = y_pred / total
        clipped = np.minimum(np.maximum(normed, EPSILON), ONE_MINUS_EPSILON)
        values = -np.add.reduce(t * np.log(clipped), axis=-1)
        g_normed = -t / clipped
        g_normed[clipped != normed] = 0  # no gradient where the clip is active
        grad = (g_normed - np.add.reduce(g_normed * normed, axis=-1, keepdims=True)) / total * upstream[..., None]
        return values, grad

    def gradient(self, y_true, y_pred, upstream):
        t = self._targets(y_true, y_pred)
        up = upstream[..., None]
        if self.from_logits:
            shifted = y_pred - y_pred.max(axis=-1, keepdims=True)
            soft = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
            return (soft * t.sum(axis=-1, keepdims=True) - t) * up
        total = y_pred.sum(axis=-1, keepdims=True)
        normed = y_pred / total
        inside = (normed > EPSILON) & (normed < 1 - EPSILON)
        g_normed = -t / np.clip(normed, EPSILON, 1 - EPSILON) * inside
        return (g_normed - (g_normed * normed).sum(axis=-1, keepdims=True)) / total * up

    def get_config(self):
        return {**super().get_config(), "from_logits": self.from_logits, "label_smoothing": self.label_smoothing}


class SparseCategoricalCrossentropy(CategoricalCrossentropy):
    """Categorical crossentropy with integer class labels instead of one-hot targets.

    Args:
        from_logits: whether ``y_pred`` are logits. Defaults to `False`.
    """

    name = "sparse_categorical_crossentropy"
    sparse = True

    def __init__(self, from_logits: bool = False, **kwargs):
        super().__init__(from_logits=from_logits, **kwargs)

    def prepare(self, y_true, y_pred):
        y_pred = np.asarray(y_pred, dtype="float32")
        y_true = np.asarray(y_true)
        if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
            y_true = y_true[..., 0]
        labels = y_true.astype("int64")
        return np.eye(y_pred.shape[-1], dtype="float32")[labels], y_pred


class Huber(Loss):
    """Quadratic for errors below ``delta``, linear above.

    Args:
        delta: where the loss turns linear. Defaults to 1.0.
    """

    name = "huber_loss"

    def __init__(self, delta: float = 1.0, **kwargs):
        super().__init__(**kwargs)
        self.delta = float(delta)

    def values(self, y_true, y_pred):
        err = np.abs(y_pred - y_true)
        quad = np.minimum(err, self.delta)
        return np.mean(0.5 * quad**2 + self.delta * (err - quad), axis=-1)

    def gradient(self, y_true, y_pred, upstream):
        diff = y_pred - y_true
        return np.clip(diff, -self.delta, self.delta) * (upstream[..., None] / y_pred.shape[-1])


_BY_NAME: dict[str, type[Loss]] = {
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
    "binary_crossentropy": BinaryCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "huber": Huber, "huber_loss": Huber,
}
_BY_CLASS_NAME = {cls.__name__: cls for cls in _BY_NAME.values()}


def _function(cls: type[Loss], fn_name: str):
    loss = cls(reduction="none")

    def fn(y_true, y_pred):
        return loss(y_true, y_pred)

    fn.__name__ = fn_name
    fn.loss_class = cls
    return fn


mean_squared_error = mse = _function(MeanSquaredError, "mean_squared_error")
mean_absolute_error = mae = _function(MeanAbsoluteError, "mean_absolute_error")
binary_crossentropy = _function(BinaryCrossentropy, "binary_crossentropy")
categorical_crossentropy = _function(CategoricalCrossentropy, "categorical_crossentropy")
sparse_categorical_crossentropy = _function(SparseCategoricalCrossentropy, "sparse_categorical_crossentropy")
huber = _function(Huber, "huber")


def known_names() -> list[str]:
    return sorted(_BY_NAME)


def get(identifier) -> Loss:
    """Return a Loss for a name (``"mse"``), a class name, a Loss instance, or one of this module's functions.

    Raises:
        ValueError: for an unknown name or None; the message lists the known names.
    """
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier) or _BY_CLASS_NAME.get(identifier)
        if cls is None:
            raise ValueError(f"Unknown loss: '{identifier}'. Known losses: {', '.join(known_names())}.")
        return cls()
    if callable(identifier) and hasattr(identifier, "loss_class"):
        return identifier.loss_class()
    if callable(identifier):
        return _UserLoss(identifier)
    raise ValueError(f"loss must be a name, a Loss or a function; got {identifier!r}. "
                     f"Known losses: {', '.join(known_names())}.")


class _UserLoss(Loss):
    """A user function ``fn(y_true, y_pred) -> per-sample values``; its gradient is taken numerically."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn
        self.name = getattr(fn, "__name__", "custom_loss")

    def values(self, y_true, y_pred):
        return np.asarray(self.fn(y_true, y_pred), dtype="float32").reshape(y_pred.shape[0], -1).mean(axis=-1)

    def gradient(self, y_true, y_pred, upstream):
        h = np.float32(1e-3)
        grad = np.zeros_like(y_pred)
        flat = y_pred.reshape(y_pred.shape[0], -1)
        for j in range(flat.shape[1]):
            step = np.zeros_like(flat)
            step[:, j] = h
            up = self.values(y_true, (flat + step).reshape(y_pred.shape))
            down = self.values(y_true, (flat - step).reshape(y_pred.shape))
            grad.reshape(flat.shape)[:, j] = (up - down) / (2 * h)
        return grad * upstream.reshape((-1,) + (1,) * (y_pred.ndim - 1))


def __getattr__(name: str):
    # ``keras.losses.Hinge`` and other losses refimpl does not implement: say which ones it does, and the page.
    from .scope import missing_attribute

    raise missing_attribute(__name__, name, ", ".join(sorted(_BY_CLASS_NAME)))
