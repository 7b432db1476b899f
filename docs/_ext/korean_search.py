"""Korean full-text search for the Sphinx HTML builder, which has none of its own.

Korean writes a noun and its particle (조사) or a verb stem and its ending (어미) as one space-separated word:
콜백은, 콜백을, 콜백의 are all "callback". The index therefore stores each Hangul word with one trailing
particle or ending removed (the longest that matches, leaving at least one syllable), and the search page
removes it from the query in exactly the same way, so 콜백 finds a page that only says 콜백을.

Why suffix stripping and not character bigrams: bigrams also find words inside compounds, but Sphinx's search
requires every query term to match and ranks by term hits, so a three-syllable query becomes two bigrams that
match unrelated pages, and the index grows severalfold. Stripping a closed list of particles keeps one term
per word, which is what Sphinx's search expects. The same list and rule live in ``KOREAN_SUFFIXES`` here and in
the generated JavaScript below; tests/docs check both sides agree.

Latin words are lower-cased and kept whole (no English stemming), so ``EarlyStopping`` is found as written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from search_synonyms import SynonymSplitMixin
from sphinx.application import Sphinx
from sphinx.search import SearchLanguage

# Particles (조사) and the endings (어미) our pages use after nouns and 하다/되다 verbs, longest first when used.
KOREAN_SUFFIXES: tuple[str, ...] = (
    # particles
    "에서는", "에서도", "에서의", "에게서", "으로는", "으로도", "으로서", "으로써", "이라는", "이라고",
    "까지", "부터", "에서", "에게", "으로", "로는", "로도", "와는", "과는", "이나", "처럼", "보다", "마다",
    "에는", "에도", "에만", "만큼", "이며", "이고", "라는", "라고", "이란", "란",
    "은", "는", "이", "가", "을", "를", "의", "에", "로", "와", "과", "도", "만",
    # 하다 / 되다 verb endings after a Sino-Korean noun (호출합니다, 저장됩니다, 중단하면 …)
    "합니다", "됩니다", "했습니다", "되었습니다", "하세요", "하십시오", "하려면", "하므로", "하면서",
    "하지만", "되면", "하면", "하고", "하는", "하여", "해야", "해서", "하지", "하기", "한다", "된다",
    "되는", "되고", "되어", "되지", "할", "한", "된", "됨", "함",
    # copula
    "입니다", "이며", "이다", "였습니다", "이었습니다",
)
_SUFFIXES_LONGEST_FIRST = tuple(sorted(set(KOREAN_SUFFIXES), key=len, reverse=True))
_HANGUL_WORD = re.compile(r"^[\uac00-\ud7a3]+$")


def stem_korean(word: str) -> str:
    """Return ``word`` lower-cased, with one trailing particle or ending removed if it is a Hangul word."""
    word = word.lower()
    if not _HANGUL_WORD.match(word):
        return word
    for suffix in _SUFFIXES_LONGEST_FIRST:
        if len(word) > len(suffix) and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


_JS_STEMMER = """
/**
 * Korean search stemmer (docs/_ext/korean_search.py): removes one trailing particle or ending from a Hangul
 * word, the longest that matches and leaves at least one syllable. Must stay identical to stem_korean().
 */
var Stemmer = function () {
  const suffixes = %(suffixes)s;
  const hangulWord = /^[\\uac00-\\ud7a3]+$/;
  this.stemWord = function (w) {
    w = w.toLowerCase();
    if (!hangulWord.test(w)) return w;
    for (const suffix of suffixes) {
      if (w.length > suffix.length && w.endsWith(suffix)) return w.slice(0, w.length - suffix.length);
    }
    return w;
  };
};
"""


class SearchKorean(SynonymSplitMixin, SearchLanguage):
    """Sphinx search language ``ko``: split on non-word characters, strip particles from Hangul words.

    The glossary's Korean synonyms are indexed beside the terms (search_synonyms.py): 에폭 finds 에포크.
    """

    lang = "ko"
    language_name = "Korean"
    js_stemmer_code = _JS_STEMMER % {"suffixes": json.dumps(list(_SUFFIXES_LONGEST_FIRST), ensure_ascii=False)}

    def stem(self, word: str) -> str:
        return stem_korean(word)

    def word_filter(self, word: str) -> bool:
        return bool(word) and not word.isdigit()


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchKorean)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
