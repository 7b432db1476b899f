"""Keras 3 on jax reuses compiled models between scenarios with the same setup (conformance.adapters.keras3_adapter):
on live Keras 3 every call on a reused model must give exactly the trace a fresh model gives.

Keras runs in its own interpreter (KERAS3_PYTHON, set by ``.ci/run``); without it this test skips.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.keras
ROOT = Path(__file__).resolve().parents[2]


def probe(*args: str) -> dict:
    python = os.environ.get("KERAS3_PYTHON")
    if not python:
        pytest.skip("set KERAS3_PYTHON to a Python with keras==3.15.1 and jax installed (.ci/run does)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([python, "-m", "tests.conformance.reuse_probe", *args], capture_output=True, text=True,
                            timeout=1800, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_reused_model_gives_the_trace_of_a_fresh_one():
    found = probe("4")
    # Pairs built to show leftovers, the hand-picked examples, 4 drawn scenarios of every family.
    assert found["scenarios"] >= 70 and found["reused"] >= 30, found
    assert found["different"] == 0, json.dumps(found["differences"], indent=1)[:6000]


def test_the_probe_sees_a_model_that_is_not_reset():
    found = probe("4", "--skip-reset")
    assert found["reused"] >= 30 and found["different"] > 0, found


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q", "-n", "0"]))
