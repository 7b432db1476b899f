"""Search synonyms from the glossary: other words readers use for a term find the pages that use the term.

Readers of the old keras-docs-ko and of the seeds write 에폭 where these pages say 에포크; readers of
keras-docs-zh and the TensorFlow zh-cn guides write 周期 or 时期 for 轮次 and 批量 for 批次. Each term in
``docs/terms.toml`` may list such words per language (``synonyms.ko = ["에폭"]``). The synonyms are added
at index time: wherever a text of a page contains the term, the search language also indexes its synonyms
for that page, so the search page needs no change and a query for 에폭 (or 에폭을, stemmed as usual) lists
the 에포크 pages. Queries for the English term are not touched: they find the code names the translated
pages keep in English, as before.
"""

from __future__ import annotations

from typing import Any


def synonym_table(terms: list[dict[str, Any]], language: str) -> dict[str, list[str]]:
    """``{term in language: [its synonyms]}`` for the terms of ``terms.toml`` that list synonyms there."""
    table: dict[str, list[str]] = {}
    for term in terms:
        words = (term.get("synonyms") or {}).get(language) or []
        if words and term.get(language):
            table.setdefault(term[language], []).extend(words)
    return table


class SynonymSplitMixin:
    """For a SearchLanguage: ``split`` also returns the synonyms of every glossary term the text contains.

    The table comes from ``html_search_options["synonyms"]`` (set by glossary_terms.py from terms.toml).
    """

    options: dict[str, Any]

    def split(self, input: str) -> list[str]:  # noqa: A002 (Sphinx's parameter name)
        words = super().split(input)  # type: ignore[misc]
        table = self.options.get("synonyms") or {}
        return words + [synonym for term, synonyms in table.items() if term in input for synonym in synonyms]
