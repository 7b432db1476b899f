"""Kill -9 a training run at a seeded random moment, resume it, and check nothing was lost or torn.

Each trial runs ``fit`` in a subprocess with ModelCheckpoint (``.keras`` every epoch, templated
``.weights.h5`` names, ``save_best_only``), BackupAndRestore (``save_freq`` in batches) and CSVLogger
(``append=True``), kills it with SIGKILL after a random delay, then checks:

- every checkpoint file present opens and loads completely (a file is whole or absent, never partial);
- the run resumed from the backup ends with the weights, optimizer state and History of an uninterrupted
  run, bit for bit;
- the CSV log has no torn line and exactly one row per epoch, equal to the uninterrupted run's rows.

Results are counts (corrupt files, resume mismatches, CSV problems), so a report can show them.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field

import numpy as np

WORKER = "tests.faults.worker"
EPOCHS = 6


@dataclass
class TrialResult:
    """What one kill-and-resume trial found."""

    trial: int
    delay: float
    killed: bool
    checkpoint_files: int = 0
    corrupt_files: list[str] = field(default_factory=list)
    stray_temp_files: int = 0  # temporary files still present after the resumed run
    stray_temp_names: list[str] = field(default_factory=list)
    resume_error: str | None = None
    resume_mismatches: list[str] = field(default_factory=list)
    csv_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.corrupt_files or self.resume_error or self.resume_mismatches or self.csv_problems
                    or self.stray_temp_files)


def _run_worker(workdir: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", WORKER, workdir], capture_output=True, text=True, timeout=timeout,
                          cwd=_repo_root())


def _repo_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _start(workdir: str) -> subprocess.Popen:
    """Start the worker and wait until it reports that training begins (imports done)."""
    process = subprocess.Popen([sys.executable, "-m", WORKER, workdir], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=_repo_root())
    line = process.stdout.readline()
    if line.strip() != "start":
        process.kill()
        raise RuntimeError(f"the worker did not start training: {line!r} {process.stderr.read()}")
    return process


def reference_run(workdir: str) -> dict:
    """Run the worker to completion once; return its result and how long its training took."""
    process = _start(workdir)
    start = time.perf_counter()
    _, stderr = process.communicate(timeout=300)
    duration = time.perf_counter() - start
    if process.returncode != 0:
        raise RuntimeError(f"the uninterrupted reference run failed:\n{stderr}")
    outcome = _read_outcome(workdir)
    outcome["duration"] = duration
    return outcome


def _read_outcome(workdir: str) -> dict:
    import h5py

    with open(os.path.join(workdir, "outcome.json"), encoding="utf-8") as f:
        outcome = json.load(f)
    with h5py.File(os.path.join(workdir, "final.weights.h5"), "r") as f:
        outcome["weights"] = [f[f"layers/{g}/vars/{i}"][()] for g in sorted(f["layers"])
                              for i in range(len(f[f"layers/{g}/vars"]))]
        outcome["optimizer"] = [f[f"optimizer/vars/{i}"][()] for i in range(len(f["optimizer/vars"]))]
    outcome["csv_rows"] = _csv_rows(os.path.join(workdir, "log.csv"))
    return outcome


def _csv_rows(path: str) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def check_files(workdir: str, result: TrialResult, count_temps: bool = False) -> None:
    """Every checkpoint present must load completely; optionally count temporary files still lying around."""
    from refimpl.callbacks.backup_and_restore import _read_backup
    from refimpl.saving import load_model

    from .worker import build_model

    for name in sorted(os.listdir(workdir)):
        path = os.path.join(workdir, name)
        if ".tmp-" in name:
            # The worker's own final outputs (written after fit) are not the callbacks' business.
            if not name.startswith((".final.weights.h5", ".outcome.json")):
                result.stray_temp_files += count_temps
                if count_temps:
                    result.stray_temp_names.append(name)
            continue
        try:
            if name.endswith(".keras"):
                result.checkpoint_files += 1
                load_model(path)
            elif name.endswith(".weights.h5") and name.startswith("w."):
                result.checkpoint_files += 1
                build_model().load_weights(path)
        except Exception as e:  # noqa: BLE001 - any failure to load is what this harness counts
            result.corrupt_files.append(f"{name}: {type(e).__name__}: {e}")
    backup_dir = os.path.join(workdir, "backup")
    if os.path.isdir(backup_dir):
        for name in sorted(os.listdir(backup_dir)):
            if ".tmp-" in name:
                result.stray_temp_files += count_temps
                if count_temps:
                    result.stray_temp_names.append(f"backup/{name}")
                continue
            result.checkpoint_files += 1
            try:
                _read_backup(os.path.join(backup_dir, name), build_model())
            except Exception as e:  # noqa: BLE001
                result.corrupt_files.append(f"backup/{name}: {type(e).__name__}: {e}")


def compare(reference: dict, resumed: dict, result: TrialResult) -> None:
    """Record every way the resumed run differs from the uninterrupted one."""
    for what in ("weights", "optimizer"):
        if len(reference[what]) != len(resumed[what]) or not all(
                np.array_equal(a, b) for a, b in zip(reference[what], resumed[what])):
            result.resume_mismatches.append(f"{what} differ")
    if reference["history"] != resumed["history"]:
        result.resume_mismatches.append("History.history differs")
    if reference["epoch"] != resumed["epoch"]:
        result.resume_mismatches.append(f"History.epoch {resumed['epoch']} != {reference['epoch']}")
    rows = resumed["csv_rows"]
    if any(len(row) != len(rows[0]) for row in rows):
        result.csv_problems.append("torn or ragged CSV line")
    epochs = [row[0] for row in rows[1:]]
    if len(epochs) != len(set(epochs)):
        duplicated = sorted(e for e in set(epochs) if epochs.count(e) > 1)
        result.csv_problems.append(f"duplicated CSV rows for epochs {duplicated}")
    if rows != reference["csv_rows"]:
        result.csv_problems.append("CSV rows differ from the uninterrupted run's")


def run_trial(trial: int, delay: float, reference: dict, keep: bool = False) -> TrialResult:
    """Start a run, SIGKILL it after ``delay`` seconds, check the files, resume it, compare."""
    workdir = tempfile.mkdtemp(prefix=f"fault-{trial}-")
    try:
        process = _start(workdir)
        time.sleep(delay)
        killed = process.poll() is None
        if killed:
            os.kill(process.pid, signal.SIGKILL)
        process.communicate()
        result = TrialResult(trial=trial, delay=round(delay, 4), killed=killed)
        check_files(workdir, result)
        if not killed:  # it finished before the kill: its own outcome must equal the reference
            compare(reference, _read_outcome(workdir), result)
            return result
        resumed = _run_worker(workdir)
        if resumed.returncode != 0:
            result.resume_error = resumed.stderr.strip().splitlines()[-1] if resumed.stderr.strip() else "failed"
            return result
        compare(reference, _read_outcome(workdir), result)
        check_files(workdir, result, count_temps=True)  # the resumed run removed what the killed one left
        return result
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def run(trials: int, seed: int = 0, verbose: bool = False) -> dict:
    """Run ``trials`` kill-and-resume trials; return a summary with the counts and each failing trial."""
    rng = np.random.default_rng(seed)
    reference_dir = tempfile.mkdtemp(prefix="fault-reference-")
    try:
        reference = reference_run(reference_dir)
    finally:
        shutil.rmtree(reference_dir, ignore_errors=True)
    # Kill anywhere from the start of training to a little past the end of the uninterrupted run.
    horizon = reference["duration"] * 1.05
    results = []
    for trial in range(trials):
        result = run_trial(trial, float(rng.uniform(0.0, horizon)), reference)
        results.append(result)
        if verbose:
            status = "ok" if result.ok else "FAIL"
            print(f"trial {trial:3d}  delay {result.delay:6.3f}s  killed={result.killed!s:5}  "
                  f"files={result.checkpoint_files:2d}  {status}", flush=True)
    failing = [asdict(r) for r in results if not r.ok]
    return {
        "trials": trials,
        "seed": seed,
        "killed": sum(r.killed for r in results),
        "checkpoint_files_checked": sum(r.checkpoint_files for r in results),
        "corrupt_files": sum(len(r.corrupt_files) for r in results),
        "resume_errors": sum(r.resume_error is not None for r in results),
        "resume_mismatches": sum(bool(r.resume_mismatches) for r in results),
        "csv_problems": sum(bool(r.csv_problems) for r in results),
        "stray_temp_files": sum(r.stray_temp_files for r in results),
        "reference_seconds": round(reference["duration"], 3),
        "failing_trials": failing,
    }
