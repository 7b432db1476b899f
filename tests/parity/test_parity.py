"""The parity stage: every scenario on live Keras 3 (jax, CPU) and on refimpl gives the same hooks, logs,
History and final weights (within 1e-5 relative).

Keras runs in its own virtualenv: set KERAS3_PYTHON to its interpreter (``.ci/run`` does). Without it
these tests are skipped, and the skip reason says how to enable them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .compare import compare_scenario
from .scenarios import SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.keras


def _record(python: str, impl: str, out: Path, env_extra: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **env_extra}
    subprocess.run([python, "-m", "tests.parity.runner", "--impl", impl, "--out", str(out)], cwd=ROOT, env=env,
                   check=True, timeout=1800)
    return json.loads(out.read_text())["scenarios"]


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    keras_python = os.environ.get("KERAS3_PYTHON")
    if not keras_python:
        pytest.skip("set KERAS3_PYTHON to a Python with keras==3.15.1 and jax installed (.ci/run does)")
    tmp = tmp_path_factory.mktemp("parity")
    keras = _record(keras_python, "keras", tmp / "keras.json", {"KERAS_BACKEND": "jax"})
    refimpl = _record(sys.executable, "refimpl", tmp / "refimpl.json", {})
    return keras, refimpl


def test_there_are_at_least_25_scenarios():
    assert len(SCENARIOS) >= 25
    assert len({sc["id"] for sc in SCENARIOS}) == len(SCENARIOS)


@pytest.mark.parametrize("scenario_id", [sc["id"] for sc in SCENARIOS])
def test_refimpl_matches_keras3(recordings, scenario_id):
    keras, refimpl = recordings
    scenario = next(sc for sc in SCENARIOS if sc["id"] == scenario_id)
    problems = compare_scenario(keras[scenario_id], refimpl[scenario_id], scenario.get("refimpl_differs"))
    assert not problems, f"{scenario_id}: " + "\n".join(problems[:10])
