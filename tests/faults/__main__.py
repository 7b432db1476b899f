"""``python -m tests.faults --trials N [--seed S] [--out FILE]``: run kill-and-resume trials, print a summary.

Exits with status 1 when any trial found a corrupt file, a resume that failed or differed, or a CSV problem.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .harness import run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=50, help="number of kill-and-resume trials (default 50)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill moments (default 0)")
    parser.add_argument("--out", help="also write the summary as JSON to this file (e.g. bench/results/faults.json)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print only the summary")
    args = parser.parse_args(argv)
    if args.trials < 1:
        parser.error(f"--trials must be at least 1; got {args.trials}")
    summary = run(args.trials, seed=args.seed, verbose=not args.quiet)
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    bad = summary["corrupt_files"] + summary["resume_errors"] + summary["resume_mismatches"] + summary["csv_problems"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
