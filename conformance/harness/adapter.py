"""The suite's adapter for real releases that run in their own interpreter, through the harness.

`--impl keras-1.2.2` (also `keras-2.2.4`, `keras-0.3.3`): the release's environment must be built
(`python -m conformance env build keras-1.2.2`). Each scenario is made concrete for the release's API
(`conformance.harness.scenarios.concrete`) and run by a harness process in that environment; what the harness
reports becomes the same `CallTrace` an in-process session returns, so the same checks apply. Calls on one
model are replayed from the start for every new call (the harness gets whole scenarios), which keeps the
harness stateless at the cost of repeating earlier calls.

What the releases cannot report: the running-mean value clauses need `test_on_batch` at learning rate 0,
which the harness does not run (those clauses stay unchecked); Keras 0.3-2.2 pass no callbacks to
`evaluate()`/`predict()`, so those calls record no hooks.
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from conformance.adapters import Adapter, AdapterUnavailable
from conformance.driver import CallTrace, Event
from conformance.harness import envs
from conformance.harness.client import HARNESS_SCRIPT, HarnessProcess, ProtocolError
from conformance.harness.scenarios import concrete, untag
from conformance.scenario import Call, Scenario

# Keras <= 2.2 has one training-batch hook pair; the in-process recorders name it as Keras 3 does.
TRAIN_BATCH = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class ReleaseAdapter(Adapter):
    """A real Keras release in its own environment: `--impl keras-1.2.2`."""

    name = "keras"
    backends = tuple(n.split("-", 1)[1] for n in sorted(envs.RECIPES))
    timeout = 300.0

    def __init__(self, backend: str | None = None):
        super().__init__(backend)
        self.release = f"keras-{self.backend}"
        self.recipe = envs.RECIPES[self.release]
        self.profiles = (self.recipe.profile,)
        self.install = f"python -m conformance env build {self.release}"
        self.harness: HarnessProcess | None = None
        self.env: envs.Env | None = None

    def module(self) -> types.ModuleType:
        if self._module is None:
            try:
                self.env = envs.get(self.release)
            except envs.EnvError as e:
                raise AdapterUnavailable(str(e)) from e
            self._module = types.ModuleType("keras")
            self._module.__version__ = self.recipe.version
        return self._module

    def version(self) -> str:
        return f"{self.recipe.version} (theano, Python {self.recipe.python}, harness)"

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        return {"module": "keras", "preamble": "# run in: python -m conformance env path " + self.release}

    def run_raw(self, sid: str, payload: dict[str, Any]):
        """Run one concrete scenario on the harness (started, or restarted after a protocol error)."""
        self.module()
        assert self.env is not None
        if self.harness is None:
            self.harness = HarnessProcess(self.env.command(str(HARNESS_SCRIPT)), env=self.env.environ(),
                                          timeout=self.timeout)
            self.harness.start("keras", "keras", ("theano",))
        try:
            return self.harness.run(sid, payload)
        except ProtocolError:
            self.harness.kill()
            self.harness = None
            raise

    def start(self, scenario: Scenario, profile: str = "keras3") -> Any:
        return ReleaseSession(self, scenario, profile)


class ReleaseSession:
    """One model's calls; every `call()` replays the calls so far on a fresh model from the same weights."""

    def __init__(self, adapter: ReleaseAdapter, scenario: Scenario, profile: str):
        self.adapter, self.scenario, self.profile = adapter, scenario, profile
        self.calls: list[Call] = []

    def call(self, call: Call) -> CallTrace:
        scenario = self.scenario.replace(calls=(*self.calls, call))
        payload = concrete(scenario, self.profile)  # Unexpressible: the runner skips the scenario
        self.calls.append(call)
        result = self.adapter.run_raw(f"scenario-{id(self)}-{len(self.calls)}", payload)
        if result.status == "setup_error":
            err = result.error
            return CallTrace(call.method, [[] for _ in call.recorders],
                             error={"type": err["type"], "message": err["message"], "traceback": err["traceback"],
                                    "probe": False})
        raw = result.calls[-1]
        return to_trace(call, raw["events"], raw["end"])


def to_trace(call: Call, events: list[dict[str, Any]], end: dict[str, Any]) -> CallTrace:
    """A harness call's events and call_end as the `CallTrace` an in-process session returns."""
    per: list[list[Event]] = [[] for _ in call.recorders]
    for e in events:
        kind = call.recorders[e["recorder"]].kind
        hook = TRAIN_BATCH.get(e["hook"], e["hook"]) if kind == "full" else e["hook"]
        logs = None if e["logs"] is None else {k: untag(v) for k, v in e["logs"].items()}
        per[e["recorder"]].append(Event(
            hook, e["index"], logs, tuple((e.get("types") or {}).values()), e["seq"], e["depth"],
            params=e.get("params"), model_ok=e.get("model_ok", True), lr=e.get("lr"),
            stop_training=e.get("stop_training"), arg_count=e["arg_count"],
            history_probe=_probe(e.get("history_probe"))))
    trace = CallTrace(call.method, per)
    err = end["error"]
    if err is not None:
        trace.error = {"type": err["type"], "message": err["message"], "traceback": err.get("traceback", ""),
                       "probe": err["message"].startswith("raised on purpose")}
        return trace
    if call.method == "fit":
        h = end["history"] or {}
        trace.history = {"history": {k: [float(x) for x in v] for k, v in (h.get("history") or {}).items()},
                         "epoch": h.get("epoch", []), "is_model_history": h.get("is_model_history"),
                         "type": h.get("type")}
    else:
        ret = untag(end["returned"])
        trace.returned = np.asarray(ret) if call.method == "predict" else ret
    return trace


def _probe(p: Any) -> Any:
    if isinstance(p, dict) and isinstance(p.get("loss"), list):
        losses = p["loss"]
        return len(losses), float(losses[-1]) if losses else float("nan")
    return p
