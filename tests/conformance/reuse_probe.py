"""Run scenarios on live Keras 3 twice, on fresh models and on reused ones, and print how their traces compare.

Run by tests/conformance/test_model_reuse.py in a Python with Keras 3 (KERAS3_PYTHON):
``python -m tests.conformance.reuse_probe [N] [--skip-reset]`` prints one JSON line. `--skip-reset` reuses
models without resetting them (only the weights are set, as for every model): the comparison must then fail.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import fields

import numpy as np


def plain(value):
    """A trace as JSON-able data with every number exact (floats by their bits)."""
    if isinstance(value, np.ndarray):
        return {"array": value.dtype.str, "shape": list(value.shape), "bits": value.tobytes().hex()}
    if isinstance(value, float):
        return {"float": value.hex()}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value)}
    return value


def trace_data(trace) -> dict:
    data = plain(trace)
    if trace.error is not None:  # the traceback names memory addresses; the type, message and probe flag count
        data["error"] = {k: v for k, v in data["error"].items() if k != "traceback"}
    return data


def scenarios(n: int):
    """The hand-picked examples, then `n` drawn ones of every family, in the order a ci run meets them."""
    from hypothesis import HealthCheck, given, settings

    from conformance.examples import examples
    from conformance.scenario import Action, Call, RecorderSpec, Scenario
    from conformance.strategies import families
    from conformance.strategies import scenarios as draw

    out = []
    # Pairs of one setup that would show leftovers: a learning-rate schedule and moving optimizer state (every
    # optimizer, learning rate 0.01), stop_training set, then the same setup again.
    for optimizer in ("SGD", "Adam", "RMSprop", "Adagrad"):
        setup = Scenario(task="categorical", metrics=("accuracy",), optimizer=optimizer, learning_rate=0.01)
        first = Call(method="fit", n=16, batch_size=4, epochs=2, lr_schedule=True, validation="data",
                     recorders=(RecorderSpec("full", (Action("stop_training", "on_train_batch_end", 2, 1),)),))
        out += [setup.replace(seed=0, calls=(first,)),
                setup.replace(seed=1, calls=(Call(method="evaluate", n=12, batch_size=4),
                                             Call(method="fit", n=16, batch_size=4, epochs=2)))]
    # A bad argument after a fit of the same setup: a used model calls hooks where a new one raises first, so the
    # adapter must not reuse a model for it (conformance.adapters.keras3_adapter.may_share_model).
    setup = Scenario(task="binary", metrics=("mae",), optimizer="SGD", learning_rate=0.01)
    out += [setup.replace(seed=0, calls=(Call(method="fit", n=8, batch_size=4, epochs=2),)),
            setup.replace(seed=0, calls=(Call(method="fit", n=8, batch_size=4, epochs=2,
                                              bad_argument=("batch_size", -1)),))]
    out += examples("keras3")
    for family in families("keras3"):
        @settings(derandomize=True, database=None, max_examples=n, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(draw(family, "keras3"))
        def collect(s):
            out.append(s)
        collect()
    return out


def main(n: int, skip_reset: bool = False) -> dict:
    from conformance.adapters import get_adapter
    from conformance.adapters.keras3_adapter import REUSE_ENV, ModelPool, ReusingSession, may_share_model, usable
    from conformance.driver import Session

    class NotReset(ReusingSession):
        def compile_model(self) -> None:
            if not self.reused:
                super().compile_model()

    adapter = get_adapter("keras3-jax")
    keras = adapter.module()
    os.environ[REUSE_ENV] = "1"
    pool = ModelPool()
    compared, reused, differences, unusable = 0, 0, [], []
    for i, scenario in enumerate(scenarios(n)):
        fresh = Session(keras, scenario)
        if may_share_model(scenario):
            again = (NotReset if skip_reset else ReusingSession)(keras, scenario, pool)
        else:  # as the adapter does
            again = Session(keras, scenario)
        reused += getattr(again, "reused", False)
        try:
            for j, call in enumerate(scenario.calls):
                a, b = trace_data(fresh.call(call)), trace_data(again.call(call))
                compared += 1
                if a != b:
                    keys = sorted(k for k in a if a[k] != b[k])
                    differences.append({"scenario": i, "call": j, "reused": again.reused, "fields": keys,
                                        "fresh": {k: a[k] for k in keys}, "reused_model": {k: b[k] for k in keys}})
        finally:
            if hasattr(again, "close"):
                again.close()
        if not usable(fresh.model):
            unusable.append(scenario.to_dict())
    return {"scenarios": i + 1, "calls": compared, "reused": reused, "differences": differences[:5],
            "different": len(differences), "left_unusable": unusable}


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--skip-reset"]
    print(json.dumps(main(int(args[0]) if args else 12, "--skip-reset" in sys.argv), default=str))
