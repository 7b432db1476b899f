"""Checks live by spec file and declare when they apply; a check that raises is a check error on its clause only."""

import pytest

from conformance import checks
from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.checks import CHECKS, CONDITIONS, Check, check, condition
from conformance.report import build_report
from conformance.runner import Run
from conformance.spec import load_clauses


def test_each_clause_is_checked_by_the_module_of_its_spec_file():
    for clause in load_clauses():
        assert CHECKS[clause.id].module == clause.file.removesuffix(".toml"), clause.id


def test_applicability_is_declared_with_known_conditions():
    assert all(c.when for c in CHECKS.values()), "every check says when it applies"
    for c in CHECKS.values():
        for name in c.when:
            condition(name)
    with pytest.raises(ValueError, match="unknown check condition 'sunny'.*no-action:<kind>"):
        check("x.y", when=("sunny",))
    with pytest.raises(ValueError, match="unknown check condition 'action:dance'"):
        condition("action:dance")
    assert set(CONDITIONS) >= {"fit", "clean", "validation", "plain"}


def _raises(ctx):
    raise KeyError("the check itself is broken")


def test_a_check_that_raises_is_a_check_error_of_its_clause_only(monkeypatch):
    broken = CHECKS["params.keys"]
    monkeypatch.setitem(checks.CHECKS, "params.keys", Check(broken.clause, _raises, broken.when, broken.module))
    run = Run(RefimplAdapter(), shrink=False).run(families=("fit",), with_sequences=False)
    assert not run.errors, "a check error is not an adapter error"
    assert run.check_errors and {e.clause for e in run.check_errors} == {"params.keys"}
    assert "the check itself is broken" in run.check_errors[0].traceback
    tally = run.tallies["params.keys"]
    assert tally.status == "error" and tally.failed == 0 and tally.check_errors > 20
    assert all(t.status == "pass" for cid, t in run.tallies.items() if cid != "params.keys")
    report = build_report(run, {}, [])
    row = next(r for r in report["clauses"] if r["id"] == "params.keys")
    assert row["outcome"] == "error" and report["summary"]["check_errors"] == len(run.check_errors)
    assert report["summary"]["errors"] == 0 and not report["ok"]
    kinds = {(e["kind"], e["clause"]) for e in report["errors"]}
    assert kinds == {("check", "params.keys")}


def test_an_edit_of_logs_without_loss_adds_its_key_and_raises_nothing():
    # Keras 0.2.0's on_epoch_end logs have no loss (live, through the harness): the edit must not be the error
    from conformance.actions import edited

    assert edited({"val_loss": 2.0}) == {"val_loss": 2.0, "extra": 1.0}
    assert edited({"loss": 2.0}) == {"loss": 20.0, "extra": 1.0}
