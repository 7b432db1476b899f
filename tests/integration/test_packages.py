"""Integration stage: real PyPI packages' Keras callbacks, unchanged, on refimpl and on live Keras 3 (jax).

Each package's fit (tests/integration/packages.py) runs in two processes: one Python with Keras 3.15.1 and jax
plus the packages (KCC_INTEGRATION_KERAS3_PYTHON), one with this project plus the packages
(KCC_INTEGRATION_REFIMPL_PYTHON, through `python -m refimpl run`). What the package printed, logged and wrote
must match: names, keys and counts exactly, numbers within 1e-5 relative. Switched on by KCC_INTEGRATION=1
(.ci/run sets it up); skipped, with the reason, otherwise.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from pathlib import Path

import pytest

PACKAGES = ("tqdm", "livelossplot", "mlflow", "optuna", "aim")
SCRIPT = Path(__file__).with_name("packages.py")
ROOT = Path(__file__).resolve().parents[2]
REL = 1e-5
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _pythons() -> tuple[str, str]:
    if os.environ.get("KCC_INTEGRATION") != "1":
        pytest.skip("integration stage: set KCC_INTEGRATION=1, KCC_INTEGRATION_KERAS3_PYTHON (keras==3.15.1, jax and "
                    "the packages) and KCC_INTEGRATION_REFIMPL_PYTHON (this project and the packages); .ci/run does")
    keras3 = os.environ.get("KCC_INTEGRATION_KERAS3_PYTHON")
    ours = os.environ.get("KCC_INTEGRATION_REFIMPL_PYTHON")
    if not keras3 or not ours:
        pytest.fail("KCC_INTEGRATION=1 needs KCC_INTEGRATION_KERAS3_PYTHON and KCC_INTEGRATION_REFIMPL_PYTHON")
    return keras3, ours


def observe(command: list[str], out: Path, env: dict[str, str]) -> dict:
    done = subprocess.run([*command, str(out)], capture_output=True, text=True, timeout=170, cwd=ROOT,
                          env={**os.environ, **env})
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stderr[-4000:]}"
    return json.loads((out / "observed.json").read_text())


def differences(keras3, ours, where: str = "") -> list[str]:
    """Where two observations differ: structure, names and counts exactly, numbers within REL."""
    if isinstance(keras3, dict) and isinstance(ours, dict):
        if set(keras3) != set(ours):
            return [f"{where}: keys {sorted(keras3)} on Keras 3, {sorted(ours)} on refimpl"]
        return [d for k in keras3 for d in differences(keras3[k], ours[k], f"{where}.{k}")]
    if isinstance(keras3, list) and isinstance(ours, list):
        if len(keras3) != len(ours):
            return [f"{where}: {len(keras3)} items on Keras 3, {len(ours)} on refimpl ({keras3[-3:]} vs {ours[-3:]})"]
        return [d for i, (a, b) in enumerate(zip(keras3, ours)) for d in differences(a, b, f"{where}[{i}]")]
    if isinstance(keras3, str) and isinstance(ours, str):
        if NUMBER.sub("#", keras3) != NUMBER.sub("#", ours):
            return [f"{where}: {keras3!r} on Keras 3, {ours!r} on refimpl"]
        pairs = zip(NUMBER.findall(keras3), NUMBER.findall(ours))
        # printed numbers carry 3 significant digits: equal, or one unit of the last printed digit apart
        if any(a != b and not math.isclose(float(a), float(b), rel_tol=2e-3) for a, b in pairs):
            return [f"{where}: {keras3!r} on Keras 3, {ours!r} on refimpl"]
        return []
    if isinstance(keras3, bool) or isinstance(ours, bool) or keras3 is None or ours is None:
        return [] if keras3 == ours else [f"{where}: {keras3!r} on Keras 3, {ours!r} on refimpl"]
    if isinstance(keras3, (int, float)) and isinstance(ours, (int, float)):
        ok = math.isclose(keras3, ours, rel_tol=REL, abs_tol=1e-7)
        return [] if ok else [f"{where}: {keras3!r} on Keras 3, {ours!r} on refimpl"]
    return [] if keras3 == ours else [f"{where}: {keras3!r} on Keras 3, {ours!r} on refimpl"]


def unordered_batch_updates(observed: dict) -> dict:
    """tqdm verbose=2: the batch bars' updates as a multiset, and the printed lines without their postfix.

    Keras 3.15.1 (jax) decides when the CallbackList is built whether batch-end hooks may run on a thread pool;
    TqdmCallback(verbose=2) sets on_batch_end only in on_epoch_begin, so Keras runs it on worker threads, and
    the updates of one epoch arrive in any order (a Keras defect: docs/guide/install-as-keras.rst). The counts
    and the values seen still have to match; their order cannot.
    """
    run = observed["verbose=2"]
    return {**observed, "verbose=2": {
        **run,
        "bars": [{**bar, "postfixes": sorted(bar["postfixes"], key=lambda d: sorted(d.items()))}
                 for bar in run["bars"]],
        "printed": [line.split(",")[0] for line in run["printed"]],
    }}


NORMALIZE = {"tqdm": unordered_batch_updates}


def test_the_comparison_tells_differences():
    assert differences({"a": [1.0, "loss=0.843"]}, {"a": [1.0 + 1e-7, "loss=0.843"]}) == []
    assert differences({"a": [1.0]}, {"a": [1.0, 2.0]})  # counts
    assert differences({"a": 1.0}, {"b": 1.0})  # names
    assert differences({"a": 1.0}, {"a": 1.001})  # values
    assert differences("3/3 epoch", "2/3 epoch") and differences("loss=0.843", "loss=0.9")
    assert differences("4/4 batch, loss=1", "4/4 batch, val_loss=1")


@pytest.mark.parametrize("package", PACKAGES)
def test_package_callback_matches_keras3(package, tmp_path):
    keras3, ours = _pythons()
    live = observe([keras3, str(SCRIPT), package], tmp_path / "keras3", {"KERAS_BACKEND": "jax"})
    mine = observe([ours, "-m", "refimpl", "run", str(SCRIPT), package], tmp_path / "refimpl", {})
    assert live["keras_version"] == mine["keras_version"] == "3.15.1"
    normalize = NORMALIZE.get(package, lambda observed: observed)
    found = differences(normalize(live["observed"]), normalize(mine["observed"]), package)
    assert not found, "\n".join(found[:20])


CHECKED = {"tqdm_callback": 1, "livelossplot_callback": 0, "mlflow_callback": 0, "optuna_pruning_callback": 0}


@pytest.mark.parametrize("factory", CHECKED)
def test_callback_check_on_the_packages_callbacks(factory, tmp_path):
    """The callback check on refimpl: tqdm's finding (docs/conformance/callbacks.rst) is found, the others pass."""
    _, ours = _pythons()
    target = f"conformance.callback_check.third_party:{factory}"
    command = [ours, "-m", "conformance", "--callback", target, "--budget", "5", "--run-timeout", "30", "-q"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=400, cwd=ROOT,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == CHECKED[factory], done.stdout[-3000:] + done.stderr[-2000:]
    if CHECKED[factory]:
        assert "INVARIANT _tqdm_epoch_bar_counts_the_fit: the epoch bar shows 0 after a fit" in done.stdout


def test_the_tqdm_snippet_replays_the_finding(tmp_path):
    """tests/callback_check/tqdm_second_fit.py, the check's shrunk run, raises the finding it was printed for."""
    _, ours = _pythons()
    done = subprocess.run([ours, str(ROOT / "tests" / "callback_check" / "tqdm_second_fit.py")], capture_output=True,
                          text=True, timeout=170, cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1
    assert "Finding: invariant _tqdm_epoch_bar_counts_the_fit: the epoch bar shows 0" in done.stderr
