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
