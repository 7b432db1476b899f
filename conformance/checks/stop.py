"""Checks of the clauses in conformance/spec/stop.toml: what stop_training, stop_evaluating and stop_predicting do."""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import CheckContext, by_hook, epoch_blocks, fmt, seq, shape


def _stop_epoch_batches(ctx: CheckContext) -> Result:
    r = ctx.full()[0]
    stop_epoch = ctx.exp.epochs[-1]
    got = len(by_hook(epoch_blocks(ctx.outer(r)).get(stop_epoch, []), "on_train_batch_end"))
    want = len([e for e in ctx.expected_outer(r) if e.hook == "on_train_batch_end" and e.epoch == stop_epoch])
    if got != want:
        return [f"stop_training set in {ctx.exp.stop_set[0]}({ctx.exp.stop_set[1]}): epoch {stop_epoch} ran "
                f"{got} training batches, expected {want}"]
    return []


@check("fit.state.stop-after-batch", when=("stopped-after-batch", "clean"))
def _stop_after_batch(ctx: CheckContext) -> Result:
    return _stop_epoch_batches(ctx)


@check("fit.state.stop-before-batches", when=("stopped-before-batches", "clean"))
def _stop_before_batches(ctx: CheckContext) -> Result:
    return _stop_epoch_batches(ctx)


@check("fit.state.stop-finishes-epoch", when=("stopped", "clean"))
def _stop_finishes_epoch(ctx: CheckContext) -> Result:
    r = ctx.full()[0]
    got, want = ctx.outer(r), ctx.expected_outer(r)

    def tail(events):  # batch end indices under steps_per_execution > 1 are fit.order.steps-per-execution's
        last = max((i for i, e in enumerate(events) if e.hook == "on_train_batch_end"), default=-1)
        return shape(events[last + 1:], ctx.scenario.steps_per_execution)
    epochs_got = [e.index for e in by_hook(got, "on_epoch_begin")]
    if epochs_got != ctx.exp.epochs:
        return [f"stop_training set in {ctx.exp.stop_set[0]}({ctx.exp.stop_set[1]}): epochs {epochs_got} ran, "
                f"expected {ctx.exp.epochs}"]
    if tail(got) != tail(want):
        return [f"after the last training batch saw {fmt(tail(got))}; expected {fmt(tail(want))}"]
    return []


@check("fit.state.stop-reset", when=("fit", "stop-requested-before", "clean"))
def _stop_reset(ctx: CheckContext) -> Result:
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


@check("evaluate.state.stop-evaluating", when=("evaluate", "action:stop_evaluating", "clean"))
def _stop_evaluating(ctx: CheckContext) -> Result:
    return _stop_eval_predict(ctx, "evaluate", "stop_evaluating")


@check("predict.state.stop-predicting", when=("predict", "action:stop_predicting", "clean"))
def _stop_predicting(ctx: CheckContext) -> Result:
    return _stop_eval_predict(ctx, "predict", "stop_predicting")


def _stop_eval_predict(ctx: CheckContext, method: str, flag: str) -> Result:
    k = ctx.scenario.steps_per_execution
    return [f"{flag} set: saw {fmt(seq(ctx.outer(r)))}; expected {fmt(seq(ctx.expected_outer(r)))}"
            for r in ctx.full() if shape(ctx.outer(r), k) != shape(ctx.expected_outer(r), k)]
