"""The matrix page shows the report given at build time, in every rebuild, without removing the build directory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO_ROOT, docs_build

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
