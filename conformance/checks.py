"""One check per clause: compare what the recorders saw (a `CallTrace`) with what the model expects.

A check returns `None` when its clause does not apply to the call, else a list of violation messages (empty:
the clause held). Each message says what was expected and what was seen, so a report line reads on its own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from conformance.actions import EDIT_ADD, edited
from conformance.driver import CallTrace, Event
from conformance.model import (
    UNTRAINED_BATCH_HOOKS,
    CallExpectation,
    Expected,
    batch_description,
    batch_sizes,
    data_batch_of,
    groups,
    metric_keys,
    metric_names,
    running_means,
)
from conformance.profiles import TABLE as PROFILE_TABLE
from conformance.profiles import facts
from conformance.scenario import Call, Scenario, batch_size_of, train_val_sizes, val_batch_size

Result = list[str] | None
CHECKS: dict[str, Callable[[CheckContext], Result]] = {}

BEGIN_HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_test_begin", "on_test_batch_begin",
               "on_predict_begin", "on_predict_batch_begin", "on_predict_end")
STOP_HOOK_CLAUSE = {
    "on_train_batch_begin": "fit.state.stop-after-batch", "on_train_batch_end": "fit.state.stop-after-batch",
    "on_train_begin": "fit.state.stop-before-batches", "on_epoch_begin": "fit.state.stop-before-batches",
}
REL = 1e-6  # copies of one number: equal up to float32 -> float64 round trips
REL_RECOMPUTED = 1e-4  # values recomputed independently (test_on_batch): float32 accumulation differs
REL_AVERAGED = 1e-5  # an average the check recomputes from logged float32 values


@dataclass
class CheckContext:
    """Everything a check may look at for one call."""

    scenario: Scenario
    call: Call
    exp: CallExpectation
    trace: CallTrace
    profile: str = "keras3"
    lr_changed: bool = False  # a learning-rate schedule ran in this or an earlier call
    previous_stop: bool = False  # an earlier call of the sequence stopped training
    previous: list[CallTrace] = field(default_factory=list)

    def full(self) -> list[int]:
        return [i for i, r in enumerate(self.call.recorders) if r.kind == "full"]

    def outer(self, r: int) -> list[Event]:
        return [e for e in self.trace.events[r] if e.depth == 0]

    def expected_outer(self, r: int) -> list[Expected]:
        return [e for e in self.exp.events[r] if e.depth == 0]

    def actions(self, do: str) -> list:
        return [a for r in self.call.recorders for a in r.actions if a.do == do]

    def plain(self) -> bool:
        """No action changes the flow of this call (stops, raises)."""
        return not any(a.do in ("stop_training", "stop_evaluating", "stop_predicting", "raise")
                       for r in self.call.recorders for a in r.actions)


def check(*ids: str):
    def register(fn):
        for clause_id in ids:
            CHECKS[clause_id] = fn
        return fn
    return register


def close(a: float, b: float, rel: float = REL, abs_tol: float = 1e-7) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_tol)


def seq(events: Iterable[Event | Expected]) -> list[tuple[str, int | None]]:
    return [(e.hook, e.index) for e in events]


def fmt(pairs: list[tuple[str, int | None]], limit: int = 12) -> str:
    text = ", ".join(h if i is None else f"{h}({i})" for h, i in pairs[:limit])
    return text + (f", ... ({len(pairs)} calls)" if len(pairs) > limit else "")


def by_hook(events: Iterable[Event], hook: str) -> list[Event]:
    return [e for e in events if e.hook == hook]


def epoch_blocks(events: list[Event]) -> dict[int, list[Event]]:
    """Outer events between on_epoch_begin(e) and on_epoch_end(e), by epoch."""
    blocks: dict[int, list[Event]] = {}
    current: int | None = None
    for e in events:
        if e.hook == "on_epoch_begin":
            current = e.index
            blocks[current] = []
        elif e.hook == "on_epoch_end":
            current = None
        elif current is not None:
            blocks[current].append(e)
    return blocks


def runs(events: list[Event], prefix: str) -> list[list[Event]]:
    """Each run (from `{prefix}_begin` to `{prefix}_end`) of outer events: its batch hooks."""
    out, cur = [], None
    for e in events:
        if e.hook == f"{prefix}_begin":
            cur = []
        elif e.hook == f"{prefix}_end":
            if cur is not None:
                out.append(cur)
            cur = None
        elif cur is not None and e.hook.startswith(f"{prefix}_batch_"):
            cur.append(e)
    return out


def expected_runs(events: list[Expected], prefix: str) -> list[list[Expected]]:
    out, cur = [], None
    for e in events:
        if e.hook == f"{prefix}_begin":
            cur = []
        elif e.hook == f"{prefix}_end":
            out.append(cur or [])
            cur = None
        elif cur is not None and e.hook.startswith(f"{prefix}_batch_"):
            cur.append(e)
    return out


def applies(ctx: CheckContext) -> bool:
    """The call ran as the model predicts it would (no unexpected error) and has a full recorder."""
    return ctx.trace.error is None and ctx.exp.raises is None and bool(ctx.full())


# --------------------------------------------------------------------------------------------- order
@check("call.order.brackets")
def _brackets(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    first = {"fit": "on_train", "evaluate": "on_test", "predict": "on_predict"}[ctx.call.method]
    out = []
    for r in ctx.full():
        hooks = [e.hook for e in ctx.outer(r)]
        begins, ends = hooks.count(f"{first}_begin"), hooks.count(f"{first}_end")
        if ctx.call.method != "fit":
            begins, ends = min(begins, 1), min(ends, 1)  # fit's validation also has on_test_*
        if not hooks or hooks[0] != f"{first}_begin" or hooks[-1] != f"{first}_end":
            out.append(f"recorder {r}: expected {first}_begin first and {first}_end last, saw "
                       f"{hooks[:1]} ... {hooks[-1:]}")
        elif ctx.call.method == "fit" and (begins, ends) != (1, 1):
            out.append(f"recorder {r}: on_train_begin x{begins}, on_train_end x{ends}; expected once each")
    return out


@check("fit.order.epoch-brackets-batches")
def _epoch_brackets(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        open_epoch = None
        for e in ctx.outer(r):
            if e.hook == "on_epoch_begin":
                if open_epoch is not None:
                    out.append(f"on_epoch_begin({e.index}) while epoch {open_epoch} is still open")
                open_epoch = e.index
            elif e.hook == "on_epoch_end":
                if open_epoch != e.index:
                    out.append(f"on_epoch_end({e.index}) without on_epoch_begin({e.index}) (open: {open_epoch})")
                open_epoch = None
            elif e.hook.startswith("on_train_batch") and open_epoch is None:
                out.append(f"{e.hook}({e.index}) outside any epoch")
        if open_epoch is not None:
            out.append(f"epoch {open_epoch} never ended")
    return out


@check("fit.order.epoch-numbering")
def _epoch_numbering(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        events = ctx.outer(r)
        begins = [e.index for e in by_hook(events, "on_epoch_begin")]
        ends = [e.index for e in by_hook(events, "on_epoch_end")]
        want = list(range(ctx.call.initial_epoch, ctx.call.initial_epoch + len(begins)))
        if begins != want or ends != begins or (begins and begins[-1] >= ctx.call.epochs):
            out.append(f"epochs {ctx.call.initial_epoch}..{ctx.call.epochs - 1}: saw on_epoch_begin {begins}, "
                       f"on_epoch_end {ends}")
    return out


def _batch_runs(ctx: CheckContext, r: int) -> list[tuple[str, list[Event], list[Expected]]]:
    """Observed and expected batch hooks of every run in the call, paired in order."""
    obs, exp = ctx.outer(r), ctx.expected_outer(r)
    pairs = []
    if ctx.call.method == "fit":
        ob, eb = epoch_blocks(obs), {}
        for e in exp:
            if e.run == "train" and e.hook.startswith("on_train_batch"):
                eb.setdefault(e.epoch, []).append(e)
        for epoch, evs in ob.items():
            pairs.append(("train", [e for e in evs if e.hook.startswith("on_train_batch")], eb.get(epoch, [])))
    for prefix in ("on_test", "on_predict"):
        for o, x in zip(runs(obs, prefix), expected_runs(exp, prefix)):
            pairs.append((prefix, o, x))
    return pairs


@check("fit.order.batch-pairs")
def _batch_pairs(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for name, obs, _ in _batch_runs(ctx, r):
            kinds = [e.hook.rsplit("_", 1)[1] for e in obs]
            if kinds != ["begin", "end"] * (len(kinds) // 2) or len(kinds) % 2:
                out.append(f"{name} batches: begin/end do not alternate: {fmt(seq(obs))}")
            elif ctx.scenario.steps_per_execution == 1:
                bad = [(b.index, e.index) for b, e in zip(obs[::2], obs[1::2]) if b.index != e.index]
                if bad:
                    out.append(f"{name} batches: begin/end index pairs differ: {bad[:4]}")
    return out


@check("fit.order.batch-count")
def _batch_count(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx) or ctx.exp.stop_set or not ctx.plain():
        return None
    out = []
    for r in ctx.full():
        for _, obs, exp in _batch_runs(ctx, r):
            got = len([e for e in obs if e.hook.endswith("_end")])
            if obs and obs[0].hook.startswith("on_train") and got != len(exp) // 2:
                out.append(f"an epoch ran {got} training batches, expected {len(exp) // 2} "
                           f"(steps {ctx.exp.steps}, steps_per_execution {ctx.scenario.steps_per_execution})")
    return out[:3]


@check("fit.order.batch-indices")
def _batch_indices(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for name, obs, exp in _batch_runs(ctx, r):
            got = [e.index for e in obs if e.hook.endswith("_begin")]
            want = [e.index for e in exp if e.hook.endswith("_begin")][: len(got)]
            if got[: len(want)] != want:
                out.append(f"{name} batch begin indices {got}, expected {want}")
    return out[:3]


@check("fit.order.steps-per-execution")
def _spe(ctx: CheckContext) -> Result:
    if ctx.scenario.steps_per_execution == 1 or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for name, obs, exp in _batch_runs(ctx, r):
            got = [(e.index) for e in obs if e.hook.endswith("_end")]
            want = [e.index for e in exp if e.hook.endswith("_end")]
            if got != want[: len(got)] or (ctx.plain() and len(got) != len(want)):
                out.append(f"{name} batch end indices {got}, expected {want} "
                           f"(steps_per_execution={ctx.scenario.steps_per_execution})")
    return out[:3]


def _val_blocks(ctx: CheckContext, r: int) -> dict[int, list[Event]]:
    return {e: [x for x in evs if x.hook.startswith("on_test")] for e, evs in epoch_blocks(ctx.outer(r)).items()}


@check("fit.order.validation-placement")
def _validation_placement(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.call.validation is None or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for epoch, evs in epoch_blocks(ctx.outer(r)).items():
            hooks = [e.hook for e in evs]
            tests = [i for i, h in enumerate(hooks) if h.startswith("on_test")]
            if not tests:
                continue
            last_train = max((i for i, h in enumerate(hooks) if h.startswith("on_train_batch")), default=-1)
            contiguous = tests == list(range(tests[0], tests[0] + len(tests)))
            if (tests[0] < last_train or not contiguous or hooks[tests[0]] != "on_test_begin"
                    or hooks[tests[-1]] != "on_test_end" or tests[-1] != len(hooks) - 1):
                out.append(f"epoch {epoch}: validation hooks not between the last training batch and "
                           f"on_epoch_end: {fmt(seq(evs))}")
    return out


@check("fit.order.validation-freq")
def _validation_freq(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.call.validation is None or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        blocks = _val_blocks(ctx, r)
        got = [e for e, evs in blocks.items() if any(x.hook == "on_test_begin" for x in evs)]
        want = [e for e in ctx.exp.validated if e in blocks]
        if got != want:
            out.append(f"validated epochs {got}, expected {want} (validation_freq={ctx.call.validation_freq!r})")
    return out


@check("fit.order.validation-batch-count")
def _validation_batch_count(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.call.validation is None or not applies(ctx):
        return None
    out = []
    want = len([g for g in range(0, ctx.exp.val_steps, ctx.scenario.steps_per_execution)])
    for r in ctx.full():
        for epoch, evs in _val_blocks(ctx, r).items():
            got = len(by_hook(evs, "on_test_batch_end"))
            if evs and got != want:
                out.append(f"epoch {epoch}: validation ran {got} batch pairs, expected {want} "
                           f"({train_val_sizes(ctx.call)[1]} samples, batch {val_batch_size(ctx.call)})")
    return out[:3]


@check("fit.order.legacy-batch-hooks")
def _legacy(ctx: CheckContext) -> Result:
    legacy = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "legacy"]
    if not legacy or ctx.trace.error is not None or ctx.exp.raises is not None:
        return None
    out = []
    reference = ctx.full()[0] if ctx.full() else None
    for r in legacy:
        got, want = seq(ctx.trace.events[r]), seq(ctx.exp.events[r])
        if reference is not None:  # judge the legacy hooks against what the training hooks really did
            names = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
            want = [(names[e.hook], e.index) for e in ctx.outer(reference) if e.hook in names]
        if got != want:
            out.append(f"legacy recorder saw {fmt(got)}; expected {fmt(want)}")
        elif reference is not None:
            ends = by_hook(ctx.outer(reference), "on_train_batch_end")
            for a, b in zip(by_hook(ctx.trace.events[r], "on_batch_end"), ends):
                if a.logs is None or b.logs is None or set(a.logs) != set(b.logs) or any(
                        not close(a.logs[k], b.logs[k]) for k in a.logs if isinstance(a.logs[k], float)):
                    out.append(f"on_batch_end({a.index}) logs {a.logs} differ from on_train_batch_end {b.logs}")
                    break
    return out


@check("fit.order.no-epochs")
def _no_epochs(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.exp.epochs or not applies(ctx):
        return None
    want = [("on_train_begin", None), ("on_train_end", None)]
    return [f"recorder {r}: saw {fmt(seq(ctx.outer(r)))}, expected {fmt(want)}"
            for r in ctx.full() if seq(ctx.outer(r)) != want]


def shape(events: Iterable[Event | Expected], per_execution: int, depth: bool = False) -> list[tuple]:
    """(hook, index[, depth]) without what other clauses judge: end indices under steps_per_execution > 1
    (fit.order.steps-per-execution) and a batch begin left without its end (fit.order.batch-pairs)."""
    events = list(events)
    out = []
    for i, e in enumerate(events):
        following = events[i + 1].hook if i + 1 < len(events) else None
        if e.hook.endswith("batch_begin") and (following is None or not following.endswith("batch_end")):
            continue
        item = (e.hook, None if per_execution > 1 and e.hook.endswith("batch_end") else e.index)
        out.append((*item, e.depth) if depth else item)
    return out


def _whole_sequence(ctx: CheckContext, method: str, flag: str) -> Result:
    if ctx.call.method != method or not applies(ctx) or ctx.actions(flag) or ctx.actions("raise"):
        return None
    k = ctx.scenario.steps_per_execution
    return [f"recorder {r}: saw {fmt(seq(ctx.outer(r)), 20)}; expected {fmt(seq(ctx.expected_outer(r)), 20)}"
            for r in ctx.full() if shape(ctx.outer(r), k) != shape(ctx.expected_outer(r), k)]


@check("evaluate.order.sequence")
def _evaluate_sequence(ctx: CheckContext) -> Result:
    return _whole_sequence(ctx, "evaluate", "stop_evaluating")


@check("predict.order.sequence")
def _predict_sequence(ctx: CheckContext) -> Result:
    return _whole_sequence(ctx, "predict", "stop_predicting")


@check("callbacks.order.list-order")
def _list_order(ctx: CheckContext) -> Result:
    full = ctx.full()
    if len(full) < 2 or not applies(ctx) or ctx.actions("raise"):
        return None
    out = []
    first = ctx.outer(full[0])
    for r in full[1:]:
        other = ctx.outer(r)
        if seq(other) != seq(first):
            out.append(f"recorder {r} saw {fmt(seq(other))}; recorder {full[0]} saw {fmt(seq(first))}")
            continue
        late = [(a.hook, a.index) for a, b in zip(first, other) if a.seq > b.seq]
        if late:
            out.append(f"recorder {r} was called before recorder {full[0]} (earlier in the list) at {fmt(late)}")
    return out


@check("callbacks.order.nested-call")
def _nested(ctx: CheckContext) -> Result:
    if not ctx.exp.nested_done or not applies(ctx):
        return None
    out = []
    for r in set(ctx.exp.nested_done):
        got, want = ctx.trace.events[r], ctx.exp.events[r]
        k = ctx.scenario.steps_per_execution
        if shape(got, k, depth=True) != shape(want, k, depth=True):
            inner_got = shape([e for e in got if e.depth], k)
            inner_want = shape([e for e in want if e.depth], k)
            out.append(f"recorder {r}: nested calls delivered {fmt(inner_got)}; expected {fmt(inner_want)}"
                       if inner_got != inner_want else
                       f"recorder {r}: outer sequence around the nested call differs: {fmt(seq(got), 30)}; "
                       f"expected {fmt(seq(want), 30)}")
    return out


# ----------------------------------------------------------------------------------------------- stop
def _stop_clause(ctx: CheckContext) -> str | None:
    if ctx.call.method != "fit" or ctx.exp.stop_set is None or not ctx.exp.epochs:
        return None
    return STOP_HOOK_CLAUSE.get(ctx.exp.stop_set[0], "fit.state.stop-finishes-epoch")


def _stop_epoch_batches(ctx: CheckContext, clause: str) -> Result:
    if _stop_clause(ctx) != clause or not applies(ctx):
        return None
    r = ctx.full()[0]
    stop_epoch = ctx.exp.epochs[-1]
    got = len(by_hook(epoch_blocks(ctx.outer(r)).get(stop_epoch, []), "on_train_batch_end"))
    want = len([e for e in ctx.expected_outer(r) if e.hook == "on_train_batch_end" and e.epoch == stop_epoch])
    if got != want:
        return [f"stop_training set in {ctx.exp.stop_set[0]}({ctx.exp.stop_set[1]}): epoch {stop_epoch} ran "
                f"{got} training batches, expected {want}"]
    return []


@check("fit.state.stop-after-batch")
def _stop_after_batch(ctx: CheckContext) -> Result:
    return _stop_epoch_batches(ctx, "fit.state.stop-after-batch")


@check("fit.state.stop-before-batches")
def _stop_before_batches(ctx: CheckContext) -> Result:
    return _stop_epoch_batches(ctx, "fit.state.stop-before-batches")


@check("fit.state.stop-finishes-epoch")
def _stop_finishes_epoch(ctx: CheckContext) -> Result:
    if _stop_clause(ctx) is None or not applies(ctx):
        return None
    r = ctx.full()[0]
    got, want = ctx.outer(r), ctx.expected_outer(r)

    def tail(events):
        last = max((i for i, e in enumerate(events) if e.hook == "on_train_batch_end"), default=-1)
        return seq(events[last + 1:])
    epochs_got = [e.index for e in by_hook(got, "on_epoch_begin")]
    if epochs_got != ctx.exp.epochs:
        return [f"stop_training set in {ctx.exp.stop_set[0]}({ctx.exp.stop_set[1]}): epochs {epochs_got} ran, "
                f"expected {ctx.exp.epochs}"]
    if tail(got) != tail(want):
        return [f"after the last training batch saw {fmt(tail(got))}; expected {fmt(tail(want))}"]
    return []


@check("fit.state.stop-reset")
def _stop_reset(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not (ctx.call.stop_preset or ctx.previous_stop) or not applies(ctx):
        return None
    out = []
    # Only the first callback sees the flag exactly as fit() left it: it may set the flag itself.
    for r in ctx.full()[:1]:
        begin = by_hook(ctx.outer(r), "on_train_begin")
        if begin and begin[0].stop_training:
            out.append("model.stop_training was still True at on_train_begin")
        epochs = [e.index for e in by_hook(ctx.outer(r), "on_epoch_begin")]
        if epochs != ctx.exp.epochs:
            out.append(f"a stop requested before fit() ended it early: epochs {epochs}, expected {ctx.exp.epochs}")
    return out


@check("evaluate.state.stop-evaluating")
def _stop_evaluating(ctx: CheckContext) -> Result:
    return _stop_eval_predict(ctx, "evaluate", "stop_evaluating")


@check("predict.state.stop-predicting")
def _stop_predicting(ctx: CheckContext) -> Result:
    return _stop_eval_predict(ctx, "predict", "stop_predicting")


def _stop_eval_predict(ctx: CheckContext, method: str, flag: str) -> Result:
    if ctx.call.method != method or not ctx.actions(flag) or not applies(ctx):
        return None
    k = ctx.scenario.steps_per_execution
    return [f"{flag} set: saw {fmt(seq(ctx.outer(r)))}; expected {fmt(seq(ctx.expected_outer(r)))}"
            for r in ctx.full() if shape(ctx.outer(r), k) != shape(ctx.expected_outer(r), k)]


# ------------------------------------------------------------------------------------------ logs keys
def _paired(ctx: CheckContext, r: int, hooks: tuple[str, ...], depth: int | None = 0):
    """(observed, expected) events of `hooks`, matched by hook name and occurrence."""
    pairs = []
    for hook in hooks:
        obs = [e for e in ctx.trace.events[r] if e.hook == hook and (depth is None or e.depth == depth)]
        exp = [e for e in ctx.exp.events[r] if e.hook == hook and (depth is None or e.depth == depth)]
        pairs.extend(zip(obs, exp))
    return pairs


@check("logs.keys.begin-empty")
def _begin_empty(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
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
    if not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for obs, exp in _paired(ctx, r, hooks, depth=None):
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
_EXTRA_KEYS = frozenset(EDIT_ADD) | {p.lr_key for p in PROFILE_TABLE.values()}


@check("logs.keys.batch-end")
def _batch_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_train_batch_end", "on_test_batch_end"))


@check("logs.keys.test-end")
def _test_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_test_end",))


@check("logs.keys.epoch-end")
def _epoch_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_epoch_end",), ignore=_EXTRA_KEYS)


@check("logs.keys.train-end")
def _train_end_keys(ctx: CheckContext) -> Result:
    return _keys_check(ctx, ("on_train_end",), ignore=_EXTRA_KEYS)


@check("logs.keys.predict-outputs")
def _predict_outputs(ctx: CheckContext) -> Result:
    if ctx.call.method != "predict" or not applies(ctx):
        return None
    out = []
    n, bs = ctx.call.n, batch_size_of(ctx.call)
    sizes = batch_sizes(n, bs)
    for r in ctx.full():
        for obs, exp in _paired(ctx, r, ("on_predict_batch_end",)):
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


@check("logs.keys.accuracy-name", "logs.keys.acc-name")
def _accuracy_name(ctx: CheckContext) -> Result:
    if not ctx.scenario.metrics or not applies(ctx) or ctx.call.method == "predict":
        return None
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


@check("logs.keys.learning-rate", "logs.keys.lr")
def _lr_key(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not ctx.call.lr_schedule or not applies(ctx):
        return None
    key = facts(ctx.profile).lr_key
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), "on_epoch_end"):
            if key not in (e.logs or {}):
                out.append(f"on_epoch_end({e.index}) with LearningRateScheduler: no {key!r} key; keys "
                           f"{sorted(e.logs or {})}")
    return out[:3]


@check("legacy.batch-begin-size")
def _size(ctx: CheckContext) -> Result:
    legacy = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "legacy"]
    if ctx.call.method != "fit" or not legacy or ctx.trace.error is not None:
        return None
    n_train, _ = train_val_sizes(ctx.call)
    sizes = batch_sizes(n_train, batch_size_of(ctx.call))
    out = []
    for r in legacy:
        # Batches are a stream over the data: an epoch cut short by steps_per_epoch goes on in the next one,
        # so a batch's place in the data is the batches of the epochs before it plus its index in its epoch.
        base, last_end = 0, -1
        for e in ctx.trace.events[r]:
            if e.hook == "on_batch_end":
                last_end = e.index
                continue
            if e.hook != "on_batch_begin":
                continue
            if e.index == 0 and last_end >= 0:
                base, last_end = base + last_end + 1, -1
            want = sizes[(base + e.index) % len(sizes)] if sizes else 0
            if (e.logs or {}).get("size") != want:
                out.append(f"on_batch_begin({e.index}): size {(e.logs or {}).get('size')}, expected {want}")
    return out[:3]


@check("legacy.hooks-without-logs")
def _no_logs(ctx: CheckContext) -> Result:
    rs = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "no_logs"]
    if not rs or ctx.call.method != "fit" or ctx.exp.raises:
        return None  # an error is judged too: calling such a hook with logs raises TypeError
    error = f" ({ctx.trace.error['type']}: {ctx.trace.error['message']})" if ctx.trace.error else ""
    return [f"recorder without logs saw {fmt(seq(ctx.trace.events[r]))}{error}; "
            f"expected {fmt(seq(ctx.exp.events[r]))}" for r in rs if seq(ctx.trace.events[r]) != seq(ctx.exp.events[r])]


# ---------------------------------------------------------------------------------------- logs values
@check("logs.values.python-floats")
def _python_floats(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    bad = set()
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.hook != "on_predict_batch_end":
                bad.update((e.hook, t) for t in e.types if t != "builtins.float")
    return [f"{hook} logs hold {t} values" for hook, t in sorted(bad)][:5]


def _unedited_recorder(ctx: CheckContext) -> int:
    return ctx.full()[0]  # edits happen after recording, so the first full recorder sees the loop's own logs


@check("logs.values.epoch-is-last-batch")
def _epoch_is_last_batch(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx) or ctx.actions("nested_evaluate"):
        return None
    r = _unedited_recorder(ctx)
    out = []
    for epoch, evs in epoch_blocks(ctx.outer(r)).items():
        ends = by_hook(evs, "on_train_batch_end")
        epoch_end = [e for e in by_hook(ctx.outer(r), "on_epoch_end") if e.index == epoch]
        if not ends or not epoch_end:
            continue
        last, logs = ends[-1].logs or {}, epoch_end[0].logs or {}
        for k in metric_keys(ctx.scenario, ctx.profile):
            if k in last and k in logs and not close(last[k], logs[k]):
                out.append(f"epoch {epoch}: on_epoch_end {k}={logs[k]!r} but the last batch's running {k}="
                           f"{last[k]!r}")
    return out[:3]


def _train_weights(ctx: CheckContext, position: int) -> tuple[list[int], list[int]]:
    """(data batch of every step, sample count of every step) of the `position`-th epoch that ran."""
    call = ctx.call
    train_w = batch_sizes(train_val_sizes(call)[0], batch_size_of(call))
    steps = [data_batch_of(call, position, s, len(train_w)) for s in range(ctx.exp.steps or 0)]
    return steps, [train_w[b] for b in steps]


def _batch_value_violations(ctx: CheckContext, epochs: set[int] | None, parts: tuple[str, ...]) -> list[str]:
    """Batch-end values against test_on_batch: running means (keras3, and every test run), or, in the older
    profiles' training batches, each batch's own values (the steps_per_execution group's mean)."""
    values = ctx.trace.batch_values
    if not values or ctx.call.method == "predict":
        return []
    r = ctx.full()[0]
    out: list[str] = []
    call = ctx.call
    own = not facts(ctx.profile).running_means
    if call.method == "fit":
        n_val = train_val_sizes(call)[1]
        for j, (epoch, evs) in enumerate(epoch_blocks(ctx.outer(r)).items()):
            if "train" in parts and (epochs is None or epoch in epochs):
                steps, weights = _train_weights(ctx, j)
                vals = [values["train"][b] for b in steps]
                if own:
                    want = {g[1]: running_means(vals[g[0]:g[1] + 1], weights[g[0]:g[1] + 1])[-1]
                            for g in groups(len(steps), ctx.scenario.steps_per_execution)}
                    what = "its own test_on_batch values"
                else:
                    want = dict(enumerate(running_means(vals, weights)))
                    what = "the sample-weighted mean of test_on_batch over the epoch's batches so far"
                out += _compare_means(f"epoch {epoch}", by_hook(evs, "on_train_batch_end"), want, what)
            if "test" in parts and "val" in values:
                vmeans = running_means(values["val"], batch_sizes(n_val, val_batch_size(call)))
                out += _compare_means(f"epoch {epoch} validation", by_hook(evs, "on_test_batch_end"),
                                      dict(enumerate(vmeans)), "the running mean of test_on_batch")
    elif "test" in parts:
        means = running_means(values["test"], batch_sizes(call.n, batch_size_of(call)))
        out += _compare_means("evaluate", by_hook(ctx.outer(r), "on_test_batch_end"), dict(enumerate(means)),
                              "the running mean of test_on_batch")
    return out[:3]


def _compare_means(where: str, ends: list[Event], want: dict[int, dict[str, float]], what: str) -> list[str]:
    out = []
    for e in ends:
        if e.index not in want or e.logs is None:
            continue
        for k, v in want[e.index].items():
            got = e.logs.get(k)
            if isinstance(got, float) and not close(got, v, REL_RECOMPUTED, 1e-6):
                out.append(f"{where}, batch {e.index}: {k}={got!r}, but {what} is {v!r}")
                break
    return out


@check("logs.values.running-mean")
def _running_mean(ctx: CheckContext) -> Result:
    if not ctx.trace.batch_values or not applies(ctx) or ctx.actions("nested_evaluate"):
        return None
    return _batch_value_violations(ctx, None, ("train", "test"))


@check("logs.values.batch-own-values")
def _batch_own_values(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not ctx.trace.batch_values or not applies(ctx):
        return None
    return _batch_value_violations(ctx, None, ("train",))


@check("logs.values.test-running-mean")
def _test_running_mean(ctx: CheckContext) -> Result:
    if ctx.call.method == "predict" or not ctx.trace.batch_values or not applies(ctx):
        return None
    if ctx.call.method == "fit" and ctx.call.validation is None:
        return None
    return _batch_value_violations(ctx, None, ("test",))


@check("logs.values.epoch-base-logger")
def _epoch_base_logger(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    r = _unedited_recorder(ctx)
    keys = metric_keys(ctx.scenario, ctx.profile)
    epoch_ends = {e.index: e.logs or {} for e in by_hook(ctx.outer(r), "on_epoch_end")}
    out = []
    for j, (epoch, evs) in enumerate(epoch_blocks(ctx.outer(r)).items()):
        _, weights = _train_weights(ctx, j)
        batch_events = [e for e in evs if e.hook in ("on_train_batch_begin", "on_train_batch_end")]
        totals: dict[str, float] = {}
        seen = 0.0
        for begin, end in zip(batch_events[::2], batch_events[1::2]):
            size = sum(weights[begin.index:end.index + 1])
            seen += size
            for k in keys & set(end.logs or {}):
                totals[k] = totals.get(k, 0.0) + end.logs[k] * size
        logs = epoch_ends.get(epoch)
        if not seen or logs is None:
            continue
        for k, total in totals.items():
            if k in logs and not close(logs[k], total / seen, REL_AVERAGED, 1e-7):
                out.append(f"epoch {epoch}: on_epoch_end {k}={logs[k]!r}, but the size-weighted mean of the "
                           f"epoch's batch-end {k} values is {total / seen!r}")
    return out[:3]


@check("legacy.batch-history")
def _batch_history(ctx: CheckContext) -> Result:
    rs = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "no_logs"]
    if not rs or ctx.call.method != "fit" or ctx.trace.error is not None or ctx.exp.raises:
        return None
    values = ctx.trace.batch_values.get("train") if ctx.trace.batch_values else None
    out = []
    for r in rs:
        counts = {"on_batch_end": 0, "on_epoch_end": 0}
        position = -1
        for e in ctx.trace.events[r]:
            if e.hook == "on_epoch_begin":
                position += 1
            if e.hook not in counts:
                continue
            counts[e.hook] += 1
            record = "batch_history" if e.hook == "on_batch_end" else "epoch_history"
            probe = e.history_probe
            if not isinstance(probe, tuple) or probe[0] != counts[e.hook]:
                out.append(f"{e.hook}({e.index}): model.{record}.loss has "
                           f"{probe[0] if isinstance(probe, tuple) else probe} entries, expected {counts[e.hook]}")
            elif e.hook == "on_batch_end" and values is not None:
                steps, _ = _train_weights(ctx, position)
                want = values[steps[e.index]]["loss"] if e.index < len(steps) else None
                if want is not None and not close(probe[1], want, REL_RECOMPUTED, 1e-6):
                    out.append(f"on_batch_end({e.index}): model.batch_history.loss[-1]={probe[1]!r}, but the "
                               f"batch's own loss (test_on_batch) is {want!r}")
    return out[:3]


@check("logs.values.nested-isolated")
def _nested_isolated(ctx: CheckContext) -> Result:
    nested = [a for r in ctx.call.recorders for a in r.actions
              if a.do == "nested_evaluate" and a.hook.startswith("on_train_batch")]
    if ctx.call.method != "fit" or not nested or not ctx.trace.batch_values or not applies(ctx):
        return None
    epochs = {a.epoch for a in nested} if all(a.epoch is not None for a in nested) else None
    return _batch_value_violations(ctx, epochs or set(ctx.exp.epochs), ("train",))


@check("logs.values.val-from-test-end")
def _val_from_test_end(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.call.validation is None or not applies(ctx):
        return None
    r = _unedited_recorder(ctx)
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


@check("logs.values.train-end-copy")
def _train_end_copy(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx) or not ctx.exp.epochs:
        return None
    r = _unedited_recorder(ctx)
    ends = by_hook(ctx.outer(r), "on_epoch_end")
    train_end = by_hook(ctx.outer(r), "on_train_end")
    if not ends or not train_end:
        return None
    want = {k: v for k, v in (ends[-1].logs or {}).items() if k not in _EXTRA_KEYS}
    got = {k: v for k, v in (train_end[0].logs or {}).items()}
    if set(got) - {"learning_rate", "lr"} != set(want) or any(not close(got[k], v) for k, v in want.items()):
        return [f"on_train_end logs {got}, expected the last epoch's own logs {want}"]
    return []


@check("evaluate.values.return-matches-test-end")
def _evaluate_return(ctx: CheckContext) -> Result:
    if ctx.call.method != "evaluate" or not applies(ctx):
        return None
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


@check("predict.values.outputs-concatenate")
def _predict_concat(ctx: CheckContext) -> Result:
    if ctx.call.method != "predict" or not applies(ctx) or ctx.actions("stop_predicting"):
        return None
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


# -------------------------------------------------------------------------------------------- params
@check("params.keys")
def _params_keys(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    bad = {tuple(sorted(e.params)) for r in ctx.full() for e in ctx.trace.events[r]
           if e.params is not None and set(e.params) != {"verbose", "epochs", "steps"}}
    return [f"params keys {list(k)}, expected ['epochs', 'steps', 'verbose']" for k in sorted(bad)]


@check("params.fit")
def _params_fit(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), "on_train_begin"):
            if e.params != ctx.exp.params:
                out.append(f"on_train_begin params {e.params}, expected {ctx.exp.params}")
    return out


@check("params.validation-keeps-fit")
def _params_validation(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or ctx.call.validation is None or not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.depth:
                break  # after a nested call the callback holds the nested call's params
            if e.hook == "on_test_begin" and e.params != ctx.exp.params:
                out.append(f"on_test_begin during validation: params {e.params}, expected fit's {ctx.exp.params}")
    return out[:2]


@check("params.evaluate-predict")
def _params_eval(ctx: CheckContext) -> Result:
    if not applies(ctx):
        return None
    out = []
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.hook not in ("on_test_begin", "on_predict_begin"):
                continue
            if e.depth:
                want = ctx.exp.nested_params
            elif ctx.call.method != "fit":
                want = ctx.exp.params
            else:
                continue
            if e.params != want:
                out.append(f"{e.hook}{' (nested)' if e.depth else ''}: params {e.params}, expected {want}")
    if ctx.call.method == "fit" and not ctx.exp.nested_done:
        return None
    return out[:2]


# ---------------------------------------------------------------------------------------------- state
@check("state.callback-model")
def _callback_model(ctx: CheckContext) -> Result:
    if not ctx.full() or not any(ctx.trace.events[r] for r in ctx.full()):
        return None
    bad = sorted({e.hook for r in ctx.full() for e in ctx.trace.events[r] if not e.model_ok})
    return [f"self.model is not the running model in {bad}"] if bad else []


@check("state.history-returned")
def _history_returned(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    h = ctx.trace.history or {}
    out = []
    if h.get("type") != "History" or not h.get("is_model_history"):
        out.append(f"fit() returned {h.get('type')}; is model.history: {h.get('is_model_history')}")
    if h.get("epoch") != ctx.exp.epochs:
        out.append(f"History.epoch {h.get('epoch')}, expected {ctx.exp.epochs}")
    return out


@check("state.history-equals-epoch-logs")
def _history_values(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not applies(ctx):
        return None
    r = ctx.full()[-1]
    spec = ctx.call.recorders[r]
    ends = by_hook(ctx.outer(r), "on_epoch_end")
    want: dict[str, list[float]] = {}
    for e in ends:
        logs = dict(e.logs or {})
        if any(a.do == "edit_logs" and a.hook == "on_epoch_end" and ctx.exp.edited_epochs.get(e.index) == r
               for a in spec.actions):
            logs = edited(logs)
        for k, v in logs.items():
            want.setdefault(k, []).append(v)
    got = (ctx.trace.history or {}).get("history", {})
    if set(got) != set(want):
        return [f"History keys {sorted(got)}, epoch logs keys {sorted(want)}"]
    bad = [k for k in want if len(got[k]) != len(want[k]) or any(not close(a, b) for a, b in zip(got[k], want[k]))]
    return [f"History[{k!r}] = {got[k]}, on_epoch_end gave {want[k]}" for k in bad][:3]


@check("state.log-edits-propagate")
def _edits_propagate(ctx: CheckContext) -> Result:
    if ctx.call.method != "fit" or not ctx.exp.edited_epochs or not applies(ctx):
        return None
    out = []
    for epoch, editor in ctx.exp.edited_epochs.items():
        later = [r for r in ctx.full() if r > editor]
        base = [e for e in by_hook(ctx.outer(editor), "on_epoch_end") if e.index == epoch]
        for r in later:
            seen = [e for e in by_hook(ctx.outer(r), "on_epoch_end") if e.index == epoch]
            if not base or not seen:
                continue
            logs, want = seen[0].logs or {}, edited(base[0].logs or {})
            if any(k not in logs or not close(logs[k], v) for k, v in want.items()):
                out.append(f"epoch {epoch}: recorder {editor} edited its logs to {want}; "
                           f"recorder {r} after it saw {logs}")
    return out if ctx.full()[-1] > min(ctx.exp.edited_epochs.values()) else None


@check("state.learning-rate-readable")
def _lr_readable(ctx: CheckContext) -> Result:
    if not ctx.full():
        return None
    out = []
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if not isinstance(e.lr, float):
                out.append(f"{e.hook}: float(model.optimizer.learning_rate) failed: {e.lr}")
            elif not ctx.lr_changed and not ctx.call.lr_schedule and not close(
                    e.lr, ctx.scenario.learning_rate, 1e-6, 1e-9):
                out.append(f"{e.hook}: learning_rate {e.lr}, the optimizer was given {ctx.scenario.learning_rate}")
    return out[:2]


# --------------------------------------------------------------------------------------------- errors
@check("errors.bad-fit-arguments")
def _bad_arguments(ctx: CheckContext) -> Result:
    if ctx.call.bad_argument is None:
        return None
    name, value = ctx.call.bad_argument
    err = ctx.trace.error
    fired = sum(len(evs) for evs in ctx.trace.events)
    if err is None:
        return [f"fit({name}={value!r}) was accepted ({fired} hook calls)"]
    if err["type"] != "ValueError" or fired:
        return [f"fit({name}={value!r}) raised {err['type']}: {err['message']} after {fired} hook calls; "
                "expected ValueError before any hook"]
    return []


@check("errors.callback-exception-propagates")
def _exception_propagates(ctx: CheckContext) -> Result:
    if ctx.exp.raises != "probe":
        return None
    if not any(spec.actions[a].do == "raise" for r, a in ctx.trace.fired for spec in [ctx.call.recorders[r]]):
        return None  # the hook call that should raise never came (another clause reports why)
    err = ctx.trace.error
    if err is None:
        return ["a callback raised, but the call returned normally"]
    if not err.get("probe"):
        return [f"a callback raised CallbackProbeError; the call raised {err['type']}: {err['message']}"]
    out = []
    for r, spec in enumerate(ctx.call.recorders):
        raising = [a for a in spec.actions if a.do == "raise"]
        if spec.kind == "full" and raising:
            got = ctx.outer(r)
            last = got[-1].hook if got else None
            if last != raising[0].hook:
                out.append(f"the callback raised in {raising[0].hook}, but hooks still fired after it: "
                           f"{fmt(seq(got[-3:]))}")
    return out


@check("errors.valid-input-accepted")
def _valid_input(ctx: CheckContext) -> Result:
    if ctx.exp.raises is not None:
        return None
    err = ctx.trace.error
    if err is None:
        return []
    return [f"{ctx.call.method}() raised {err['type']}: {err['message']}\n{err['traceback']}"]


def run_checks(ctx: CheckContext, clause_ids: Iterable[str]) -> dict[str, list[str]]:
    """Run the checks of `clause_ids` on one call: {clause id: violations} for the clauses that apply."""
    out = {}
    for cid in clause_ids:
        fn = CHECKS.get(cid)
        if fn is None:
            continue
        res = fn(ctx)
        if res is not None:
            out[cid] = res
    return out
