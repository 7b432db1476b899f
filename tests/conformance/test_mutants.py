"""Mutation self-test: the ci profile must catch every deliberately broken variant of refimpl."""

import pytest

from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.runner import Run
from tests.conformance.mutants import MUTANTS, patched


def failing_clauses(mutant: str | None) -> set[str]:
    run = Run(RefimplAdapter(), "keras3", "ci", shrink=False)
    if mutant is None:
        run.run()
    else:
        with patched(mutant):
            run.run()
    return {cid for cid, t in run.tallies.items() if t.failed} | ({"<adapter error>"} if run.errors else set())


def test_there_are_at_least_15_mutants():
    assert len(MUTANTS) >= 15


def test_unmutated_refimpl_passes():
    assert failing_clauses(None) == set()


@pytest.mark.parametrize("mutant", MUTANTS)
def test_mutant_is_caught(mutant):
    failing = failing_clauses(mutant)
    assert failing - {"<adapter error>"}, f"{mutant} was not caught by any clause"


# The dispatch mutants (issue 14) and the clause of conformance/spec/dispatch.toml each must break.
DISPATCH_CLAUSE = {
    "ClassOnlyHooks": "dispatch.instance-hooks",
    "ResolvedOnce": "dispatch.instance-hooks-mid-run",
    "StaleBoundMethods": "dispatch.instance-hooks-replaced",
    "ImplementsFlagsHonoured": "dispatch.implements-flags-ignored",
    "OwnClassOnly": "dispatch.inherited-hooks",
    "LegacyAlsoCalled": "dispatch.legacy-names-shadowed",
    "LiveCallbacksList": "dispatch.callbacks-list-copied",
}


@pytest.mark.parametrize("mutant, clause", sorted(DISPATCH_CLAUSE.items()))
def test_dispatch_mutant_breaks_its_clause(mutant, clause):
    assert clause in failing_clauses(mutant), f"{mutant} should break {clause}"
