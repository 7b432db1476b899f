"""The spec loader validates its files and serves clauses and the hook table."""

import pytest

from conformance.checks import CHECKS
from conformance.spec import KINDS, PROFILES, SpecError, clause_ids, hook_table, load_clauses, load_spec

GOOD = '''
[[clause]]
id = "a.b"
kind = "order"
profiles = ["keras3"]
statement = "A sentence."
source = "observed"
'''


def write(tmp_path, text, name="x.toml"):
    (tmp_path / name).write_text(text)
    return tmp_path


def test_every_clause_is_valid_and_has_a_check():
    clauses = load_clauses()
    assert clauses and all(c.kind in KINDS and set(c.profiles) <= set(PROFILES) for c in clauses)
    assert {c.id for c in clauses} == set(CHECKS), "every clause needs a check and every check a clause"


def test_profile_filter():
    keras0 = clause_ids("keras0")
    assert "legacy.hooks-without-logs" in keras0 and "logs.values.python-floats" not in keras0
    assert keras0 < clause_ids()


@pytest.mark.parametrize("text, message", [
    (GOOD.replace('kind = "order"', 'kind = "orders"'), "unknown kind 'orders'"),
    (GOOD.replace('["keras3"]', '["keras4"]'), "unknown profile(s) ['keras4']"),
    (GOOD + 'colour = "red"\n', "unknown key(s) ['colour']"),
    (GOOD.replace('source = "observed"\n', ""), "missing key(s) ['source']"),
    (GOOD + GOOD, "duplicate clause id 'a.b'"),
    ("[[rule]]\nid = 1\n", "unknown top-level table(s) ['rule']"),
])
def test_malformed_spec_is_rejected_with_a_clear_message(tmp_path, text, message):
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, text))
    assert message in str(e.value) and "x.toml" in str(e.value)


def test_unknown_profile_lists_the_known_ones():
    with pytest.raises(SpecError, match="known profiles: keras3, tf-keras, keras2, keras1, keras0"):
        load_clauses("keras9")


def test_hook_table_per_profile():
    k3 = {r["hook"]: r for r in hook_table("keras3")}
    assert k3["on_epoch_end"]["args"] == ["epoch", "logs"]
    assert "val_<metrics>" in k3["on_epoch_end"]["logs"] and k3["on_train_batch_begin"]["logs"] == []
    k0 = {r["hook"]: r for r in hook_table("keras0")}
    assert set(k0) == {"on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin",
                       "on_batch_end"}
    assert k0["on_batch_end"]["args"] == ["batch"]
    assert all(set(r["clauses"]) <= clause_ids("keras0") for r in k0.values())
