"""Deliberately broken variants of refimpl, for the suite's mutation self-test.

Most mutants replace refimpl's CallbackList (what the training loop dispatches hooks through) with a subclass
that perturbs what callbacks receive; one replaces the running-mean bookkeeping. `patched(name)` installs one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

import refimpl.trainer.loop as loop
from refimpl.callbacks.callback import HOOK_GENERATION, HOOKS, LEGACY_ALIASES, Callback
from refimpl.callbacks.callback_list import CallbackList, _defines, _target
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
            for cb, name, _with_logs in self._dispatch[hook]:
                if not isinstance(cb, History):
                    getattr(cb, name)(index, logs)
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


# --------------------------------------------------------------- how hooks are found (spec/dispatch.toml)
class _Resolver(Mutant):
    """Resolves hooks with `target(cb, hook)` instead of refimpl's rule."""

    def target(self, cb, hook):
        return _target(cb, hook)

    def _build_dispatch(self):
        self._generation, self._count = HOOK_GENERATION[0], len(self.callbacks)
        self._dispatch = {hook: [(cb, name, True) for cb in self.callbacks for name in [self.target(cb, hook)]
                                 if name is not None] for hook in HOOKS}


def _class_defines(cb, hook):
    method = getattr(type(cb), hook, None)
    return method is not None and method is not getattr(Callback, hook)


class ClassOnlyHooks(_Resolver):
    """Looks for hooks on the class only (refimpl before issue 14): hooks set on the instance are never called."""

    def target(self, cb, hook):
        alias = LEGACY_ALIASES.get(hook)
        return hook if _class_defines(cb, hook) else alias if alias and _class_defines(cb, alias) else None


class ResolvedOnce(_Resolver):
    """Resolves hooks once, when the list is built: hooks set on the instance later are never called."""

    def _build_dispatch(self):
        if not hasattr(self, "_dispatch"):
            super()._build_dispatch()

    def _targets(self, hook):
        return self._dispatch[hook]


class StaleBoundMethods(ResolvedOnce):
    """Keeps the bound functions found when the list was built and calls those, even after they were replaced."""

    def _build_dispatch(self):
        if not hasattr(self, "_dispatch"):
            super()._build_dispatch()
            self._bound = {h: [(cb, getattr(cb, name)) for cb, name, _ in t] for h, t in self._dispatch.items()}

    def _call(self, hook, logs):
        deliver, _, logs = self.perturb(hook, None, logs)
        for _cb, fn in self._bound[hook] if deliver else ():
            fn(logs)

    def _call_indexed(self, hook, index, logs):
        deliver, index, logs = self.perturb(hook, index, logs)
        for _cb, fn in self._bound[hook] if deliver else ():
            fn(index, logs)


class ImplementsFlagsHonoured(_Resolver):
    """Skips the batch hooks of a callback whose _implements_<mode>_batch_hooks() returns False (tf.keras did)."""

    def target(self, cb, hook):
        for mode in ("train", "test", "predict"):
            flag = getattr(cb, f"_implements_{mode}_batch_hooks", None)
            if hook.startswith(f"on_{mode}_batch") and flag is not None and not flag():
                return None
        return _target(cb, hook)


class OwnClassOnly(_Resolver):
    """Looks for hooks in the callback's own class and instance only, not in the classes it inherits from."""

    def target(self, cb, hook):
        alias = LEGACY_ALIASES.get(hook)
        for name in (hook, alias):
            if name and (name in type(cb).__dict__ or name in cb.__dict__):
                return name
        return None


class LegacyAlsoCalled(_Resolver):
    """Calls on_batch_begin/end as well when a callback defines them next to on_train_batch_begin/end."""

    def _build_dispatch(self):
        super()._build_dispatch()
        for hook, alias in LEGACY_ALIASES.items():
            self._dispatch[hook] = [entry for cb, name, wl in self._dispatch[hook]
                                    for entry in ([(cb, name, wl), (cb, alias, wl)] if name == hook and
                                                  _defines(cb, alias) else [(cb, name, wl)])]


class LiveCallbacksList(Mutant):
    """Works on the caller's callbacks list itself: callbacks appended to it during the run join in."""

    def __init__(self, callbacks=None, *args, **kwargs):
        super().__init__(callbacks, *args, **kwargs)
        self._user = callbacks if isinstance(callbacks, list) else []
        self._user_seen = len(self._user)

    def _targets(self, hook):
        if len(self._user) > self._user_seen:
            self.callbacks.extend(self._user[self._user_seen:])
            self._user_seen = len(self._user)
        return super()._targets(hook)


def _concrete(cls):
    for sub in cls.__subclasses__():
        if not sub.__name__.startswith("_"):
            yield sub
        yield from _concrete(sub)


DISPATCH_MUTANTS = {sub.__name__: sub for sub in _concrete(Mutant)}


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
