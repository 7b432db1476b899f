"""Start the distributed probes on 127.0.0.1, bounded in time, and leave no process behind.

Every process starts in its own session (its own process group); when the runs end, fail or time out, each
group is killed with SIGKILL and reaped, so nothing a measurement started outlives it.

    >>> from conformance.distributed.harness import measure
    >>> m = measure("/path/to/keras3/python", "/tmp/work")   # doctest: +SKIP
    >>> sorted(m["runs"])                                     # doctest: +SKIP
    ['dp4', 'mp']
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = "conformance.distributed.probe"
DEFAULT_TIMEOUT = 240.0


class MeasurementError(RuntimeError):
    """A probe failed, timed out or wrote no trace; the message carries its output."""


@dataclass
class Job:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen | None = None
    pids: list[int] = field(default_factory=list)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL cannot be ignored
        pass


def run_jobs(jobs: list[Job], timeout: float) -> dict[str, int | None]:
    """Start every job in its own process group, wait at most `timeout` seconds for all, kill what is left.

    Returns:
        {job name: exit code, or None for a job that was killed at the deadline}.
    """
    codes: dict[str, int | None] = {}
    try:
        for job in jobs:
            with job.log.open("wb") as log:
                job.proc = subprocess.Popen(job.argv, env=job.env, stdout=log, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True, cwd=job.log.parent)
            job.pids.append(job.proc.pid)
        deadline = time.monotonic() + timeout
        for job in jobs:
            try:
                codes[job.name] = job.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                codes[job.name] = None
    finally:
        for job in jobs:
            if job.proc is not None:
                _kill_group(job.proc)
    return codes


def _env(root: Path, devices: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XLA_", "JAX_", "TF_CONFIG"))}
    env.update(KERAS_BACKEND="jax", PYTHONPATH=str(root), JAX_PLATFORMS="cpu",
               XLA_FLAGS=f"--xla_force_host_platform_device_count={devices}")
    return env


def _tf_env(work: Path) -> dict[str, str]:
    """A tf-keras process's environment: no inherited TF_CONFIG, quiet, CPU only, and temporary files in `work`.

    TensorFlow's autograph writes a temporary file for each function it converts and removes them at exit, which a
    killed process never reaches: in `work/tmp` they go when the run's directory goes.
    """
    tmp = work / "tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    env.update(PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2", CUDA_VISIBLE_DEVICES="", TMPDIR=str(tmp))
    return env


def measure(python: str, workdir: str | Path, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Run the single-device reference, 4-device data parallel and 2 processes x 2 devices (once with the same
    seed, once with a different seed on each process); return the traces.

    Args:
        python: An interpreter with keras==3.15.1 and jax.
        workdir: Where each process writes its files (one directory per process).
        timeout: Seconds for all runs together, then every process left is killed. Defaults to `DEFAULT_TIMEOUT`.

    Returns:
        `{"reference": trace, "runs": {"dp4": [trace], "mp": [trace, trace]}, "refused": {"seeds": [trace,
        trace]}, "files": {dir: what loads}, "global_steps": int, "epochs": int}`, the shape
        `conformance.checks.distribution.judge` reads.

    Raises:
        MeasurementError: A process failed, timed out or wrote no trace (with the end of its output).
    """
    from conformance.distributed import probe

    work = Path(workdir)
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base = [python, "-m", PROBE]
    jobs = [Job("single", base + ["--mode", "single", "--out", str(work / "single")], _env(ROOT, 1),
                work / "single.log"),
            Job("dp4", base + ["--mode", "dp4", "--out", str(work / "dp4")], _env(ROOT, 4), work / "dp4.log")]
    jobs += [Job(f"mp{i}", base + ["--mode", "mp", "--process-id", str(i), "--port", str(port),
                                   "--out", str(work / f"mp{i}")], _env(ROOT, 2), work / f"mp{i}.log")
             for i in range(probe.PROCESSES)]
    seeds_port = free_port()
    jobs += [Job(f"seeds{i}", base + ["--mode", "mp", "--process-id", str(i), "--port", str(seeds_port),
                                      "--seed", str(probe.SEED + i), "--out", str(work / f"seeds{i}")],
                 _env(ROOT, 2), work / f"seeds{i}.log") for i in range(probe.PROCESSES)]
    started = time.monotonic()
    codes = run_jobs(jobs, timeout)
    traces = {}
    for job in jobs:
        path = work / job.name / "trace.json"
        refusal_expected = job.name.startswith("seeds")
        if codes[job.name] not in ((0, 1) if refusal_expected else (0,)) or not path.exists():
            tail = job.log.read_text(errors="replace")[-3000:] if job.log.exists() else ""
            why = "timed out" if codes[job.name] is None else f"exited with {codes[job.name]}"
            raise MeasurementError(f"probe {job.name} {why}:\n{tail}")
        traces[job.name] = json.loads(path.read_text())
    remaining = max(30.0, timeout - (time.monotonic() - started))
    argv = base + ["verify", str(work / "verify.json"), *(str(work / j.name) for j in jobs[:-probe.PROCESSES])]
    verify = Job("verify", argv, _env(ROOT, 1), work / "verify.log")
    if run_jobs([verify], remaining)["verify"] != 0:
        raise MeasurementError("verify failed:\n" + verify.log.read_text(errors="replace")[-3000:])
    files = json.loads((work / "verify.json").read_text())
    return {
        "reference": traces["single"],
        "runs": {"dp4": [traces["dp4"]], "mp": [traces[f"mp{i}"] for i in range(probe.PROCESSES)]},
        "refused": {"seeds": [traces[f"seeds{i}"] for i in range(probe.PROCESSES)]},
        "files": files,
        "global_steps": probe.STEPS,
        "epochs": probe.EPOCHS,
        "pids": [pid for job in [*jobs, verify] for pid in job.pids],
        "seconds": round(time.monotonic() - started, 1),
    }


def measure_tf_keras(python: str, workdir: str | Path, timeout: float = DEFAULT_TIMEOUT) -> dict:
    """tf-keras on one device (the reference), under MirroredStrategy over 2 logical CPU devices, and under
    MultiWorkerMirroredStrategy with 2 workers on 127.0.0.1.

    Args:
        python: An interpreter with tensorflow and tf-keras (2.21).
        workdir: Where each run writes its files.
        timeout: Seconds for both runs and the verification, then every process left is killed.

    Returns:
        The shape `measure` returns, with the runs `"mirrored2"` (one process, 2 replicas) and `"mwms"` (2
        processes), and no "refused".

    Raises:
        MeasurementError: A run failed, timed out or wrote no trace.
    """
    from conformance.distributed import probe

    work = Path(workdir)
    env = _tf_env(work)
    base = [python, "-m", "conformance.distributed.tf_probe"]
    jobs = [Job(mode, base + ["--mode", mode, "--out", str(work / mode)], env, work / f"{mode}.log")
            for mode in ("single", "mirrored2")]
    workers = [f"127.0.0.1:{free_port()}" for _ in range(2)]
    for i in range(2):  # MultiWorkerMirroredStrategy: 2 workers, one CPU device each, found through TF_CONFIG
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": i}}
        jobs.append(Job(f"mwms{i}", base + ["--mode", "mwms", "--task-index", str(i), "--out", str(work / f"mwms{i}")],
                        {**env, "TF_CONFIG": json.dumps(tf_config)}, work / f"mwms{i}.log"))
    started = time.monotonic()
    codes = run_jobs(jobs, timeout)
    traces = {}
    for job in jobs:
        path = work / job.name / "trace.json"
        if codes[job.name] != 0 or not path.exists():
            why = "timed out" if codes[job.name] is None else f"exited with {codes[job.name]}"
            raise MeasurementError(f"tf-keras probe {job.name} {why}:\n" + job.log.read_text(errors="replace")[-3000:])
        traces[job.name] = json.loads(path.read_text())
    verify = Job("verify", base + ["verify", str(work / "verify.json"), *(str(work / j.name) for j in jobs)], env,
                 work / "verify.log")
    if run_jobs([verify], max(30.0, timeout - (time.monotonic() - started)))["verify"] != 0:
        raise MeasurementError("tf-keras verify failed:\n" + verify.log.read_text(errors="replace")[-3000:])
    return {
        "reference": traces["single"],
        "runs": {"mirrored2": [traces["mirrored2"]], "mwms": [traces["mwms0"], traces["mwms1"]]},
        "files": json.loads((work / "verify.json").read_text()),
        "global_steps": probe.STEPS,
        "epochs": probe.EPOCHS,
        "pids": [pid for job in [*jobs, verify] for pid in job.pids],
        "seconds": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":  # python -m conformance.distributed.harness KERAS3_PYTHON WORKDIR
    result = measure(sys.argv[1], sys.argv[2])
    from conformance.checks.distribution import judge

    print(json.dumps({"seconds": result["seconds"], "verdicts": judge(result)}, indent=1))
