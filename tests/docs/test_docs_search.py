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
