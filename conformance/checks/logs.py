"""Checks of the clauses in conformance/spec/logs.toml: the keys and values of logs."""

from __future__ import annotations

import math

import numpy as np

from conformance.actions import EDIT_ADD
from conformance.checks import Result, check
from conformance.checks._common import (
    BEGIN_HOOKS,
    REL_AVERAGED,
    CheckContext,
    batch_value_violations,
    by_hook,
    close,
    epoch_blocks,
    paired,
    train_weights,
    unedited_recorder,
)
from conformance.model import UNTRAINED_BATCH_HOOKS, batch_description, batch_sizes, metric_keys, metric_names
from conformance.profiles import TABLE as PROFILE_TABLE
from conformance.profiles import facts
from conformance.scenario import batch_size_of


@check("logs.keys.begin-empty", when=("clean",))
def _begin_empty(ctx: CheckContext) -> Result:
    out = []
    described = batch_description(ctx.profile)
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.hook not in BEGIN_HOOKS:
                continue
            want = described if e.hook == "on_train_batch_begin" else frozenset()
            got = None if e.logs is None else set(e.logs) - _tolerated(ctx, e.hook)
            if got != want:
                out.append(f"{e.hook}({e.index}) got logs {e.logs!r}, expected "
                           + (f"the keys {sorted(want)}" if want else "{}"))
    return out[:5]


def _tolerated(ctx: CheckContext, hook: str) -> frozenset[str]:
    """Keys a hook may carry beyond the model's: the batch description on the older profiles' test batches."""
    return batch_description(ctx.profile) if hook in UNTRAINED_BATCH_HOOKS else frozenset()


def _keys_check(ctx: CheckContext, hooks: tuple[str, ...], ignore: frozenset[str] = frozenset()) -> Result:
    out = []
    for r in ctx.full():
        for obs, exp in paired(ctx, r, hooks, depth=None):
            if exp.keys is None:
                continue
            got = None if obs.logs is None else set(obs.logs) - ignore - _tolerated(ctx, obs.hook)
            want = set(exp.keys) - ignore
            if got != want:
                where = "" if obs.depth == 0 else " (nested call)"
                out.append(f"{obs.hook}({obs.index}){where}: keys {sorted(got) if got is not None else None}, "
                           f"expected {sorted(want)}")
    return out[:5]


# Keys other callbacks add to epoch logs: an edit_logs action's, LearningRateScheduler's.
LR_KEYS = frozenset(p.lr_key for p in PROFILE_TABLE.values())
_EXTRA_KEYS = frozenset(EDIT_ADD) | LR_KEYS


@check("logs.keys.batch-end", when=("clean",))
def _batch_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_train_batch_end", "on_test_batch_end"))


@check("logs.keys.test-end", when=("clean",))
def _test_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_test_end",))


@check("logs.keys.epoch-end", when=("clean",))
def _epoch_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_epoch_end",), ignore=_EXTRA_KEYS)


@check("logs.keys.train-end", when=("clean",))
def _train_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_train_end",), ignore=_EXTRA_KEYS)


@check("logs.keys.predict-outputs", when=("predict", "clean"))
def _predict_outputs(ctx: CheckContext) -> Result:
    out = []
    n, bs = ctx.call.n, batch_size_of(ctx.call)
    sizes = batch_sizes(n, bs)
    for r in ctx.full():
        for obs, exp in paired(ctx, r, ("on_predict_batch_end",)):
            if obs.logs is None or set(obs.logs) != {"outputs"}:
                out.append(f"on_predict_batch_end({obs.index}): keys {None if obs.logs is None else sorted(obs.logs)}"
                           ", expected ['outputs']")
                continue
            begins = [e for e in ctx.outer(r) if e.hook == "on_predict_batch_begin" and e.seq < obs.seq]
            first = begins[-1].index if begins else exp.group[0]
            rows = sum(sizes[first:obs.index + 1])  # the steps the hooks say this batch covered
            shape = np.shape(obs.logs["outputs"])
            if not shape or shape[0] != rows:
                out.append(f"on_predict_batch_end({obs.index}): outputs shape {shape}, expected {rows} rows")
    return out[:5]


@check("logs.keys.accuracy-name", "logs.keys.acc-name", when=("not-predict", "metrics", "clean"))
def _accuracy_name(ctx: CheckContext) -> Result:
    hook = "on_train_batch_end" if ctx.call.method == "fit" else "on_test_batch_end"
    names = facts(ctx.profile).metric_names
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), hook)[:1]:
            missing = [names.get(m, m) for m in ctx.scenario.metrics if names.get(m, m) not in (e.logs or {})]
            if missing:
                out.append(f"{hook}({e.index}): metric(s) {missing} not logged under their names; keys "
                           f"{sorted(e.logs or {})}")
    return out


@check("logs.keys.learning-rate", "logs.keys.lr", when=("fit", "lr-schedule", "clean"))
def _lr_key(ctx: CheckContext) -> Result:
    key = facts(ctx.profile).lr_key
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), "on_epoch_end"):
            if key not in (e.logs or {}):
                out.append(f"on_epoch_end({e.index}) with LearningRateScheduler: no {key!r} key; keys "
                           f"{sorted(e.logs or {})}")
    return out[:3]



@check("logs.values.python-floats", when=("clean",))
def _python_floats(ctx: CheckContext) -> Result:
    bad = set()
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.hook != "on_predict_batch_end":
                bad.update((e.hook, t) for t in e.types if t != "builtins.float")
    return [f"{hook} logs hold {t} values" for hook, t in sorted(bad)][:5]



@check("logs.values.epoch-is-last-batch", when=("fit", "clean", "no-action:nested_evaluate"))
def _epoch_is_last_batch(ctx: CheckContext) -> Result:
    r = unedited_recorder(ctx)
    out = []
    for epoch, evs in epoch_blocks(ctx.outer(r)).items():
        ends = by_hook(evs, "on_train_batch_end")
        epoch_end = [e for e in by_hook(ctx.outer(r), "on_epoch_end") if e.index == epoch]
        if not ends or not epoch_end:
            continue
        last, logs = ends[-1].logs or {}, epoch_end[0].logs or {}
        for k in sorted(metric_keys(ctx.scenario, ctx.profile)):
            if k in last and k in logs and not close(last[k], logs[k]):
                out.append(f"epoch {epoch}: on_epoch_end {k}={logs[k]!r} but the last batch's running {k}="
                           f"{last[k]!r}")
    return out[:3]



@check("logs.values.running-mean", when=("batch-values", "clean", "no-action:nested_evaluate"))
def _running_mean(ctx: CheckContext) -> Result:
    return batch_value_violations(ctx, None, ("train", "test"))


@check("logs.values.batch-own-values", when=("fit", "batch-values", "clean"))
def _batch_own_values(ctx: CheckContext) -> Result:
    return batch_value_violations(ctx, None, ("train",))


@check("logs.values.test-running-mean", when=("test-run", "batch-values", "clean"))
def _test_running_mean(ctx: CheckContext) -> Result:
    return batch_value_violations(ctx, None, ("test",))


@check("logs.values.epoch-base-logger", when=("fit", "clean"))
def _epoch_base_logger(ctx: CheckContext) -> Result:
    r = unedited_recorder(ctx)
    keys = metric_keys(ctx.scenario, ctx.profile)
    epoch_ends = {e.index: e.logs or {} for e in by_hook(ctx.outer(r), "on_epoch_end")}
    out = []
    for j, (epoch, evs) in enumerate(epoch_blocks(ctx.outer(r)).items()):
        _, weights = train_weights(ctx, j)
        batch_events = [e for e in evs if e.hook in ("on_train_batch_begin", "on_train_batch_end")]
        totals: dict[str, float] = {}
        seen = 0.0
        for begin, end in zip(batch_events[::2], batch_events[1::2]):
            size = sum(weights[begin.index:end.index + 1])
            seen += size
            for k in sorted(keys & set(end.logs or {})):
                totals[k] = totals.get(k, 0.0) + end.logs[k] * size
        logs = epoch_ends.get(epoch)
        if not seen or logs is None:
            continue
        for k, total in totals.items():
            if k in logs and not close(logs[k], total / seen, REL_AVERAGED, 1e-7):
                out.append(f"epoch {epoch}: on_epoch_end {k}={logs[k]!r}, but the size-weighted mean of the "
                           f"epoch's batch-end {k} values is {total / seen!r}")
    return out[:3]



@check("logs.values.nested-isolated", when=("fit", "nested-evaluate-in-batch", "batch-values", "clean"))
def _nested_isolated(ctx: CheckContext) -> Result:
    nested = [a for r in ctx.call.recorders for a in r.actions
              if a.do == "nested_evaluate" and a.hook.startswith("on_train_batch")]
    epochs = {a.epoch for a in nested} if all(a.epoch is not None for a in nested) else None
    return batch_value_violations(ctx, epochs or set(ctx.exp.epochs), ("train",))


@check("logs.values.val-from-test-end", when=("fit", "validation", "clean"))
def _val_from_test_end(ctx: CheckContext) -> Result:
    r = unedited_recorder(ctx)
    out = []
    test_end = None
    for e in ctx.outer(r):
        if e.hook == "on_test_end":
            test_end = e.logs or {}
        elif e.hook == "on_epoch_end":
            vals = {k[4:]: v for k, v in (e.logs or {}).items() if k.startswith("val_")}
            if vals and test_end is not None:
                for k, v in vals.items():
                    if k not in test_end or not close(v, test_end[k]):
                        out.append(f"epoch {e.index}: val_{k}={v!r}, but on_test_end {k}={test_end.get(k)!r}")
            test_end = None
    return out[:3]


@check("logs.values.train-end-copy", when=("fit", "epochs-ran", "clean"))
def _train_end_copy(ctx: CheckContext) -> Result:
    r = unedited_recorder(ctx)
    ends = by_hook(ctx.outer(r), "on_epoch_end")
    train_end = by_hook(ctx.outer(r), "on_train_end")
    if not ends or not train_end:
        return [f"no on_epoch_end ({len(ends)}) or on_train_end ({len(train_end)}) to compare, though epochs ran"]
    want = {k: v for k, v in (ends[-1].logs or {}).items() if k not in _EXTRA_KEYS}
    got = {k: v for k, v in (train_end[0].logs or {}).items()}
    if set(got) - LR_KEYS != set(want) or any(not close(got[k], v) for k, v in want.items()):
        return [f"on_train_end logs {got}, expected the last epoch's own logs {want}"]
    return []


@check("evaluate.values.return-matches-test-end", when=("evaluate", "clean"))
def _evaluate_return(ctx: CheckContext) -> Result:
    r = ctx.full()[0]
    ends = by_hook(ctx.outer(r), "on_test_end")
    if not ends or ends[0].logs is None:
        return ["no on_test_end logs to compare with"]
    logs, ret = ends[0].logs, ctx.trace.returned
    order = metric_names(ctx.scenario, ctx.profile)
    if not set(order) <= set(logs):  # logged under other names: logs.keys.accuracy-name / acc-name judge that
        order = ["loss", *ctx.scenario.metrics]
    if ctx.call.return_dict:
        ok = isinstance(ret, dict) and set(ret) == set(logs) and all(close(ret[k], logs[k]) for k in logs)
    elif ctx.scenario.metrics:
        ok = isinstance(ret, list) and len(ret) == len(order) and all(
            k in logs and close(v, logs[k]) for k, v in zip(order, ret))
    else:
        ok = isinstance(ret, float) and close(ret, logs.get("loss", math.nan))
    return [] if ok else [f"evaluate() returned {ret!r}; on_test_end logs {logs!r} (compile order {order})"]


@check("predict.values.outputs-concatenate", when=("predict", "clean", "no-action:stop_predicting"))
def _predict_concat(ctx: CheckContext) -> Result:
    r = ctx.full()[0]
    parts = [e.logs["outputs"] for e in by_hook(ctx.outer(r), "on_predict_batch_end")
             if e.logs and isinstance(e.logs.get("outputs"), np.ndarray)]
    ret = ctx.trace.returned
    if not parts:
        return ["no outputs in on_predict_batch_end"]
    joined = np.concatenate(parts, axis=0)
    if ret.shape != joined.shape or not np.allclose(ret, joined, rtol=1e-6, atol=1e-7):
        return [f"predict() returned shape {ret.shape}; the batches' outputs concatenate to {joined.shape}"
                + ("" if ret.shape != joined.shape else " with different values")]
    return []
