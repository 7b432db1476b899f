"""tf-keras under MirroredStrategy (2 logical CPU devices), measured live and judged by the keras2 distribution clauses.

Set KCC_DISTRIBUTED=1 and TF_KERAS_PYTHON to a Python with tensorflow and tf-keras 2.21 (about a minute).
"""

from __future__ import annotations

import os

import pytest

from conformance.checks.distribution import judge
from conformance.distributed.harness import measure_tf_keras
from conformance.spec import load_clauses
from tests.distributed.test_keras3_jax import gone


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    python = os.environ.get("TF_KERAS_PYTHON")
    if os.environ.get("KCC_DISTRIBUTED") != "1" or not python:
        pytest.skip("set KCC_DISTRIBUTED=1 and TF_KERAS_PYTHON (a Python with tensorflow and tf-keras) to measure")
    return measure_tf_keras(python, tmp_path_factory.mktemp("tf_distributed"))


def test_the_runs_are_what_they_claim_and_are_gone(live):
    (mirrored,) = live["runs"]["mirrored2"]
    assert (mirrored["replicas"], live["reference"]["replicas"]) == (2, 1)
    assert not mirrored["errors"] and not live["reference"]["errors"]
    assert all(gone(p) for p in live["pids"])


@pytest.mark.parametrize("clause", [c.id for c in load_clauses("keras2") if c.kind == "distribution"])
def test_tf_keras_mirrored_holds_the_clause(live, clause):
    verdicts = judge(live)
    assert verdicts[clause] == [], f"{clause}: {verdicts[clause]}"
