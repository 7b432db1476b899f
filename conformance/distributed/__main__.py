"""`python -m conformance.distributed --report DIR`: measure Keras's own distribution and write one report per run.

    python -m conformance.distributed --report DIR [--keras3-python P] [--tf-keras-python P] [--kill-trials N]
        [--tf-kill-trials N] [--work WORKDIR] [--timeout S]

Writes DIR/<impl>-<profile>.json (conformance/REPORT_SCHEMA.md) for keras3-jax-dp4 and keras3-jax-2proc (with
--keras3-python), tf_keras-mirrored and tf_keras-mwms (with --tf-keras-python), and refimpl-simulated (always),
then rebuilds DIR/index.html and DIR/report.json. Exit status 0 when every clause came out as the expectations
say, 1 otherwise, 2 on bad input. Every process started is gone when it returns.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import tempfile
from pathlib import Path

from conformance.distributed import report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m conformance.distributed", description=__doc__.splitlines()[0])
    p.add_argument("--report", metavar="DIR", required=True, help="where the reports are written")
    p.add_argument("--keras3-python", metavar="PYTHON", help="a Python with keras==3.15.1 and jax")
    p.add_argument("--tf-keras-python", metavar="PYTHON", help="a Python with tensorflow and tf-keras 2.21")
    p.add_argument("--kill-trials", type=int, default=5, metavar="N",
                   help="kill trials on the 2-process Keras 3 run (0 to 5, default 5)")
    p.add_argument("--tf-kill-trials", type=int, default=2, metavar="N",
                   help="kill trials on tf-keras's MultiWorkerMirroredStrategy run (0 to 2, default 2)")
    p.add_argument("--work", metavar="DIR", default=None, help="where the processes write (default: a temp dir)")
    p.add_argument("--timeout", type=float, default=240.0, help="seconds per measurement (default 240)")
    args = p.parse_args(argv)
    if not 0 <= args.kill_trials <= 5:
        p.error(f"--kill-trials must be between 0 and 5, got {args.kill_trials}")
    if not 0 <= args.tf_kill_trials <= 2:
        p.error(f"--tf-kill-trials must be between 0 and 2, got {args.tf_kill_trials}")
    for flag in ("keras3_python", "tf_keras_python"):
        value = getattr(args, flag)
        if value is not None and not Path(value).is_file():
            p.error(f"--{flag.replace('_', '-')}: {value!r} is not a file")

    # SIGTERM unwinds like an exception, so the harness's cleanup kills every process group it started.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    from conformance.distributed.harness import measure, measure_tf_keras
    from conformance.distributed.kill import TF_TRIALS, TRIALS, kill_trials
    from conformance.distributed.simulated import measure_simulated

    measured: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kcc-dist-") as tmp:
        work = Path(args.work or tmp)
        measured["simulated"] = measure_simulated(work / "sim")
        if args.keras3_python:
            measured["keras3"] = measure(args.keras3_python, work / "keras3", args.timeout)
            if args.kill_trials:
                measured["kill"] = kill_trials(args.keras3_python, work / "kill", TRIALS[:args.kill_trials])
        if args.tf_keras_python:
            measured["tf_keras"] = measure_tf_keras(args.tf_keras_python, work / "tf_keras", args.timeout)
            if args.tf_kill_trials:
                measured["tf_kill"] = kill_trials(args.tf_keras_python, work / "tf_kill",
                                                  TF_TRIALS[:args.tf_kill_trials], kind="tf")
    paths = report.reports_from(measured, args.report)
    reports = [json.loads(p.read_text()) for p in paths]
    for path in paths:
        print(path)
    for r in reports:
        s = r["summary"]
        print(f"{r['impl']['impl']}: {s['pass']} pass, {s['xfail']} known failures, {s['fail']} unexpected failures, "
              f"{s['xpass']} unexpected passes, {s['unchecked']} not applicable ({r['seconds']} s)")
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
