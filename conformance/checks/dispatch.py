"""Checks of the clauses in conformance/spec/dispatch.toml: how a loop finds a callback's hooks.

Each dispatch recorder (conformance/driver.py, `dispatch_recorder_classes`) defines its hooks in one of the ways
real callbacks do; it must hear what the first full recorder heard outside nested calls (filtered to the hooks
it defines, under the names it defines them by), or, without a full recorder, what the model expects.
"""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import CheckContext, fmt, seq

_TRAIN_BATCH_LEGACY = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


def _dispatch_check(ctx: CheckContext, kind: str, hears: frozenset[str] | None = None,
                    rename: dict[str, str] | None = None) -> Result:
    reference = ctx.full()[0] if ctx.full() else None
    rename = rename or {}
    out = []
    for r, spec in enumerate(ctx.call.recorders):
        if spec.kind != kind:
            continue
        if reference is not None:
            want = [(rename.get(e.hook, e.hook), e.index) for e in ctx.outer(reference)
                    if hears is None or e.hook in hears]
        else:
            want = seq(ctx.exp.events[r])
        got = seq(ctx.trace.events[r])
        if got != want:
            out.append(f"{kind} recorder #{r} saw {fmt(got)}; expected {fmt(want)}")
    return out


@check("dispatch.instance-hooks", when=("ran", "instance-recorder"))
def _instance_hooks(ctx: CheckContext) -> Result:
    return _dispatch_check(ctx, "instance")


@check("dispatch.instance-hooks-mid-run", when=("ran", "late-recorder"))
def _late_hooks(ctx: CheckContext) -> Result:
    return _dispatch_check(ctx, "late")


@check("dispatch.instance-hooks-replaced", when=("ran", "tqdm-recorder"))
def _tqdm_hooks(ctx: CheckContext) -> Result:
    hears = frozenset({"on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_batch_end", "on_train_end"})
    return _dispatch_check(ctx, "tqdm", hears, _TRAIN_BATCH_LEGACY)


@check("dispatch.implements-flags-ignored", when=("ran", "flags-recorder"))
def _flags(ctx: CheckContext) -> Result:
    return _dispatch_check(ctx, "flags")


@check("dispatch.inherited-hooks", when=("ran", "deep-recorder"))
def _inherited(ctx: CheckContext) -> Result:
    return _dispatch_check(ctx, "deep")


@check("dispatch.legacy-names-shadowed", when=("ran", "both-recorder"))
def _shadowed(ctx: CheckContext) -> Result:
    return _dispatch_check(ctx, "both", frozenset(_TRAIN_BATCH_LEGACY))


@check("dispatch.callbacks-list-copied", when=("ran", "appender-recorder"))
def _list_copied(ctx: CheckContext) -> Result:
    out = _dispatch_check(ctx, "appender", frozenset({"on_epoch_begin"}))
    if ctx.trace.appended_events:
        out.append(f"a callback appended to the callbacks list during {ctx.call.method}() received "
                   f"{fmt(seq(ctx.trace.appended_events))}; expected no hook call in that run")
    return out
