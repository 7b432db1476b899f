"""Every code example on every page runs against refimpl, in every language, and code is never translated."""

from __future__ import annotations

import re
from html import unescape

import pytest
from conftest import docs_build

pytestmark = pytest.mark.docs


@pytest.mark.parametrize("language", docs_build.LANGUAGES)
def test_examples_run_in_each_language(language, tmp_path):
    """The doctest builder runs every testcode/doctest block (and docstring examples) of the translated pages."""
    result = docs_build.build_languages([language], builder="doctest", out_root=tmp_path)[language]
    report = (tmp_path / "doctest" / language / "output.txt")
    summary = report.read_text(encoding="utf-8") if report.exists() else ""
    assert result.returncode == 0, f"{summary[-3000:]}\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    tests = re.search(r"(\d+) tests?", summary)
    assert tests and int(tests.group(1)) > 0, f"no example ran:\n{summary[-2000:]}"
    assert "0 failures in tests" in summary, summary[-3000:]


_PRE = re.compile(r"<pre>(.*?)</pre>", re.S)


def code_blocks(html: str) -> list[str]:
    return [unescape(re.sub(r"<[^>]+>", "", block)) for block in _PRE.findall(html)]


def test_code_blocks_are_identical_in_every_language(built_site):
    english_root = built_site / "en"
    checked = 0
    for page in english_root.rglob("*.html"):
        relative = page.relative_to(english_root)
        english = code_blocks(page.read_text(encoding="utf-8"))
        for language in ("zh_CN", "ko"):
            translated = code_blocks((built_site / language / relative).read_text(encoding="utf-8"))
            assert translated == english, f"{language}/{relative}: a code block differs from the English"
        checked += len(english)
    assert checked > 20
