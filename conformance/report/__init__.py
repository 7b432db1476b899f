"""The run's results as a JSON report (schema: conformance/REPORT_SCHEMA.md), a static HTML matrix, and
`report.json`: every run of the directory in one file, which the docs' matrix page reads."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from conformance.runner import Run
from conformance.spec import clause_ids, load_clauses

SCHEMA_VERSION = 1
TEMPLATES = Path(__file__).parent
OUTCOMES = ("pass", "xfail", "fail", "xpass", "unchecked", "error")
COMBINED = "report.json"


def outcome(status: str, expected: str | None) -> str:
    """pass / xfail (expected failure) / fail (unexpected) / xpass (unexpected pass) / unchecked / error (the
    clause's check raised and it never failed: the suite could not judge it)."""
    if status == "fail":
        return "xfail" if expected else "fail"
    if status == "pass":
        return "xpass" if expected else "pass"
    return "error" if status == "error" else "unchecked"


def unexpected(summary: dict[str, int]) -> int:
    """What makes a run not ok: unexpected failures and passes, adapter errors and check errors."""
    return summary["fail"] + summary["xpass"] + summary["errors"] + summary["check_errors"]


def build_report(run: Run, expected: dict[str, str], warnings: list[str]) -> dict[str, Any]:
    """The JSON-able report of a finished run (see REPORT_SCHEMA.md)."""
    rows = []
    for cid, tally in run.tallies.items():
        c = tally.clause
        rows.append({
            "id": cid, "kind": c.kind, "statement": c.statement, "source": c.source, "hooks": list(c.hooks),
            "status": tally.status, "outcome": outcome(tally.status, expected.get(cid)),
            "expected_reason": expected.get(cid), "checked": tally.checked, "failed": tally.failed,
            "check_errors": tally.check_errors,
            "messages": tally.messages, "shrunk": tally.shrunk, "family": tally.family,
            "scenario": tally.scenario.to_dict() if tally.scenario else None,
            "snippet": run.snippet(tally.scenario) if tally.scenario else None,
        })
    summary = {k: sum(r["outcome"] == k for r in rows) for k in OUTCOMES}
    summary["errors"] = len(run.errors)
    summary["check_errors"] = len(run.check_errors)
    warnings = list(warnings) + [f"{r['id']}: never checked" for r in rows if r["outcome"] == "unchecked"]
    return {
        "schema": SCHEMA_VERSION,
        "impl": run.adapter.describe(),
        "profile": run.profile,
        "hypothesis_profile": run.hyp_name,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(run.seconds, 3),
        "scenarios": run.scenarios_run,
        "examples_per_second": round(run.scenarios_run / run.seconds, 2) if run.seconds else None,
        "phases": run.families,
        "worker_restarts": run.worker_restarts,
        "summary": summary,
        "ok": unexpected(summary) == 0,
        "clauses": rows,
        "errors": [{"kind": "adapter", "clause": None, "family": e.family, "scenario": e.scenario.to_dict(),
                    "traceback": e.traceback} for e in run.errors[:20]]
        + [{"kind": "check", "clause": e.clause, "family": e.family, "scenario": e.scenario.to_dict(),
            "traceback": e.traceback} for e in run.check_errors[:20]],
        "warnings": warnings,
    }


def write_report(report: dict[str, Any], directory: Path | str) -> tuple[Path, Path]:
    """Write `<impl>-<profile>.json` into `directory`; (re)build `index.html` and `report.json` from every run
    there."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{report['impl']['impl']}-{report['profile']}.json"
    path = directory / name
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=1, default=str))
    tmp.replace(path)
    return path, write_matrix(directory)


def write_matrix(directory: Path | str) -> Path:
    """Build the static HTML matrix (implementations x clauses) and `report.json` (`{"schema", "runs"}`) from
    the per-run JSON reports in `directory`."""
    directory = Path(directory)
    reports = []
    for p in sorted(directory.glob("*.json")):
        if p.name == COMBINED:
            continue
        try:
            data = json.loads(p.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if data.get("schema") == SCHEMA_VERSION and "runs" not in data:
            reports.append(data)
    combined = directory / COMBINED
    tmp = combined.with_suffix(".json.tmp")
    tmp.write_text(json.dumps({"schema": SCHEMA_VERSION, "runs": reports}, indent=1, default=str))
    tmp.replace(combined)
    clauses = [{"id": c.id, "kind": c.kind, "statement": c.statement, "profiles": list(c.profiles)}
               for c in load_clauses()]
    payload = json.dumps({"clauses": clauses, "reports": reports}, default=str).replace("</", "<\\/")
    html = (TEMPLATES / "matrix.html").read_text()
    html = html.replace("/*CSS*/", (TEMPLATES / "matrix.css").read_text())
    html = html.replace("/*JS*/", (TEMPLATES / "matrix.js").read_text())
    html = html.replace("/*DATA*/null", payload)
    out = directory / "index.html"
    out.write_text(html)
    return out


def known_clause_ids() -> set[str]:
    return clause_ids()
