"""Each refimpl profile passes its own clauses, and those clauses tell the profiles apart."""

import pytest

import refimpl
from conformance.adapters.refimpl_adapter import DialectSession, RefimplAdapter
from conformance.runner import Run
from conformance.spec import PROFILES

MIN_SCENARIOS = 20  # issue 12: under the ci hypothesis profile, every clause on at least 20 scenarios


def failing(run: Run) -> set[str]:
    return {cid for cid, t in run.tallies.items() if t.failed} | ({"<adapter error>"} if run.errors else set())


@pytest.mark.parametrize("profile", PROFILES)
def test_refimpl_profile_passes_its_own_clauses(profile):
    run = Run(RefimplAdapter(), profile, "ci", shrink=False).run()
    assert failing(run) == set(), [run.tallies[c].messages[:1] for c in failing(run) if c in run.tallies]
    rare = {cid: t.checked for cid, t in run.tallies.items() if t.checked < MIN_SCENARIOS}
    assert not rare, f"under ci every clause is checked on at least {MIN_SCENARIOS} scenarios; these are not: {rare}"


class Keras3Loop(RefimplAdapter):
    """refimpl's Keras 3 behaviour, offered as if it were an older profile (what tf-keras looks like)."""

    def start(self, scenario, profile="keras3"):
        return DialectSession(refimpl, scenario)


def test_keras3_behaviour_breaks_the_keras2_contract_of_seed_003():
    found = failing(Run(Keras3Loop(), "keras2", "ci", shrink=False).run())
    assert {"logs.keys.acc-name", "legacy.batch-begin-size", "logs.values.batch-own-values",
            "logs.values.epoch-base-logger", "logs.keys.lr"} <= found


class Keras0HooksOnly(RefimplAdapter):
    """A refimpl model switched to the keras0 profile without the dialect's fit: no batch_history."""

    def start(self, scenario, profile="keras3"):
        session = DialectSession(refimpl, scenario)
        session.model._profile = refimpl.profiles.KERAS0
        session.eval_callbacks = False  # Keras 0's evaluate() and predict() took no callbacks
        return session


def test_keras0_contract_needs_hooks_without_logs_and_batch_history():
    assert "legacy.hooks-without-logs" in failing(Run(Keras3Loop(), "keras0", "ci", shrink=False).run())
    found = failing(Run(Keras0HooksOnly(), "keras0", "ci", shrink=False).run())
    assert found == {"legacy.batch-history"}


def test_legacy_profiles_only_draw_what_their_signatures_express():
    from hypothesis import given

    from conformance.strategies import expressible, scenarios

    @given(scenarios("fit", "keras0"))
    def check(s):
        assert expressible(s, "keras0") and all(c.batch_size for c in s.calls)

    check()


def test_shrinking_changes_the_evidence_shown_never_the_verdicts_or_counts():
    # A loop that breaks clauses of keras2, run with and without the search for smaller failing scenarios: the
    # stored matrix (no shrinking) and CI's live runs (shrinking, within a time budget) must agree clause by clause.
    runs = [Run(Keras3Loop(), "keras2", "ci", shrink=shrink).run() for shrink in (False, True)]
    counts = [{cid: (t.checked, t.failed) for cid, t in run.tallies.items()} for run in runs]
    assert failing(runs[0]) and counts[0] == counts[1]
    assert runs[0].scenarios_run == runs[1].scenarios_run
