"""tf-keras under MirroredStrategy (2 logical CPU devices) and MultiWorkerMirroredStrategy (2 workers on
127.0.0.1), measured live and judged by the tf-keras distribution clauses.

Set KCC_DISTRIBUTED=1 and TF_KERAS_PYTHON to a Python with tensorflow and tf-keras 2.21 (about 1.5 minutes, and 3
more for the 2 kill trials).
"""

from __future__ import annotations

import math
import os

import pytest

from conformance.checks.distribution import KILL_CLAUSES, judge
from conformance.distributed.harness import measure_tf_keras
from conformance.distributed.kill import KILL_EPOCH, TF_TRIALS, kill_trials
from conformance.expectations import load_expectations
from conformance.spec import clause_ids, load_clauses
from tests.distributed.conftest import MEASURED
from tests.distributed.test_keras3_jax import gone

KERAS2_CLAUSES = [c.id for c in load_clauses("tf-keras") if c.kind == "distribution"]
# tf-keras's own departures from a clause, per run: conformance/expectations/tf_keras-<run>.toml, with what was
# measured (test_mwms_batch_logs_are_scaled_by_the_number_of_workers checks that evidence).
IMPL = {"mirrored2": "tf_keras-mirrored", "mwms": "tf_keras-mwms"}
KNOWN = {(run, cid): reason for run, impl in IMPL.items()
         for cid, reason in load_expectations(impl, clause_ids())[0].items()}


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    python = os.environ.get("TF_KERAS_PYTHON")
    if os.environ.get("KCC_DISTRIBUTED") != "1" or not python:
        pytest.skip("set KCC_DISTRIBUTED=1 and TF_KERAS_PYTHON (a Python with tensorflow and tf-keras) to measure")
    MEASURED["tf_keras"] = measure_tf_keras(python, tmp_path_factory.mktemp("tf_distributed"))
    return MEASURED["tf_keras"]


def only(live, run):
    return {**live, "runs": {run: live["runs"][run]}}


def test_the_runs_are_what_they_claim_and_are_gone(live):
    (mirrored,) = live["runs"]["mirrored2"]
    assert (mirrored["replicas"], live["reference"]["replicas"]) == (2, 1)
    assert [(t["process_index"], t["replicas"]) for t in live["runs"]["mwms"]] == [(0, 2), (1, 2)]
    traces = [live["reference"], mirrored, *live["runs"]["mwms"]]
    assert all(not t["errors"] and t["keras"] == "2.21.0" for t in traces)
    assert all(gone(p) for p in live["pids"])


@pytest.mark.parametrize("run", ["mirrored2", "mwms"])
@pytest.mark.parametrize("clause", [c for c in KERAS2_CLAUSES if c not in KILL_CLAUSES])
def test_tf_keras_holds_the_clause(live, run, clause):
    verdict = judge(only(live, run), "tf-keras")[clause]
    if (run, clause) in KNOWN:
        assert verdict, f"{clause} now holds on {run}: remove it from conformance/expectations/{IMPL[run]}.toml"
    else:
        assert verdict in ([], None), f"{clause} on {run}: {verdict}"


def test_mwms_batch_logs_are_scaled_by_the_number_of_workers(live):
    """The evidence for KNOWN: on every worker, every batch-end value is 2 x the single-device one; the rest match."""
    ref = live["reference"]["calls"]
    for trace in live["runs"]["mwms"]:
        assert [c[:2] for c in trace["calls"]] == [c[:2] for c in ref]
        for got, want in zip(trace["calls"], ref):
            if not want[2]:
                continue
            scale = 2.0 if got[0].endswith("_batch_end") else 1.0
            bad = {k: (got[2][k], want[2][k]) for k in want[2]
                   if not math.isclose(got[2][k], scale * want[2][k], rel_tol=1e-5)}
            assert not bad, f"worker {trace['process_index']} {got[0]}({got[1]}): expected x{scale}: {bad}"


def test_the_chief_check_catches_a_worker_that_keeps_a_checkpoint(live):
    m = only(live, "mwms")
    m["runs"] = {"mwms": [dict(t) for t in m["runs"]["mwms"]]}
    m["runs"]["mwms"][1]["files"] = [*m["runs"]["mwms"][1]["files"], "ckpt.keras"]
    assert judge(m, "tf-keras")["dist.files.tf-chief-checkpoint"]
    assert judge(only(live, "mirrored2"), "tf-keras")["dist.files.tf-chief-checkpoint"] is None
    m["runs"]["mwms"][1]["backup_files"] = ["backup/chief/checkpoint"]
    assert judge(m, "tf-keras")["dist.files.tf-chief-backup"]
    assert judge(only(live, "mirrored2"), "tf-keras")["dist.files.tf-chief-backup"] is None


@pytest.fixture(scope="module")
def tf_kill(tmp_path_factory):
    python = os.environ.get("TF_KERAS_PYTHON")
    if os.environ.get("KCC_DISTRIBUTED") != "1" or not python:
        pytest.skip("set KCC_DISTRIBUTED=1 and TF_KERAS_PYTHON to run the kill trials")
    work = tmp_path_factory.mktemp("tf_kill")
    MEASURED["tf_kill"] = kill_trials(python, work, TF_TRIALS, kind="tf")
    return {**MEASURED["tf_kill"], "workdir": work}


def test_each_tf_worker_was_killed_inside_its_backup(tf_kill):
    """How the kill is placed: the worker stopped after writing checkpoint ckpt-2, before the state file named it."""
    assert [(t["point"], t["victim"]) for t in tf_kill["trials"]] == [(p, v) for p, v, _ in TF_TRIALS]
    for t in tf_kill["trials"]:
        assert t["paused"]["point"] == "state" and t["paused"]["epoch"] == KILL_EPOCH
        state = t["at_kill"][t["victim"]]
        written = "chief/ckpt-2.index" if t["victim"] == 0 else "workertemp_1/ckpt-2.index"
        assert written in state["files"], state
        if t["victim"] == 0:  # the chief's state file still names the checkpoint of the epoch before
            assert state["metadata"].startswith('model_checkpoint_path: "ckpt-1"'), state


def test_tf_keras_resumes_after_a_kill(tf_kill):
    assert judge(tf_kill, "tf-keras")["dist.backup.kill-resume"] == []
    starts = [[tr["epochs_begun"][0] for tr in t["restart"]] for t in tf_kill["trials"]]
    assert starts == [[KILL_EPOCH] * 2, [KILL_EPOCH + 1] * 2], starts
    assert all(gone(p) for p in tf_kill["pids"])


def test_killed_tf_workers_leave_their_temporary_files_in_the_run_directory(tf_kill):
    # TensorFlow removes its autograph files at exit, which a SIGKILLed worker never reaches: they must be in the
    # run's directory (removed with it), not in the system's temporary directory.
    left = list(tf_kill["workdir"].rglob("__autograph_generated_file*"))
    assert left and all("tmp" in p.relative_to(tf_kill["workdir"]).parts for p in left)
