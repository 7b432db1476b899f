"""The suite's adapter for real releases that run in their own interpreter, through the harness.

`--impl keras-1.2.2` (also `keras-2.2.4`, `keras-0.3.3`): the release's environment must be built
(`python -m conformance env build keras-1.2.2`). Each scenario is made concrete for the release's API
(`conformance.harness.scenarios.concrete`) and run by a harness process in that environment; what the harness
reports becomes the same `CallTrace` an in-process session returns, so the same checks apply. Calls on one
model are replayed from the start for every new call (the harness gets whole scenarios), which keeps the
harness stateless at the cost of repeating earlier calls.

Releases whose recipe names an in-process `runner` (Keras 3 on jax, `--impl keras-3.0.5-jax`; tf-keras,
`--impl tf_keras-2.15.1`) do not use the harness: the command re-runs itself with the environment's interpreter
(`run_inside`), where this adapter hands the work to the in-process adapter (`keras3-jax`, `tf_keras`) under the
release's own name.

What the Theano releases cannot report: the running-mean value clauses need `test_on_batch` at learning rate 0,
which the harness does not run (those clauses stay unchecked); Keras 0.3-2.2 pass no callbacks to
`evaluate()`/`predict()`, so those calls record no hooks.
"""

from __future__ import annotations

import os
import subprocess
import types
from pathlib import Path
from typing import Any

import numpy as np

from conformance.adapters import Adapter, AdapterUnavailable
from conformance.driver import CallTrace, Event
from conformance.harness import envs
from conformance.harness.client import HARNESS_SCRIPT, HarnessProcess, ProtocolError
from conformance.harness.scenarios import concrete, untag
from conformance.scenario import Call, Scenario

INSIDE = "KCC_INSIDE_RELEASE"  # set by run_inside: this process is the release's environment


def _sources(env: envs.Env) -> Path:
    """A folder holding only this checkout's `conformance` and `refimpl` packages (links), for the environment's
    PYTHONPATH: the folder that holds them may be a site-packages whose numpy must not shadow the environment's."""
    import refimpl

    folder = env.path / "kcc-src"
    folder.mkdir(exist_ok=True)
    for pkg in (Path(__file__).resolve().parents[1], Path(refimpl.__file__).resolve().parent):
        link = folder / pkg.name
        if not (link.is_symlink() and link.resolve() == pkg):
            if link.is_symlink() or link.exists():
                link.unlink()
            link.symlink_to(pkg, target_is_directory=True)
    return folder

# Keras <= 2.2 has one training-batch hook pair; the in-process recorders name it as Keras 3 does.
TRAIN_BATCH = {"on_batch_begin": "on_train_batch_begin", "on_batch_end": "on_train_batch_end"}


class ReleaseAdapter(Adapter):
    """A real Keras release in its own environment: `--impl keras-1.2.2`."""

    name = "keras"
    backends = tuple(n.split("-", 1)[1] for n in sorted(envs.RECIPES) if n.startswith("keras-"))
    timeout = 300.0

    def __init__(self, backend: str | None = None, release: str | None = None):
        if release is not None:  # a release whose name is not keras-*: tf_keras-2.15.1
            self.name, _, backend = release.partition("-")
            self.backends = (backend,)
        super().__init__(backend)
        self.release = f"{self.name}-{self.backend}"
        self.recipe = envs.RECIPES[self.release]
        from conformance.spec import PROFILES
        profile = self.recipe.profile
        if profile not in PROFILES and self.recipe.fallback_profile:
            profile = self.recipe.fallback_profile
        self.profiles = (profile,)
        self.install = f"python -m conformance env build {self.release}"
        self.harness: HarnessProcess | None = None
        self.env: envs.Env | None = None
        self.inner: Adapter | None = None  # the in-process adapter, inside the environment

    @property
    def in_process(self) -> bool:
        """True for releases the suite runs inside their environment's interpreter (Keras 3, tf-keras)."""
        return self.recipe.runner != "harness"

    def outside(self) -> bool:
        """True when this process is not the release's environment: the command must re-run inside it."""
        return self.in_process and os.environ.get(INSIDE) != self.release

    def expectation_names(self) -> tuple[str, ...]:
        """Expectations files to read, first found wins: the release's own, then its family's."""
        return tuple(n for n in (self.release, self.recipe.expectations) if n)

    def release_version(self) -> str:
        return self.recipe.version

    def run_inside(self, argv: list[str]) -> int:
        """Run `python -m conformance argv` with the environment's interpreter; its exit status.

        Raises:
            AdapterUnavailable: If the environment is not built, with the command that builds it.
        """
        try:
            env = envs.get(self.release)
        except envs.EnvError as e:
            raise AdapterUnavailable(str(e)) from e
        environ = env.environ()
        environ[INSIDE] = self.release
        environ[envs.DIR_VAR] = str(env.path.parent)
        environ["PYTHONPATH"] = os.pathsep.join(p for p in (environ.get("PYTHONPATH"), str(_sources(env))) if p)
        return subprocess.call(env.command("-m", "conformance", *argv), env=environ)

    def module(self) -> types.ModuleType:
        if self.in_process:
            return self._inner().module()
        if self._module is None:
            try:
                self.env = envs.get(self.release)
            except envs.EnvError as e:
                raise AdapterUnavailable(str(e)) from e
            self._module = types.ModuleType("keras")
            self._module.__version__ = self.recipe.version
        return self._module

    def _inner(self) -> Adapter:
        if self.inner is None:
            if self.outside():
                raise AdapterUnavailable(f"{self.release} runs inside its environment: python -m conformance "
                                         f"--impl {self.release} re-runs itself there")
            from conformance.adapters import get_adapter
            self.inner = get_adapter(self.recipe.runner)
            got = str(getattr(self.inner.module(), "__version__", ""))
            if got != self.recipe.version:
                raise AdapterUnavailable(f"{self.release}: imported {self.recipe.module} {got}, not "
                                         f"{self.recipe.version}; rebuild: {self.install} --rebuild")
        return self.inner

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["harness"] = None  # each worker process starts its own harness
        return state

    def version(self) -> str:
        if self.in_process:
            return f"{self._inner().version()} (Python {self.recipe.python}, {self.recipe.base or 'own env'})"
        return f"{self.recipe.version} (theano, Python {self.recipe.python}, harness)"

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        if self.in_process:
            setup = dict(self._inner().snippet_setup(profile))
            setup["preamble"] = ("# run in: python -m conformance env path " + self.release + "\n"
                                 + setup.get("preamble", ""))
            return setup
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
        if self.in_process:
            return self._inner().start(scenario, profile)
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
    trace.fired = fired_actions(call, per)
    err = end["error"]
    if err is not None:
        trace.error = {"type": err["type"], "message": err["message"], "traceback": err.get("traceback", ""),
                       "probe": err["message"].startswith("raised on purpose")}
        return trace
    values = end.get("batch_values")
    if values:  # test_on_batch per data batch, when the learning rate is 0 (the value clauses' reference)
        trace.batch_values = {part: [{k: float(v) for k, v in row.items()} for row in rows]
                              for part, rows in values.items()}
    if call.method == "fit":
        h = end["history"] or {}
        trace.history = {"history": {k: [float(x) for x in v] for k, v in (h.get("history") or {}).items()},
                         "epoch": h.get("epoch", []), "is_model_history": h.get("is_model_history"),
                         "type": h.get("type")}
    else:
        ret = untag(end["returned"])
        trace.returned = np.asarray(ret) if call.method == "predict" else ret
    return trace


def fired_actions(call: Call, per: list[list[Event]]) -> list[tuple[int, int]]:
    """(recorder, action) pairs that ran, found from the events as the harness's recorder decides (an action
    fires at the first outer event of its hook and index, in its epoch for batch hooks; the event is sent
    before the action runs), so that clauses about a raising callback apply to harness rows too."""
    fired = []
    for r, spec in enumerate(call.recorders):
        done: set[int] = set()
        epoch = None
        for e in per[r] if spec.actions else ():
            if e.depth:
                continue
            if e.hook == "on_epoch_begin":
                epoch = e.index
            for i, a in enumerate(spec.actions):
                if i in done or a.hook != e.hook or a.index not in (None, e.index):
                    continue
                if a.epoch is not None and "batch" in e.hook and epoch != a.epoch:
                    continue
                done.add(i)
                fired.append((r, i))
    return fired


def _probe(p: Any) -> Any:
    if isinstance(p, dict) and isinstance(p.get("loss"), list):
        losses = p["loss"]
        return len(losses), float(losses[-1]) if losses else float("nan")
    return p
