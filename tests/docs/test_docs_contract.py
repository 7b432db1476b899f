"""The contract pages are generated from conformance/spec/ and show all of it."""

from __future__ import annotations

import io
import re

import contract_tables
import pytest
from docutils.core import publish_doctree

from conformance.spec import load_spec


def test_every_spec_sentence_becomes_clean_rst():
    clauses, hooks = load_spec()
    for text in [c.statement for c in clauses] + [h.statement for h in hooks]:
        rst = contract_tables.spec_text_to_rst(text)
        warnings = io.StringIO()
        publish_doctree(rst, settings_overrides={"warning_stream": warnings, "report_level": 2})
        assert not warnings.getvalue(), f"{text!r} -> {rst!r}: {warnings.getvalue()}"
        # the words survive: only backticks and escapes were added
        assert re.sub(r"``|\\", "", rst) == " ".join(text.split())


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("Every *_begin hook gets {}.", "``*_begin``"),
        ("keys prefixed with val_.", "``val_``"),
        ("a list [loss, *metrics] in order", "``[loss, *metrics]``"),
        ("float(model.optimizer.learning_rate) works", "``float(model.optimizer.learning_rate)``"),
        ("dict with return_dict=True.", "``return_dict=True``"),
        ("fit()'s validation", "``fit()``"),
    ],
)
def test_code_in_spec_sentences_is_marked_as_code(text, literal):
    assert literal in contract_tables.spec_text_to_rst(text)


def test_outline_nests_begin_and_end():
    text = contract_tables.outline([
        ("on_train_begin", None, frozenset()),
        ("on_epoch_begin", 0, frozenset()),
        ("on_epoch_end", 0, frozenset({"loss"})),
        ("on_train_end", None, None),
    ])
    lines = text.splitlines()
    assert lines[1].startswith("  on_epoch_begin(0)") and lines[2].startswith("  on_epoch_end(0)")
    assert lines[2].endswith("logs keys: loss") and lines[3].endswith("(no logs argument)")


@pytest.mark.docs
def test_every_clause_and_hook_appears_in_the_english_site(built_site):
    clauses, hooks = load_spec()
    text = "\n".join(p.read_text(encoding="utf-8") for p in (built_site / "en" / "contract").glob("*.html"))
    missing = [c.id for c in clauses if c.id not in text]
    assert not missing, f"clauses not shown on any contract page: {missing}"
    assert all(h.name in text for h in hooks)


@pytest.mark.docs
def test_hook_order_outline_matches_the_conformance_model(built_site):
    from conformance.model import expect_call
    from conformance.scenario import Call, Scenario

    call = Call(method="fit", n=6, batch_size=4, epochs=2, validation="data", val_n=2)
    expected = expect_call(Scenario(task="categorical", metrics=("accuracy",), calls=(call,)), call, "keras3")
    html = (built_site / "en" / "contract" / "hook-order.html").read_text(encoding="utf-8")
    block = re.search(r'class="[^"]*contract-hook-sequence.*?<pre>(.*?)</pre>', html, re.S)
    assert block, "the hook-order page has no generated sequence"
    shown = re.findall(r"^\s*(on_\w+)(?:\((\d+)\))?\s", re.sub(r"<[^>]+>", "", block.group(1)), re.M)
    assert [(h, int(i) if i else None) for h, i in shown] == [(e.hook, e.index) for e in expected.events[0]]
