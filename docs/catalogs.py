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
import unicodedata
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
_FORMAT_FIELD = re.compile(r"(?<!\{)\{[\w.\[\]]*(?:![rsa])?(?::[^{}\s]*)?\}(?!\})")  # {epoch:02d}, not {a: b, c: d}
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


# rst recognises inline markup only between whitespace or punctuation: ``code``的 or 一个*强调* shows the
# backticks or asterisks as they are. Before a start-string: whitespace, - : / ' " < ( [ { or Unicode
# punctuation Pd Po Ps Pi Pf; after an end-string: whitespace, - . , : ; ! ? \ / ' " ) ] } > or Pd Po Pe Pi Pf.
_MARKUP_SPAN = re.compile(
    r"``(?:[^`]|`(?!`))+?``(?!`)|:[\w:+-]+:`[^`]+`|`[^`]+`__?|(?<![*\\])\*\*[^*\s][^*]*?\*\*|(?<![*\\])\*[^*\s][^*]*?\*(?!\*)"
)


def _may_precede_markup(ch: str | None) -> bool:
    return ch is None or ch.isspace() or ch in "-:/'\"<([{" or unicodedata.category(ch) in (
        "Pd", "Po", "Ps", "Pi", "Pf")


def _may_follow_markup(ch: str | None) -> bool:
    return ch is None or ch.isspace() or ch in "-.,:;!?\\/'\")]}>" or unicodedata.category(ch) in (
        "Pd", "Po", "Pe", "Pi", "Pf")


def check_markup_boundaries(text: str) -> list[str]:
    """Inline markup in ``text`` that rst would not recognise because a letter touches it."""
    problems = []
    for match in _MARKUP_SPAN.finditer(text):
        before = text[match.start() - 1] if match.start() else None
        after = text[match.end()] if match.end() < len(text) else None
        if not (_may_precede_markup(before) and _may_follow_markup(after)):
            shown = text[max(0, match.start() - 4): match.end() + 4]
            problems.append(f"markup touches a letter and is shown as typed: {shown!r} (add a space, or \\ + space)")
    return problems


def check_markup(msgid: str, msgstr: str) -> list[str]:
    """How ``msgstr`` fails to keep the markup of ``msgid``, as readable sentences (empty when it keeps it)."""
    source, target = markup_signature(msgid), markup_signature(msgstr)
    problems = check_markup_boundaries(msgstr)
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


def load_key_names(path: Path = TERMS_FILE) -> frozenset[str]:
    return frozenset(tomllib.loads(path.read_text(encoding="utf-8")).get("key_names", []))


# Code the English writes without ``inline literal`` markup. In each of these an English word is a name, not
# the term: the translation keeps it as it is, and the term check must not ask for the glossary's word there.
_LINK = re.compile(r"`([^`<]*?)\s*<[^>`]+>`__?")  # `text <target>`_: the text is prose, the target is not
_INTERPRETED = re.compile(r"(?<![`\w])`[^`]+`(?![`\w])")  # `"epoch"`: single backticks (the default role)
_IDENTIFIER = re.compile(
    r"(?<![\w.])(?:"
    r"\w*_\w*"  # snake_case: steps_per_epoch, val_loss, on_epoch_end
    r"|\w+(?:\.\w+)+"  # dotted: Callback.params, model.stop_training
    r"|\w+(?=\(\))"  # a call: fit()
    r"|\w+(?=\s*(?:[<>=!]=?|[-+*/]\s*\d))"  # an operand: epochs < 0, epochs <= n, epochs - 1, batch=...
    r"|(?<=[{,]\s)\w+(?=:)|(?<=\{)\w+(?=:)"  # a key in a mapping written out: {verbose: ..., epochs: 1}
    r")(?![\w.])"
)


def _prose(text: str) -> str:
    """``text`` without its code: inline literals, roles, single-backtick text, link targets, bare identifiers."""
    text = _INLINE_LITERAL.sub(" ", text)
    text = _ROLE.sub(" ", text)
    text = _LINK.sub(lambda m: f" {m.group(1)} ", text)
    text = _INTERPRETED.sub(" ", text)
    return _IDENTIFIER.sub(" ", text)


def _latin_words(text: str) -> Counter:
    """Whole Latin words, exactly as written (CJK letters count as boundaries: ``epochs和`` has ``epochs``)."""
    return Counter(re.findall(r"(?<![A-Za-z0-9_.])[A-Za-z]+(?![A-Za-z0-9_.])", text))


def check_terms(
    msgid: str, msgstr: str, language: str, terms: list[dict], key_names: frozenset[str] = frozenset()
) -> list[str]:
    """The glossary terms whose English form ``msgid`` uses in prose but whose translation ``msgstr`` lacks.

    Code is not prose: inline literals, roles, `single-backtick` text and bare identifiers (snake_case, dotted
    names, calls, operands, mapping keys) are ignored in both texts, so no translation needs words that its
    English does not have. ``key_names`` are the project's keys written as bare English words (``params`` has
    the keys verbose, epochs and steps): each one the translation keeps as it is counts as that name, and so
    does a capitalised word the translation keeps (the page title ``Callback`` is the class, not the term).
    """
    problems = []
    prose = _prose(msgid)
    translated = _prose(msgstr)
    kept = _latin_words(translated)
    for term in terms:
        forms = term.get("match")
        if not forms:
            continue
        pattern = r"\b(?:" + "|".join(re.escape(f) for f in forms) + r")\b"
        used = Counter(re.findall(pattern, prose, re.IGNORECASE))
        for word in used:
            if word in key_names or word[0].isupper():  # a key, or a class name such as the title Callback
                used[word] -= min(used[word], kept[word])
        if +used and term[language] not in translated:
            problems.append(f"uses {term['en']!r} but not the glossary's {term[language]!r}")
    return problems


# --- Korean particles after code ------------------------------------------------------------------------------
# Korean particles come in pairs chosen by the sound the preceding word ends in: 이/가, 을/를, 은/는, 과/와 take
# the first form after a final consonant (받침) and the second after a vowel; 으로/로 takes 로 after a vowel or
# after ㄹ. After code the sound is that of the code read aloud in Korean: ``wait`` is 웨이트 (``wait``\ 가),
# ``fit()`` is 핏 (``fit()``\ 은), ``None`` is 논 (``None``\ 이), ``keras3`` is 케라스 삼 (``keras3``\ 은).

# Particle pairs: (after a final consonant, after a vowel). 으로/로 is handled apart: 로 also follows ㄹ.
_PARTICLE_PAIRS = (("이", "가"), ("을", "를"), ("은", "는"), ("과", "와"), ("이나", "나"), ("이라는", "라는"),
                   ("이라고", "라고"), ("이란", "란"))
_PARTICLES: dict[str, tuple[str, str]] = {}
for _consonant_form, _vowel_form in _PARTICLE_PAIRS:
    _PARTICLES[_consonant_form] = _PARTICLES[_vowel_form] = (_consonant_form, _vowel_form)
for _tail in ("", "는", "도", "서", "써", "부터", "의"):
    _PARTICLES["으로" + _tail] = _PARTICLES["로" + _tail] = ("으로" + _tail, "로" + _tail)
for _tail in ("는", "도", "의"):
    _PARTICLES["과" + _tail] = _PARTICLES["와" + _tail] = ("과" + _tail, "와" + _tail)

# How English words in code are read aloud in Korean, where the spelling rules of _english_reading guess wrong
# or a name is the project's own. Only the last word of an identifier matters (``on_epoch_end``: end).
READINGS: dict[str, str] = {
    # words of Python, Keras and the contract
    "acc": "애큐러시", "accuracy": "애큐러시", "append": "어펜드", "auto": "오토", "back": "백",
    "baseline": "베이스라인",
    "batch": "배치", "begin": "비긴", "best": "베스트", "board": "보드", "bool": "불", "callback": "콜백",
    "callbacks": "콜백스", "check": "체크", "clauses": "클로지스", "compile": "컴파일", "data": "데이터",
    "delta": "델타", "dict": "딕트", "dim": "딤", "dir": "디렉터리", "docs": "독스", "end": "엔드",
    "epoch": "에포크", "epochs": "에포크스", "epsilon": "엡실론", "error": "에러", "evaluate": "이밸류에이트",
    "false": "폴스", "field": "필드", "filepath": "파일패스", "fit": "핏", "float": "플로트", "freq": "프리퀀시",
    "get": "겟", "graph": "그래프", "help": "헬프", "history": "히스토리", "hook": "훅", "hooks": "훅스",
    "inf": "인프", "infinity": "인피니티", "init": "이닛", "input": "인풋", "int": "인트", "jax": "잭스",
    "jieba": "제바", "keras": "케라스", "key": "키", "list": "리스트", "log": "로그", "logs": "로그스",
    "loop": "루프", "loss": "로스", "lr": "엘알", "mae": "엠에이이", "mean": "민", "metadata": "메타데이터",
    "metric": "메트릭", "metrics": "메트릭스", "min": "민", "max": "맥스", "mode": "모드", "model": "모델",
    "monitor": "모니터", "mse": "엠에스이", "none": "논", "numpy": "넘파이", "only": "온리", "output": "아웃풋",
    "outputs": "아웃풋스", "params": "파람스", "path": "패스", "patience": "페이션스", "period": "피리어드",
    "plateau": "플래토", "predict": "프리딕트", "python": "파이썬", "rate": "레이트", "report": "리포트",
    "restore": "리스토어", "root": "루트", "samples": "샘플스", "schedule": "스케줄", "set": "셋",
    "size": "사이즈", "spec": "스펙", "sphinx": "스핑크스", "step": "스텝", "steps": "스텝스", "stop": "스톱",
    "str": "에스티알", "timeout": "타임아웃", "toml": "토믈", "true": "트루", "type": "타입", "val": "밸",
    "verbose": "버보스", "wait": "웨이트", "weights": "웨이츠",
    # the project's own names
    "refimpl": "레프임플", "cthulhu": "크툴루", "azatoth": "아자토스", "daoloth": "다오로스", "conjure": "컨저",
    "summon": "서먼", "lump": "럼프", "pile": "파일", "impl": "임플", "impls": "임플스",
    # acronyms said as words; any other all-capital name is spelled letter by letter (CSV, URL, HTTP)
    "JSON": "제이슨", "NaN": "난", "POST": "포스트", "TOML": "토믈",
    "FILE": "파일", "NAME": "네임",  # placeholders in usage lines (--spec FILE) are read as the word
}
_LETTERS = dict(zip("abcdefghijklmnopqrstuvwxyz", (
    "에이 비 씨 디 이 에프 지 에이치 아이 제이 케이 엘 엠 엔 "
    "오 피 큐 알 에스 티 유 브이 더블유 엑스 와이 제트").split()))
_DIGITS = dict(zip("0123456789", "영 일 이 삼 사 오 육 칠 팔 구".split()))
_ENGLISH_DIGITS = dict(zip("0123456789", "제로 원 투 쓰리 포 파이브 식스 세븐 에잇 나인".split()))
_POWERS = ("", "십", "백", "천")  # ×10, ×100, ×1000; ×10⁴ is 만, ×10⁸ 억
_HANGUL = re.compile(r"[\uac00-\ud7a3]")


def _number_reading(digits: str, *, one_by_one: bool = False) -> str:
    """The last syllables of a number read in Sino-Korean: 10 십, 784 …사, 9000 구천; after a point, digit by digit."""
    if one_by_one or set(digits) == {"0"}:
        return _DIGITS[digits[-1]]
    zeros = len(digits) - len(digits.rstrip("0"))
    last = _DIGITS[digits.rstrip("0")[-1]]
    if zeros == 0:
        return last
    return last + (_POWERS[zeros % 4] if zeros % 4 else ("만", "억", "조")[min(zeros // 4, 3) - 1])


def _english_reading(word: str) -> str:
    """A Korean reading of an English word the table does not list, from its spelling (final sound only)."""
    lower = word.lower()
    if not re.search(r"[aeiouy]", lower):
        return "".join(_LETTERS[ch] for ch in lower)  # no vowel: spelled (bkp, md)
    if re.search(r"(?:ng)$", lower):
        return "잉"  # training 트레이닝, warning 워닝
    if re.search(r"(?:m|[aeiou]me)$", lower):
        return "임"  # time 타임
    if re.search(r"(?:[aeiou]n|[aeiou]ne)$", lower):
        return "인"  # validation 밸리데이션, train 트레인, line 라인
    if re.search(r"(?:l|le)$", lower):
        return "일"  # model 모델, file 파일, install 인스톨
    if re.search(r"ck$", lower):
        return "익"  # callback 콜백
    return "으"  # every other ending is read with a vowel: wait 웨이트, size 사이즈, monitor 모니터


def _token_reading(token: str, before: str = "") -> str:
    """How one alphanumeric token at the end of code is read: a number, a table entry, letters or a word."""
    if token.isdigit():
        return _number_reading(token, one_by_one=bool(re.search(r"\d\.$", before)))
    for name, reading in READINGS.items():  # NaN in TerminateOnNaN, JSON in toJSON
        if not name.islower() and token.endswith(name):
            return reading
    parts = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+", token) or [token]
    last = parts[-1]
    if len(last) == 1 or (last.isupper() and len(last) > 1):
        return _LETTERS[last[-1].lower()]  # x, N, CSV, URL
    return READINGS.get(last.lower()) or _english_reading(last)


def readings_of(text: str) -> list[str]:
    """How ``text`` (code or a plain word) may be read aloud: the readings whose last sound decides the particle.

    ``logs["loss"]`` is read up to loss. A version number after a name (Keras 3, ``keras3``) is said in
    Sino-Korean or in English (삼 or 쓰리), and either agrees; other numbers are Sino-Korean (``10``: 십).
    A call with arguments may be read through (``Dense(784, 10)``: 십) or
    by its name (``Input(shape=(784,))``: 인풋), so both readings are accepted. Hangul is read as written.
    """
    stripped = text.rstrip()
    if not stripped:
        return []
    tokens = list(re.finditer(r"[\uac00-\ud7a3]+|[A-Za-z]+[0-9]*[A-Za-z]*|\d+", stripped))
    if not tokens:
        return []
    found = []
    last = tokens[-1]
    pieces = re.findall(r"[A-Za-z]+|\d+|[\uac00-\ud7a3]+", last.group(0))
    piece = pieces[-1]
    before = stripped[: last.start()] + last.group(0)[: len(last.group(0)) - len(piece)]
    found.append(piece if _HANGUL.match(piece) else _token_reading(piece, before))
    if piece.isdigit() and re.search(r"[A-Za-z][\s-]?(?:\d+\.)*$", before):
        found.append(_ENGLISH_DIGITS[piece[-1]])  # a version (Keras 3, keras3): 케라스 삼 or 케라스 쓰리
    call = re.match(r"^(.*?)\((.*)\)\W*$", stripped, re.S)
    if call and call.group(2).strip() and call.group(1).strip():
        found.extend(r for r in readings_of(call.group(1)) if r not in found)
    return found


def _final(reading: str) -> str:
    """"vowel", "ㄹ" or "consonant": the sound the reading ends in."""
    code = ord(reading[-1]) - 0xAC00
    if not 0 <= code < 11172:
        return "vowel"
    final = code % 28
    return "vowel" if final == 0 else "ㄹ" if final == 8 else "consonant"


def _agrees(particle: str, reading: str) -> bool:
    consonant_form, vowel_form = _PARTICLES[particle]
    final = _final(reading)
    if consonant_form.startswith("으로"):
        return particle == (consonant_form if final == "consonant" else vowel_form)
    return particle == (vowel_form if final == "vowel" else consonant_form)


def _expected(particle: str, reading: str) -> str:
    consonant_form, vowel_form = _PARTICLES[particle]
    return vowel_form if not _agrees(consonant_form, reading) else consonant_form


_CODE = r"``(?:[^`]|`(?!`))+?``|:[\w:+-]+:`[^`]+`|`[^`]+`(?!_)"
_AFTER_CODE = re.compile(rf"({_CODE})\\ ([\uac00-\ud7a3]+)(?![\uac00-\ud7a3])")
_AFTER_WORD = re.compile(
    r"(?<![\w`.\-/\\])([A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*)([\uac00-\ud7a3]+)(?![\uac00-\ud7a3])"
)
_AFTER_PARENTHESIS = re.compile(r"\)(?:\\ )?([\uac00-\ud7a3]+)(?![\uac00-\ud7a3])")


def _rendered(code: str, titles: dict[str, str], docname: str) -> str:
    """The text a reader sees for a code span or role: a :doc: without a title shows the page's title."""
    if code.startswith("``"):
        return code[2:-2]
    role = re.match(r":([\w:+-]+):`(.*)`$", code, re.S)
    if not role:
        return code[1:-1]
    name, content = role.groups()
    titled = re.match(r"(.*?)\s*<([^<>]+)>\s*$", content, re.S)
    if titled:
        return titled.group(1)
    target = content.lstrip("~!")
    if name == "doc":
        path = Path(docname).parent / target if not target.startswith("/") else Path(target.lstrip("/"))
        resolved = str(Path(*[p for p in path.parts])).replace("\\", "/")
        parts: list[str] = []
        for part in resolved.split("/"):
            if part == "..":
                parts = parts[:-1]
            elif part and part != ".":
                parts.append(part)
        return titles.get("/".join(parts), "")
    return target.split(".")[-1] if content.startswith("~") else target


def _before_parenthesis(text: str, close: int) -> str:
    """The words right before the "(" that the ")" at ``close`` closes; empty when a space separates them."""
    depth = 0
    for i in range(close, -1, -1):
        if text[i] == ")":
            depth += 1
        elif text[i] == "(":
            depth -= 1
            if depth == 0:
                head = text[:i]
                head = re.sub(r"(?:\\ |\*+)+$", "", head)
                return "" if not head or head[-1].isspace() else head
    return ""


def check_particles(text: str, titles: dict[str, str] | None = None, docname: str = "") -> list[str]:
    """Korean particles after code, Latin words, numbers or a parenthesis that disagree with how it is read."""
    titles = titles or {}
    problems = []

    def judge(shown: str, readable: str, particle: str) -> None:
        if particle not in _PARTICLES:
            return
        readings = readings_of(readable)
        if readings and not any(_agrees(particle, r) for r in readings):
            problems.append(f"particle {particle!r} after {shown!r} (read …{readings[0]}): "
                            f"write {_expected(particle, readings[0])!r}")

    for match in _AFTER_CODE.finditer(text):
        judge(match.group(1), _rendered(match.group(1), titles, docname), match.group(2))
    plain = re.sub(_CODE, lambda m: " " * len(m.group(0)), text)
    plain = _URL.sub(lambda m: " " * len(m.group(0)), plain)
    for match in _AFTER_WORD.finditer(plain):  # read with the words before it: "Keras 3" is a version
        judge(match.group(1), plain[max(0, match.start() - 12): match.end(1)], match.group(2))
    for match in _AFTER_PARENTHESIS.finditer(text):
        head = _before_parenthesis(text, match.start())
        if not head:
            continue
        code = re.search(rf"(?:{_CODE})$", head)
        readable = _rendered(code.group(0), titles, docname) if code else head
        shown = (code.group(0) if code else head.split()[-1]) + "(…)"
        judge(shown, readable, match.group(1))
    return problems


def page_titles(language: str, locale_dir: Path = LOCALE_DIR) -> dict[str, str]:
    """Each page's translated title (its first message), by docname: what a :doc: role without a title shows."""
    titles = {}
    base = locale_dir / language / "LC_MESSAGES"
    for path in catalogs(language, locale_dir):
        messages = entries(load(path))
        if messages:
            titles[str(path.relative_to(base).with_suffix("")).replace("\\", "/")] = (
                messages[0].string or messages[0].id)
    return titles



_KO_PLAIN_ENDING = re.compile(r"(?:한|된|있|없|았|었|였|겠|는)다\.(?=\s|$)")


def check_register(text: str, language: str) -> list[str]:
    """Departures from the one register each language uses (locale/README.md, "Register")."""
    problems = []
    if language == "zh_CN" and "您" in text:
        problems.append("register: 您; these pages address the reader as 你 or with no pronoun")
    if language == "ko":
        if re.search(r"니다:\s*$", text):
            problems.append("register: a sentence ends in 「…니다:」; end it with a full stop")
        if _KO_PLAIN_ENDING.search(text):
            problems.append("register: a plain -다 ending; these pages use the formal -ㅂ니다")
    return problems


def check_language(language: str, locale_dir: Path = LOCALE_DIR, *, terms: bool = True) -> list[Problem]:
    """Markup and term problems in every translated message of ``language``; in Korean, particles after code."""
    term_list = load_terms() if terms else []
    key_names = load_key_names() if terms else frozenset()
    titles = page_titles(language, locale_dir) if language == "ko" else {}
    problems = []
    for path in catalogs(language, locale_dir):
        name = str(path.relative_to(locale_dir))
        docname = str(path.relative_to(locale_dir / language / "LC_MESSAGES").with_suffix("")).replace("\\", "/")
        for message in entries(load(path)):
            if not message.string:
                continue
            for what in check_markup(message.id, message.string):
                problems.append(Problem(name, message.id, what))
            for what in check_terms(message.id, message.string, language, term_list, key_names):
                problems.append(Problem(name, message.id, what))
            for what in check_register(message.string, language):
                problems.append(Problem(name, message.id, what))
            if language == "ko":
                for what in check_particles(message.string, titles, docname):
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
