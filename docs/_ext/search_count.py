"""The search page's "found N pages" line in every language.

Sphinx's search page ends with a line such as "Search finished, found 3 pages matching the search query.",
translated through Sphinx's own JavaScript catalog (``_static/translations.js``). Sphinx's Korean catalog has an
empty translation for it, so the Korean page shows no line at all. This extension adds, after that catalog, the
translations it lacks; a language whose catalog already has one keeps it.
"""

from __future__ import annotations

import json
from typing import Any

from sphinx.application import Sphinx

# Sphinx 9 (and 8) use the first two messages through ngettext; Sphinx 7 used the third through gettext.
SINGULAR = "Search finished, found one page matching the search query."
PLURAL = "Search finished, found ${resultCount} pages matching the search query."
OLD = "Search finished, found ${resultCount} page(s) matching the search query."

# Korean has no grammatical plural: one form serves every count (Sphinx's Korean plural_expr is 0).
FILL = {
    "ko": {
        SINGULAR: ["검색을 마쳤습니다. 검색어와 일치하는 페이지를 ${resultCount}개 찾았습니다."],
        OLD: "검색을 마쳤습니다. 검색어와 일치하는 페이지를 ${resultCount}개 찾았습니다.",
    },
}

SCRIPT = """(() => {
  // docs/_ext/search_count.py: translations of the search summary that Sphinx's catalog lacks or leaves empty.
  const fill = %s;
  const empty = (value) => value === undefined || (Array.isArray(value) ? !value.join("") : !value);
  for (const [message, translation] of Object.entries(fill)) {
    if (empty(Documentation.TRANSLATIONS[message])) Documentation.TRANSLATIONS[message] = translation;
  }
})();"""


def _add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    fill = FILL.get(app.config.language)
    if pagename == "search" and fill:
        app.add_js_file(None, body=SCRIPT % json.dumps(fill, ensure_ascii=False), priority=900)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("html-page-context", _add_script)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
