"""Chinese search that works under Sphinx 9.0: Sphinx's own ``zh`` search with its JavaScript stemmer fixed.

Sphinx 9.0's ``language_data.js`` for Chinese ends with ``window.Stemmer = ChineseStemmer;`` while the stemmer it
ships is ``EnglishStemmer`` (Chinese search stems Latin words in English), so the search page stops at
"Searching..." with a ReferenceError (sphinx-doc/sphinx#14229, fixed upstream by #14416). Until the Sphinx we
install has the fix, this subclass embeds the same two stemmer scripts and names the class correctly. The
Python side (jieba for Chinese, snowball English for Latin words) is Sphinx's, with the glossary's search
synonyms added (search_synonyms.py); on Sphinx 8 only the synonyms are added.
"""

from __future__ import annotations

from typing import Any

from search_synonyms import SynonymSplitMixin
from sphinx.application import Sphinx
from sphinx.search.zh import SearchChinese

try:  # Sphinx 9 ships the stemmers as minified files; Sphinx 8 (Python 3.10) has a working zh search already.
    from sphinx.search import _MINIFIED_JS_PATH
except ImportError:
    _MINIFIED_JS_PATH = None


def _english_stemmer_js() -> str:
    return "\n".join((
        (_MINIFIED_JS_PATH / "base-stemmer.js").read_text(encoding="utf-8"),
        (_MINIFIED_JS_PATH / "english-stemmer.js").read_text(encoding="utf-8"),
        "window.Stemmer = EnglishStemmer;",
    ))


class SearchChineseWithSynonyms(SynonymSplitMixin, SearchChinese):
    """Sphinx's ``zh`` search, indexing the glossary's Chinese synonyms beside the terms (周期 finds 轮次)."""


if _MINIFIED_JS_PATH is not None:
    class SearchChineseFixed(SearchChineseWithSynonyms):
        js_stemmer_rawcode = ""  # empty: Sphinx then embeds js_stemmer_code as it is
        js_stemmer_code = _english_stemmer_js()
else:
    SearchChineseFixed = SearchChineseWithSynonyms


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_search_language(SearchChineseFixed)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
