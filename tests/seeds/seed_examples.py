"""The seed pages' code examples, extracted from the pages, and how each one is adapted to run on refimpl.

The pages are kept in ``tests/seeds/pages/`` (copies of ``/work/shared/seeds``; a test checks the copies are
current when the shared folder exists). Every fenced ``python`` block is an example; the only adaptations are
the import lines (the pages never show theirs) and the ones listed in ``NOT_RUNNABLE_UNCHANGED``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

PAGES = Path(__file__).parent / "pages"
SHARED_SEEDS = Path("/work/shared/seeds")

# page number -> (file, dialect module, how `keras` is spelled on that page)
SEED_PAGES = {
    "000": ("000_37d8bac4e156566d.txt", "refimpl.dialects.keras0", "keras"),
    "001": ("001_37c6fa64daa79144.txt", "refimpl.dialects.cthulhu", "cthulhu"),
    "002": ("002_50b44dd23ee654f9.txt", "refimpl.dialects.keras1", "keras"),
    "003": ("003_d64e64e437ea5dcc.txt", "refimpl.dialects.keras2", "keras"),
    "004": ("004_411a1a02b067b316.txt", "refimpl", "keras"),
}

# The import lines each page leaves out; its examples use these names unqualified.
PRELUDES = {
    "000": "import refimpl.dialects.keras0 as keras\n"
           "from refimpl.dialects.keras0.models import Sequential\n"
           "from refimpl.dialects.keras0.layers import Dense, Activation\n",
    "001": "import refimpl.dialects.cthulhu as cthulhu\n"
           "from refimpl.dialects.cthulhu.models import Pile\n"
           "from refimpl.dialects.cthulhu.layers import Daoloth, Azatoth\n",
    "002": "import refimpl.dialects.keras1 as keras\n"
           "from refimpl.dialects.keras1.models import Sequential\n"
           "from refimpl.dialects.keras1.layers import Dense, Activation\n",
    "003": "import refimpl.dialects.keras2 as keras\n"
           "from refimpl.dialects.keras2.models import Sequential\n"
           "from refimpl.dialects.keras2.layers import Dense, Activation\n"
           "from refimpl.dialects.keras2.callbacks import (LambdaCallback, ReduceLROnPlateau, CSVLogger)\n",
    "004": "import refimpl as keras\n",
}

# Seed examples that cannot run exactly as written, and the one change each gets. The docs show this table.
NOT_RUNNABLE_UNCHANGED = {
    "000 Example": "Python 2: `print history.losses` is read as `print(history.losses)`.",
    "002 Example: recording loss history": "Python 2: `print history.losses` is read as `print(history.losses)`.",
    "003 LambdaCallback": "Placeholders: `processes = ...` becomes `processes = []` (no processes to terminate) and "
                          "`model.fit(...,` becomes `model.fit(X_train, Y_train, epochs=2, verbose=0,` (the page "
                          "leaves the data out); the page also needs a compiled `model`, which the test provides.",
    "003 ReduceLROnPlateau": "Needs a compiled `model` (the page does not build one); runs otherwise unchanged.",
    "003 CSVLogger": "Needs a compiled `model` (the page does not build one); runs otherwise unchanged.",
    "003 TensorBoard (sh)": "A shell command (`tensorboard --logdir=...`), not Python; TensorBoard's own reader "
                            "is used on the files instead (tests/callbacks).",
    "004 How to use?": "Defines CustomCallback only; the page trains no model, so the test fits, evaluates and "
                       "predicts one (784 features, 10 classes) to make every hook print.",
}


@dataclass(frozen=True)
class Example:
    """One fenced ``python`` block of a seed page."""

    page: str
    index: int
    heading: str
    code: str

    @property
    def is_signature(self) -> bool:
        """A one-call block such as ``keras.callbacks.EarlyStopping(monitor='val_loss', ...)``: the API line."""
        try:
            tree = ast.parse(self.code)
        except SyntaxError:
            return False
        return (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Call)
                and ast.unparse(tree.body[0].value.func).startswith(("keras.", "cthulhu.")))

    @property
    def name(self) -> str:
        return f"{self.page} {self.heading}" if self.heading else f"{self.page} block {self.index}"


def page_text(page: str) -> str:
    return (PAGES / SEED_PAGES[page][0]).read_text(encoding="utf-8")


def examples(page: str) -> list[Example]:
    """Every fenced python block of ``page``, with the nearest heading above it."""
    found = []
    heading = ""
    lines = page_text(page).splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if re.match(r"^#{1,6} ", line):
            heading = line.lstrip("#").strip()
        if line.strip() == "```python":
            body = []
            i += 1
            while lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            found.append(Example(page, len(found), heading, "\n".join(body) + "\n"))
        i += 1
    return found


def example(page: str, heading: str, nth: int = 0) -> Example:
    """The ``nth`` example under ``heading`` (raises when the page changed and it is gone)."""
    matching = [e for e in examples(page) if e.heading == heading and not e.is_signature]
    if len(matching) <= nth:
        raise LookupError(f"seed {page} has no example #{nth} under {heading!r}; the page changed.")
    return matching[nth]


def adapt(page: str, code: str) -> str:
    """The example as written, with its import lines and Python 2 ``print x`` read as ``print(x)``."""
    _, module, spelled = SEED_PAGES[page]
    code = re.sub(rf"^from {spelled}\.", f"from {module}.", code, flags=re.M)
    code = re.sub(r"^(\s*)print ([^(].*)$", r"\1print(\2)", code, flags=re.M)
    return PRELUDES[page] + code


def signature_call(example_: Example) -> tuple[str, list[str], dict]:
    """``("callbacks.EarlyStopping", [positional names], {keyword: default})`` of a signature block."""
    call = ast.parse(example_.code).body[0].value
    target = ast.unparse(call.func).split(".", 1)[1]
    positional = [ast.unparse(arg) for arg in call.args]
    keywords = {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords}
    return target, positional, keywords
