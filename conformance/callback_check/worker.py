"""Runs executed in a worker process with a deadline each: a hang is killed and reported, not waited for.

The parent sends a run program (`conformance.callback_check.program`); the worker executes it with the
implementation already imported and answers with a verdict: ``ok``, a finding (``crash``, ``file``,
``invariant``) or a harness ``error``. When the deadline passes the parent kills the worker, reports a
``hang``, and starts a fresh worker for the next run. One worker serves any number of runs and targets.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from multiprocessing.connection import Connection
from typing import Any

READY_SECONDS = 300.0  # importing a live implementation (jax, torch) can take a while on a loaded machine


def execute(program: str) -> dict[str, Any]:
    """Run one program here, in this process, and return its verdict."""
    from conformance.callback_check import replay
    from conformance.callback_check.subject import TargetError

    ns: dict[str, Any] = {"__name__": "__callback_check_run__"}
    t0 = time.perf_counter()
    verdict: dict[str, Any]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(program, "<callback-check run>", "exec"), ns)
        verdict = {"status": "ok"}
    except replay.Finding as f:
        verdict = {"status": "finding", "kind": f.kind, "where": f.where, "message": f.message}
    except TargetError as e:
        verdict = {"status": "error", "message": str(e)}
    except BaseException as e:  # noqa: BLE001 - anything the callback raises is the verdict
        run = ns.get("run")
        crash = getattr(run, "crash", None)
        if run is None:
            verdict = {"status": "error", "message": f"the factory raised {type(e).__name__}: {e}",
                       "traceback": traceback.format_exc()[-4000:]}
        else:
            if crash is None:
                crash = {"where": replay.crash_site(e, run.callback), "type": type(e).__name__,
                         "message": str(e)[:300], "traceback": traceback.format_exc()[-6000:]}
            verdict = {"status": "finding", "kind": "crash", "where": crash["where"],
                       "message": f"{crash['type']}: {crash['message']}", "traceback": crash["traceback"],
                       "nested": bool(crash.get("depth"))}
    run = ns.get("run")
    if run is not None:
        verdict["calls"] = len(run.record.calls)
        verdict["unchecked"] = sorted(run.unchecked)
        shutil.rmtree(run.workdir, ignore_errors=True)
    verdict["seconds"] = time.perf_counter() - t0
    return verdict


def _serve(conn: Any, impl: str, workdir_base: str) -> None:
    from conformance.adapters import get_adapter
    from conformance.callback_check import replay

    replay.WORKDIR_BASE, replay.ECHO = workdir_base, False
    try:
        adapter = get_adapter(impl)
        module = adapter.module()
        conn.send({"status": "ready", "version": adapter.version(), "module": module.__name__})
    except BaseException as e:  # noqa: BLE001
        conn.send({"status": "error", "message": f"{type(e).__name__}: {e}"})
        return
    while True:
        try:
            program = conn.recv()
        except EOFError:
            return
        if program is None:
            return
        conn.send(execute(program))


class WorkerError(RuntimeError):
    """The worker could not start (the implementation does not import, ...)."""


class Worker:
    """A worker process for `impl`, restarted after a hang or a death.

    Args:
        impl: The implementation's name (as for ``--impl``).
        timeout: Seconds a run may take before it counts as a hang.
    """

    def __init__(self, impl: str = "refimpl", timeout: float = 5.0):
        self.impl, self.timeout = impl, timeout
        self.version = ""
        self.starts = 0
        self._proc: Any = None
        self._conn: Any = None
        self._base = tempfile.mkdtemp(prefix="callback-check-")

    def _start(self) -> None:
        parent, child = socket.socketpair()
        env = dict(os.environ)  # the worker imports what this process can: the same sys.path
        env["PYTHONPATH"] = os.pathsep.join(p for p in [os.getcwd(), *sys.path] if p and os.path.isdir(p))
        self._log = tempfile.TemporaryFile()
        proc = subprocess.Popen([sys.executable, "-m", "conformance.callback_check.worker", str(child.fileno()),
                                 self.impl, self._base], pass_fds=[child.fileno()], env=env,
                                stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        child.close()
        conn = Connection(parent.detach())
        if not conn.poll(READY_SECONDS):
            proc.kill()
            raise WorkerError(f"the worker for {self.impl} did not start within {READY_SECONDS:.0f} s")
        try:
            hello = conn.recv()
        except EOFError as e:
            proc.wait(5)
            raise WorkerError(f"the worker for {self.impl} died while starting:\n{self._log_tail()}") from e
        if hello["status"] != "ready":
            proc.kill()
            raise WorkerError(f"the worker for {self.impl} cannot start: {hello['message']}")
        self.version, self._proc, self._conn = hello["version"], proc, conn
        self.starts += 1

    def _log_tail(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-3000:]

    def run(self, program: str, timeout: float | None = None) -> dict[str, Any]:
        """Execute `program` in the worker; a run that outlives the deadline is killed and reported as a hang."""
        if self._proc is None:
            self._start()
        limit = self.timeout if timeout is None else timeout
        t0 = time.perf_counter()
        self._conn.send(program)
        try:
            if self._conn.poll(limit):
                return self._conn.recv()
        except (EOFError, OSError):
            code = self._proc.wait(5)
            self._stop(kill=True)
            return {"status": "finding", "kind": "crash", "where": "the process",
                    "message": f"the worker process died (exit code {code}) during the run",
                    "seconds": time.perf_counter() - t0}
        self._stop(kill=True)
        return {"status": "finding", "kind": "hang", "where": "the run",
                "message": f"the run did not finish within {limit:g} s and was killed",
                "seconds": time.perf_counter() - t0}

    def _stop(self, kill: bool = False) -> None:
        if self._proc is None:
            return
        if kill:
            self._proc.kill()
        else:
            try:
                self._conn.send(None)
            except OSError:
                pass
        try:
            self._proc.wait(5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(5)
        self._conn.close()
        self._log.close()
        self._proc = self._conn = None

    def close(self) -> None:
        """Stop the worker and remove the working directories."""
        self._stop()
        shutil.rmtree(self._base, ignore_errors=True)

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


__all__ = ["Worker", "WorkerError", "execute"]

if __name__ == "__main__":  # python -m conformance.callback_check.worker FD IMPL WORKDIR_BASE
    _serve(Connection(int(sys.argv[1])), sys.argv[2], sys.argv[3])

