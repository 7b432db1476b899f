"""Worker processes for `python -m conformance -j N`: the suite's scenarios run N at a time.

Each worker is a fresh interpreter (started with `spawn`: forking a process that has imported jax, torch or
tensorflow is unsafe) holding its own copy of the adapter and a `Run` of the same implementation, profile and
spec. The main process draws the scenarios and records what the workers send back, in drawing order (see
conformance.runner); a worker only runs and checks.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

from conformance.spec import spec_dir, use_spec

if TYPE_CHECKING:
    from conformance.runner import Outcome, Run
    from conformance.scenario import Scenario

_RUN: Run | None = None  # the worker's own Run
MAX_RESTARTS = 2  # new pools of workers a run may start after a worker died


def parse_jobs(value: str | int) -> int:
    """`-j`'s value: a positive number of worker processes, or `auto` (one per CPU this process may use).

    Raises:
        ValueError: If `value` is neither, naming the accepted values.
    """
    if isinstance(value, str) and value.strip().lower() == "auto":
        return available_cpus()
    try:
        jobs = int(value)
    except (TypeError, ValueError):
        jobs = 0
    if jobs < 1:
        raise ValueError(f"-j/--jobs must be a positive whole number or 'auto', not {value!r}")
    return jobs


def jobs_argument(value: str) -> int:
    """`parse_jobs` for argparse (a bad value exits with status 2 and the message)."""
    try:
        return parse_jobs(value)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e).split(" must ", 1)[-1].join(("must ", ""))) from e


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------------------- in the worker
def _start_worker(adapter: Any, profile: str, hypothesis_profile: str, shrink: bool, scale: float,
                  spec: str) -> None:
    from conformance.runner import Run

    global _RUN
    use_spec(spec)
    adapter.module()
    _RUN = Run(adapter, profile, hypothesis_profile, shrink, None, scale)


def _outcome(scenario: Scenario) -> Outcome:
    assert _RUN is not None
    return _RUN.outcome(scenario)


def _sequences() -> dict[str, Any]:
    """Phase (2) whole: what it recorded, in order, and its adapter errors."""
    assert _RUN is not None
    run = _RUN
    run.journal, run.errors, run.scenarios_run = [], [], 0
    t0 = time.monotonic()
    try:
        run.sequences()
        return {"journal": run.journal, "errors": run.errors, "count": run.scenarios_run,
                "seconds": time.monotonic() - t0}
    finally:
        run.journal = None


def _shrink_one(clause: str, family: str) -> tuple[Scenario, list[str]] | None:
    assert _RUN is not None
    return _RUN.shrink_clause(clause, family)


# ----------------------------------------------------------------------------------- in the main process
class WorkerPool:
    """`jobs` worker processes running `run`'s implementation; `submit_*` return futures.

    A worker that cannot start or dies makes its futures fail; `outcome_of` turns that into an adapter error
    naming the cause, so the run reports it instead of stopping.

    Args:
        run: The main process's run (its adapter is pickled without its imported module).
        jobs: The number of worker processes.
    """

    def __init__(self, run: Run, jobs: int):
        self.jobs = jobs
        self.initargs = (run.adapter, run.profile, run.hyp_name, run.shrink_enabled, run.scale, str(spec_dir()))
        self.executor = self._new_executor()
        self.restarts = 0

    def _new_executor(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=self.initargs)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        try:
            future = self.executor.submit(fn, *args)
        except Exception as e:  # e.g. BrokenProcessPool: a worker died earlier
            future = Future()
            future.set_exception(e)
        future.executor = self.executor  # type: ignore[attr-defined]  # which pool of workers it was handed to
        return future

    def may_run_again(self, future: Future) -> bool:
        """Whether the task of `future`, which a dying worker took down, can run again on live workers.

        When a worker dies (a crash in the implementation: Keras 3.4.1 and 3.5.0 on jax each did so once in the
        matrix rebuilds of December 2026) every task not yet finished fails with BrokenProcessPool. The first
        such failure replaces the pool with new workers, at most `MAX_RESTARTS` times a run; after that the tasks
        stay failed and become adapter errors. Returns False for a task that did not fail that way.
        """
        if not isinstance(future.exception(), BrokenProcessPool):
            return False
        if getattr(future, "executor", None) is not self.executor:
            return True  # handed to a pool that has been replaced already
        if self.restarts >= MAX_RESTARTS:
            return False
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._new_executor()
        self.restarts += 1
        return True

    def submit_outcome(self, scenario: Scenario) -> Future:
        return self._submit(_outcome, scenario)

    def submit_sequences(self) -> Future:
        return self._submit(_sequences)

    def submit_shrink(self, clause: str, family: str) -> Future:
        return self._submit(_shrink_one, clause, family)

    @staticmethod
    def outcome_of(future: Future) -> Outcome:
        """The future's outcome, or an adapter error saying why the worker gave none."""
        from conformance.runner import Outcome

        error = future.exception()
        if error is None:
            return future.result()
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__, limit=12))
        return Outcome(adapter_error=f"the worker process gave no result:\n{text}"[-4000:])

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = ["WorkerPool", "available_cpus", "jobs_argument", "parse_jobs"]
