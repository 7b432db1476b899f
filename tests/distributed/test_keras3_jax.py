"""Keras 3 (jax) under its own distribution, measured live and judged against conformance/spec/distribution.toml.

The live stage starts 7 Keras processes on 127.0.0.1 (about a minute on 2 cores): set KCC_DISTRIBUTED=1 and
KERAS3_PYTHON to a Python with keras==3.15.1 and jax. The harness tests below need neither.
"""

from __future__ import annotations

import copy
import os
import sys
import time

import pytest

from conformance.checks.distribution import KILL_CLAUSES, judge
from conformance.distributed.harness import Job, MeasurementError, measure, run_jobs
from conformance.spec import load_clauses
from tests.distributed.conftest import MEASURED


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # a zombie is gone for our purposes: it runs nothing
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1].startswith("Z")
    except OSError:
        return True


SLEEPER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(str(child.pid))
time.sleep(120)
"""


def test_a_run_past_its_deadline_is_killed_with_its_children(tmp_path):
    pidfile = tmp_path / "child.pid"
    job = Job("sleeper", [sys.executable, "-c", SLEEPER, str(pidfile)], dict(os.environ), tmp_path / "s.log")
    started = time.monotonic()
    codes = run_jobs([job], timeout=3)
    assert codes == {"sleeper": None}, "the job outlived its deadline, so its exit code is None"
    assert time.monotonic() - started < 30
    child = int(pidfile.read_text())
    for pid in (job.pids[0], child):
        for _ in range(50):
            if gone(pid):
                break
            time.sleep(0.1)
        assert gone(pid), f"process {pid} survived the harness"


def test_a_failing_probe_is_reported_with_its_output(tmp_path):
    fake = tmp_path / "python"
    fake.write_text("#!/bin/sh\necho 'no keras here' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(MeasurementError, match="exited with 3(.|\n)*no keras here"):
        measure(str(fake), tmp_path / "work", timeout=20)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    python = os.environ.get("KERAS3_PYTHON")
    if os.environ.get("KCC_DISTRIBUTED") != "1" or not python:
        pytest.skip("set KCC_DISTRIBUTED=1 and KERAS3_PYTHON (a Python with keras==3.15.1 and jax) to measure")
    MEASURED["keras3"] = measure(python, tmp_path_factory.mktemp("distributed"))
    return MEASURED["keras3"]


def test_every_process_started_is_gone(live):
    assert live["pids"] and all(gone(p) for p in live["pids"]), live["pids"]


def test_the_runs_are_what_they_claim(live):
    assert live["reference"]["device_count"] == 1
    (dp4,) = live["runs"]["dp4"]
    assert (dp4["process_count"], dp4["device_count"]) == (1, 4)
    mp = live["runs"]["mp"]
    assert [(t["process_index"], t["process_count"], t["device_count"], t["local_device_count"]) for t in mp] == \
        [(0, 2, 4, 2), (1, 2, 4, 2)]
    assert all(t["keras"] == "3.15.1" and not t["errors"] for t in [live["reference"], dp4, *mp])


@pytest.mark.parametrize("clause", [c.id for c in load_clauses("keras3")
                                    if c.kind == "distribution" and c.id not in KILL_CLAUSES])  # test_kill.py
def test_keras3_jax_holds_the_clause(live, clause):
    verdicts = judge(live, "keras3")
    assert verdicts[clause] == [], f"{clause}: {verdicts[clause]}"


def test_the_checks_catch_what_they_claim(live):
    """Each clause's check fails on a measurement broken in the way the clause forbids."""
    m = copy.deepcopy(live)
    call = next(c for c in m["runs"]["mp"][1]["calls"] if c[0] == "on_epoch_end")
    call[2]["loss"] *= 1 + 1e-3
    assert judge(m)["dist.logs.global"]
    m = copy.deepcopy(live)
    m["runs"]["mp"][1]["calls"] = [c for c in m["runs"]["mp"][1]["calls"] if c[0] != "on_test_end"]
    assert judge(m)["dist.hooks.every-process"]
    m = copy.deepcopy(live)
    for c in m["runs"]["mp"][0]["calls"]:
        if c[0].startswith("on_train_batch"):
            c[1] = c[1] // 2  # what per-shard numbering would look like
    assert judge(m)["dist.batch.global-steps"]
    m = copy.deepcopy(live)
    m["runs"]["mp"][1]["files"].remove("ckpt.keras")
    assert judge(m)["dist.files.every-process-writes"]
    m = copy.deepcopy(live)
    m["files"]["mp1"]["csv_rows"][0]["loss"] += 1.0
    assert judge(m)["dist.files.load"]
    m = copy.deepcopy(live)
    m["refused"]["seeds"] = copy.deepcopy(live["runs"]["mp"])  # processes that trained although seeds differ
    assert judge(m)["dist.seed.same-on-every-process"]
    m = copy.deepcopy(live)
    m["runs"]["mp"][0]["backup_files"] = []
    assert judge(m)["dist.files.backup-every-process"]
    m = copy.deepcopy(live)
    m["files"]["dp4"]["backup_max_abs_diff"] = 0.5
    assert judge(m)["dist.files.backup-every-process"]
    m = copy.deepcopy(live)
    m["runs"]["mp"][1]["early_stopping"]["stopped_epoch"] += 1
    assert judge(m)["dist.early-stopping.same-epoch"]
