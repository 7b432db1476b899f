"""Checks of the clauses in conformance/spec/legacy.toml:
the older profiles' hooks (no logs, batch size, batch history).
"""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import REL_RECOMPUTED, CheckContext, close, fmt, seq, train_weights
from conformance.model import batch_sizes
from conformance.scenario import batch_size_of, train_val_sizes


@check("legacy.batch-begin-size", when=("fit", "legacy-recorder", "trace-ok"))
def _size(ctx: CheckContext) -> Result:
    legacy = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "legacy"]
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


@check("legacy.hooks-without-logs", when=("fit", "no-logs-recorder", "raises-nothing"))
def _no_logs(ctx: CheckContext) -> Result:
    rs = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "no_logs"]
    # an error is judged too: calling such a hook with logs raises TypeError
    error = f" ({ctx.trace.error['type']}: {ctx.trace.error['message']})" if ctx.trace.error else ""
    return [f"recorder without logs saw {fmt(seq(ctx.trace.events[r]))}{error}; "
            f"expected {fmt(seq(ctx.exp.events[r]))}" for r in rs if seq(ctx.trace.events[r]) != seq(ctx.exp.events[r])]



@check("legacy.batch-history", when=("fit", "no-logs-recorder", "ran"))
def _batch_history(ctx: CheckContext) -> Result:
    rs = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "no_logs"]
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
                steps, _ = train_weights(ctx, position)
                want = values[steps[e.index]]["loss"] if e.index < len(steps) else None
                if want is not None and not close(probe[1], want, REL_RECOMPUTED, 1e-6):
                    out.append(f"on_batch_end({e.index}): model.batch_history.loss[-1]={probe[1]!r}, but the "
                               f"batch's own loss (test_on_batch) is {want!r}")
    return out[:3]
