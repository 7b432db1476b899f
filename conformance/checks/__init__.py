"""One check per clause, one module per spec file: `order.py` checks the clauses of `spec/order.toml`, and so on.

A check compares what the recorders saw (a `CallTrace`) with what the model expects, and returns a list of
violation messages (empty: the clause held; `None`, for checks written before `when` existed: the clause did
not apply); each message says what was expected and what was seen.

When a check applies is data: the `when` names given to `@check`, each a condition defined once in
`CONDITIONS`; a check runs (and its clause counts the scenario as checked) exactly when all its conditions hold.

A check that raises is a *check error* (`CheckError`): a defect of the suite or a trace it cannot read, reported
against that clause only, never as the implementation's failure nor as an adapter error.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from conformance.actions import KINDS as ACTION_KINDS
from conformance.checks._common import (  # noqa: F401  (helpers for checks written elsewhere)
    REL,
    STOP_HOOK_CLAUSE,
    CheckContext,
    by_hook,
    close,
    epoch_blocks,
    fmt,
    runs,
    seq,
    shape,
)
from conformance.model import groups, steps_run
from conformance.profiles import facts
from conformance.scenario import DISPATCH_KINDS

Result = list[str]


def _stop_clause(ctx: CheckContext) -> str | None:
    """Which stop clause the call's first stop_training request falls under (None: fit did not stop)."""
    if ctx.call.method != "fit" or ctx.exp.stop_set is None or not ctx.exp.epochs:
        return None
    return STOP_HOOK_CLAUSE.get(ctx.exp.stop_set[0], "fit.state.stop-finishes-epoch")


def _ran(ctx: CheckContext) -> bool:
    return ctx.trace.error is None and ctx.exp.raises is None


def applies(ctx: CheckContext) -> bool:
    """The call ran as the model predicts it would (no unexpected error) and has a full recorder."""
    return _ran(ctx) and bool(ctx.full())


def _kinds(ctx: CheckContext, kind: str) -> bool:
    return any(r.kind == kind for r in ctx.call.recorders)


def _batched_by_steps(ctx: CheckContext) -> bool:
    """Arrays given steps and no batch_size, in a profile whose loop cuts them into ceil(n / steps) batches
    (tf-keras): the driver's test_on_batch values follow batches of 32, so the batch-value clauses do not apply."""
    call = ctx.call
    return (facts(ctx.profile).batches_arrays_by_steps and call.input == "arrays" and call.steps is not None
            and call.batch_size is None)


def _probe_fired(ctx: CheckContext) -> bool:
    return any(ctx.call.recorders[r].actions[a].do == "raise" for r, a in ctx.trace.fired)


def _triggers_on_full_groups(ctx: CheckContext) -> bool:
    """No action waits for the end index of a short steps_per_execution group.

    That index is what fit.order.steps-per-execution judges (Keras 3 reports one past the last batch there); a
    clause whose scenario hinges on an action firing at it would fail for that clause's reason, not its own.
    """
    k = ctx.scenario.steps_per_execution
    if k <= 1:
        return True
    short_ends = {last for first, last in groups(steps_run(ctx.call), k) if last - first + 1 < k}
    return not any(a.index in short_ends for r in ctx.call.recorders for a in r.actions
                   if a.index is not None and a.hook.endswith("_batch_end"))


def _edit_seen_later(ctx: CheckContext) -> bool:
    return bool(ctx.exp.edited_epochs) and ctx.full()[-1] > min(ctx.exp.edited_epochs.values())


# Every condition a check may name in `when`. "action:X" / "no-action:X" (X an action kind) are also accepted.
CONDITIONS: dict[str, Callable[[CheckContext], bool]] = {
    "fit": lambda ctx: ctx.call.method == "fit",
    "evaluate": lambda ctx: ctx.call.method == "evaluate",
    "predict": lambda ctx: ctx.call.method == "predict",
    "not-predict": lambda ctx: ctx.call.method != "predict",
    # the call ran as the model predicts (no error, none expected)
    "ran": _ran,
    # ...and a full recorder saw it: what most checks need
    "clean": lambda ctx: applies(ctx),
    "trace-ok": lambda ctx: ctx.trace.error is None,
    "raises-nothing": lambda ctx: ctx.exp.raises is None,
    "bad-argument": lambda ctx: ctx.call.bad_argument is not None,
    "probe-raised": lambda ctx: ctx.exp.raises == "probe" and _probe_fired(ctx),
    "full-recorder": lambda ctx: bool(ctx.full()),
    "recorded": lambda ctx: any(ctx.trace.events[r] for r in ctx.full()),
    "two-full-recorders": lambda ctx: len(ctx.full()) >= 2,
    "legacy-recorder": lambda ctx: _kinds(ctx, "legacy"),
    "no-logs-recorder": lambda ctx: _kinds(ctx, "no_logs"),
    "validation": lambda ctx: ctx.call.validation is not None,
    "test-run": lambda ctx: ctx.call.method == "evaluate" or (ctx.call.method == "fit"
                                                              and ctx.call.validation is not None),
    "steps-per-execution": lambda ctx: ctx.scenario.steps_per_execution > 1,
    "metrics": lambda ctx: bool(ctx.scenario.metrics),
    "lr-schedule": lambda ctx: bool(ctx.call.lr_schedule),
    "batch-values": lambda ctx: bool(ctx.trace.batch_values) and not _batched_by_steps(ctx),
    # no action changes which hooks run (stops, raises)
    "plain": lambda ctx: not any(ACTION_KINDS[a.do].effect in ("flag", "raise")
                                 for r in ctx.call.recorders for a in r.actions),
    "no-epochs": lambda ctx: not ctx.exp.epochs,
    "epochs-ran": lambda ctx: bool(ctx.exp.epochs),
    "nested-call": lambda ctx: bool(ctx.exp.nested_done),
    "triggers-on-full-groups": _triggers_on_full_groups,
    "nested-evaluate-in-batch": lambda ctx: any(a.do == "nested_evaluate" and a.hook.startswith("on_train_batch")
                                                for r in ctx.call.recorders for a in r.actions),
    "fit-nested-call-or-not-fit": lambda ctx: ctx.call.method != "fit" or bool(ctx.exp.nested_done),
    "edit-seen-later": _edit_seen_later,
    "stopped": lambda ctx: _stop_clause(ctx) is not None,
    "stopped-after-batch": lambda ctx: _stop_clause(ctx) == "fit.state.stop-after-batch",
    "stopped-before-batches": lambda ctx: _stop_clause(ctx) == "fit.state.stop-before-batches",
    "stop-requested-before": lambda ctx: ctx.call.stop_preset or ctx.previous_stop,
    # the check judges a distributed measurement (checks/distribution.py, `judge`), never a scenario's call
    "distributed-measurement": lambda ctx: False,
}
# "<kind>-recorder" for the dispatch recorders of conformance/spec/dispatch.toml
CONDITIONS.update({f"{kind}-recorder": (lambda ctx, kind=kind: _kinds(ctx, kind)) for kind in DISPATCH_KINDS})


def condition(name: str) -> Callable[[CheckContext], bool]:
    """The predicate a `when` name stands for.

    Raises:
        ValueError: For an unknown name; the message lists the known ones.
    """
    if name in CONDITIONS:
        return CONDITIONS[name]
    kind, _, action = name.partition(":")
    if kind in ("action", "no-action") and action in ACTION_KINDS:
        wanted = kind == "action"
        return lambda ctx: any(a.do == action for r in ctx.call.recorders for a in r.actions) == wanted
    raise ValueError(f"unknown check condition {name!r}; known: {', '.join(CONDITIONS)}, action:<kind>, "
                     f"no-action:<kind> (kinds: {', '.join(ACTION_KINDS)})")


@dataclass(frozen=True)
class Check:
    """A clause's check: `fn(ctx)` returns violations; it runs when every condition in `when` holds."""

    clause: str
    fn: Callable[[CheckContext], Result]
    when: tuple[str, ...]
    module: str

    def applies(self, ctx: CheckContext) -> bool:
        return all(condition(name)(ctx) for name in self.when)


CHECKS: dict[str, Check] = {}


def check(*ids: str, when: tuple[str, ...] = ()):
    """Register the decorated function as the check of clauses `ids`, applying when all of `when` hold."""
    for name in when:
        condition(name)  # an unknown name fails at import, not mid-run

    def register(fn):
        module = fn.__module__.rsplit(".", 1)[-1]
        for clause_id in ids:
            if clause_id in CHECKS:
                raise ValueError(f"two checks for clause {clause_id!r}")
            CHECKS[clause_id] = Check(clause_id, fn, tuple(when), module)
        return fn
    return register


@dataclass
class CheckError:
    """A check raised: the suite could not judge `clause` on this call (not a verdict on the implementation)."""

    clause: str
    traceback: str


def run_checks(ctx: CheckContext, clause_ids: Iterable[str],
               errors: list[CheckError] | None = None) -> dict[str, list[str]]:
    """Run the checks of `clause_ids` on one call: {clause id: violations} for the clauses that apply.

    A check that raises is left out of the result and, when `errors` is given, appended to it as a
    `CheckError`; without `errors` the exception propagates.
    """
    out = {}
    for cid in clause_ids:
        chk = CHECKS.get(cid)
        if chk is None:
            continue
        try:
            if not chk.applies(ctx):
                continue
            result = chk.fn(ctx)
            if result is not None:  # None: the check found its clause did not apply after all
                out[cid] = list(result)
        except Exception:
            if errors is None:
                raise
            errors.append(CheckError(cid, traceback.format_exc(limit=8)[-3000:]))
    return out


# Importing the modules registers their checks (one module per spec file).
import conformance.checks.dispatch  # noqa: E402, F401
import conformance.checks.distribution  # noqa: E402, F401
import conformance.checks.errors  # noqa: E402, F401
import conformance.checks.legacy  # noqa: E402, F401
import conformance.checks.logs  # noqa: E402, F401
import conformance.checks.order  # noqa: E402, F401
import conformance.checks.params  # noqa: E402, F401
import conformance.checks.state  # noqa: E402, F401
import conformance.checks.stop  # noqa: E402, F401

__all__ = ["CHECKS", "CONDITIONS", "Check", "CheckContext", "CheckError", "applies", "check", "condition",
           "run_checks"]
