"""The kill trial: SIGKILL of one Keras 3 (jax) worker inside a BackupAndRestore write, then a restart of both.

The live trials (5, about 2.5 minutes on 2 cores) need KCC_DISTRIBUTED=1 and KERAS3_PYTHON (keras==3.15.1 and
jax). The harness tests below plant failing processes and need neither.
"""

from __future__ import annotations

import copy
import os
import sys
import uuid

import pytest

from conformance.checks.distribution import judge
from conformance.distributed.harness import Job, MeasurementError
from conformance.distributed.kill import KILL_EPOCH, TRIALS, kill_trial, kill_trials, run_until_done_or_failed
from conformance.expectations import load_expectations
from conformance.spec import clause_ids
from tests.distributed.conftest import MEASURED, processes_left, processes_with
from tests.distributed.test_keras3_jax import gone

CLAUSE = "dist.backup.kill-resume"


# Process 1 fails at once; process 0 starts a child and hangs, as a worker waiting for a dead peer does. Every
# process it starts carries TOKEN in its command line, so a scan of /proc finds any that survive.
PLANTED = """#!/bin/sh
case "$*" in
  *"--process-id 1"*) echo 'planted failure' >&2; exit 3;;
  *) sh -c 'sleep 300; : TOKEN' & sh -c 'sleep 300; : TOKEN';;
esac
"""


def fake_python(tmp_path, token: str) -> str:
    """An executable standing in for the Keras interpreter: the planted failure above."""
    path = tmp_path / "python"
    path.write_text(PLANTED.replace("TOKEN", token))
    path.chmod(0o755)
    return str(path)


def test_a_failed_trial_leaves_no_process_behind(tmp_path):
    """A planted failure: the victim dies before its pause point; the trial raises and kills the hanging peer."""
    token = f"kcc-planted-{uuid.uuid4().hex}"
    python = fake_python(tmp_path, token)
    with pytest.raises(MeasurementError, match="did not pause(.|\n)*planted failure"):
        kill_trial(python, tmp_path / "trial", victim=1, point="weights-open", timeout=30)
    assert processes_left(token) == [], "a process of the failed trial survived it"


def test_when_one_process_fails_the_others_are_killed_within_the_grace(tmp_path):
    token = f"kcc-planted-{uuid.uuid4().hex}"
    python = fake_python(tmp_path, token)
    assert processes_with(token) == []
    jobs = [Job(f"p{i}", [python, "--process-id", str(i)], dict(os.environ), tmp_path / f"p{i}.log") for i in (0, 1)]
    codes = run_until_done_or_failed(jobs, timeout=60, grace=1)
    assert codes == {"p0": None, "p1": 3}
    assert all(gone(p) for j in jobs for p in j.pids) and processes_left(token) == []


@pytest.fixture(scope="module")
def trials(tmp_path_factory):
    python = os.environ.get("KERAS3_PYTHON")
    if os.environ.get("KCC_DISTRIBUTED") != "1" or not python:
        pytest.skip("set KCC_DISTRIBUTED=1 and KERAS3_PYTHON (a Python with keras==3.15.1 and jax) to run the trials")
    MEASURED["kill"] = kill_trials(python, tmp_path_factory.mktemp("kill"))
    return MEASURED["kill"]


def test_five_trials_ran_each_killed_inside_the_write(trials):
    """How the kill is placed: the victim stopped at the point asked for, and its backup shows a write cut off."""
    assert [(t["point"], t["victim"], t["double_checkpoint"]) for t in trials["trials"]] == list(TRIALS)
    for t in trials["trials"]:
        assert t["paused"]["point"] == t["point"] and t["paused"]["epoch"] == KILL_EPOCH
        state = t["at_kill"][t["victim"]]
        if t["point"] == "metadata-open":  # the weights are complete, the metadata file truncated and empty
            assert state["weights_opens"] and state["metadata"] == "", state
        else:  # the HDF5 file was opened for writing and never closed
            assert state["weights_opens"] is False, state


def test_the_uninterrupted_run_backs_up_on_every_process(trials):
    ref = trials["uninterrupted"]
    assert [t["epochs_begun"] for t in ref["traces"]] == [[0, 1, 2]] * 2
    assert ref["traces"][0]["history"] == ref["traces"][1]["history"]
    for state in ref["backups"]:
        assert state["metadata"] == '{"epoch": 3, "batch": 0}' and state["weights_opens"], state


def test_the_kill_clause_is_as_the_expectations_say(trials):
    expected, _ = load_expectations("keras3-jax-2proc", clause_ids())
    verdict = judge(trials, "keras3")[CLAUSE]
    if CLAUSE in expected:
        assert verdict, f"{CLAUSE} now holds on Keras: remove it from conformance/expectations/keras3-jax-2proc.toml"
    else:
        assert verdict == [], verdict
    assert all(v is None for cid, v in judge(trials, "keras3").items() if cid != CLAUSE)


def test_the_kill_check_passes_a_clean_resume_and_catches_each_loss(trials):
    """A trial built from the uninterrupted run, resumed at epoch KILL_EPOCH + 1, holds; each defect fails it."""
    ref = trials["uninterrupted"]
    start = KILL_EPOCH + 1
    resumed = [{**t, "epochs_begun": t["epochs_begun"][start:], "errors": [],
                "history": {k: v[start:] for k, v in t["history"].items()}} for t in ref["traces"]]
    clean = {"point": "weights-open", "victim": 1, "double_checkpoint": False,
             "at_kill": [{"metadata": '{"epoch": 2, "batch": 0}', "weights_opens": True}] * 2,
             "restart_codes": [0, 0], "restart": resumed, "weights": ref["weights"], "backups": ref["backups"]}
    m = {**trials, "trials": [clean]}
    assert judge(m, "keras3")[CLAUSE] == []
    for breaks in (lambda t: t["at_kill"].__setitem__(1, {"metadata": "", "weights_opens": True}),
                   lambda t: t["restart"][1]["epochs_begun"].insert(0, KILL_EPOCH),
                   lambda t: t["restart"][0]["history"]["loss"].__setitem__(0, 9.0),
                   lambda t: t["weights"][1][0][0].__setitem__(0, 9.0),
                   lambda t: t["restart_codes"].__setitem__(0, 1),
                   lambda t: t["backups"].__setitem__(0, {"metadata": '{"epoch": 2, "batch": 0}',
                                                          "weights_opens": True})):
        broken = copy.deepcopy(clean)
        breaks(broken)
        assert judge({**trials, "trials": [broken]}, "keras3")[CLAUSE], breaks


def test_every_trial_process_is_gone(trials):
    assert trials["pids"] and all(gone(p) for p in trials["pids"])
    assert len(trials["pids"]) == 2 + 4 * len(TRIALS)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-p", "no:xdist"]))
