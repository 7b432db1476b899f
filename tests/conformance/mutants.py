"""Deliberately broken variants of refimpl, for the suite's mutation self-test.

Most mutants replace refimpl's CallbackList (what the training loop dispatches hooks through) with a subclass
that perturbs what callbacks receive; one replaces the running-mean bookkeeping. `patched(name)` installs one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

import refimpl.trainer.loop as loop
from refimpl.callbacks.callback_list import CallbackList
from refimpl.callbacks.history import History
from refimpl.trainer.compiled import RunningMetrics


class Mutant(CallbackList):
    """Dispatches like refimpl, but `perturb` may drop a call or change its index and logs first."""

    def perturb(self, hook: str, index: int | None, logs: dict) -> tuple[bool, int | None, dict | None]:
        return True, index, logs

    def _call(self, hook, logs):
        deliver, _, logs = self.perturb(hook, None, logs)
        if deliver:
            super()._call(hook, logs)

    def _call_indexed(self, hook, index, logs):
        deliver, index, logs = self.perturb(hook, index, logs)
        if deliver:
            super()._call_indexed(hook, index, logs)


class SwappedBatchHooks(Mutant):
    """on_train_batch_begin and on_train_batch_end swapped."""

    SWAP = {"on_train_batch_begin": "on_train_batch_end", "on_train_batch_end": "on_train_batch_begin"}

    def _call_indexed(self, hook, index, logs):
        super()._call_indexed(self.SWAP.get(hook, hook), index, logs)


class MissingValPrefix(Mutant):
    """Validation values reach on_epoch_end without their val_ prefix (overwriting the training values)."""

    def perturb(self, hook, index, logs):
        if hook == "on_epoch_end":
            logs.update({k[4:]: logs.pop(k) for k in [k for k in logs if k.startswith("val_")]})
        return True, index, logs


class EpochsFromOne(Mutant):
    def perturb(self, hook, index, logs):
        return True, index + 1 if hook in ("on_epoch_begin", "on_epoch_end") else index, logs


class TrainEndWithoutLogs(Mutant):
    def perturb(self, hook, index, logs):
        return True, index, {} if hook == "on_train_end" else logs


class StopTrainingIgnored(Mutant):
    """The loop never sees model.stop_training."""

    def _call(self, hook, logs):
        super()._call(hook, logs)
        self.model.stop_training = False

    def _call_indexed(self, hook, index, logs):
        super()._call_indexed(hook, index, logs)
        self.model.stop_training = False


class ValidationSkippedWhenStopped(Mutant):
    """The epoch in which stop_training was set skips its validation (hooks and val_* keys)."""

    def perturb(self, hook, index, logs):
        stopped = bool(getattr(self.model, "stop_training", False))
        if stopped and hook.startswith("on_test") and self.params.get("epochs", 1) and hasattr(self, "_in_fit"):
            return False, index, logs
        if hook == "on_train_begin":
            self._in_fit = True
        if stopped and hook == "on_epoch_end":
            logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        return True, index, logs


class SpeEndIndexOffByOne(Mutant):
    """With steps_per_execution > 1 the end index is one past the group's last step."""

    def perturb(self, hook, index, logs):
        if hook.endswith("batch_begin"):
            self._begin = index
        elif hook.endswith("batch_end") and index != getattr(self, "_begin", index):
            index += 1
        return True, index, logs


class HistoryMissesFirstEpoch(Mutant):
    def _call_indexed(self, hook, index, logs):
        if hook == "on_epoch_end" and not getattr(self, "_skipped", False):
            self._skipped = True
            for cb, _name, method, _with_logs in self._dispatch[hook]:
                if not isinstance(cb, History):
                    method(index, logs)
            return
        super()._call_indexed(hook, index, logs)


class ParamsWithoutSteps(Mutant):
    def set_params(self, params):
        super().set_params({k: v for k, v in params.items() if k != "steps"})


class NumpyFloats(Mutant):
    def perturb(self, hook, index, logs):
        return True, index, {k: np.float32(v) if isinstance(v, float) else v for k, v in logs.items()}


class BeginHooksGetNone(Mutant):
    def perturb(self, hook, index, logs):
        return True, index, None if hook == "on_epoch_begin" else logs


class TrainEndSharesEpochLogs(Mutant):
    """on_train_end gets the very dict on_epoch_end's callbacks edited."""

    def perturb(self, hook, index, logs):
        if hook == "on_epoch_end":
            self._last = logs
        elif hook == "on_train_end" and getattr(self, "_last", None) is not None:
            logs = self._last
        return True, index, logs


class ReversedCallbackOrder(Mutant):
    def _build_dispatch(self):
        super()._build_dispatch()
        for hook, targets in self._dispatch.items():
            self._dispatch[hook] = targets[::-1]


class LegacyHooksOnTestBatches(Mutant):
    """Callbacks overriding on_batch_* also receive the test batches."""

    def _call_indexed(self, hook, index, logs):
        super()._call_indexed(hook, index, logs)
        legacy = {"on_test_batch_begin": "on_batch_begin", "on_test_batch_end": "on_batch_end"}.get(hook)
        if legacy:
            for cb in self.callbacks:
                if legacy in type(cb).__dict__:
                    getattr(cb, legacy)(index, logs)


class ValFromFirstTestBatch(Mutant):
    def perturb(self, hook, index, logs):
        if hook == "on_test_batch_end" and index == 0:
            self._first = dict(logs)
        elif hook == "on_epoch_end" and getattr(self, "_first", None):
            logs.update({f"val_{k}": v for k, v in self._first.items()})
        return True, index, logs


class PredictWithoutOutputs(Mutant):
    def perturb(self, hook, index, logs):
        return True, index, {} if hook == "on_predict_batch_end" else logs


class StopEvaluatingIgnored(Mutant):
    def _call_indexed(self, hook, index, logs):
        super()._call_indexed(hook, index, logs)
        self.model.stop_evaluating = False


class TrainBeginTwice(Mutant):
    def _call(self, hook, logs):
        super()._call(hook, logs)
        if hook == "on_train_begin":
            super()._call(hook, logs)


class WrongModel(Mutant):
    def set_model(self, model):
        super().set_model(model)
        for cb in self.callbacks:
            cb.model = None if not isinstance(cb, History) else model


DISPATCH_MUTANTS = {cls.__name__: cls for cls in Mutant.__subclasses__()}


def _last_batch_update(self, loss_value, batch_size, y, y_pred, sample_weight):
    """RunningMetrics.update that forgets earlier batches: logs the last batch's loss, not the running mean."""
    self.loss_total = float(loss_value) * batch_size
    self.loss_count = batch_size
    if y is not None:
        for metric, weighted in self.metrics:
            metric.update_state(y, y_pred, sample_weight if weighted else None)


MUTANTS = [*DISPATCH_MUTANTS, "LastBatchLoss"]


@contextlib.contextmanager
def patched(name: str) -> Iterator[None]:
    """Install mutant `name` into refimpl for the duration of the block."""
    if name == "LastBatchLoss":
        original = RunningMetrics.update
        RunningMetrics.update = _last_batch_update
        try:
            yield
        finally:
            RunningMetrics.update = original
        return
    original = loop.CallbackList
    loop.CallbackList = DISPATCH_MUTANTS[name]
    try:
        yield
    finally:
        loop.CallbackList = original
