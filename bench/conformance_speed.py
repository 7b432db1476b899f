"""How much `python -m conformance -j N` gains over `-j 1`, side by side: ``python bench/conformance_speed.py``.

A ratio, not an absolute time (the machine varies): the wall time of one implementation's `ci` run with one process
against the same run with N worker processes (`-j auto`: one per CPU), and the reports must agree (same
scenarios, same verdicts). Live Keras 3 is measured with ``--impl keras3-jax --python PATH`` (a Python with
Keras 3 and jax); the default is refimpl. Results go to bench/results/conformance_speed.json; the exit status is
non-zero when the target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# With 2 or more CPUs, N workers must at least make the run this many times faster than one process.
TARGETS = {"speedup_with_2_cpus": 1.5}
TIMINGS = ("seconds", "finished", "examples_per_second")


def run(python: str, impl: str, jobs: str, out: Path) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if impl.startswith("keras3-"):
        env["KERAS_BACKEND"] = impl.split("-", 1)[1]
    t0 = time.monotonic()
    subprocess.run([python, "-m", "conformance", "--impl", impl, "-q", "-j", jobs, "--report", str(out)],
                   cwd=ROOT, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.monotonic() - t0
    report = json.loads(next(p for p in out.glob("*.json") if p.name != "report.json").read_text())
    for key in TIMINGS:
        report.pop(key)
    for phase in report["phases"].values():
        phase.pop("seconds")
    return seconds, report


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", default="refimpl")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "conformance_speed.json"))
    args = ap.parse_args(argv)
    from conformance.parallel import available_cpus

    with tempfile.TemporaryDirectory() as tmp:
        serial, serial_report = run(args.python, args.impl, "1", Path(tmp) / "serial")
        parallel, parallel_report = run(args.python, args.impl, "auto", Path(tmp) / "parallel")
    cpus = available_cpus()
    result = {"impl": args.impl, "cpus": cpus, "targets": TARGETS, "serial_seconds": round(serial, 2),
              "parallel_seconds": round(parallel, 2), "speedup": round(serial / parallel, 3),
              "same_report": serial_report == parallel_report, "scenarios": serial_report["scenarios"]}
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    missed = not result["same_report"] or (cpus >= 2 and result["speedup"] < TARGETS["speedup_with_2_cpus"])
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
