"""Regenerating the catalogs from the current English changes nothing in locale/ (no drift)."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from conftest import docs_build

pytestmark = pytest.mark.docs


def differences(left: Path, right: Path) -> list[str]:
    """Paths (relative) that differ between two trees, ignoring compiled .mo files."""
    found = []
    comparison = filecmp.dircmp(left, right, ignore=[".mo"])

    def walk(cmp: filecmp.dircmp, prefix: str) -> None:
        for name in cmp.left_only + cmp.right_only + cmp.diff_files + cmp.funny_files:
            if not name.endswith(".mo"):
                found.append(prefix + name)
        for name, sub in cmp.subdirs.items():
            walk(sub, f"{prefix}{name}/")

    walk(comparison, "")
    return sorted(found)


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
