"""The "Callbacks under distribution" page's result tables come from the stored distributed reports."""

from __future__ import annotations

import json
import re

import pytest
from conftest import REPO_ROOT, docs_build
from distribution_reports import DEFAULT_DIR, load_reports

pytestmark = pytest.mark.docs

PAGE = ("guide", "distribution.html")


def _cells(html: str) -> list[list[str]]:
    """The rows of the page's distribution-results table, as text."""
    (table,) = re.findall(r"<table[^>]*distribution-results[^>]*>(.*?)</table>", html, re.S)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", r, re.S)]
            for r in rows]


def test_the_stored_reports_are_the_distributed_runs():
    reports = load_reports(DEFAULT_DIR)
    assert [r["impl"]["impl"] for r in reports] == ["keras3-jax-dp4", "keras3-jax-2proc", "refimpl-simulated",
                                                    "tf_keras-mirrored", "tf_keras-mwms"]
    for r in reports:
        assert r["schema"] == 1 and r["ok"], r["impl"]
    by_impl = {r["impl"]["impl"]: {c["id"]: c["outcome"] for c in r["clauses"]} for r in reports}
    assert by_impl["keras3-jax-2proc"]["dist.backup.kill-resume"] == "xfail"
    assert by_impl["tf_keras-mwms"]["dist.backup.kill-resume"] == "pass"
    assert by_impl["tf_keras-mwms"]["dist.logs.global"] == "xfail"


@pytest.mark.parametrize("lang", docs_build.LANGUAGES)
def test_the_page_shows_every_report_in_every_language(built_site, lang):
    html = (built_site / lang).joinpath(*PAGE).read_text(encoding="utf-8")
    reports = load_reports(DEFAULT_DIR)
    rows = _cells(html)
    assert rows[0] == ["clause"] + [r["impl"]["impl"] for r in reports]
    want = {c["id"]: [] for r in reports for c in r["clauses"]}
    for r in reports:
        outcomes = {c["id"]: c["outcome"] for c in r["clauses"]}
        for cid in want:
            want[cid].append({"unchecked": "n/a"}.get(outcomes.get(cid, "—"), outcomes.get(cid, "—")))
    assert {row[0]: row[1:] for row in rows[1:]} == want


def test_another_report_directory_changes_the_table(tmp_path, monkeypatch):
    """KCC_DISTRIBUTED_REPORTS points the page at other reports: the table follows them, nothing hard-coded."""
    report = json.loads((DEFAULT_DIR / "refimpl-simulated-keras3.json").read_text(encoding="utf-8"))
    report["clauses"][0]["outcome"] = "fail"
    (tmp_path / "refimpl-simulated-keras3.json").write_text(json.dumps(report), encoding="utf-8")
    monkeypatch.setenv("KCC_DISTRIBUTED_REPORTS", str(tmp_path))
    out_root = tmp_path / "build"
    result = docs_build.build_languages(["en"], out_root=out_root)["en"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    rows = _cells((out_root / "html" / "en").joinpath(*PAGE).read_text(encoding="utf-8"))
    assert rows[0] == ["clause", "refimpl-simulated"]
    assert rows[1] == [report["clauses"][0]["id"], "fail"]
    assert REPO_ROOT.joinpath("conformance", "distributed", "reports") == DEFAULT_DIR
