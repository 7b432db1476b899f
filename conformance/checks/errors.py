"""Checks of the clauses in conformance/spec/errors.toml:
bad arguments, exceptions from callbacks, valid input accepted.
"""

from __future__ import annotations

from conformance.checks import Result, check
from conformance.checks._common import CheckContext, fmt, seq


@check("errors.bad-fit-arguments", when=("bad-argument",))
def _bad_arguments(ctx: CheckContext) -> Result:
    name, value = ctx.call.bad_argument
    err = ctx.trace.error
    fired = sum(len(evs) for evs in ctx.trace.events)
    if err is None:
        return [f"fit({name}={value!r}) was accepted ({fired} hook calls)"]
    if err["type"] != "ValueError" or fired:
        return [f"fit({name}={value!r}) raised {err['type']}: {err['message']} after {fired} hook calls; "
                "expected ValueError before any hook"]
    return []


@check("errors.callback-exception-propagates", when=("probe-raised",))
def _exception_propagates(ctx: CheckContext) -> Result:
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


@check("errors.valid-input-accepted", when=("raises-nothing",))
def _valid_input(ctx: CheckContext) -> Result:
    err = ctx.trace.error
    if err is None:
        return []
    return [f"{ctx.call.method}() raised {err['type']}: {err['message']}\n{err['traceback']}"]
