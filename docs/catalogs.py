"""Tools for the translation catalogs in ``locale/``: status, markup check, term check, canonical formatting.

    python docs/catalogs.py status      # per language and catalog: translated, untranslated, fuzzy
    python docs/catalogs.py check       # markup and placeholders survive translation; glossary terms are used
    python docs/catalogs.py normalize   # rewrite every .po in the format sphinx-intl writes (after hand edits)

``check`` exits non-zero on any problem, naming the catalog, the message and what differs.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po, write_po

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
LOCALE_DIR = REPO_ROOT / "locale"
TRANSLATED = ("zh_CN", "ko")
TERMS_FILE = DOCS_DIR / "terms.toml"
LINE_WIDTH = 76  # sphinx-intl's default; normalize must match it or the drift check sees a change

_INLINE_LITERAL = re.compile(r"``(.+?)``(?!`)", re.S)
_ROLE = re.compile(r":([\w:+-]+):`([^`]+)`")
_SUBSTITUTION = re.compile(r"(?<![\w|])\|([^|\s][^|]*?)\|(?![\w|])")
_PRINTF = re.compile(r"%(?:\([\w.]+\))?[#0 +-]*\d*(?:\.\d+)?[sdifr%]")
_FORMAT_FIELD = re.compile(r"(?<!\{)\{[\w.\[\]]*(?:![rsa])?(?::[^{}]*)?\}(?!\})")
_URL = re.compile(r"https?://[^\s<>`'\")]+")
_HYPERLINK_TARGET = re.compile(r"`[^`<]*<([^>`]+)>`__?")


@dataclass(frozen=True)
class Problem:
    catalog: str
    msgid: str
    what: str

    def __str__(self) -> str:
        short = self.msgid if len(self.msgid) <= 90 else self.msgid[:87] + "..."
        return f"{self.catalog}: {self.what}\n    msgid: {short!r}"


def catalogs(language: str, locale_dir: Path = LOCALE_DIR) -> list[Path]:
    return sorted((locale_dir / language / "LC_MESSAGES").rglob("*.po"))


def load(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, abort_invalid=True)


def entries(catalog: Catalog) -> list[Message]:
    """The catalog's messages, without the header and without obsolete entries."""
    return [m for m in catalog if m.id and not isinstance(m.id, tuple)]


def _role_target(content: str) -> str:
    match = re.search(r"<([^<>]+)>\s*$", content)
    return (match.group(1) if match else content).strip()


def markup_signature(text: str) -> dict[str, Counter]:
    """What must survive translation: inline code, role targets, substitutions, placeholders and URLs."""
    literals = _INLINE_LITERAL.findall(text)
    without_literals = _INLINE_LITERAL.sub(" ", text)
    roles = [(role, _role_target(content)) for role, content in _ROLE.findall(without_literals)]
    without_roles = _ROLE.sub(" ", without_literals)
    return {
        "inline code": Counter(literals),
        "role": Counter(f":{role}:`{target}`" for role, target in roles),
        "substitution": Counter(_SUBSTITUTION.findall(without_roles)),
        "placeholder": Counter(_PRINTF.findall(without_roles) + _FORMAT_FIELD.findall(without_roles)),
        "link target": Counter(_HYPERLINK_TARGET.findall(without_roles) + _URL.findall(without_roles)),
    }


def check_markup(msgid: str, msgstr: str) -> list[str]:
    """How ``msgstr`` fails to keep the markup of ``msgid``, as readable sentences (empty when it keeps it)."""
    source, target = markup_signature(msgid), markup_signature(msgstr)
    problems = []
    for kind in source:
        missing = source[kind] - target[kind]
        extra = target[kind] - source[kind]
        if missing:
            problems.append(f"{kind} missing from the translation: {sorted(missing)}")
        if extra:
            problems.append(f"{kind} in the translation but not in the English: {sorted(extra)}")
    return problems


def load_terms(path: Path = TERMS_FILE) -> list[dict]:
    return tomllib.loads(path.read_text(encoding="utf-8")).get("term", [])


def _prose(text: str) -> str:
    """``text`` without inline code and role contents, where an English word is a name, not the term."""
    return _ROLE.sub(" ", _INLINE_LITERAL.sub(" ", text))


def check_terms(msgid: str, msgstr: str, language: str, terms: list[dict]) -> list[str]:
    """The glossary terms whose English form ``msgid`` uses in prose but whose translation ``msgstr`` lacks."""
    problems = []
    prose = _prose(msgid)
    translated = _prose(msgstr)
    for term in terms:
        forms = term.get("match")
        if not forms:
            continue
        pattern = r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b"
        if re.search(pattern, prose, re.IGNORECASE) and term[language] not in translated:
            problems.append(f"uses {term['en']!r} but not the glossary's {term[language]!r}")
    return problems


def check_language(language: str, locale_dir: Path = LOCALE_DIR, *, terms: bool = True) -> list[Problem]:
    """Markup and term problems in every translated message of ``language``."""
    term_list = load_terms() if terms else []
    problems = []
    for path in catalogs(language, locale_dir):
        name = str(path.relative_to(locale_dir))
        for message in entries(load(path)):
            if not message.string:
                continue
            for what in check_markup(message.id, message.string):
                problems.append(Problem(name, message.id, what))
            for what in check_terms(message.id, message.string, language, term_list):
                problems.append(Problem(name, message.id, what))
    return problems


@dataclass
class Status:
    messages: int = 0
    translated: int = 0
    untranslated: int = 0
    fuzzy: int = 0
    fuzzy_header: bool = False


def status(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, Status]:
    """Per catalog: how many messages, how many translated, untranslated and fuzzy."""
    result = {}
    for path in catalogs(language, locale_dir):
        catalog = load(path)
        counts = Status(fuzzy_header=catalog.fuzzy)
        for message in entries(catalog):
            counts.messages += 1
            if message.fuzzy:
                counts.fuzzy += 1
            elif message.string:
                counts.translated += 1
            else:
                counts.untranslated += 1
        result[str(path.relative_to(locale_dir / language / "LC_MESSAGES"))] = counts
    return result


_GENERATED_BY = re.compile(rb'^"Generated-By: [^"\n]*\\n"\n', re.M)


def content(po_bytes: bytes) -> bytes:
    """A catalog's bytes without the header line that names the Babel release which wrote it.

    That line changes with whichever Babel pip installs; comparisons of catalogs must not depend on it.
    """
    return _GENERATED_BY.sub(b"", po_bytes)


def normalize(path: Path) -> bool:
    """Rewrite ``path`` as sphinx-intl would write it; return whether its content changed.

    The file keeps its own ``Generated-By`` line, so that normalizing with another Babel release is no change.
    """
    before = path.read_bytes()
    catalog = load(path)
    from io import BytesIO

    out = BytesIO()
    write_po(out, catalog, width=LINE_WIDTH)
    after = out.getvalue()
    if content(after) == content(before):
        return False
    kept = _GENERATED_BY.search(before)
    if kept:
        after = _GENERATED_BY.sub(lambda _: kept.group(0), after, count=1)
    path.write_bytes(after)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("status", "check", "normalize"))
    parser.add_argument("--language", action="append", choices=TRANSLATED,
                        help="only this language (repeatable). Defaults to all translated languages.")
    args = parser.parse_args(argv)
    languages = args.language or list(TRANSLATED)

    if args.command == "status":
        for language in languages:
            per_catalog = status(language)
            total = Status()
            for name, counts in per_catalog.items():
                flag = "  (header fuzzy)" if counts.fuzzy_header else ""
                print(f"{language}/{name}: {counts.translated}/{counts.messages} translated, "
                      f"{counts.untranslated} untranslated, {counts.fuzzy} fuzzy{flag}")
                total.messages += counts.messages
                total.translated += counts.translated
                total.untranslated += counts.untranslated
                total.fuzzy += counts.fuzzy
            print(f"== {language}: {total.translated}/{total.messages} translated, "
                  f"{total.untranslated} untranslated, {total.fuzzy} fuzzy\n")
        return 0
    if args.command == "normalize":
        changed = [path for language in languages for path in catalogs(language) if normalize(path)]
        for path in changed:
            print(f"reformatted {path.relative_to(REPO_ROOT)}")
        return 0
    problems = [p for language in languages for p in check_language(language)]
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {', '.join(languages)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
