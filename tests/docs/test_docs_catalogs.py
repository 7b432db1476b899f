"""The catalogs: valid, complete, faithful to the English markup, using the glossary's terms."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from conftest import catalogs

LANGUAGES = catalogs.TRANSLATED


def all_catalogs():
    return [(lang, path) for lang in LANGUAGES for path in catalogs.catalogs(lang)]


def test_every_page_has_a_catalog_in_every_language():
    pages = sorted(
        str(p.relative_to(catalogs.DOCS_DIR).with_suffix(".po"))
        for p in catalogs.DOCS_DIR.rglob("*.rst")
        if "_build" not in p.parts
    )
    for language in LANGUAGES:
        have = sorted(str(p.relative_to(catalogs.LOCALE_DIR / language / "LC_MESSAGES"))
                      for p in catalogs.catalogs(language))
        assert have == pages, f"{language}: catalogs and pages differ; run python docs/build.py --update-catalogs"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
@pytest.mark.parametrize("language", LANGUAGES)
def test_msgfmt_check_accepts_every_catalog(language, tmp_path):
    for path in catalogs.catalogs(language):
        result = subprocess.run(["msgfmt", "--check", "-o", str(tmp_path / "out.mo"), str(path)],
                                capture_output=True, text=True)
        assert result.returncode == 0, f"{path}: {result.stderr}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_markup_and_use_glossary_terms(language):
    problems = catalogs.check_language(language)
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(map(str, problems[:40]))


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_message_is_untranslated_or_fuzzy(language):
    incomplete = {
        name: f"{s.untranslated} untranslated, {s.fuzzy} fuzzy" + (", fuzzy header" if s.fuzzy_header else "")
        for name, s in catalogs.status(language).items()
        if s.untranslated or s.fuzzy or s.fuzzy_header
    }
    total = sum(s.untranslated + s.fuzzy for s in catalogs.status(language).values())
    listed = "; ".join(f"{name}: {what}" for name, what in sorted(incomplete.items())[:10])
    assert not incomplete, f"{language}: {total} message(s) left in {len(incomplete)} catalog(s): {listed}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogs_are_in_canonical_format(language, tmp_path):
    """Hand edits must be re-wrapped as sphinx-intl writes them, or the drift check reports them."""
    for path in catalogs.catalogs(language):
        copy = tmp_path / path.name
        shutil.copyfile(path, copy)
        assert not catalogs.normalize(copy), f"{path}: run python docs/catalogs.py normalize"


def test_canonical_format_does_not_depend_on_the_babel_release(tmp_path):
    """Only the Generated-By line differs between Babel releases; normalize keeps the file's own line."""
    source = catalogs.catalogs("zh_CN")[0]
    copy = tmp_path / source.name
    copy.write_bytes(source.read_bytes().replace(b'"Generated-By: Babel ', b'"Generated-By: Babel 1.0 then '))
    before = copy.read_bytes()
    assert not catalogs.normalize(copy)
    assert copy.read_bytes() == before


def test_canonical_format_check_sees_a_hand_edit(tmp_path):
    """normalize is not blind: a message wrapped by hand at another width is rewritten."""
    source = catalogs.catalogs("zh_CN")[0]
    copy = tmp_path / source.name
    text = source.read_text(encoding="utf-8")
    copy.write_text(text.replace('msgstr ""\n"', 'msgstr "" "', 1), encoding="utf-8")
    assert catalogs.normalize(copy)


# --- the checker itself --------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("msgid", "msgstr", "complaint"),
    [
        ("Call ``fit()`` first.", "先调用 fit()。", "inline code missing"),
        ("Call ``fit()`` first.", "先调用 ``fit ()``。", "inline code missing"),
        ("See :doc:`guide/callbacks`.", "参见 :doc:`guide/callback`。", "role missing"),
        ("See :class:`EarlyStopping`.", "参见 EarlyStopping。", "role missing"),
        ("Saved as |name|.", "保存为 name。", "substitution missing"),
        ("Epoch %s of %d", "第 %s 轮", "placeholder missing"),
        ("file {epoch:02d}.h5", "文件 {epoch}.h5", "placeholder missing"),
        ("Read `the docs <https://keras.io/api/>`_.", "阅读`文档 <https://keras.io/>`_。", "link target missing"),
        ("Plain text.", "纯文本 ``extra``。", "inline code in the translation but not in the English"),
    ],
)
def test_markup_checker_catches(msgid, msgstr, complaint):
    problems = catalogs.check_markup(msgid, msgstr)
    assert any(p.startswith(complaint) for p in problems), problems


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        ("Call ``fit()`` then ``evaluate()``.", "先调用 ``evaluate()`` 之前的 ``fit()``。"),
        ("See :doc:`guide/callbacks`.", "콜백은 :doc:`가이드 <guide/callbacks>`\\ 를 참고하십시오."),
        ("Epoch {epoch} of %s", "%s 중 {epoch} 에포크"),
        ("``logs`` holds ``{}``.", "``logs``\\ 는 ``{}``\\ 입니다."),
    ],
)
def test_markup_checker_accepts_faithful_translations(msgid, msgstr):
    assert catalogs.check_markup(msgid, msgstr) == []


def test_term_checker_requires_the_glossary_term():
    terms = catalogs.load_terms()
    assert catalogs.check_terms("A callback runs.", "回调运行。", "zh_CN", terms)
    assert not catalogs.check_terms("A callback runs.", "回调函数运行。", "zh_CN", terms)
    assert not catalogs.check_terms("Use ``callbacks=[...]``.", "使用 ``callbacks=[...]``。", "zh_CN", terms)
    assert catalogs.check_terms("Each epoch ends.", "각 에폭이 끝납니다.", "ko", terms)
