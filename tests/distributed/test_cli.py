"""`python -m conformance.distributed --report DIR`: reports in the schema, bad input refused, nothing left behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conformance.distributed import report
from conformance.report import SCHEMA_VERSION
from conformance.spec import load_clauses
from tests.distributed.conftest import processes_left, processes_with

ROOT = Path(__file__).resolve().parents[2]


def cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "conformance.distributed", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, **kwargs)


@pytest.mark.parametrize("args, says", [
    (["--kill-trials", "9"], "--kill-trials must be between 0 and 5, got 9"),
    (["--keras3-python", "/no/such/python"], "--keras3-python: '/no/such/python' is not a file"),
    ([], "the following arguments are required: --report"),
])
def test_bad_input_is_refused_before_anything_runs(tmp_path, args, says):
    result = cli(*(["--report", str(tmp_path / "r")] if args else []), *args)
    assert result.returncode == 2 and says in result.stderr, result.stderr
    assert not (tmp_path / "r").exists()


def test_the_simulated_run_alone_writes_a_schema_report(tmp_path):
    result = cli("--report", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    (written,) = tmp_path.glob("refimpl-simulated-*.json")
    data = json.loads(written.read_text())
    assert data["schema"] == SCHEMA_VERSION and data["impl"]["impl"] == "refimpl-simulated"
    assert data["profile"] == "keras3" and data["ok"] is True
    want = [c.id for c in load_clauses("keras3") if c.kind == "distribution"]
    assert [c["id"] for c in data["clauses"]] == want
    outcomes = {c["id"]: c["outcome"] for c in data["clauses"]}
    assert outcomes.pop("dist.seed.same-on-every-process") == outcomes.pop("dist.backup.kill-resume") == "unchecked"
    assert set(outcomes.values()) == {"pass"}
    combined = json.loads((tmp_path / "report.json").read_text())
    assert [r["impl"]["impl"] for r in combined["runs"]] == ["refimpl-simulated"]


def test_a_failing_clause_is_a_failure_unless_the_expectations_list_it(tmp_path):
    impl = report.BY_ID["keras3-jax-2proc"]
    fake = {"trials": [{"point": "weights-open", "victim": 1, "double_checkpoint": False,
                        "at_kill": [{"metadata": "", "weights_opens": False}] * 2, "restart_codes": [1, 1],
                        "restart": [None, None], "weights": [None, None], "backups": [{}, {}]}],
            "uninterrupted": {"weights": [[]], "traces": [{"history": {}}], "backups": [{}, {}]}, "kill_epoch": 1}
    data = report.build(impl, [fake], 1.0, "3.15.1")
    row = next(c for c in data["clauses"] if c["id"] == "dist.backup.kill-resume")
    assert (row["status"], row["outcome"]) == ("fail", "xfail") and row["expected_reason"] and row["messages"]
    assert data["ok"] is True
    other = report.DistributedImpl("keras3-jax-other", ("mp",), "keras3", "jax", "no expectations file")
    assert report.build(other, [fake], 1.0, "3.15.1")["ok"] is False


SLOW_PYTHON = """#!/bin/sh
sh -c 'sleep 300; : TOKEN' & sh -c 'sleep 300; : TOKEN'
"""


def test_sigterm_to_the_command_leaves_no_process_behind(tmp_path):
    token = f"kcc-planted-{uuid.uuid4().hex}"
    python = tmp_path / "python"
    python.write_text(SLOW_PYTHON.replace("TOKEN", token))
    python.chmod(0o755)
    proc = subprocess.Popen([sys.executable, "-m", "conformance.distributed", "--report", str(tmp_path / "r"),
                             "--keras3-python", str(python)], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        deadline = time.monotonic() + 60
        while len(processes_with(token)) < 12 and time.monotonic() < deadline:  # 6 probes, 2 shells each
            time.sleep(0.2)
        assert len(processes_with(token)) == 12, processes_with(token)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        proc.kill()
        proc.wait()
    time.sleep(0.5)
    assert processes_left(token) == [], "a probe outlived the command"
