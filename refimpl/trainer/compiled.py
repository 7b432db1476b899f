"""What ``compile`` fixes: the loss, the metrics and their names in ``logs``."""

from __future__ import annotations

import copy

import numpy as np

from .. import losses as losses_module
from .. import metrics as metrics_module
from ..profiles import logged_metric_name


class CompiledMetrics:
    """The loss plus the compiled metrics; ``fresh()`` gives a new set of running states for one loop."""

    def __init__(self, loss, metrics, weighted_metrics, profile):
        if loss is None:
            raise ValueError("compile() needs a loss, e.g. loss='mse'. Known losses: "
                             f"{', '.join(losses_module.known_names())}.")
        self.loss = losses_module.get(loss)
        self.specs = [(spec, False) for spec in _as_list(metrics, "metrics")]
        self.specs += [(spec, True) for spec in _as_list(weighted_metrics, "weighted_metrics")]
        # Resolve names now so an unknown metric fails at compile, not in the middle of fit.
        for spec, _ in self.specs:
            metrics_module.get(spec)
        self.profile = profile

    def fresh(self, y_shape: tuple | None, pred_shape: tuple) -> RunningMetrics:
        built = []
        for spec, weighted in self.specs:
            metric = metrics_module.get(spec)
            if isinstance(metric, str):
                name = logged_metric_name(self.profile, metric)
                metric = metrics_module.resolve_accuracy(name, y_shape or pred_shape, pred_shape, self.loss)
            elif isinstance(spec, str) and (name := logged_metric_name(self.profile, spec)) != spec:
                metric = metrics_module.get(spec)
                metric.name = name  # Keras 2.2 and 1.2 log 'mae' as mean_absolute_error
            elif not isinstance(spec, str) and not isinstance(spec, metrics_module.Metric):
                metric = metrics_module.get(spec)  # a function: a fresh wrapper each time
            elif isinstance(spec, metrics_module.Metric):
                # Training and validation keep separate running states, so each gets its own copy.
                metric = copy.deepcopy(spec)
                metric.reset_state()
            built.append((metric, weighted))
        return RunningMetrics(built)

    @property
    def metrics_names(self) -> list[str]:
        # the names the logs use (Keras 2.2 and 1.2: acc, mean_absolute_error), as fresh() names the metrics
        names = ["loss"]
        for spec, _ in self.specs:
            metric = metrics_module.get(spec)
            if isinstance(metric, str):
                names.append(logged_metric_name(self.profile, metric))
            elif isinstance(spec, str) and (name := logged_metric_name(self.profile, spec)) != spec:
                names.append(name)
            else:
                names.append(metric.name)
        return names


def _as_list(value, arg: str) -> list:
    if value is None:
        return []
    if isinstance(value, dict):
        if len(value) != 1:
            raise ValueError(f"{arg} as a dict needs exactly one entry for refimpl's single-output models; "
                             f"got keys {sorted(value)}.")
        value = next(iter(value.values()))
    if isinstance(value, (str, metrics_module.Metric)) or callable(value):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ValueError(f"{arg} must be a list of metric names, Metric objects or functions; got {value!r}.")


def _logged(value):
    """A metric result as ``logs`` carry it: a float for a scalar, else an array (as Keras 3 leaves it, even
    with one element: ``F1Score()`` on one class logs an array of shape ``(1,)``)."""
    array = np.asarray(value, dtype="float32")
    return float(array) if array.ndim == 0 else array


class RunningMetrics:
    """Running states for one fit epoch or one evaluation: a loss tracker and the compiled metrics."""

    def __init__(self, metrics):
        self.loss_total = 0.0
        self.loss_count = 0
        self.metrics = metrics
        self.names = ["loss"] + [m.name for m, _ in metrics]
        self._order = sorted(range(len(self.names)), key=lambda i: self.names[i])

    def update(self, loss_value: float, batch_size: int, y, y_pred, sample_weight) -> None:
        self.loss_total += float(loss_value) * batch_size
        self.loss_count += batch_size
        if y is None:
            return
        for metric, weighted in self.metrics:
            metric.update_state(y, y_pred, sample_weight if weighted else None)

    def values(self) -> list[float]:
        loss = float(np.float32(self.loss_total / self.loss_count)) if self.loss_count else 0.0
        return [loss] + [_logged(m.result()) for m, _ in self.metrics]

    def get_state(self) -> dict:
        """The running totals as plain JSON data: the loss's sum and count, each metric's ``get_state()``."""
        return {"names": list(self.names[1:]), "loss_total": self.loss_total, "loss_count": self.loss_count,
                "metrics": [metric.get_state() for metric, _ in self.metrics]}

    def set_state(self, state: dict) -> None:
        """Continue from a state returned by ``get_state``.

        Raises:
            ValueError: when ``state`` was taken from differently compiled metrics.
        """
        if state.get("names") != self.names[1:]:
            raise ValueError(f"The recorded running metrics {state.get('names')} differ from the model's "
                             f"{self.names[1:]}; compile the model as it was when the state was recorded.")
        self.loss_total = state["loss_total"]
        self.loss_count = state["loss_count"]
        for (metric, _), metric_state in zip(self.metrics, state["metrics"]):
            metric.set_state(metric_state)

    def logs(self) -> dict:
        """The results as a dict with keys sorted by name, as Keras 3 reports them."""
        values = self.values()
        return {self.names[i]: values[i] for i in self._order}
