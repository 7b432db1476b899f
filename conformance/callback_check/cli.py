"""``python -m conformance --callback module:factory``: the command-line side of the callback check."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from conformance.adapters import AdapterUnavailable, UnknownImplementation, get_adapter
from conformance.callback_check.checker import check_callback
from conformance.callback_check.subject import TargetError, resolve_target
from conformance.callback_check.worker import WorkerError


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of the callback check, added to ``python -m conformance``'s parser."""
    g = p.add_argument_group("callback check (--callback)")
    g.add_argument("--callback", metavar="MODULE:FACTORY", action="append", default=None,
                   help="check a callback instead of a loop: the factory makes it (it may take `workdir` and "
                        "`keras`); repeat for several. Runs on --impl (default refimpl)")
    g.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                   help="time for one callback (default 20 on refimpl, 300 on a live implementation)")
    g.add_argument("--run-timeout", type=float, default=None, metavar="SECONDS",
                   help="a run that takes longer is killed and reported as a hang (default 5 on refimpl, 60 live)")
    g.add_argument("--max-examples", type=int, default=None, metavar="N",
                   help="generated runs at most (default: ci 300, dev 600, thorough 3000)")
    g.add_argument("--jit", action="store_true",
                   help="on a live implementation, compile the runs' step functions (default: run_eagerly=True, "
                        "as every run builds a new model)")


def run(args: argparse.Namespace) -> int:
    """Check every ``--callback``; print each report. Exit status 0 (nothing found), 1 (findings), 2 (bad input)."""
    try:
        get_adapter(args.impl, args.backend)
        for target in args.callback:
            resolve_target(target)
        for name, value in (("--budget", args.budget), ("--run-timeout", args.run_timeout),
                            ("--max-examples", args.max_examples)):
            if value is not None and value <= 0:
                raise TargetError(f"{name} must be a positive number; got {value}")
    except (UnknownImplementation, TargetError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    impl = get_adapter(args.impl, args.backend).id
    status = 0
    reports = []
    for target in args.callback:
        try:
            report = check_callback(target, impl, hypothesis_profile=args.hypothesis_profile, budget=args.budget,
                                    run_timeout=args.run_timeout, max_examples=args.max_examples,
                                    shrink=not args.no_shrink, eager=False if args.jit else None,
                                    progress=None if args.quiet else lambda line: print(line, file=sys.stderr))
        except (WorkerError, AdapterUnavailable) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(report.format())
        reports.append(report.to_dict())
        if report.errors:
            status = 2 if status != 1 else status
        elif report.findings:
            status = 1
    if args.report:
        out = Path(args.report)
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"callbacks-{impl}.json"
        path.write_text(json.dumps(reports, indent=1))
        print(f"wrote {path}")
    return status


__all__ = ["add_arguments", "run"]
