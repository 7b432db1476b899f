"""jax's persistent compilation cache and Keras's donated weights (conformance/adapters/keras3_adapter.py).

On jax 0.4.31 and 0.4.38 (Keras 3.4.1-3.8.0), a step loaded from the cache writes the state Keras donates to it
into numpy memory that set_weights was given and that jax has let go of: the weights then change with whatever is
written there next. That made the Keras 3.4.1-3.8.0 rows of the matrix differ from rebuild to rebuild. The adapter
keeps the cache off there. The live tests run `jax_cache_donation.py` in Keras 3.6.0's release environment
(KCC_KERAS_ENVS) and in today's Keras 3 (KERAS3_PYTHON).
"""

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from conformance.adapters.keras3_adapter import jax_cache_is_safe, use_jax_compilation_cache
from conformance.harness import envs

ENVS = os.environ.get("KCC_KERAS_ENVS")
SCRIPT = Path(__file__).with_name("jax_cache_donation.py")
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("version, safe", [
    ("0.4.23", True), ("0.4.24", False), ("0.4.31", False), ("0.4.38", False), ("0.5.3", False),
    ("0.6.0", True), ("0.7.2", True), ("0.10.2", True), ("0.4.38.dev20241201", False),
])
def test_the_cache_is_used_only_on_jax_releases_that_keep_the_weights(version, safe):
    assert jax_cache_is_safe(version) is safe


def test_an_unsafe_jax_keeps_the_cache_off_and_says_so_when_asked_for_it(monkeypatch, tmp_path, capsys):
    # Only the version is read before the decision; a jax of that release need not be installed.
    monkeypatch.setitem(sys.modules, "jax", types.SimpleNamespace(__version__="0.4.38"))
    monkeypatch.setenv("KCC_JAX_COMPILATION_CACHE", str(tmp_path))
    assert use_jax_compilation_cache() is None
    err = capsys.readouterr().err
    assert "KCC_JAX_COMPILATION_CACHE" in err and "is not used" in err and "0.4.38" in err


KERAS3_PYTHON = os.environ.get("KERAS3_PYTHON")  # today's Keras 3 on today's jax (.ci/run's .venv-keras3-jax)


def donation(where: str, mode: str) -> dict:
    """jax_cache_donation.py's findings in `where`: a release environment's name, or "today" (KERAS3_PYTHON)."""
    if where == "today":
        command, environ = [KERAS3_PYTHON, str(SCRIPT), mode], {**os.environ, "KERAS_BACKEND": "jax"}
    else:
        env = envs.get(where, ENVS)
        command, environ = env.command(str(SCRIPT), mode), env.environ()
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (environ.get("PYTHONPATH"), str(ROOT)) if p)
    environ.pop("KCC_JAX_COMPILATION_CACHE", None)
    done = subprocess.run(command, env=environ, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


keras_3_6 = pytest.mark.skipif(not ENVS, reason="set KCC_KERAS_ENVS to the directory of environments built by "
                                                "`python -m conformance env build keras-3.6.0-jax`")
today = pytest.mark.skipif(not KERAS3_PYTHON, reason="set KERAS3_PYTHON to a Python with keras 3 and jax")


@keras_3_6
def test_keras_3_6_with_the_cache_on_keeps_weights_in_memory_it_let_go_of():
    # The defect itself, as the keras3-jax expectations describe it: if it stops showing, they are wrong.
    seen = donation("keras-3.6.0-jax", "cache")
    assert seen["jax"] == "0.4.38"
    assert seen["dangling"] >= seen["fits"] - 1 and seen["changed"] >= seen["fits"] - 1, seen


@keras_3_6
def test_through_the_adapter_keras_3_6_keeps_what_set_weights_gave():
    seen = donation("keras-3.6.0-jax", "adapter")
    assert seen["dangling"] == 0 and seen["changed"] == 0, seen


@today
@pytest.mark.parametrize("mode", ["cache", "adapter"])
def test_todays_keras_keeps_what_set_weights_gave_with_the_cache_on(mode):
    # So the cache stays on where it is safe (it saves the worker processes' compiles).
    seen = donation("today", mode)
    assert seen["dangling"] == 0 and seen["changed"] == 0, seen
