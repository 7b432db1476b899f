"""Directives that render the callback contract from ``conformance/spec/`` as tables and outlines.

The docs never restate the contract by hand: clauses and hooks come from ``conformance.spec`` and the hook
sequence from ``conformance.model``, the suite's executable model of the spec.

The spec's English sentences become ordinary paragraphs of the page, so the gettext builder extracts them into
that page's catalog like any other text: when a clause changes, the drift check fails and the Chinese and
Korean pages show the new English until the catalogs catch up. Clause ids, hook names, profile names and
``logs`` keys are code: they are marked untranslatable and never reach a catalog.

Directives:

``.. contract-clauses::``
    A table of clauses. Options ``:kind:`` (comma-separated kinds), ``:profile:``, ``:id-prefix:``
    (comma-separated). Warns when nothing matches, so a renamed kind cannot empty a page silently.
``.. contract-summary::``
    How many clauses each kind has in each profile.
``.. contract-profiles::``
    Each profile with the real releases it describes and the releases the suite runs it against
    (``conformance/profiles.py``).
``.. contract-hooks::``
    For one ``:profile:``, every hook it has: its arguments, when it fires, and the keys of its ``logs``.
``.. contract-hook-sequence::``
    The hook calls one ``fit()`` makes as the model derives them from the spec: an outline in which each
    ``*_begin`` opens a level that its ``*_end`` closes. Options ``:profile:``, ``:epochs:``, ``:samples:``,
    ``:batch-size:``, ``:validation-samples:`` (0 for none), ``:metrics:``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from doc_tables import build_table
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

SPEC_DIR = Path(__file__).resolve().parents[2] / "conformance" / "spec"
PROFILES = ("keras3", "tf-keras", "keras2", "keras1", "keras0")

# The spec's sentences are plain text with code names in them (``fit()``, ``val_*``, ``model.stop_training``).
# Marking those as inline literals renders them as code and keeps rst's markup characters (``*``, ``_``)
# inside literals, where they mean nothing; any ``*`` left over is escaped.
_CODE = re.compile(
    r"""
    '[^'\s]+'                                        # quoted names: 'accuracy'
    | \[[^\]]*\*[^\]]*\]                            # lists with a star: [loss, *metrics]
    | (?<![\w.])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*       # calls, possibly dotted: float(model.optimizer.lr)
      \((?:[^()]|\([^()]*\))*\)
    | \*?(?<![\w.])(?:[A-Za-z]\w*\.)*\w*_\w*         # names with an underscore: on_epoch_end, val_*, *_begin,
      (?:\.\w+)*\*?(?:=\w+)?                          # return_dict=True
    | (?<![\w.])[A-Za-z]\w*(?:\.[A-Za-z]\w*)+         # dotted names: self.model, History.history[key]
      (?:\[\w+\])?
    | \b[A-Z][a-z]+[A-Z]\w*                            # CamelCase classes: ValueError, PyDataset
    """,
    re.VERBOSE,
)


def spec_text_to_rst(text: str) -> str:
    """Turn a spec sentence into rst: code names become inline literals, whitespace is collapsed."""
    text = " ".join(text.split())
    if "`" in text:  # the sentence marks its own code, Markdown style
        return re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    pieces, last = [], 0
    for match in _CODE.finditer(text):
        pieces.append(text[last:match.start()].replace("*", "\\*"))
        pieces.append(f"``{match.group(0)}``")
        last = match.end()
    pieces.append(text[last:].replace("*", "\\*"))
    return "".join(pieces)


def _comma_list(argument: str | None) -> list[str]:
    return [item.strip() for item in (argument or "").split(",") if item.strip()]


def _profile(argument: str | None) -> str:
    return directives.choice((argument or "").strip(), PROFILES)


def fixed_paragraph(text: str, *, literal: bool = False) -> nodes.paragraph:
    """A paragraph that is code or a name: shown as is in every language, never sent to a catalog."""
    child = nodes.literal(text, text) if literal else nodes.Text(text)
    para = nodes.paragraph("", "", child)
    para["translatable"] = False
    return para


class ContractDirective(SphinxDirective):
    """Shared helpers: reading the spec (with dependency tracking) and building translatable tables."""

    def spec(self):
        try:
            import conformance.spec as spec
        except ImportError as exc:
            raise self.error(f"the contract tables need the conformance package: {exc}") from exc
        for path in sorted(SPEC_DIR.glob("*.toml")):
            self.env.note_dependency(str(path))
        return spec

    def translatable_paragraph(self, rst_text: str) -> nodes.paragraph:
        """A paragraph parsed from rst, with the source position gettext needs to extract it."""
        inline, _messages = self.state.inline_text(rst_text, self.lineno)
        para = nodes.paragraph(rst_text, "", *inline)
        para.source, para.line = self.get_source_info()
        return para

    def table(self, headers: list[str | nodes.Node], rows: list[list[nodes.Node]], widths: list[int]) -> nodes.table:
        head = [self.translatable_paragraph(h) if isinstance(h, str) else h for h in headers]
        return build_table(head, rows, widths, ["contract-table"])


class ContractClauses(ContractDirective):
    option_spec = {"kind": directives.unchanged, "profile": _profile, "id-prefix": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        spec = self.spec()
        kinds = _comma_list(self.options.get("kind"))
        unknown = [k for k in kinds if k not in spec.KINDS]
        if unknown:
            raise self.error(f":kind: {unknown} unknown; the spec's kinds are {', '.join(spec.KINDS)}")
        prefixes = tuple(_comma_list(self.options.get("id-prefix")))
        chosen = [
            clause
            for clause in spec.load_clauses(self.options.get("profile"))
            if (not kinds or clause.kind in kinds) and (not prefixes or clause.id.startswith(prefixes))
        ]
        if not chosen:
            logger.warning("contract-clauses: no clause matches %s", self.options, location=self.get_location())
            return []
        rows = [
            [
                fixed_paragraph(clause.id, literal=True),
                self.translatable_paragraph(spec_text_to_rst(clause.statement)),
                fixed_paragraph(", ".join(clause.profiles)),
            ]
            for clause in chosen
        ]
        return [self.table(["Clause", "Statement", "Profiles"], rows, [28, 58, 14])]


class ContractSummary(ContractDirective):
    def run(self) -> list[nodes.Node]:
        spec = self.spec()
        clauses = spec.load_clauses()
        rows = []
        for kind in spec.KINDS:
            cells: list[nodes.Node] = [fixed_paragraph(kind, literal=True)]
            for profile in PROFILES:
                count = sum(1 for c in clauses if c.kind == kind and profile in c.profiles)
                cells.append(fixed_paragraph(str(count)))
            rows.append(cells)
        total: list[nodes.Node] = [self.translatable_paragraph("All kinds")]
        total += [fixed_paragraph(str(len(spec.load_clauses(profile)))) for profile in PROFILES]
        rows.append(total)
        headers = ["Kind", *(fixed_paragraph(p, literal=True) for p in PROFILES)]
        return [self.table(headers, rows, [20] + [10] * len(PROFILES))]


class ContractProfiles(ContractDirective):
    """The profiles, the real releases each describes and the releases the suite runs it against
    (conformance/profiles.py)."""

    def run(self) -> list[nodes.Node]:
        self.spec()
        from conformance.profiles import TABLE

        self.env.note_dependency(str(SPEC_DIR.parent / "profiles.py"))
        rows = [
            [
                fixed_paragraph(name, literal=True),
                self.translatable_paragraph(spec_text_to_rst(facts.releases)),
                fixed_paragraph(", ".join(facts.measured) or "-"),
            ]
            for name, facts in TABLE.items()
        ]
        return [self.table(["Profile", "Releases it describes", "Checked live against"], rows, [16, 50, 34])]


class ContractHooks(ContractDirective):
    option_spec = {"profile": _profile}

    def run(self) -> list[nodes.Node]:
        profile = self.options.get("profile", "keras3")
        rows = []
        for row in self.spec().hook_table(profile):
            signature = f"{row['hook']}({', '.join(row['args'])})"
            if "logs" not in row["args"]:
                keys = self.translatable_paragraph("no ``logs`` argument")
            elif not row["logs"]:
                keys = fixed_paragraph("{}", literal=True)
            else:
                keys = fixed_paragraph(", ".join(row["logs"]), literal=True)
            hook_cell = fixed_paragraph(signature, literal=True)
            # A link target per hook and profile (logs-keras3-on-epoch-end): the API pages point here.
            target = nodes.target("", "", names=[hook_label(profile, row["hook"])])
            self.state.document.note_explicit_target(target)
            hook_cell.insert(0, target)
            rows.append([
                hook_cell,
                self.translatable_paragraph(spec_text_to_rst(row["statement"])),
                keys,
            ])
        return [self.table(["Hook", "When it is called", "Keys in ``logs``"], rows, [30, 40, 30])]


def hook_label(profile: str, hook: str) -> str:
    """The reference label of ``hook``'s row in the ``logs`` table of ``profile``."""
    return f"logs-{profile}-{hook.replace('_', '-')}"


def link_hooks_to_logs_tables(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """End each hook of ``Callback`` on the API pages with a link to its row in the Keras 3 ``logs`` table."""
    owner, _, hook = name.rpartition(".")
    if what != "method" or owner != "refimpl.callbacks.Callback" or not hook.startswith("on_"):
        return
    lines += ["", f"Keys in ``logs``: see :ref:`this hook's row in the logs table <{hook_label('keras3', hook)}>`."]


class ContractHookSequence(ContractDirective):
    option_spec = {
        "profile": _profile,
        "epochs": directives.positive_int,
        "samples": directives.positive_int,
        "batch-size": directives.positive_int,
        "validation-samples": directives.nonnegative_int,
        "metrics": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        self.spec()
        from conformance.model import expect_call
        from conformance.scenario import Call, Scenario

        validation_samples = self.options.get("validation-samples", 2)
        call = Call(
            method="fit",
            n=self.options.get("samples", 6),
            batch_size=self.options.get("batch-size", 4),
            epochs=self.options.get("epochs", 2),
            validation="data" if validation_samples else None,
            val_n=validation_samples or 8,
        )
        metrics = tuple(_comma_list(self.options.get("metrics", "accuracy")))
        scenario = Scenario(task="categorical", metrics=metrics, calls=(call,))
        expected = expect_call(scenario, call, self.options.get("profile", "keras3"))
        text = outline([(e.hook, e.index, e.keys) for e in expected.events[0]])
        block = nodes.literal_block(text, text, classes=["contract-hook-sequence"])
        block["language"] = "text"
        return [block]


def outline(calls: list[tuple[str, int | None, Any]]) -> str:
    """Hook calls as an indented outline; ``keys`` of ``None`` means the hook gets no ``logs`` argument."""
    labels = [f"{hook}({index})" if index is not None else hook for hook, index, _ in calls]
    width = max(len(label) for label in labels) + 2 * 4 + 2
    lines, depth = [], 0
    for label, (hook, _, keys) in zip(labels, calls):
        if hook.endswith("_end"):
            depth -= 1
        if keys is None:
            logs = "(no logs argument)"
        elif not keys:
            logs = "logs = {}"
        else:
            logs = "logs keys: " + ", ".join(sorted(keys))
        lines.append(f"{'  ' * depth + label:<{width}}{logs}")
        if hook.endswith("_begin"):
            depth += 1
    return "\n".join(line.rstrip() for line in lines)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("contract-clauses", ContractClauses)
    app.add_directive("contract-summary", ContractSummary)
    app.add_directive("contract-profiles", ContractProfiles)
    app.add_directive("contract-hooks", ContractHooks)
    app.add_directive("contract-hook-sequence", ContractHookSequence)
    app.connect("autodoc-process-docstring", link_hooks_to_logs_tables)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
