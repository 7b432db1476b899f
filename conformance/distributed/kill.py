"""The kill trial: SIGKILL one worker of a 2-process Keras 3 (jax) fit inside a BackupAndRestore write, restart both.

One trial, `kill_trial(python, workdir, victim, point)`:

1. start 2 processes (`kill_probe.py`) on 127.0.0.1, each with its own backup directory; the victim stops inside
   the backup write at the end of epoch `KILL_EPOCH` at `point` and writes `paused.json`;
2. as soon as `paused.json` exists, SIGKILL the victim's process group (the kill lands inside the write: the
   victim is blocked there), record what its backup directory holds, and kill the other process once its own
   backup of that epoch is complete (or it has exited);
3. restart both processes on a new port with the same backup directories, bounded in time; if one fails, the
   other is killed (it would wait for its peer forever).

`uninterrupted(python, workdir)` is the same fit without a kill: what every trial is compared with.
Every process runs in its own process group and is killed and reaped when its phase ends.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from conformance.distributed.harness import ROOT, Job, MeasurementError, _env, _kill_group, _tf_env, free_port

MODULE = "conformance.distributed.kill_probe"
KILL_EPOCH = 1
# The 5 trials of CI: (point, victim, double_checkpoint). Each point of the write, in each process (process 0 also
# runs jax's coordinator), and once with BackupAndRestore's double_checkpoint=True, which keeps the previous backup.
TRIALS = (("weights-open", 1, False), ("weights-close", 1, False), ("metadata-open", 1, False),
          ("weights-close", 0, False), ("weights-open", 1, True))
SURVIVOR_WAIT = 10.0
PHASE_TIMEOUT = 90.0


def _start(jobs: list[Job]) -> None:
    for job in jobs:
        with job.log.open("ab") as log:
            job.proc = subprocess.Popen(job.argv, env=job.env, stdout=log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True, cwd=job.log.parent)
        job.pids.append(job.proc.pid)


def run_until_done_or_failed(jobs: list[Job], timeout: float, grace: float = 5.0) -> dict[str, int | None]:
    """Start `jobs` and wait until all have ended, or one failed (then the rest get `grace` seconds), or `timeout`.

    Returns:
        {job name: exit code, None if it was killed}.
    """
    try:
        _start(jobs)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and any(j.proc.poll() is None for j in jobs):
            if any(j.proc.poll() not in (None, 0) for j in jobs):
                deadline = min(deadline, time.monotonic() + grace)
            time.sleep(0.1)
    finally:
        codes = {j.name: j.proc.poll() for j in jobs if j.proc is not None}
        for job in jobs:
            if job.proc is not None:
                _kill_group(job.proc)
    return codes


def _jobs(python: str, work: Path, phase: str, pause: dict[int, str] | None = None, double: bool = False) -> list[Job]:
    port = free_port()
    jobs = []
    for i in range(2):
        argv = [python, "-m", MODULE, "--process-id", str(i), "--port", str(port), "--out", str(work / f"{phase}{i}"),
                "--backup", str(work / f"backup{i}")]
        if pause and i in pause:
            argv += ["--pause-at", f"{KILL_EPOCH}:{pause[i]}"]
        if double:
            argv.append("--double-checkpoint")
        (work / f"{phase}{i}").mkdir(parents=True, exist_ok=True)
        jobs.append(Job(f"{phase}{i}", argv, _env(ROOT, 2), work / f"{phase}{i}.log"))
    return jobs


TF_MODULE = "conformance.distributed.tf_kill_probe"
# tf-keras under MultiWorkerMirroredStrategy: (point, victim, double_checkpoint); the chief, then the other worker.
TF_TRIALS = (("state", 0, False), ("state", 1, False))


def _tf_jobs(python: str, work: Path, phase: str, pause: dict[int, str] | None = None,
             double: bool = False) -> list[Job]:
    """2 MultiWorkerMirroredStrategy workers on 127.0.0.1 sharing one backup directory (`double` is unused)."""
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    env = _tf_env(work)
    jobs = []
    for i in range(2):
        argv = [python, "-m", TF_MODULE, "--out", str(work / f"{phase}{i}"), "--backup", str(work / "backup")]
        if pause and i in pause:
            argv += ["--pause-at", f"{KILL_EPOCH}:{pause[i]}"]
        (work / f"{phase}{i}").mkdir(parents=True, exist_ok=True)
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
        jobs.append(Job(f"{phase}{i}", argv, {**env, "TF_CONFIG": json.dumps(tf_config)}, work / f"{phase}{i}.log"))
    return jobs


def tf_backup_state(backup: Path) -> dict:
    """What the shared tf-keras backup directory holds: its files and the `checkpoint` state file's text."""
    state_file = backup / "chief" / "checkpoint"
    return {"files": sorted(str(p.relative_to(backup)) for p in backup.rglob("*")) if backup.exists() else [],
            "metadata": state_file.read_text() if state_file.exists() else None}


KINDS = {"jax": (_jobs, lambda work, i: backup_state(work / f"backup{i}")),
         "tf": (_tf_jobs, lambda work, i: tf_backup_state(work / "backup"))}


def backup_state(backup: Path) -> dict:
    """What a backup directory holds: the metadata's text, whether the weights file opens with h5py."""
    state: dict = {"files": sorted(p.name for p in backup.iterdir()) if backup.exists() else []}
    meta = backup / "training_metadata.json"
    state["metadata"] = meta.read_text() if meta.exists() else None
    weights = backup / "latest.weights.h5"
    state["weights_bytes"] = weights.stat().st_size if weights.exists() else None
    if weights.exists():
        try:
            import h5py

            with h5py.File(weights, "r") as f:
                state["weights_opens"] = True
                state["weights_datasets"] = sum(1 for _ in _datasets(f))
        except Exception as e:  # a file cut off inside its write
            state["weights_opens"] = False
            state["weights_error"] = f"{type(e).__name__}: {str(e)[:200]}"
    return state


def _datasets(group):
    import h5py

    for item in group.values():
        if isinstance(item, h5py.Dataset):
            yield item
        else:
            yield from _datasets(item)


def _read(job: Job, work: Path) -> dict | None:
    path = work / job.name / "trace.json"
    return json.loads(path.read_text()) if path.exists() else None


def _weights(work: Path, name: str) -> list | None:
    path = work / name / "final.weights.npz"
    if not path.exists():
        return None
    import numpy as np

    with np.load(path) as f:
        return [f[f"arr_{i}"].tolist() for i in range(len(f.files))]


def _check_started(jobs: list[Job], codes: dict, work: Path, what: str) -> None:
    for job in jobs:
        if codes.get(job.name) != 0 or _read(job, work) is None:
            raise MeasurementError(f"{what}: {job.name} exited with {codes.get(job.name)}:\n"
                                   + job.log.read_text(errors="replace")[-3000:])


def uninterrupted(python: str, workdir: str | Path, timeout: float = PHASE_TIMEOUT, kind: str = "jax") -> dict:
    """The 2-process fit with BackupAndRestore, never killed: traces, final weights and backups per process."""
    work = Path(workdir)
    make_jobs, state_of = KINDS[kind]
    jobs = make_jobs(python, work, "run")
    codes = run_until_done_or_failed(jobs, timeout)
    _check_started(jobs, codes, work, "the uninterrupted run")
    return {"traces": [_read(j, work) for j in jobs], "weights": [_weights(work, j.name) for j in jobs],
            "backups": [state_of(work, i) for i in range(2)],
            "pids": [p for j in jobs for p in j.pids]}


def kill_trial(python: str, workdir: str | Path, victim: int, point: str, double: bool = False,
               timeout: float = PHASE_TIMEOUT, kind: str = "jax") -> dict:
    """One trial: kill process `victim` at `point` of its backup write at the end of epoch `KILL_EPOCH`, restart.

    `double` passes `double_checkpoint=True` to BackupAndRestore (in both phases). `kind` `"tf"`: tf-keras's
    MultiWorkerMirroredStrategy workers (`tf_kill_probe.py`) sharing one backup directory, instead of jax processes.

    Returns:
        `{"victim", "point", "paused", "at_kill": [backup state per process], "survivor_code", "restart_codes",
        "restart": [trace or None per process], "weights": [final weights or None], "backups": [...], "pids"}`.

    Raises:
        MeasurementError: The victim never reached the pause point within `timeout` (the kill could not be placed).
    """
    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    make_jobs, state_of = KINDS[kind]
    jobs = make_jobs(python, work, "first", pause={victim: point}, double=double)
    survivor = 1 - victim
    paused_file = work / f"first{victim}" / "paused.json"
    pids: list[int] = []
    try:
        _start(jobs)
        pids += [p for j in jobs for p in j.pids]
        deadline = time.monotonic() + timeout
        while not paused_file.exists():
            if time.monotonic() > deadline or any(j.proc.poll() is not None for j in jobs):
                raise MeasurementError(f"the victim did not pause at {point}: codes "
                                       f"{[j.proc.poll() for j in jobs]}\n"
                                       + jobs[victim].log.read_text(errors="replace")[-3000:])
            time.sleep(0.02)
        paused = json.loads(paused_file.read_text())
        os.killpg(jobs[victim].proc.pid, signal.SIGKILL)
        jobs[victim].proc.wait(timeout=10)
        at_kill_victim = state_of(work, victim)
        # The other process finishes its own backup of the epoch (it needs no collective for that), then waits for
        # its peer in the next step; it is killed once that backup is complete, or when it exits by itself.
        want = json.dumps({"epoch": KILL_EPOCH + 1, "batch": 0})
        meta = work / f"backup{survivor}" / "training_metadata.json"  # tf: no such file; the wait runs out
        wait_until = time.monotonic() + (SURVIVOR_WAIT if kind == "jax" else 3.0)
        while jobs[survivor].proc.poll() is None and time.monotonic() < wait_until:
            if meta.exists() and meta.read_text() == want:
                time.sleep(0.5)
                break
            time.sleep(0.05)
        survivor_code = jobs[survivor].proc.poll()
    finally:
        for job in jobs:
            if job.proc is not None:
                _kill_group(job.proc)
    at_kill = [None, None]
    at_kill[victim], at_kill[survivor] = at_kill_victim, state_of(work, survivor)
    killed_after = round(time.monotonic() - started, 1)
    restart = make_jobs(python, work, "restart", double=double)
    codes = run_until_done_or_failed(restart, timeout)
    pids += [p for j in restart for p in j.pids]
    return {"victim": victim, "point": point, "double_checkpoint": double, "paused": paused,
            "seconds": {"until_killed": killed_after, "total": round(time.monotonic() - started, 1)},
            "at_kill": at_kill, "survivor_code": survivor_code,
            "survivor": _read(jobs[survivor], work),
            "restart_codes": [codes.get(j.name) for j in restart], "restart": [_read(j, work) for j in restart],
            "weights": [_weights(work, j.name) for j in restart],
            "backups": [state_of(work, i) for i in range(2)], "pids": pids,
            "logs": [j.log.read_text(errors="replace")[-1500:] for j in restart if codes.get(j.name) != 0]}


def kill_trials(python: str, workdir: str | Path, trials=TRIALS, timeout: float = PHASE_TIMEOUT,
                kind: str = "jax") -> dict:
    """The uninterrupted run, then every trial of `trials` ((point, victim, double_checkpoint) each), on `kind`.

    Returns:
        `{"uninterrupted": ..., "trials": [...], "kill_epoch", "epochs", "pids", "seconds"}`, the measurement
        `conformance.checks.distribution.judge_kill` reads.
    """
    from conformance.distributed.kill_probe import EPOCHS

    work = Path(workdir)
    started = time.monotonic()
    reference = uninterrupted(python, work / "uninterrupted", timeout, kind)
    results = [kill_trial(python, work / f"trial{n}", victim, point, double, timeout, kind)
               for n, (point, victim, double) in enumerate(trials)]
    return {"uninterrupted": reference, "trials": results, "kill_epoch": KILL_EPOCH, "epochs": EPOCHS, "kind": kind,
            "pids": reference["pids"] + [p for t in results for p in t["pids"]],
            "seconds": round(time.monotonic() - started, 1)}
