"""The glossary's term table, generated from ``docs/terms.toml``, and the search dictionary and synonyms from it.

The term columns are the term base itself, identical in every language, so they are not translatable; the
meaning column is English source text and goes through the catalogs like any paragraph.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from docutils import nodes
from search_synonyms import synonym_table
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util.docutils import SphinxDirective

TERM_LANGUAGES = ("en", "zh_CN", "ko")
HEADERS = {"en": "English", "zh_CN": "简体中文", "ko": "한국어"}


def load_terms(path: str | Path) -> list[dict[str, Any]]:
    """Return the ``[[term]]`` tables of ``path``; each has ``en``, ``zh_CN``, ``ko`` and ``meaning``."""
    terms = tomllib.loads(Path(path).read_text(encoding="utf-8")).get("term", [])
    for term in terms:
        missing = [key for key in (*TERM_LANGUAGES, "meaning") if not term.get(key)]
        if missing:
            raise ValueError(f"{path}: term {term.get('en')!r} has no {', '.join(missing)}")
    return terms


def _fixed(text: str, lang: str) -> nodes.paragraph:
    para = nodes.paragraph("", "", nodes.inline(text, text, lang=lang.replace("_", "-")))
    para["translatable"] = False
    return para


class TermTable(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        path = self.config.glossary_terms_file
        self.env.note_dependency(path)
        table = nodes.table(classes=["term-table"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (18, 16, 16, 50):
            group += nodes.colspec(colwidth=width)
        head_row = nodes.row()
        for lang in TERM_LANGUAGES:
            head_row += nodes.entry("", _fixed(HEADERS[lang], lang))
        head_row += nodes.entry("", self._paragraph("Meaning"))
        group += nodes.thead("", head_row)
        body = nodes.tbody()
        group += body
        for term in load_terms(path):
            row = nodes.row()
            for lang in TERM_LANGUAGES:
                row += nodes.entry("", _fixed(term[lang], lang))
            row += nodes.entry("", self._paragraph(term["meaning"]))
            body += row
        return [table]

    def _paragraph(self, rst_text: str) -> nodes.paragraph:
        inline, _ = self.state.inline_text(rst_text, self.lineno)
        para = nodes.paragraph(rst_text, "", *inline)
        para.source, para.line = self.get_source_info()
        return para


def _write_jieba_dictionary(app: Sphinx, config: Config) -> None:
    """Give jieba the glossary's Chinese terms (and 回调, the short form readers search for) as words, and the
    search language the glossary's synonyms for the language being built."""
    words = {
        part
        for term in load_terms(config.glossary_terms_file)
        for part in term["zh_CN"].split()
        if not part.isascii()  # "logs 字典": the code name is indexed as a Latin word anyway
    }
    words.add("回调")
    path = Path(app.doctreedir) / "jieba_terms.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{word} 2000 n\n" for word in sorted(words)), encoding="utf-8")
    synonyms = synonym_table(load_terms(config.glossary_terms_file), config.language or "en")
    config.html_search_options = {**(config.html_search_options or {}), "dict": str(path), "synonyms": synonyms}


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value(
        "glossary_terms_file", str(Path(__file__).resolve().parents[1] / "terms.toml"), "env", types=(str,)
    )
    app.add_directive("term-table", TermTable)
    app.connect("config-inited", _write_jieba_dictionary)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
