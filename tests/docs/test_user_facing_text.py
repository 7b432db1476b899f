"""Words a new user meets: no internal "seed NNN" names, and a README that points only inside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.spec import load_clauses, tomllib

REPO = Path(__file__).resolve().parents[2]
SEED = re.compile(r"\bseeds? \d{3}|种子页面|시드 (?:페이지|\d{3})")


def _docs_sources():
    return sorted((REPO / "docs").rglob("*.rst"))


@pytest.mark.parametrize("path", [REPO / "README.md", *_docs_sources()], ids=lambda p: str(p.relative_to(REPO)))
def test_readme_and_docs_pages_name_no_seed(path):
    assert not SEED.findall(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("profile", ["keras3", "tf-keras", "keras2", "keras1", "keras0"])
def test_clause_statements_and_sources_name_no_seed(profile):
    for clause in load_clauses(profile):
        assert not SEED.search(clause.statement), clause.id
        assert not SEED.search(clause.source), clause.id


def test_expectation_reasons_name_no_seed():
    for path in sorted((REPO / "conformance" / "expectations").glob("*.toml")):
        for entry in tomllib.loads(path.read_text(encoding="utf-8")).get("expect", []):
            assert not SEED.search(entry["reason"]), (path.name, entry["clause"])


def test_translations_name_no_seed():
    for path in sorted((REPO / "locale").rglob("*.po")):
        text = path.read_text(encoding="utf-8")
        msgstrs = re.findall(r'^msgstr "(.*)"\n((?:".*"\n)*)', text, flags=re.M)
        for first, rest in msgstrs:
            assert not SEED.search(first + rest), path.relative_to(REPO)


def test_readme_points_only_inside_the_repository():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "../" not in readme
    for path in re.findall(r"`((?:[\w.-]+/)+[\w.-]*)`", readme):
        if path.startswith(("DIR/", "docs/_build/", "conformance-report/")):
            continue  # a placeholder, or written by the commands the README shows
        # a path in the repository, or a docs page named as Sphinx names it (conformance/callbacks)
        found = (REPO / path).exists() or (REPO / "docs" / f"{path}.rst").exists()
        assert found, f"README names {path}, which is not in the repository"
