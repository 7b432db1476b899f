"""What the checks share: the context of one call, tolerances, and helpers that cut traces into runs."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from conformance.driver import CallTrace, Event
from conformance.model import (
    CallExpectation,
    Expected,
    batch_sizes,
    data_batch_of,
    groups,
    running_means,
)
from conformance.profiles import facts
from conformance.scenario import Call, Scenario, batch_size_of, train_val_sizes, val_batch_size

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


def batch_runs(ctx: CheckContext, r: int) -> list[tuple[str, list[Event], list[Expected]]]:
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



def val_blocks(ctx: CheckContext, r: int) -> dict[int, list[Event]]:
    return {e: [x for x in evs if x.hook.startswith("on_test")] for e, evs in epoch_blocks(ctx.outer(r)).items()}



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



def paired(ctx: CheckContext, r: int, hooks: tuple[str, ...], depth: int | None = 0):
    """(observed, expected) events of `hooks`, matched by hook name and occurrence."""
    pairs = []
    for hook in hooks:
        obs = [e for e in ctx.trace.events[r] if e.hook == hook and (depth is None or e.depth == depth)]
        exp = [e for e in ctx.exp.events[r] if e.hook == hook and (depth is None or e.depth == depth)]
        pairs.extend(zip(obs, exp))
    return pairs



def unedited_recorder(ctx: CheckContext) -> int:
    return ctx.full()[0]  # edits happen after recording, so the first full recorder sees the loop's own logs



def train_weights(ctx: CheckContext, position: int) -> tuple[list[int], list[int]]:
    """(data batch of every step, sample count of every step) of the `position`-th epoch that ran."""
    call = ctx.call
    train_w = batch_sizes(train_val_sizes(call)[0], batch_size_of(call))
    steps = [data_batch_of(call, position, s, len(train_w)) for s in range(ctx.exp.steps or 0)]
    return steps, [train_w[b] for b in steps]


def batch_value_violations(ctx: CheckContext, epochs: set[int] | None, parts: tuple[str, ...]) -> list[str]:
    """Batch-end values against test_on_batch: running means (keras3, and every test run), or, in the older
    profiles' training batches, each batch's own values (the steps_per_execution group's mean)."""
    values = ctx.trace.batch_values
    if not values or ctx.call.method == "predict":
        return []
    call = ctx.call
    r = ctx.full()[0]
    out: list[str] = []
    own = not facts(ctx.profile).running_means
    if call.method == "fit":
        n_val = train_val_sizes(call)[1]
        for j, (epoch, evs) in enumerate(epoch_blocks(ctx.outer(r)).items()):
            if "train" in parts and (epochs is None or epoch in epochs):
                steps, weights = train_weights(ctx, j)
                vals = [values["train"][b] for b in steps]
                if own:
                    want = {g[1]: running_means(vals[g[0]:g[1] + 1], weights[g[0]:g[1] + 1])[-1]
                            for g in groups(len(steps), ctx.scenario.steps_per_execution)}
                    what = "its own test_on_batch values"
                else:
                    want = dict(enumerate(running_means(vals, weights)))
                    what = "the sample-weighted mean of test_on_batch over the epoch's batches so far"
                out += compare_means(f"epoch {epoch}", by_hook(evs, "on_train_batch_end"), want, what)
            if "test" in parts and "val" in values:
                vmeans = running_means(values["val"], batch_sizes(n_val, val_batch_size(call)))
                out += compare_means(f"epoch {epoch} validation", by_hook(evs, "on_test_batch_end"),
                                      dict(enumerate(vmeans)), "the running mean of test_on_batch")
    elif "test" in parts:
        means = running_means(values["test"], batch_sizes(call.n, batch_size_of(call)))
        out += compare_means("evaluate", by_hook(ctx.outer(r), "on_test_batch_end"), dict(enumerate(means)),
                              "the running mean of test_on_batch")
    return out[:3]


def compare_means(where: str, ends: list[Event], want: dict[int, dict[str, float]], what: str) -> list[str]:
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


