"""The distributed measurements as conformance reports (schema: conformance/REPORT_SCHEMA.md), one per run kind.

Each distributed implementation (`IMPLS`) is one report: the clauses of `spec/distribution.toml` in its profile,
judged on that implementation's part of a measurement, against `conformance/expectations/<impl>.toml`. A clause
that does not apply to the implementation (a multi-process clause on one process) is `unchecked`. `scenarios`
counts the processes whose traces were judged; each clause's `checked` is 1 (one measurement) or 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from conformance.checks.distribution import judge
from conformance.expectations import load_expectations
from conformance.report import OUTCOMES, SCHEMA_VERSION, outcome, write_report
from conformance.spec import clause_ids, load_clauses


@dataclass(frozen=True)
class DistributedImpl:
    id: str
    runs: tuple[str, ...]  # the measurement's runs this implementation is made of
    profile: str
    backend: str | None
    what: str  # one line: devices, processes


IMPLS = (
    DistributedImpl("keras3-jax-dp4", ("dp4",), "keras3", "jax",
                    "Keras 3, DataParallel over 4 virtual CPU devices, 1 process"),
    DistributedImpl("keras3-jax-2proc", ("mp",), "keras3", "jax",
                    "Keras 3, 2 processes x 2 CPU devices, jax.distributed on 127.0.0.1"),
    DistributedImpl("tf_keras-mirrored", ("mirrored2",), "tf-keras", None,
                    "tf-keras, MirroredStrategy over 2 logical CPU devices, 1 process"),
    DistributedImpl("tf_keras-mwms", ("mwms",), "tf-keras", None,
                    "tf-keras, MultiWorkerMirroredStrategy, 2 workers on 127.0.0.1"),
    DistributedImpl("refimpl-simulated", ("sim",), "keras3", None,
                    "refimpl.testing.simulated_data_parallel: every role in 1 process"),
)
BY_ID = {impl.id: impl for impl in IMPLS}


def part(measurement: dict[str, Any], impl: DistributedImpl) -> dict[str, Any]:
    """`measurement` restricted to `impl`'s runs (the seed refusal belongs to the 2-process run only)."""
    m = {k: v for k, v in measurement.items() if k not in ("runs", "refused")}
    m["runs"] = {r: measurement["runs"][r] for r in impl.runs}
    if "mp" in impl.runs and "refused" in measurement:
        m["refused"] = measurement["refused"]
    return m


def build(impl: DistributedImpl, measurements: list[dict[str, Any]], seconds: float,
          version: str | None) -> dict[str, Any]:
    """The report of `impl` judged on `measurements` (its part of the main measurement, and the kill trials)."""
    verdicts: dict[str, list[str] | None] = {}
    processes = 0
    for m in measurements:
        if "runs" in m:
            m = part(m, impl)
            processes += sum(len(t) for t in m["runs"].values())
        else:
            processes += 2 * len(m["trials"])
        for cid, v in judge(m, impl.profile).items():
            if v is not None or cid not in verdicts:
                verdicts[cid] = v if verdicts.get(cid) is None else verdicts[cid] + (v or [])
    expected, warnings = load_expectations(impl.id, clause_ids())
    rows = []
    for c in load_clauses(impl.profile):
        if c.kind != "distribution":
            continue
        v = verdicts.get(c.id)
        status = "unchecked" if v is None else ("fail" if v else "pass")
        rows.append({
            "id": c.id, "kind": c.kind, "statement": c.statement, "source": c.source, "hooks": list(c.hooks),
            "status": status, "outcome": outcome(status, expected.get(c.id)), "expected_reason": expected.get(c.id),
            "checked": 0 if v is None else 1, "failed": 1 if v else 0, "check_errors": 0, "messages": (v or [])[:5],
            "shrunk": False, "family": "distributed" if v else None, "scenario": None, "snippet": None,
        })
    summary = {k: sum(r["outcome"] == k for r in rows) for k in OUTCOMES}
    summary.update(errors=0, check_errors=0)
    return {
        "schema": SCHEMA_VERSION,
        "impl": {"impl": impl.id, "adapter": "distributed", "backend": impl.backend, "version": version,
                 "profiles": [impl.profile], "what": impl.what},
        "profile": impl.profile,
        "hypothesis_profile": None,  # measured once, no hypothesis search
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(seconds, 3),
        "scenarios": processes,
        "examples_per_second": round(processes / seconds, 2) if seconds else None,
        "phases": {"distributed": {"scenarios": processes, "seconds": round(seconds, 3)}},
        "summary": summary,
        "ok": summary["fail"] + summary["xpass"] == 0,
        "clauses": rows,
        "errors": [],
        "warnings": warnings + [f"{r['id']}: does not apply to {impl.id}" for r in rows if r["status"] == "unchecked"],
    }


def write(reports: list[dict[str, Any]], directory: str | Path) -> list[Path]:
    """Write each report as `<impl>-<profile>.json` into `directory` (and rebuild its index.html, report.json)."""
    return [write_report(r, directory)[0] for r in reports]


def reports_from(measured: dict[str, dict[str, Any]], directory: str | Path) -> list[Path]:
    """Write the reports that `measured` allows into `directory`.

    Args:
        measured: By kind: `"keras3"` (`harness.measure`), `"kill"` (`kill.kill_trials`), `"tf_keras"`
            (`harness.measure_tf_keras`), `"tf_kill"` (`kill.kill_trials(..., kind="tf")`), `"simulated"`
            (`simulated.measure_simulated`); any may be missing.
        directory: Where `<impl>-<profile>.json` go.
    """
    reports = []
    if "simulated" in measured:
        m = measured["simulated"]
        reports.append(build(BY_ID["refimpl-simulated"], [m], m.get("seconds", 0.0), None))
    if "keras3" in measured:
        m = measured["keras3"]
        version = m["reference"]["keras"]
        reports.append(build(BY_ID["keras3-jax-dp4"], [m], m["seconds"], version))
        parts = [m] + ([measured["kill"]] if "kill" in measured else [])
        reports.append(build(BY_ID["keras3-jax-2proc"], parts, sum(p["seconds"] for p in parts), version))
    if "tf_keras" in measured:
        m = measured["tf_keras"]
        reports.append(build(BY_ID["tf_keras-mirrored"], [m], m["seconds"], m["reference"]["keras"]))
        parts = [m] + ([measured["tf_kill"]] if "tf_kill" in measured else [])
        reports.append(build(BY_ID["tf_keras-mwms"], parts, sum(p["seconds"] for p in parts), m["reference"]["keras"]))
    return write(reports, directory)
