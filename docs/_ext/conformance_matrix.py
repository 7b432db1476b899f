"""The conformance matrix pages: the stored compatibility matrix, what changed when, and a live report.

``.. conformance-stored-matrix::``
    The stored reports of ``conformance/matrix/reports/`` (``python -m conformance matrix build``), on every
    build: a summary row per release and profile, then per family a grid of clauses × releases (ordered by
    release) and the failures with their reason and evidence. ``KCC_MATRIX_REPORTS`` names another directory.
``.. conformance-what-changed::``
    For each family, each clause whose verdict changes between consecutive releases (within a profile, or across
    a profile boundary, which the page says), with both releases and the evidence.
``.. conformance-matrix::``
    Implementations × clauses, read from a ``python -m conformance`` JSON report given at build time
    (``KCC_CONFORMANCE_REPORT``). Without one, the page says so and how to produce it, rather than showing an
    empty or stale table. The report's format is described in ``conformance/REPORT_SCHEMA.md``.

Data (clause ids, versions, profiles, counts, the suite's evidence messages and the expectations files'
reasons) is shown as is in every language; the headers, the legend and the verdict words are translated. Every
translatable sentence of the stored pages appears on them whatever the reports say (the legends list every
word a cell may hold), so the catalogs never depend on which reports are stored.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from doc_tables import build_table
from doc_tables import fixed_paragraph as _fixed
from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

REPORT_ENV = "KCC_CONFORMANCE_REPORT"
STORED_ENV = "KCC_MATRIX_REPORTS"


def report_path(config_value: str) -> Path:
    return Path(os.environ.get(REPORT_ENV) or config_value)


def _runs(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per implementation run: name, profile and ``{clause id: outcome}``."""
    runs = report.get("runs") if isinstance(report.get("runs"), list) else [report]
    result = []
    for run in runs:
        impl = run.get("impl") or run.get("implementation") or "?"
        if isinstance(impl, dict):  # REPORT_SCHEMA.md: {"impl", "adapter", "backend", "version", ...}
            impl = " ".join(str(part) for part in (impl.get("impl"), impl.get("version")) if part)
        profile = run.get("profile") or "?"
        outcomes: dict[str, str] = {}
        for clause in run.get("clauses", []):
            outcomes[str(clause.get("id"))] = str(clause.get("outcome") or clause.get("status") or "?")
        result.append({"name": f"{impl} ({profile})", "outcomes": outcomes})
    return result


class ConformanceMatrix(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        # The page reflects the report of *this* build: it is re-read every time (see always_reread).
        matrix_docs(self.env).add(self.env.docname)
        path = report_path(self.config.conformance_report_path)
        if not path.is_file():
            return [self._note(
                "No conformance report was present when this site was built, so there is no matrix to show. "
                "Run ``python -m conformance --report conformance-report`` and rebuild the docs to include one."
            )]
        self.env.note_dependency(str(path))
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
            runs = _runs(report)
        except (OSError, ValueError, AttributeError) as exc:
            raise self.error(f"cannot read the conformance report {path}: {exc}") from exc
        clause_ids = sorted({cid for run in runs for cid in run["outcomes"]})
        head = [_fixed("clause"), *(_fixed(run["name"]) for run in runs)]
        rows = [[_fixed(cid, literal=True), *(_fixed(run["outcomes"].get(cid, "—")) for run in runs)]
                for cid in clause_ids]
        return [build_table(head, rows, [30, *(12 for _ in runs)], ["contract-table", "conformance-matrix"])]

    def _note(self, text: str) -> nodes.note:
        inline, _ = self.state.inline_text(text, self.lineno)
        para = nodes.paragraph(text, "", *inline)
        para.source, para.line = self.get_source_info()
        return nodes.note("", para)



MARKS = {"pass": "ok", "xfail": "known", "fail": "FAIL", "xpass": "XPASS", "unchecked": "--", "error": "ERROR"}
MARK_MEANINGS = (
    ("ok", "The clause held in every scenario that checked it."),
    ("known", "The clause failed, as the implementation's expectations file says; the reason is listed below."),
    ("FAIL", "The clause failed, and the expectations file does not list it: an unexpected failure."),
    ("XPASS", "The clause held although the expectations file lists it as a known failure."),
    ("--", "No scenario checked the clause on this release."),
    ("ERROR", "The suite could not judge the clause: its check raised."),
    ("·", "The clause is not part of the profile this release is checked against."),
)
VERDICT_MEANINGS = (
    ("holds", "The clause held in every scenario that checked it."),
    ("fails", "The clause failed in at least one scenario, whether or not the expectations file lists it."),
    ("unchecked", "No scenario checked the clause on this release."),
    ("error", "The suite could not judge the clause: its check raised."),
    ("profile boundary", "The two releases are checked against different profiles: only the clauses both "
                         "profiles have are compared, and a change may come from the profiles rather than from "
                         "the releases."),
)


def stored_reports_dir(config_value: str) -> Path:
    return Path(os.environ.get(STORED_ENV) or config_value)


class StoredDirective(SphinxDirective):
    """Shared helpers: the stored reports (re-read on every build) and tables of fixed and translated cells."""

    def reports(self) -> list[dict[str, Any]]:
        matrix_docs(self.env).add(self.env.docname)
        try:
            from conformance import matrix as mx
        except ImportError as exc:
            raise self.error(f"the matrix pages need the conformance package: {exc}") from exc
        directory = stored_reports_dir(self.config.conformance_matrix_reports)
        try:
            reports = mx.read_reports(directory)
        except mx.MatrixError as exc:
            raise self.error(str(exc)) from exc
        if not reports:
            raise self.error(f"no stored matrix reports in {directory}; run python -m conformance matrix build")
        for report in reports:
            self.env.note_dependency(str(directory / report["_file"]))
        try:  # the distributed runs' reports, shown as one more family (conformance/distributed/reports)
            distributed = mx.distributed_reports()
        except mx.MatrixError as exc:
            raise self.error(str(exc)) from exc
        for report in distributed:
            self.env.note_dependency(str(mx.DISTRIBUTED_REPORTS_DIR / report["_file"]))
        return reports + distributed

    def tpara(self, text: str) -> nodes.paragraph:
        """A translated paragraph, with the source position gettext needs to extract it."""
        inline, _ = self.state.inline_text(text, self.lineno)
        para = nodes.paragraph(text, "", *inline)
        para.source, para.line = self.get_source_info()
        return para

    def table(self, headers: list[str], rows: list[list[nodes.Node | list[nodes.Node]]], widths: list[int],
              classes: tuple[str, ...] = ()) -> nodes.table:
        return build_table([self.tpara(h) for h in headers], rows, widths, ["contract-table", *classes])

    def legend(self, entries: tuple[tuple[str, str], ...], first: str, translate_first: bool) -> nodes.table:
        rows = [[self.tpara(word) if translate_first else _fixed(word, literal=True),
                 self.tpara(meaning)] for word, meaning in entries]
        return self.table([first, "Meaning"], rows, [16, 70], ("conformance-legend",))

    @staticmethod
    def rubric(text: str) -> nodes.rubric:
        rubric = nodes.rubric("", "", nodes.literal(text, text))
        rubric["translatable"] = False
        return rubric


def _column(report: dict[str, Any]) -> str:
    return f"{report['release']} {report['profile']}"


def _counts(report: dict[str, Any]) -> str:
    s = report["summary"]
    parts = [f"{s[k]} {MARKS[k]}" for k in ("pass", "xfail", "fail", "xpass", "unchecked", "error") if s.get(k)]
    if s.get("errors"):
        parts.append(f"{s['errors']} adapter errors")
    if s.get("check_errors"):
        parts.append(f"{s['check_errors']} check errors")
    return " · ".join(parts)


def _versions(report: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(report.get("versions", {}).items()))


class StoredMatrix(StoredDirective):
    """The stored reports: a summary, then per family clauses × releases and the failures' evidence."""

    def run(self) -> list[nodes.Node]:
        reports = self.reports()
        result: list[nodes.Node] = [self.legend(MARK_MEANINGS, "Mark", translate_first=False)]
        summary = [[_fixed(r["family"], literal=True), _fixed(r["release"]), _fixed(r["profile"], literal=True),
                    _fixed(r["era"]), _fixed(_versions(r)), _fixed(_counts(r))] for r in reports]
        result.append(self.table(["Family", "Release", "Profile", "Era", "Versions", "Clauses"], summary,
                                 [14, 8, 8, 8, 40, 22], ("conformance-stored-summary",)))
        families: dict[str, list[dict[str, Any]]] = {}
        for r in reports:
            families.setdefault(r["family"], []).append(r)
        failures = []
        for family, runs in families.items():
            result.append(self.rubric(family))
            ids = list(dict.fromkeys(c["id"] for r in runs for c in r["clauses"]))
            outcome = [{c["id"]: c for c in r["clauses"]} for r in runs]
            grid = [[_fixed(cid, literal=True)]
                    + [_fixed(MARKS.get(o[cid]["outcome"], o[cid]["outcome"]) if cid in o else "·") for o in outcome]
                    for cid in ids]
            head = [self.tpara("Clause"), *(_fixed(_column(r)) for r in runs)]
            result.append(build_table(head, grid, [30] + [10] * len(runs),
                                      ["contract-table", "conformance-stored-grid"]))
            for r in runs:
                for c in r["clauses"]:
                    if c["status"] == "fail":
                        failures.append([_fixed(family, literal=True), _fixed(r["release"]),
                                         _fixed(r["profile"], literal=True), _fixed(c["id"], literal=True),
                                         _fixed(MARKS[c["outcome"]]), _fixed(c.get("reason") or "—"),
                                         _fixed(c.get("evidence") or "—")])
        # Always shown (a dash row when nothing fails), so that the page's sentences do not depend on the data.
        result.append(self.table(["Family", "Release", "Profile", "Clause", "Mark", "Reason", "Evidence"],
                                 failures or [[_fixed("—") for _ in range(7)]], [12, 7, 7, 24, 6, 30, 40],
                                 ("conformance-stored-failures",)))
        return result


class WhatChanged(StoredDirective):
    """Each clause whose verdict changes between consecutive releases of a family, with the evidence."""

    def run(self) -> list[nodes.Node]:
        from conformance import matrix as mx

        reports = self.reports()
        steps = mx.steps(reports)
        result: list[nodes.Node] = [self.legend(VERDICT_MEANINGS, "Word", translate_first=True)]
        overview = []
        for step in steps:
            profiles = (step.after["profile"] if step.before["profile"] == step.after["profile"]
                        else f"{step.before['profile']} → {step.after['profile']}")
            cell = [_fixed(profiles)] + ([self.tpara("profile boundary")]
                                         if step.before["profile"] != step.after["profile"] else [])
            overview.append([_fixed(step.family, literal=True), _fixed(step.before["release"]),
                             _fixed(step.after["release"]), cell, _fixed(str(len(step.changes)))])
        # Both tables are always shown (a dash row when empty): the page's sentences do not depend on the data.
        result.append(self.table(["Family", "From", "To", "Profiles", "Changed"],
                                 overview or [[_fixed("—") for _ in range(5)]], [16, 10, 10, 20, 8],
                                 ("conformance-what-changed-steps",)))
        rows = []
        for step in steps:
            for ch in step.changes:
                before, after = ch.before["release"], ch.after["release"]
                evidence = [_fixed(f"{before}: {ch.evidence_before}") if ch.evidence_before else None,
                            _fixed(f"{after}: {ch.evidence_after}") if ch.evidence_after else None]
                evidence = [e for e in evidence if e is not None] or [_fixed("—")]
                to = [_fixed(f"{after} {ch.after['profile']}")]
                if ch.profile_boundary:
                    to.append(self.tpara("profile boundary"))
                rows.append([_fixed(step.family, literal=True), _fixed(ch.clause, literal=True),
                             _fixed(f"{before} {ch.before['profile']}"), to, self.tpara(ch.verdict_before),
                             self.tpara(ch.verdict_after), evidence])
        result.append(self.table(["Family", "Clause", "From", "To", "Before", "After", "Evidence"],
                                 rows or [[_fixed("—") for _ in range(7)]], [12, 22, 9, 9, 8, 8, 44],
                                 ("conformance-what-changed",)))
        return result


def matrix_docs(env) -> set[str]:
    """The documents that show a matrix, kept in the build environment between builds."""
    if not hasattr(env, "kcc_conformance_matrix_docs"):
        env.kcc_conformance_matrix_docs = set()
    return env.kcc_conformance_matrix_docs


def always_reread(app: Sphinx, env, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    """Re-read the matrix pages on every build.

    Sphinx re-reads a page when its source or a noted dependency changed; neither covers a report that appeared
    since the last build, another report named by ``KCC_CONFORMANCE_REPORT``, or one that was removed. Reading
    the page again costs one JSON file.
    """
    return sorted(matrix_docs(env) - removed)


def purge(app: Sphinx, env, docname: str) -> None:
    matrix_docs(env).discard(docname)


def merge(app: Sphinx, env, docnames: set[str], other) -> None:
    matrix_docs(env).update(matrix_docs(other) & set(docnames))


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("conformance_report_path", "", "env", types=(str,))
    app.add_config_value("conformance_matrix_reports", "", "env", types=(str,))
    app.add_directive("conformance-matrix", ConformanceMatrix)
    app.add_directive("conformance-stored-matrix", StoredMatrix)
    app.add_directive("conformance-what-changed", WhatChanged)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
