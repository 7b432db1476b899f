"""Checks of the clauses in conformance/spec/state.toml:
the model, History, shared logs and the learning rate callbacks see.
"""

from __future__ import annotations

from conformance.actions import edited
from conformance.checks import Result, check
from conformance.checks._common import CheckContext, by_hook, close


@check("state.callback-model", when=("full-recorder", "recorded"))
def _callback_model(ctx: CheckContext) -> Result:
    bad = sorted({e.hook for r in ctx.full() for e in ctx.trace.events[r] if not e.model_ok})
    return [f"self.model is not the running model in {bad}"] if bad else []


@check("state.history-returned", when=("fit", "clean"))
def _history_returned(ctx: CheckContext) -> Result:
    h = ctx.trace.history or {}
    out = []
    if h.get("type") != "History" or not h.get("is_model_history"):
        out.append(f"fit() returned {h.get('type')}; is model.history: {h.get('is_model_history')}")
    if h.get("epoch") != ctx.exp.epochs:
        out.append(f"History.epoch {h.get('epoch')}, expected {ctx.exp.epochs}")
    return out


@check("state.history-equals-epoch-logs", when=("fit", "clean"))
def _history_values(ctx: CheckContext) -> Result:
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


@check("state.log-edits-propagate", when=("fit", "edit-seen-later", "clean"))
def _edits_propagate(ctx: CheckContext) -> Result:
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
    return out


@check("state.learning-rate-readable", when=("full-recorder",))
def _lr_readable(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if not isinstance(e.lr, float):
                out.append(f"{e.hook}: float(model.optimizer.learning_rate) failed: {e.lr}")
            elif not ctx.lr_changed and not ctx.call.lr_schedule and not close(
                    e.lr, ctx.scenario.learning_rate, 1e-6, 1e-9):
                out.append(f"{e.hook}: learning_rate {e.lr}, the optimizer was given {ctx.scenario.learning_rate}")
    return out[:2]
