"""Drive a callback through the corner runs and hypothesis-generated runs; shrink what fails; report.

Phases: (1) the corner runs (`plan.corner_plans`), one per corner of the contract; (2) hypothesis draws runs
(`plan.run_plans`) and, for each distinct finding, shrinks the run that shows it. Every run executes in a
worker process with a deadline (`worker.Worker`). The whole check keeps to a time budget (and stops after
`MAX_HANGS` hangs): once it is spent, the search ends, keeping the smallest failing run of each finding it
has. Each run's verdict is cached, so hypothesis's replays cost nothing and cannot turn flaky.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import Phase, given, settings

from conformance import hypothesis_profiles
from conformance.adapters import get_adapter
from conformance.callback_check.plan import RunPlan, corner_plans, run_plans
from conformance.callback_check.program import program
from conformance.callback_check.worker import Worker

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

EXPECTATIONS = Path(__file__).resolve().parents[1] / "expectations"

DEFAULT_BUDGET = 20.0  # seconds for one callback on refimpl; a live implementation gets LIVE_BUDGET
LIVE_BUDGET = 300.0
DEFAULT_TIMEOUT = {"refimpl": 5.0}
LIVE_TIMEOUT = 60.0
EXAMPLES = {"ci": 300, "dev": 600, "thorough": 3000}
MAX_HANGS = 2  # each hang costs the timeout and a new worker: after this many, no new runs start


@dataclass
class CallbackFinding:
    """One distinct problem: its kind, where, what, and the smallest run that shows it."""

    kind: str  # crash | hang | file | invariant
    where: str
    message: str
    plan: RunPlan
    snippet: str
    traceback: str = ""
    runs: int = 1
    nested: bool = False
    known: str = ""  # the reason, when the implementation's expectations list this finding

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "where": self.where, "message": self.message, "runs": self.runs,
                "traceback": self.traceback, "snippet": self.snippet, "nested": self.nested, "known": self.known}


@dataclass
class CallbackReport:
    """The verdict on one callback: findings (empty when it held up), and what was run."""

    target: str
    impl: str
    version: str
    runs: int = 0
    seconds: float = 0.0
    findings: list[CallbackFinding] = field(default_factory=list)
    known: list[CallbackFinding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    coverage: dict[str, int] = field(default_factory=dict)
    unchecked_files: list[str] = field(default_factory=list)
    budget_spent: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings and not self.errors

    def to_dict(self) -> dict[str, Any]:
        return {"target": self.target, "impl": self.impl, "version": self.version, "runs": self.runs,
                "seconds": round(self.seconds, 2), "ok": self.ok, "budget_spent": self.budget_spent,
                "coverage": self.coverage, "unchecked_files": self.unchecked_files, "errors": self.errors,
                "findings": [f.to_dict() for f in self.findings], "known": [f.to_dict() for f in self.known]}

    def format(self, snippets: bool = True) -> str:
        """The report as text: one block per finding, with the replay snippet."""
        early = " (stopped early: time budget spent or hang limit reached)" if self.budget_spent else ""
        lines = [f"callback check: {self.target} on {self.impl} {self.version}: {self.runs} runs in "
                 f"{self.seconds:.1f} s{early}"]
        lines.append("  runs per corner: " + ", ".join(f"{k} {v}" for k, v in sorted(self.coverage.items())))
        if self.unchecked_files:
            lines.append("  files no reader claims (not checked): " + ", ".join(self.unchecked_files[:10]))
        for e in self.errors:
            lines.append(f"ERROR {e}")
        for f in self.known:
            lines.append(f"KNOWN {f.kind} {f.where}: {f.message.splitlines()[0]}  [{f.runs} runs]: a defect of "
                         f"{self.impl} listed in its expectations, not of the callback")
        for f in self.findings:
            lines.append("")
            nested = " (in an evaluate nested in fit)" if f.nested else ""
            lines.append(f"{f.kind.upper()} {f.where}{nested}: {f.message.splitlines()[0] if f.message else ''}"
                         f"  [{f.runs} run{'s' if f.runs != 1 else ''}]")
            rest = f.message.splitlines()[1:]
            lines += [f"  {line}" for line in rest[:8]]
            if f.traceback:
                lines += ["  " + line for line in f.traceback.rstrip().splitlines()[-12:]]
            if snippets:
                lines += ["  replay (python -):", *("    " + line if line else "" for line in f.snippet.splitlines())]
        lines.append("")
        lines.append("OK: no crash, hang, half-written file or broken invariant" if self.ok else
                     f"{len(self.findings)} finding(s), {len(self.errors)} error(s)")
        return "\n".join(lines)


def load_known(impl: str, directory: Path = EXPECTATIONS) -> list[dict[str, str]]:
    """The loop defects of `impl` that callback checks run into: ``callback-check-<impl>.toml``'s ``[[known]]``.

    Raises:
        ValueError: If an entry lacks ``kind``, ``where``, ``message`` or ``reason``, or has other keys.
    """
    path = directory / f"callback-check-{impl}.toml"
    if not path.exists():
        return []
    with path.open("rb") as f:
        data = tomllib.load(f)
    entries = data.get("known", [])
    for i, e in enumerate(entries):
        if set(e) != {"kind", "where", "message", "reason"}:
            raise ValueError(f"{path.name}: entry #{i + 1} needs exactly kind, where, message and reason")
    return entries


def _known_reason(verdict: dict[str, Any], known: list[dict[str, str]]) -> str:
    for e in known:
        if (verdict.get("kind"), verdict.get("where")) == (e["kind"], e["where"]) and \
                verdict.get("message", "").startswith(e["message"]):
            return e["reason"]
    return ""


def _key(verdict: dict[str, Any]) -> tuple[str, str, str]:
    kind, where = verdict["kind"], verdict["where"]
    if kind == "crash":
        return kind, where, verdict["message"].split(":", 1)[0]
    if kind == "file":
        return kind, "".join("#" if ch.isdigit() else ch for ch in where), ""
    return kind, where, ""


class _Failed(Exception):
    """Raised inside the hypothesis test so that hypothesis shrinks the run; one subclass per finding."""


_CLASSES: dict[tuple[str, str, str], type] = {}


def _failure_class(key: tuple[str, str, str]) -> type:
    if key not in _CLASSES:  # hypothesis shrinks each distinct exception type separately
        _CLASSES[key] = type(f"Failed{len(_CLASSES)}", (_Failed,), {})
    return _CLASSES[key]


def check_callback(target: str, impl: str = "refimpl", *, hypothesis_profile: str = "ci",
                   budget: float | None = None, run_timeout: float | None = None,
                   max_examples: int | None = None, shrink: bool = True, eager: bool | None = None,
                   worker: Worker | None = None,
                   progress: Callable[[str], None] | None = None) -> CallbackReport:
    """Check the callback made by `target` (``"module:factory"``) on `impl`.

    Args:
        target: The factory, ``"module:factory"`` (see `conformance.callback_check.subject`).
        impl: The implementation, as for ``--impl``. Defaults to `"refimpl"`.
        hypothesis_profile: ``ci``, ``dev`` or ``thorough``. Defaults to `"ci"`.
        budget: Seconds for the whole check. Defaults to 20 on refimpl, 300 on a live implementation.
        run_timeout: Seconds one run may take before it counts as a hang. Defaults to 5 on refimpl, 60 on a
            live implementation.
        max_examples: Generated runs at most. Defaults to the profile's number (ci 300, dev 600, thorough 3000).
        shrink: Whether to look for the smallest run that shows each finding. Defaults to `True`.
        eager: Compile the runs' models with ``run_eagerly=True``. Defaults to `True` on a live implementation
            (each run builds a new model, and compiling its step function costs seconds), `False` on refimpl.
        worker: A worker to reuse (its implementation must be `impl`). Defaults to a new one, closed at the end.
        progress: Called with progress lines. Defaults to `None` (silent).

    Returns:
        The report; ``report.ok`` is true when nothing was found.
    """
    adapter = get_adapter(impl)
    live = adapter.name != "refimpl"
    budget = budget if budget is not None else (LIVE_BUDGET if live else DEFAULT_BUDGET)
    timeout = run_timeout if run_timeout is not None else (LIVE_TIMEOUT if live else DEFAULT_TIMEOUT["refimpl"])
    setup = {**adapter.snippet_setup("keras3"), "eager": live if eager is None else eager}
    own = worker is None
    worker = worker or Worker(adapter.id, timeout)
    report = CallbackReport(target, adapter.id, "")
    say = progress or (lambda line: None)
    t0 = time.monotonic()
    cache: dict[RunPlan, dict[str, Any]] = {}
    best: dict[tuple[str, str, str], tuple[RunPlan, dict[str, Any]]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    coverage: dict[str, int] = {}
    unchecked: set[str] = set()
    state = {"spent": False}
    known = load_known(adapter.id)
    known_keys: dict[tuple[str, str, str], str] = {}

    def hangs() -> int:
        return sum(n for key, n in counts.items() if key[0] == "hang")

    def run(plan: RunPlan, corner: bool = False) -> dict[str, Any] | None:
        if plan in cache:
            return cache[plan]
        if (not corner and time.monotonic() - t0 > budget) or hangs() >= MAX_HANGS:
            state["spent"] = True
            raise _BudgetSpent
        verdict = worker.run(program(plan, target, **setup), timeout)
        cache[plan] = verdict
        report.runs += 1
        for feature in plan.features():
            coverage[feature] = coverage.get(feature, 0) + 1
        unchecked.update(verdict.get("unchecked", ()))
        if verdict["status"] == "error":
            raise _HarnessStop(verdict["message"])
        if verdict["status"] == "finding":
            key = _key(verdict)
            counts[key] = counts.get(key, 0) + 1
            if key not in best or plan.size() <= best[key][0].size():
                best[key] = (plan, verdict)
            reason = _known_reason(verdict, known)
            if reason:
                known_keys[key] = reason
                cache[plan] = {**verdict, "status": "known"}  # the search goes on past a known defect of the loop
                return cache[plan]
        return verdict

    try:
        worker.timeout = timeout
        try:
            for plan in corner_plans():
                run(plan, corner=True)  # the corners run whatever the time budget says
            say(f"  corner runs: {report.runs} in {time.monotonic() - t0:.1f} s, findings so far: {len(best)}")
            base = hypothesis_profiles.get(hypothesis_profile)

            @settings(base, max_examples=max_examples or EXAMPLES[hypothesis_profile], database=None,
                      phases=[Phase.generate] + ([Phase.shrink] if shrink else []),
                      report_multiple_bugs=True)
            @given(run_plans())
            def explore(plan: RunPlan) -> None:
                verdict = run(plan)
                if verdict is not None and verdict["status"] == "finding":
                    raise _failure_class(_key(verdict))(verdict["message"])

            try:
                explore()
            except (_HarnessStop, _BudgetSpent):
                raise
            except BaseException as e:  # noqa: BLE001 - hypothesis re-raises the shrunk failures
                if not _only_findings(e):
                    raise
            say(f"  generated runs: {report.runs} in {time.monotonic() - t0:.1f} s, findings: {len(best)}")
        except _HarnessStop as e:
            report.errors.append(str(e))
        except _BudgetSpent:
            say(f"  stopped after {report.runs} runs, {time.monotonic() - t0:.1f} s: budget or hang limit reached")
        report.version = worker.version
    finally:
        if own:
            worker.close()
    report.seconds = time.monotonic() - t0
    report.budget_spent = state["spent"]
    report.coverage = coverage
    report.unchecked_files = sorted(unchecked)
    for key, (plan, verdict) in sorted(best.items(), key=lambda kv: kv[0]):
        finding = CallbackFinding(verdict["kind"], verdict["where"], verdict["message"], plan,
                                  program(plan, target, **setup), verdict.get("traceback", ""), counts[key],
                                  bool(verdict.get("nested")), known_keys.get(key, ""))
        (report.known if finding.known else report.findings).append(finding)
    return report


class _BudgetSpent(BaseException):
    """The time budget or the hang limit is reached: hypothesis lets a BaseException through at once, so the
    search (or the shrinking) ends here; the smallest failing runs found so far are kept."""


class _HarnessStop(Exception):
    """The target cannot be run at all (bad factory): reported as an error, no further runs."""


def _only_findings(e: BaseException) -> bool:
    if isinstance(e, _Failed):
        return True
    inner = getattr(e, "exceptions", None)
    return bool(inner) and all(_only_findings(x) for x in inner)


__all__ = ["CallbackFinding", "CallbackReport", "check_callback"]
