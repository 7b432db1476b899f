"""The site builds in every language with warnings as errors, and every page links to itself in the others."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import docs_build

pytestmark = pytest.mark.docs

HTML_LANG = {"en": "en", "zh_CN": "zh-CN", "ko": "ko"}


def pages(site: Path, language: str) -> list[Path]:
    root = site / language
    return sorted(p for p in root.rglob("*.html") if "_static" not in p.parts and "_modules" not in p.parts)


def test_every_language_builds_the_same_pages(built_site):
    english = {p.relative_to(built_site / "en") for p in pages(built_site, "en")}
    assert {"index.html", "guide/callbacks.html", "api/earlystopping.html", "search.html"} <= {
        str(p) for p in english
    }
    for language in ("zh_CN", "ko"):
        assert {p.relative_to(built_site / language) for p in pages(built_site, language)} == english
    assert (built_site / "index.html").read_text(encoding="utf-8").count('href="en/index.html"') >= 1


@pytest.mark.parametrize("language", docs_build.LANGUAGES)
def test_pages_declare_their_language(built_site, language):
    for page in pages(built_site, language):
        html = page.read_text(encoding="utf-8")
        match = re.search(r"<html[^>]*\blang=\"([^\"]+)\"", html)
        assert match, f"{page} has no lang attribute"
        assert match.group(1) == HTML_LANG[language], f"{page}: lang={match.group(1)!r}"


@pytest.mark.parametrize("language", docs_build.LANGUAGES)
def test_switcher_links_to_the_same_page_in_every_other_language(built_site, language):
    for page in pages(built_site, language):
        html = page.read_text(encoding="utf-8")
        relative = page.relative_to(built_site / language)
        links = dict(re.findall(r'<a class="language-link" href="([^"]+)" hreflang="([^"]+)"', html))
        targets = {hreflang: href for href, hreflang in links.items()}
        expected = {HTML_LANG[other] for other in docs_build.LANGUAGES if other != language}
        assert set(targets) == expected, f"{page}: switcher offers {sorted(targets)}"
        for other in docs_build.LANGUAGES:
            if other == language:
                continue
            target = (page.parent / targets[HTML_LANG[other]]).resolve()
            assert target == (built_site / other / relative).resolve(), f"{page} -> {target}"
            assert target.is_file()


def test_translated_pages_are_translated(built_site):
    """The catalogs reach the output: a page whose catalog is complete shows no English paragraph."""
    zh = (built_site / "zh_CN" / "glossary.html").read_text(encoding="utf-8")
    ko = (built_site / "ko" / "glossary.html").read_text(encoding="utf-8")
    assert "术语表" in zh and "One pass over the training data" not in zh
    assert "용어집" in ko and "One pass over the training data" not in ko


def test_build_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="zh_TW.*en, zh_CN, ko"):
        docs_build.build_languages(["zh_TW"])
