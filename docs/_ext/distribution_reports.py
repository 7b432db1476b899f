"""The results of Keras's own distribution under the suite, read from the distributed runs' conformance reports.

``python -m conformance.distributed --report DIR`` writes one report per distributed implementation
(``keras3-jax-dp4``, ``keras3-jax-2proc``, ``tf_keras-mirrored``, ``tf_keras-mwms``, ``refimpl-simulated``;
schema: ``conformance/REPORT_SCHEMA.md``). The stored ones live in ``conformance/distributed/reports/``; set
``KCC_DISTRIBUTED_REPORTS`` to show another directory.

Directives:

``.. distribution-results::``
    A table: one row per distribution clause, one column per distributed implementation, each cell the clause's
    outcome there (``pass``, ``xfail`` for a failure the implementation's expectations file lists, ``fail``,
    ``n/a`` where the clause does not apply).
``.. distribution-runs::``
    A table of the implementations measured: version, processes judged, seconds, when.

Cells hold ids, versions and outcomes only: nothing in them is translated.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from doc_tables import build_table
from doc_tables import fixed_paragraph as _cell
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

REPORTS_ENV = "KCC_DISTRIBUTED_REPORTS"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "conformance" / "distributed" / "reports"
ORDER = ("keras3-jax-dp4", "keras3-jax-2proc", "refimpl-simulated", "tf_keras-mirrored", "tf_keras-mwms")
CELL = {"unchecked": "n/a"}


def load_reports(directory: Path | None = None) -> list[dict[str, Any]]:
    """The distributed reports of `directory` (default: $KCC_DISTRIBUTED_REPORTS, else the stored ones)."""
    directory = Path(directory or os.environ.get(REPORTS_ENV) or DEFAULT_DIR)
    reports = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("schema") == 1 and (data.get("impl") or {}).get("adapter") == "distributed":
            reports.append(data)
    rank = {impl: i for i, impl in enumerate(ORDER)}
    return sorted(reports, key=lambda r: (rank.get(r["impl"]["impl"], len(ORDER)), r["impl"]["impl"]))


def _table(name: str, head: list[str], rows: list[list[tuple[str, bool]]], widths: list[int]) -> nodes.table:
    return build_table([_cell(h) for h in head], [[_cell(text, literal) for text, literal in cells] for cells in rows],
                       widths, ["contract-table", name])


class _ReportsDirective(SphinxDirective):
    def reports(self) -> list[dict[str, Any]]:
        directory = Path(os.environ.get(REPORTS_ENV) or DEFAULT_DIR)
        reports = load_reports(directory)
        for path in directory.glob("*.json"):
            self.env.note_dependency(str(path))
        if not reports:
            raise self.error(f"no distributed conformance reports in {directory}: run "
                             "python -m conformance.distributed --report DIR")
        return reports


class DistributionResults(_ReportsDirective):
    def run(self) -> list[nodes.Node]:
        reports = self.reports()
        ids = []
        for r in reports:
            ids += [c["id"] for c in r["clauses"] if c["id"] not in ids]
        outcomes = {r["impl"]["impl"]: {c["id"]: c["outcome"] for c in r["clauses"]} for r in reports}
        rows = [[(cid, True)] + [(CELL.get(outcomes[r["impl"]["impl"]].get(cid, "—"),
                                           outcomes[r["impl"]["impl"]].get(cid, "—")), False) for r in reports]
                for cid in ids]
        return [_table("distribution-results", ["clause"] + [r["impl"]["impl"] for r in reports], rows,
                       [30] + [12] * len(reports))]


class DistributionRuns(_ReportsDirective):
    def run(self) -> list[nodes.Node]:
        rows = []
        for r in self.reports():
            rows.append([(r["impl"]["impl"], True), (str(r["impl"].get("version") or "—"), False),
                         (r["profile"], True), (str(r["scenarios"]), False), (f"{r['seconds']:.0f}", False),
                         (r["finished"][:10], False)])
        return [_table("distribution-runs", ["implementation", "version", "profile", "processes", "s", "date"], rows,
                       [20, 8, 8, 8, 6, 10])]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("distribution-results", DistributionResults)
    app.add_directive("distribution-runs", DistributionRuns)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
