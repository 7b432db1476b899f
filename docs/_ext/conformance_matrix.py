"""The conformance matrix page: implementations × clauses, read from a ``python -m conformance`` JSON report.

The report is optional at build time. Without one, the page says so and how to produce it, rather than showing
an empty or stale table. The report's format is described in ``conformance/REPORT_SCHEMA.md``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

REPORT_ENV = "KCC_CONFORMANCE_REPORT"


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
        table = nodes.table(classes=["contract-table", "conformance-matrix"])
        group = nodes.tgroup(cols=len(runs) + 1)
        table += group
        group += nodes.colspec(colwidth=30)
        for _ in runs:
            group += nodes.colspec(colwidth=12)
        head = nodes.row()
        head += nodes.entry("", self._fixed("clause"))
        for run in runs:
            head += nodes.entry("", self._fixed(run["name"]))
        group += nodes.thead("", head)
        body = nodes.tbody()
        group += body
        for cid in clause_ids:
            row = nodes.row()
            row += nodes.entry("", self._fixed(cid, literal=True))
            for run in runs:
                row += nodes.entry("", self._fixed(run["outcomes"].get(cid, "—")))
            body += row
        return [table]

    def _note(self, text: str) -> nodes.note:
        inline, _ = self.state.inline_text(text, self.lineno)
        para = nodes.paragraph(text, "", *inline)
        para.source, para.line = self.get_source_info()
        return nodes.note("", para)

    @staticmethod
    def _fixed(text: str, literal: bool = False) -> nodes.paragraph:
        child = nodes.literal(text, text) if literal else nodes.Text(text)
        para = nodes.paragraph("", "", child)
        para["translatable"] = False
        return para


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
    app.add_directive("conformance-matrix", ConformanceMatrix)
    app.connect("env-get-outdated", always_reread)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
