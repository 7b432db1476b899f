"""Korean search: the Python indexer and the JavaScript query side tokenise Hangul the same way."""

from __future__ import annotations

import korean_search
import pytest


@pytest.mark.parametrize(
    ("word", "stem"),
    [
        ("콜백", "콜백"),
        ("콜백을", "콜백"),
        ("콜백은", "콜백"),
        ("콜백에서는", "콜백"),
        ("호출합니다", "호출"),
        ("에포크가", "에포크"),
        ("배치의", "배치"),
        ("EarlyStopping", "earlystopping"),
        ("이", "이"),  # a lone syllable is never emptied
    ],
)
def test_korean_stemmer_strips_particles_and_endings(word, stem):
    assert korean_search.stem_korean(word) == stem


def test_index_and_query_agree_on_forms_of_one_word():
    forms = ["콜백", "콜백을", "콜백의", "콜백이", "콜백과", "콜백으로", "콜백에게"]
    assert {korean_search.stem_korean(f) for f in forms} == {"콜백"}


def test_javascript_stemmer_carries_the_same_suffix_list():
    js = korean_search.SearchKorean.js_stemmer_code
    for suffix in korean_search.KOREAN_SUFFIXES:
        assert f'"{suffix}"' in js


def test_glossary_synonyms_come_from_the_term_base():
    import glossary_terms
    import search_synonyms
    from conftest import DOCS_DIR

    terms = glossary_terms.load_terms(DOCS_DIR / "terms.toml")
    assert search_synonyms.synonym_table(terms, "ko")["에포크"] == ["에폭"]
    assert search_synonyms.synonym_table(terms, "zh_CN")["轮次"] == ["周期", "时期"]
    assert search_synonyms.synonym_table(terms, "zh_CN")["批次"] == ["批量"]
    assert search_synonyms.synonym_table(terms, "en") == {}


def test_korean_index_adds_a_synonym_only_where_the_term_is():
    lang = korean_search.SearchKorean({"synonyms": {"에포크": ["에폭"]}})
    assert "에폭" in lang.split("각 에포크가 끝나면 호출됩니다.")
    assert "에폭" not in lang.split("각 배치가 끝나면 호출됩니다.")
    # the query side needs nothing new: 에폭을 stems to the indexed 에폭
    assert korean_search.stem_korean("에폭을") == lang.stem("에폭") == "에폭"


def test_chinese_index_adds_a_synonym_only_where_the_term_is():
    import chinese_search

    lang = chinese_search.SearchChineseFixed({"synonyms": {"轮次": ["周期", "时期"]}})
    assert {"周期", "时期"} <= set(lang.split("在每个轮次结束时调用。"))
    assert "周期" not in lang.split("在每个批次结束时调用。")
