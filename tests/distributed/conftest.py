"""Every process a distributed test starts is gone when the test ends, also when the test fails.

The probes are given paths under the session's base temporary directory, so any process whose command line names
that directory was started by these tests; after each test, none may be left (zombies excepted: they run nothing).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest


def processes_with(text: str) -> list[tuple[int, str]]:
    """(pid, command line) of every live, non-zombie process whose command line contains `text`, except this one."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(") ", 1)[1][:1]
        except (OSError, IndexError):
            continue  # ended while we looked
        if text in cmdline and state != "Z":
            found.append((int(entry.name), cmdline.strip()))
    return found


def processes_left(text: str, within: float = 5.0) -> list[tuple[int, str]]:
    """`processes_with(text)` once the kernel has had up to `within` seconds to finish the processes it is killing
    (a SIGKILLed grandchild can still be listed for a moment on a loaded machine): what is left then survived."""
    deadline = time.monotonic() + within
    while (left := processes_with(text)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


@pytest.fixture(autouse=True)
def no_process_left(tmp_path_factory):
    yield
    left = processes_left(str(tmp_path_factory.getbasetemp()))
    assert not left, f"processes started by the test are still running: {left}"


# The live measurements of this session, by kind: "keras3" (harness.measure), "kill" (kill.kill_trials),
# "tf_keras" (harness.measure_tf_keras), "tf_kill" (kill.kill_trials(kind="tf")), "simulated". With
# KCC_DISTRIBUTED_REPORT=DIR, the session ends by writing them as conformance reports into DIR
# (conformance.distributed.report), as python -m conformance.distributed --report DIR would, without measuring again.
MEASURED: dict[str, dict] = {}
REPORT_ENV = "KCC_DISTRIBUTED_REPORT"


def _spool(session) -> Path:
    """A folder that every process of this pytest session shares: with pytest-xdist, the measurements are made in
    several workers, and each report needs all of its measurements (keras3-jax-2proc: "keras3" and "kill")."""
    base = session.config._tmp_path_factory.getbasetemp()
    if base.name.startswith("popen-gw"):  # an xdist worker's own folder inside the session's
        base = base.parent
    return base / "kcc-distributed-measurements"


def pytest_sessionfinish(session, exitstatus):
    directory = os.environ.get(REPORT_ENV)
    if not directory:
        return
    spool = _spool(session)
    spool.mkdir(parents=True, exist_ok=True)
    for kind, measurement in MEASURED.items():
        (spool / f"{kind}.json.tmp").write_text(json.dumps(measurement))
        os.replace(spool / f"{kind}.json.tmp", spool / f"{kind}.json")
    measured = {p.name[:-len(".json")]: json.loads(p.read_text()) for p in spool.glob("*.json")}
    if not measured:
        return
    from conformance.distributed.report import reports_from

    for path in reports_from(measured, directory):  # the last process to finish writes them complete
        print(f"\ndistributed report: {path}")
