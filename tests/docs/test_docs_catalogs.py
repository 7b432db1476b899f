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


@pytest.mark.parametrize(
    ("msgid", "msgstr"),
    [
        # single backticks: a default value, not the term (the padding 「各轮次的结果都发送到这里」 came from this)
        ('path appended to ``root``. Defaults to `"/publish/epoch/end/"`.',
         '附加在 ``root`` 之后的路径。默认为 `"/publish/epoch/end/"`。'),
        # bare identifiers: snake_case, dotted names, calls, operands, keys of a mapping written out
        ("Set model.epoch_count or epoch_end() once.", "设置一次 model.epoch_count 或 epoch_end()。"),
        ("When epochs <= ``initial_epoch``, nothing runs.", "当 epochs <= ``initial_epoch`` 时不运行任何内容。"),
        ("params {verbose: 0, epochs: 1}", "params {verbose: 0, epochs: 1}"),
        # the project's keys written as bare words, kept as they are by the translation
        ("``Callback.params`` holds exactly the keys verbose, epochs and steps.",
         "``Callback.params`` 恰好包含 verbose、epochs 和 steps 这三个键。"),
        # a link's target is not prose (its text is)
        ("See `the guide <https://example.org/callbacks>`_.", "参见`指南 <https://example.org/callbacks>`_。"),
    ],
)
def test_term_checker_ignores_code(msgid, msgstr):
    assert catalogs.check_terms(msgid, msgstr, "zh_CN", catalogs.load_terms(), catalogs.load_key_names()) == []


def test_term_checker_ignores_single_backtick_text():
    terms = catalogs.load_terms()
    assert not catalogs.check_terms('Defaults to `"epoch"`.', '默认为 `"epoch"`。', "zh_CN", terms)
    assert not catalogs.check_terms('Defaults to `"epoch"`.', '기본값은 `"epoch"`\\ 입니다.', "ko", terms)
    # the same word in prose still needs the term
    assert catalogs.check_terms('Once per epoch. Defaults to `"epoch"`.', '默认为 `"epoch"`。', "zh_CN", terms)


def test_term_checker_still_sees_prose_beside_key_names():
    terms, keys = catalogs.load_terms(), catalogs.load_key_names()
    # "epochs" twice in the English: the key and the plural; keeping one verbatim does not excuse the other
    assert catalogs.check_terms("params has epochs; training runs 3 epochs.", "params 有 epochs；训练运行 3 次。",
                                "zh_CN", terms, keys)
    assert not catalogs.check_terms("params has epochs; training runs 3 epochs.",
                                    "params 有 epochs；训练运行 3 个轮次。", "zh_CN", terms, keys)
    # a term word that is not one of the project's keys is prose even when left in English
    assert catalogs.check_terms("Each callback runs.", "每个 callback 都运行。", "zh_CN", terms, keys)


# --- Korean particles after code ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "particle_wanted"),
    [
        ("``wait``\\ 이 1씩 늘어납니다.", "가"),  # 웨이트: a vowel
        (":attr:`wait`\\ 이 늘어납니다.", "가"),
        ("``initial_epoch``\\ 이 0입니다.", "가"),  # 에포크
        ("float은 float 그대로", "는"),  # a plain Latin word: 플로트
        ("``fit()``\\ 는 호출합니다.", "은"),  # 핏
        ("``None``\\ 를 받습니다.", "을"),  # 논
        ("``EarlyStopping``\\ 는 멈춥니다.", "은"),  # 스토핑
        ("``model``\\ 으로 저장합니다.", "로"),  # 모델: ㄹ takes 로
        ("``ModelCheckpoint``\\ 과 함께", "와"),  # 포인트
        ("``CSV``\\ 으로", "로"),  # spelled: 씨에스브이
        ("``10``\\ 가 됩니다.", "이"),  # 십
        ("콜백(callback)를 씁니다.", "을"),  # after a parenthesis: the word before it, 콜백
        (":doc:`guide/callbacks`\\ 을 보십시오.", "를"),  # the linked page's title, as rendered
    ],
)
def test_particle_checker_catches(text, particle_wanted):
    titles = {"guide/callbacks": "콜백 사용하기"}
    problems = catalogs.check_particles(text, titles, "index")
    assert problems and problems[0].endswith(f"write {particle_wanted!r}"), problems


@pytest.mark.parametrize(
    "text",
    [
        "``wait``\\ 가 1씩 늘어납니다.",
        "``fit()``\\ 은 ``evaluate()``\\ 를 호출하고, ``predict()``\\ 와 ``None``\\ 을 다룹니다.",
        "``model``\\ 로, ``logs``\\ 로, ``batch_size``\\ 로, ``steps``\\ 로 씁니다.",
        "``TerminateOnNaN``\\ 은 ``JSON``\\ 으로 씁니다.",
        "Keras 3는 Keras 3은 ``keras1``\\ 과 keras2와",  # a version: 삼 or 쓰리, 일 or 원
        "``Dense(784, 10)``\\ 은 ``Input(shape=(784,))``\\ 을",  # read through, or by the called name
        "``wait``\\ 이며 ``x``\\ 이고",  # copulas are not checked
        "콜백(callback)은 에포크(epoch)가",
    ],
)
def test_particle_checker_accepts(text):
    assert catalogs.check_particles(text, {}, "index") == []


def test_particle_checker_catches_a_planted_mismatch_in_a_real_catalog(tmp_path):
    """The check runs over the real Korean catalogs: plant 「``wait``\\ 이」 in a copy and it is reported."""
    import shutil

    shutil.copytree(catalogs.LOCALE_DIR / "ko", tmp_path / "ko")
    path = tmp_path / "ko" / "LC_MESSAGES" / "api" / "earlystopping.po"
    text = path.read_text(encoding="utf-8")
    assert "``wait``\\\\ 가" in text
    path.write_text(text.replace("``wait``\\\\ 가", "``wait``\\\\ 이", 1), encoding="utf-8")
    problems = catalogs.check_language("ko", tmp_path)
    assert [p.what for p in problems] == ["particle '이' after '``wait``' (read …웨이트): write '가'"], problems


def test_every_korean_catalog_has_particles_that_agree_with_the_code_before_them():
    titles = catalogs.page_titles("ko")
    problems = []
    for path in catalogs.catalogs("ko"):
        docname = str(path.relative_to(catalogs.LOCALE_DIR / "ko" / "LC_MESSAGES").with_suffix(""))
        for message in catalogs.entries(catalogs.load(path)):
            problems += [f"{docname}: {p}" for p in catalogs.check_particles(message.string, titles, docname)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("测试套件报告一个*适配器错误*；", True),  # rst shows the asterisks: a CJK letter touches them
        ("调用``fit``的结果", True),
        ("콜백은 ``fit``에 전달됩니다.", True),  # a Korean particle needs the escaped space
        ("测试套件报告一个 *适配器错误*；", False),
        ("保存模型（``model.save``）", False),
        ("``logs``\\ 에 넣습니다. :doc:`guide/callbacks`\\ 를 보십시오.", False),
        ("**refimpl**：用 numpy 编写", False),
    ],
)
def test_markup_checker_sees_markup_that_rst_would_not_recognise(text, problem):
    assert bool(catalogs.check_markup_boundaries(text)) is problem


@pytest.mark.parametrize(
    ("text", "language", "flagged"),
    [
        ("继承它并重写您需要的钩子方法。", "zh_CN", True),
        ("继承它并重写需要的钩子方法。", "zh_CN", False),
        ("옵션은 다음과 같습니다:", "ko", True),
        ("옵션은 다음과 같습니다.", "ko", False),
        ("콜백은 훅 메서드를 호출한다.", "ko", True),
        ("에포크마다 한 줄을 출력합니다.", "ko", False),
    ],
)
def test_register_check(text, language, flagged):
    assert bool(catalogs.check_register(text, language)) is flagged
