"""Checks of the clauses in conformance/spec/params.toml: callback.params."""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import CheckContext, by_hook


@check("params.keys", when=("clean",))
def _params_keys(ctx: CheckContext) -> Result:
    bad = {tuple(sorted(e.params)) for r in ctx.full() for e in ctx.trace.events[r]
           if e.params is not None and set(e.params) != {"verbose", "epochs", "steps"}}
    return [f"params keys {list(k)}, expected ['epochs', 'steps', 'verbose']" for k in sorted(bad)]


@check("params.fit", when=("fit", "clean"))
def _params_fit(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), "on_train_begin"):
            if e.params != ctx.exp.params:
                out.append(f"on_train_begin params {e.params}, expected {ctx.exp.params}")
    return out


@check("params.validation-keeps-fit", when=("fit", "validation", "clean"))
def _params_validation(ctx: CheckContext) -> Result:
    out = []
    for r in ctx.full():
        for e in ctx.trace.events[r]:
            if e.depth:
                break  # after a nested call the callback holds the nested call's params
            if e.hook == "on_test_begin" and e.params != ctx.exp.params:
                out.append(f"on_test_begin during validation: params {e.params}, expected fit's {ctx.exp.params}")
    return out[:2]


@check("params.evaluate-predict", when=("fit-nested-call-or-not-fit", "clean"))
def _params_eval(ctx: CheckContext) -> Result:
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
    return out[:2]


@check("params.fit-legacy", when=("fit", "clean"))
def _params_fit_legacy(ctx: CheckContext) -> Result:
    from conformance.model import metric_names
    from conformance.scenario import batch_size_of, train_val_sizes

    call = ctx.call
    names = metric_names(ctx.scenario, ctx.profile)
    validates = call.validation is not None
    n_train, _ = train_val_sizes(call)
    want = {"batch_size": batch_size_of(call), "do_validation": validates, "verbose": 0,
            "metrics": names + ([f"val_{n}" for n in names] if validates else [])}
    if ctx.profile == "keras1":
        want.update(nb_epoch=call.epochs, nb_sample=n_train)
    else:
        want.update(epochs=call.epochs, samples=n_train, steps=None)
    out = []
    for r in ctx.full():
        for e in by_hook(ctx.outer(r), "on_train_begin"):
            if e.params != want:
                out.append(f"on_train_begin params {e.params}, expected {want}")
    return out
