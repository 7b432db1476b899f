"""The matrix page shows the stored reports on every build and the report given at build time, in every rebuild
without removing the build directory; the What changed when page lists planted verdict changes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import REPO_ROOT, docs_build

from conformance import matrix as mx

pytestmark = pytest.mark.docs


def _report(path, version: str, outcome: str) -> None:
    path.write_text(json.dumps({"schema": 1, "runs": [{
        "impl": {"impl": "myloop", "version": version}, "profile": "keras3",
        "clauses": [{"id": "fit.order.no-epochs", "outcome": outcome}],
    }]}), encoding="utf-8")


def _matrix(out_root) -> str:
    return (out_root / "html" / "en" / "conformance" / "matrix.html").read_text(encoding="utf-8")


def test_rebuilds_follow_the_report(tmp_path, monkeypatch):
    out_root, report = tmp_path / "build", tmp_path / "report.json"
    monkeypatch.setenv("KCC_CONFORMANCE_REPORT", str(report))

    def build() -> str:
        results = docs_build.build_languages(["en"], out_root=out_root)
        assert results["en"].returncode == 0, results["en"].stdout + results["en"].stderr
        return _matrix(out_root)

    assert "No conformance report was present" in build()  # no report yet
    _report(report, "1.0", "pass")
    page = build()  # the report appeared: same build directory, no source changed
    assert "myloop 1.0 (keras3)" in page and "No conformance report" not in page
    _report(report, "2.0", "fail")
    page = build()
    assert "myloop 2.0 (keras3)" in page and "myloop 1.0" not in page
    report.unlink()
    assert "No conformance report was present" in build()


def test_build_script_takes_the_report_as_an_option(tmp_path):
    done = subprocess.run([sys.executable, str(REPO_ROOT / "docs" / "build.py"), "--conformance-report",
                           str(tmp_path / "missing.json")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "no such file; run python -m conformance --report DIR first" in done.stderr


def test_readme_and_docs_name_the_same_report():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "--report conformance-report" in readme and "build/conformance" not in readme
    assert docs_build.REPO_ROOT / "conformance-report" / "report.json"  # the default the docs read
    conf = (REPO_ROOT / "docs" / "conf.py").read_text(encoding="utf-8")
    assert 'REPO_ROOT / "conformance-report" / "report.json"' in conf


# ------------------------------------------------------------------------- the stored compatibility matrix
class _Tables(HTMLParser):
    """The tables of a page: {first class after contract-table: [[cell text, ...], ...]} (body rows only)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._current: list[list[str]] | None = None
        self._in_body = self._in_cell = False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table":
            name = next((c for c in classes if c.startswith("conformance-")), None)
            self._current = self.tables.setdefault(name, []) if name else None
        elif tag == "tbody" and self._current is not None:
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self._current.append([])
        elif tag == "td" and self._in_body:
            self._in_cell = True
            self._current[-1].append("")

    def handle_endtag(self, tag):
        if tag == "table":
            self._current, self._in_body = None, False
        elif tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell and self._current:
            self._current[-1][-1] = " ".join((self._current[-1][-1] + " " + data).split())


def _tables(path) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.tables


def _summary_rows(page) -> set[tuple[str, str, str]]:
    return {(cells[0], cells[1], cells[2]) for cells in _tables(page)["conformance-stored-summary"]}


def _stored_rows(directory) -> set[tuple[str, str, str]]:
    """The summary rows a build must show: the stored reports of `directory` and the distributed runs'."""
    reports = mx.read_reports(directory) + mx.distributed_reports()
    return {(r["family"], r["release"], r["profile"]) for r in reports}


@pytest.mark.parametrize("language", ["en", "zh_CN", "ko"])
def test_matrix_page_shows_every_stored_report_in_every_language(built_site, language):
    page = built_site / language / "conformance" / "matrix.html"
    stored = _stored_rows(mx.REPORTS_DIR)
    assert stored, "no stored reports: the matrix page would be empty"
    assert {row for row in stored if row[0] == mx.DISTRIBUTED_FAMILY}, "the distributed runs are missing"
    assert _summary_rows(page) == stored
    assert _tables(page)["conformance-stored-grid"], "no clause grid"
    assert (built_site / language / "conformance" / "what-changed.html").is_file()


def test_a_new_release_appears_and_its_change_is_listed_in_an_incremental_rebuild(tmp_path, monkeypatch):
    """Stored reports are read on every build: a report added since the last build (same build directory, no
    source changed) shows up on the matrix page, and a verdict planted in it shows up on What changed when."""
    out_root, copy = tmp_path / "build", tmp_path / "reports"
    shutil.copytree(mx.REPORTS_DIR, copy)
    monkeypatch.setenv("KCC_MATRIX_REPORTS", str(copy))
    monkeypatch.setenv("KCC_CONFORMANCE_REPORT", str(tmp_path / "no-report.json"))

    def build() -> Path:
        results = docs_build.build_languages(["en"], out_root=out_root)
        assert results["en"].returncode == 0, results["en"].stdout + results["en"].stderr
        return out_root / "html" / "en" / "conformance"

    pages = build()
    assert _summary_rows(pages / "matrix.html") == _stored_rows(copy)
    base = next(r for r in mx.read_reports(copy) if any(c["status"] == "pass" for c in r["clauses"]))
    planted = json.loads((copy / base["_file"]).read_text(encoding="utf-8"))
    planted["row"], planted["release"] = planted["row"] + "-planted", base["release"] + ".post1"
    victim = next(c for c in planted["clauses"] if c["status"] == "pass")
    victim.update(status="fail", outcome="fail", failed=1, evidence="planted: expected 1 call, saw 2")
    (copy / mx.report_name(planted["row"], planted["profile"])).write_text(mx.dumps(planted), encoding="utf-8")

    pages = build()
    assert (base["family"], planted["release"], planted["profile"]) in _summary_rows(pages / "matrix.html")
    changes = _tables(pages / "what-changed.html")["conformance-what-changed"]
    row = next(cells[1:] for cells in changes if cells[1] == victim["id"])
    assert row[1] == f"{base['release']} {base['profile']}" and row[2] == f"{planted['release']} {planted['profile']}"
    assert (row[3], row[4]) == ("holds", "fails")
    assert "planted: expected 1 call, saw 2" in row[5]
    steps = _tables(pages / "what-changed.html")["conformance-what-changed-steps"]
    assert [base["family"], base["release"], planted["release"]] in [cells[:3] for cells in steps]
