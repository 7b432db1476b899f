"""Checks of the clauses in conformance/spec/order.toml: the order of hook calls."""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import (
    CheckContext,
    batch_runs,
    by_hook,
    close,
    epoch_blocks,
    fmt,
    seq,
    shape,
    val_blocks,
)
from conformance.model import legacy_names
from conformance.profiles import facts
from conformance.scenario import train_val_sizes, val_batch_size


@check("call.order.brackets", when=("clean",))
def _brackets(ctx: CheckContext) -> Result:
    first = {"fit": "on_train", "evaluate": "on_test", "predict": "on_predict"}[ctx.call.method]
    out = []
    for r in ctx.full():
        hooks = [e.hook for e in ctx.outer(r)]
        if ctx.call.method != "fit" and not facts(ctx.profile).eval_callbacks:
            if hooks:  # the recorders were not passed to the call (Keras 2.2: only fit() takes callbacks)
                out.append(f"recorder {r}: {ctx.call.method}() takes no callbacks, yet it heard {hooks[:3]}")
            continue
        begins, ends = hooks.count(f"{first}_begin"), hooks.count(f"{first}_end")
        if ctx.call.method != "fit":
            begins, ends = min(begins, 1), min(ends, 1)  # fit's validation also has on_test_*
        if not hooks or hooks[0] != f"{first}_begin" or hooks[-1] != f"{first}_end":
            out.append(f"recorder {r}: expected {first}_begin first and {first}_end last, saw "
                       f"{hooks[:1]} ... {hooks[-1:]}")
        elif ctx.call.method == "fit" and (begins, ends) != (1, 1):
            out.append(f"recorder {r}: on_train_begin x{begins}, on_train_end x{ends}; expected once each")
    return out


@check("fit.order.epoch-brackets-batches", when=("fit", "clean"))
def _epoch_brackets(ctx: CheckContext) -> Result:
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


@check("fit.order.epoch-numbering", when=("fit", "clean"))
def _epoch_numbering(ctx: CheckContext) -> Result:
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



@check("fit.order.batch-pairs", when=("clean",))
def _batch_pairs(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for name, obs, _ in batch_runs(ctx, r):
            kinds = [e.hook.rsplit("_", 1)[1] for e in obs]
            if kinds != ["begin", "end"] * (len(kinds) // 2) or len(kinds) % 2:
                out.append(f"{name} batches: begin/end do not alternate: {fmt(seq(obs))}")
            elif ctx.scenario.steps_per_execution == 1:
                bad = [(b.index, e.index) for b, e in zip(obs[::2], obs[1::2]) if b.index != e.index]
                if bad:
                    out.append(f"{name} batches: begin/end index pairs differ: {bad[:4]}")
    return out


@check("fit.order.batch-count", when=("fit", "clean", "plain"))
def _batch_count(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for _, obs, exp in batch_runs(ctx, r):
            got = len([e for e in obs if e.hook.endswith("_end")])
            if obs and obs[0].hook.startswith("on_train") and got != len(exp) // 2:
                out.append(f"an epoch ran {got} training batches, expected {len(exp) // 2} "
                           f"(steps {ctx.exp.steps}, steps_per_execution {ctx.scenario.steps_per_execution})")
    return out[:3]


@check("fit.order.batch-indices", when=("clean",))
def _batch_indices(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for name, obs, exp in batch_runs(ctx, r):
            got = [e.index for e in obs if e.hook.endswith("_begin")]
            want = [e.index for e in exp if e.hook.endswith("_begin")][: len(got)]
            if got[: len(want)] != want:
                out.append(f"{name} batch begin indices {got}, expected {want}")
    return out[:3]


@check("fit.order.steps-per-execution", when=("steps-per-execution", "clean"))
def _spe(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for name, obs, exp in batch_runs(ctx, r):
            got = [(e.index) for e in obs if e.hook.endswith("_end")]
            want = [e.index for e in exp if e.hook.endswith("_end")]
            if got != want[: len(got)] or (ctx.plain() and len(got) != len(want)):
                out.append(f"{name} batch end indices {got}, expected {want} "
                           f"(steps_per_execution={ctx.scenario.steps_per_execution})")
    return out[:3]



@check("fit.order.validation-placement", when=("fit", "validation", "clean"))
def _validation_placement(ctx: CheckContext) -> Result:
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


@check("fit.order.validation-freq", when=("fit", "validation", "clean"))
def _validation_freq(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        blocks = val_blocks(ctx, r)
        got = [e for e, evs in blocks.items() if any(x.hook == "on_test_begin" for x in evs)]
        want = [e for e in ctx.exp.validated if e in blocks]
        if got != want:
            out.append(f"validated epochs {got}, expected {want} (validation_freq={ctx.call.validation_freq!r})")
    return out


@check("fit.order.validation-batch-count", when=("fit", "validation", "clean"))
def _validation_batch_count(ctx: CheckContext) -> Result:
    out = []
    want = len([g for g in range(0, ctx.exp.val_steps, ctx.scenario.steps_per_execution)])
    for r in ctx.full():
        for epoch, evs in val_blocks(ctx, r).items():
            got = len(by_hook(evs, "on_test_batch_end"))
            if evs and got != want:
                out.append(f"epoch {epoch}: validation ran {got} batch pairs, expected {want} "
                           f"({train_val_sizes(ctx.call)[1]} samples, batch {val_batch_size(ctx.call)})")
    return out[:3]


@check("fit.order.legacy-batch-hooks", when=("legacy-recorder", "ran"))
def _legacy(ctx: CheckContext) -> Result:
    legacy = [i for i, r in enumerate(ctx.call.recorders) if r.kind == "legacy"]
    out = []
    reference = ctx.full()[0] if ctx.full() else None
    for r in legacy:
        got, want = seq(ctx.trace.events[r]), seq(ctx.exp.events[r])
        if reference is not None:  # judge the legacy hooks against what the training hooks really did
            names = legacy_names()
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


@check("fit.order.no-epochs", when=("fit", "no-epochs", "clean"))
def _no_epochs(ctx: CheckContext) -> Result:
    want = [("on_train_begin", None), ("on_train_end", None)]
    return [f"recorder {r}: saw {fmt(seq(ctx.outer(r)))}, expected {fmt(want)}"
            for r in ctx.full() if seq(ctx.outer(r)) != want]



def _whole_sequence(ctx: CheckContext, method: str, flag: str) -> Result:
    k = ctx.scenario.steps_per_execution
    return [f"recorder {r}: saw {fmt(seq(ctx.outer(r)), 20)}; expected {fmt(seq(ctx.expected_outer(r)), 20)}"
            for r in ctx.full() if shape(ctx.outer(r), k) != shape(ctx.expected_outer(r), k)]


@check("evaluate.order.sequence", when=("evaluate", "clean", "no-action:stop_evaluating", "no-action:raise"))
def _evaluate_sequence(ctx: CheckContext) -> Result:
    return _whole_sequence(ctx, "evaluate", "stop_evaluating")


@check("predict.order.sequence", when=("predict", "clean", "no-action:stop_predicting", "no-action:raise"))
def _predict_sequence(ctx: CheckContext) -> Result:
    return _whole_sequence(ctx, "predict", "stop_predicting")


@check("callbacks.order.list-order", when=("two-full-recorders", "clean", "no-action:raise"))
def _list_order(ctx: CheckContext) -> Result:
    full = ctx.full()
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


@check("callbacks.order.nested-call", when=("nested-call", "clean", "triggers-on-full-groups"))
def _nested(ctx: CheckContext) -> Result:
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
