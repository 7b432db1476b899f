"""The suite's side of the harness protocol: start a harness process, send scenarios, check every reply.

A harness is trusted with nothing: every message is checked against the protocol (`conformance.harness.protocol`)
as it arrives. A malformed or out-of-order message, a gap in the event sequence, silence longer than the timeout,
or the process dying makes a `ProtocolError` naming the scenario; `run_scenarios` then kills that process, starts
a fresh one, and goes on with the next scenario.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.harness.protocol import PROTOCOL_VERSION, check_message

HARNESS_SCRIPT = Path(__file__).with_name("harness_main.py")
_EOF = object()


class ProtocolError(RuntimeError):
    """The harness broke the protocol (or hung, or died) while running `scenario`."""

    def __init__(self, scenario: str, detail: str):
        super().__init__(f"harness protocol error in scenario {scenario}: {detail}")
        self.scenario, self.detail = scenario, detail


@dataclass
class RunResult:
    """What the harness reported for one scenario: its events and call ends, or why there are none."""

    scenario: str
    status: str  # "ok" | "setup_error" | "protocol_error"
    calls: list[dict[str, Any]] = field(default_factory=list)  # per call: {"events": [...], "end": {...}}
    error: dict[str, Any] | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "status": self.status, "calls": self.calls, "error": self.error,
                "seconds": round(self.seconds, 3)}


class HarnessProcess:
    """One running harness.

    Args:
        argv: The command that starts it (default: this interpreter running `harness_main.py`).
        env: Its environment variables. Defaults to `None` (this process's).
        timeout: Seconds of silence after which the harness counts as hung. Defaults to `120`.
    """

    def __init__(self, argv: Sequence[str] | None = None, env: dict[str, str] | None = None,
                 timeout: float = 120.0):
        self.argv = list(argv) if argv else [sys.executable, str(HARNESS_SCRIPT)]
        self.env, self.timeout = env, timeout
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue = queue.Queue()
        self.stderr_tail: list[str] = []
        self.seq = 0
        self.hello: dict[str, Any] | None = None

    # ------------------------------------------------------------------------------------------ plumbing
    def _spawn(self) -> None:
        self.proc = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=self.env, text=True, encoding="utf-8",
                                     errors="replace", bufsize=1)
        self.lines = queue.Queue()
        self.stderr_tail = []
        self.seq = 0
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr, self.stderr_tail), daemon=True).start()

    @staticmethod
    def _read(stream, out: queue.Queue) -> None:
        for line in stream:
            out.put(line)
        out.put(_EOF)

    @staticmethod
    def _drain(stream, tail: list[str]) -> None:
        for line in stream:
            tail.append(line.rstrip("\n"))
            del tail[:-40]

    def _send(self, scenario: str, msg: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(msg) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError) as e:
            raise ProtocolError(scenario, f"the harness stopped reading its input ({e}){self._exit_note()}") from e

    def _exit_note(self) -> str:
        if self.proc is None:
            return ""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return ""
        time.sleep(0.05)  # let the stderr reader catch up
        tail = "\n".join("    " + s for s in self.stderr_tail[-8:])
        return f"; it exited with code {code}" + (f"; its last stderr lines:\n{tail}" if tail else "")

    def recv(self, scenario: str, deadline: float | None = None) -> dict[str, Any]:
        """The next message, checked; raises ProtocolError on silence, exit, or a malformed message."""
        wait = self.timeout if deadline is None else max(0.0, min(self.timeout, deadline - time.monotonic()))
        try:
            line = self.lines.get(timeout=wait)
        except queue.Empty:
            raise ProtocolError(scenario, f"no message for {wait:.1f} s: the harness hangs") from None
        if line is _EOF:
            raise ProtocolError(scenario, "the harness closed its output before finishing" + self._exit_note())
        try:
            msg = json.loads(line)
        except ValueError:
            raise ProtocolError(scenario, f"malformed message (not JSON): {line.strip()[:200]!r}") from None
        problem = check_message(msg)
        if problem:
            raise ProtocolError(scenario, f"malformed message ({problem}): {line.strip()[:200]!r}")
        if msg["type"] == "fatal":
            raise ProtocolError(scenario, f"the harness gave up: {msg.get('message')}" + self._exit_note())
        return msg

    # ------------------------------------------------------------------------------------------ protocol
    def start(self, module: str, name: str | None = None, dependencies: Iterable[str] = (),
              distribution: str | None = None) -> dict[str, Any]:
        """Start the process and say `start`; returns the harness's description of the implementation."""
        self._spawn()
        self._send("<start>", {"type": "start", "protocol": PROTOCOL_VERSION, "module": module, "name": name,
                               "dependencies": list(dependencies), "distribution": distribution or name})
        msg = self.recv("<start>")
        if msg["type"] != "hello":
            raise ProtocolError("<start>", f"expected hello, got {msg['type']}")
        if msg["protocol"] != PROTOCOL_VERSION:
            raise ProtocolError("<start>", f"the harness speaks protocol {msg['protocol']}, the suite "
                                           f"{PROTOCOL_VERSION}")
        self.hello = msg["implementation"]
        return self.hello

    def run(self, sid: str, scenario: dict[str, Any], timeout: float | None = None) -> RunResult:
        """Run one concrete scenario (see `conformance.harness.scenarios.concrete`); checks every reply.

        Raises:
            ProtocolError: If the harness breaks the protocol, hangs past `timeout` or dies.
        """
        started = time.monotonic()
        deadline = started + (timeout or self.timeout * 4)
        n_calls = len(scenario["calls"])
        recorders = [len(c["recorders"]) for c in scenario["calls"]]
        self._send(sid, {"type": "run", "id": sid, "scenario": scenario})
        calls: list[dict[str, Any]] = [{"events": [], "end": None} for _ in range(n_calls)]
        current = 0
        while True:
            if time.monotonic() > deadline:
                raise ProtocolError(sid, f"the scenario did not finish within {timeout or self.timeout * 4:.0f} s")
            msg = self.recv(sid, deadline)
            kind = msg["type"]
            if msg.get("id") != sid:
                raise ProtocolError(sid, f"out-of-order {kind} message for scenario {msg.get('id')!r}")
            if kind == "setup_error":
                if current:
                    raise ProtocolError(sid, "setup_error after calls had run")
                return RunResult(sid, "setup_error", error=msg["error"], seconds=time.monotonic() - started)
            if kind == "done":
                if current != n_calls or msg["calls"] != n_calls:
                    raise ProtocolError(sid, f"done after {current} of {n_calls} call_end messages "
                                             f"(a dropped message?)")
                return RunResult(sid, "ok", calls, seconds=time.monotonic() - started)
            if current >= n_calls:
                raise ProtocolError(sid, f"{kind} message after the last call ended")
            if msg["call"] != current:
                raise ProtocolError(sid, f"{kind} message for call {msg['call']} while call {current} runs "
                                         f"(out of order, or a call_end was dropped)")
            if kind == "event":
                if msg["seq"] != self.seq:
                    raise ProtocolError(sid, f"event seq {msg['seq']} where {self.seq} was due: "
                                             f"{'a dropped message' if msg['seq'] > self.seq else 'out of order'}")
                self.seq += 1
                if not 0 <= msg["recorder"] < recorders[current]:
                    raise ProtocolError(sid, f"event from recorder {msg['recorder']}; call {current} has "
                                             f"{recorders[current]}")
                calls[current]["events"].append(msg)
            elif kind == "call_end":
                calls[current]["end"] = msg
                current += 1
            else:
                raise ProtocolError(sid, f"unexpected {kind} message during a scenario")

    def stop(self) -> None:
        """Say `stop`, wait for `bye` briefly, and make sure the process is gone."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self._send("<stop>", {"type": "stop"})
                msg = self.recv("<stop>", time.monotonic() + 10)
                if msg["type"] != "bye":
                    raise ProtocolError("<stop>", f"expected bye, got {msg['type']}")
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for s in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
                try:
                    s.close()
                except OSError:
                    pass
            self.proc = None


def run_scenarios(make: Any, module: str, scenarios: Sequence[tuple[str, dict[str, Any]]],
                  name: str | None = None, dependencies: Iterable[str] = (), progress=None, jobs: int = 1
                  ) -> tuple[dict[str, Any] | None, list[RunResult]]:
    """Run `scenarios` ((id, concrete scenario) pairs) on harnesses made by `make()`.

    A protocol error is recorded for its scenario; the process is replaced and the run goes on.

    Args:
        jobs: How many harness processes run at once (scenarios are dealt round-robin). Defaults to `1`.

    Returns:
        The implementation's description (from hello; `None` if no harness ever started) and one result per
        scenario, in the order given.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if jobs == 1 or len(scenarios) < 2:
        return _run_serial(make, module, scenarios, name, list(dependencies), progress)
    shards = [list(scenarios[i::jobs]) for i in range(min(jobs, len(scenarios)))]
    with ThreadPoolExecutor(len(shards)) as pool:
        done = list(pool.map(lambda shard: _run_serial(make, module, shard, name, list(dependencies), progress),
                             shards))
    by_id = {r.scenario: r for _, results in done for r in results}
    ordered = [by_id[sid] for sid, _ in scenarios]
    ordered += [r for _, results in done for r in results if r.scenario == "<stop>"]
    hello = next((h for h, _ in done if h is not None), None)
    return hello, ordered


def _run_serial(make: Any, module: str, scenarios: Sequence[tuple[str, dict[str, Any]]], name: str | None,
                deps: list[str], progress) -> tuple[dict[str, Any] | None, list[RunResult]]:
    results: list[RunResult] = []
    hello = None
    harness: HarnessProcess | None = None
    for sid, scenario in scenarios:
        t0 = time.monotonic()
        try:
            if harness is None:
                harness = make()
                hello = harness.start(module, name, deps)
            result = harness.run(sid, scenario)
        except ProtocolError as e:
            result = RunResult(sid, "protocol_error", error={"message": str(e), "detail": e.detail},
                               seconds=time.monotonic() - t0)
            if harness is not None:
                harness.kill()
            harness = None
        results.append(result)
        if progress is not None:
            print(f"  {sid}: {result.status} ({result.seconds:.1f} s)", file=progress)
    if harness is not None:
        try:
            harness.stop()
        except ProtocolError as e:
            results.append(RunResult("<stop>", "protocol_error", error={"message": str(e), "detail": e.detail}))
    return hello, results


def local_harness(timeout: float = 120.0, extra_path: str | None = None) -> HarnessProcess:
    """A harness in this interpreter (refimpl's dialects), with the project importable."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, extra_path, env.get("PYTHONPATH")) if p)
    return HarnessProcess([sys.executable, str(HARNESS_SCRIPT)], env=env, timeout=timeout)
