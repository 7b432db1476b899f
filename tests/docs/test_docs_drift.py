"""Regenerating the catalogs from the current English changes nothing in locale/ (no drift)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import catalogs, docs_build

pytestmark = pytest.mark.docs


def differences(left: Path, right: Path) -> list[str]:
    """Catalogs (relative paths) whose content differs between two trees.

    Compiled .mo files are ignored, and so is the header line naming the Babel release that wrote a catalog:
    sphinx-intl rewrites it with whatever Babel pip installed, which says nothing about the translations.
    """
    def tree(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): catalogs.content(p.read_bytes())
                for p in root.rglob("*") if p.is_file() and p.suffix != ".mo"}

    before, after = tree(left), tree(right)
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


def test_regenerating_catalogs_changes_nothing(tmp_path):
    locale_copy = tmp_path / "locale"
    shutil.copytree(docs_build.LOCALE_DIR, locale_copy, ignore=shutil.ignore_patterns("*.mo"))
    docs_build.update_catalogs(locale_dir=locale_copy, pot_dir=tmp_path / "gettext")
    changed = differences(docs_build.LOCALE_DIR, locale_copy)
    assert not changed, (
        "the catalogs are out of date with the English sources; run `python docs/build.py --update-catalogs` "
        f"and translate: {changed}"
    )


def test_drift_check_sees_a_changed_catalog(tmp_path):
    """The comparison above is not blind: a catalog that lost a message is reported."""
    locale_copy = tmp_path / "locale"
    shutil.copytree(docs_build.LOCALE_DIR, locale_copy, ignore=shutil.ignore_patterns("*.mo"))
    victim = locale_copy / "zh_CN" / "LC_MESSAGES" / "index.po"
    victim.write_text(victim.read_text(encoding="utf-8").replace('msgid "Guide"', 'msgid "Guides"'),
                      encoding="utf-8")
    assert differences(docs_build.LOCALE_DIR, locale_copy) == ["zh_CN/LC_MESSAGES/index.po"]


def test_drift_check_ignores_the_babel_release_in_the_header(tmp_path):
    """A catalog rewritten by another Babel release (only its Generated-By line differs) is not drift."""
    locale_copy = tmp_path / "locale"
    shutil.copytree(docs_build.LOCALE_DIR, locale_copy, ignore=shutil.ignore_patterns("*.mo"))
    victim = locale_copy / "ko" / "LC_MESSAGES" / "index.po"
    text = victim.read_text(encoding="utf-8")
    assert '"Generated-By: Babel ' in text
    victim.write_text(text.replace('"Generated-By: Babel ', '"Generated-By: Babel 99.0 was '), encoding="utf-8")
    assert differences(docs_build.LOCALE_DIR, locale_copy) == []
