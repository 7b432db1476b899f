"""The callback check flags each mutated callback with the kind of finding its bug causes, and passes its fix.

Every check runs the corner runs and 20 generated runs (no shrinking: the shrinking is tested on its own) in
one shared worker process, with a 5 s run timeout (a run takes ~30 ms on an idle machine; the timeout leaves
room for a loaded one).
"""

import pytest

from conformance.callback_check import Worker, check_callback
from tests.callback_check import mutants

SETTINGS = {"max_examples": 20, "run_timeout": 5.0, "shrink": False, "budget": 30.0}


@pytest.fixture(scope="module")
def worker():
    with Worker("refimpl", 5.0) as w:
        yield w


@pytest.mark.parametrize("name", sorted(mutants.EXPECTED))
def test_mutant_is_flagged(name, worker):
    report = check_callback(f"tests.callback_check.mutants:{name}", worker=worker, **SETTINGS)
    assert not report.errors, report.errors
    kinds = {f.kind for f in report.findings}
    assert mutants.EXPECTED[name] in kinds, f"{name}: expected a {mutants.EXPECTED[name]}, got\n{report.format()}"
    for f in report.findings:
        assert f.snippet.startswith("import numpy as np\nimport refimpl as keras")
        assert f"start('tests.callback_check.mutants:{name}', keras)" in f.snippet


@pytest.mark.parametrize("name", sorted(mutants.EXPECTED))
def test_fixed_version_passes(name, worker):
    report = check_callback(f"tests.callback_check.mutants:{name}_clean", worker=worker, **SETTINGS)
    assert report.ok, report.format()
    assert report.runs >= 20
