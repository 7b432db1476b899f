"""`python -m conformance`: check an implementation against the callback contract, clause by clause.

Exit status: 0 when every clause came out as its expectations file says (pass, or known failure), 1 on any
unexpected failure, unexpected pass, adapter error or check error, 2 on bad command-line input or a missing
implementation.
With `--callback MODULE:FACTORY` it checks a callback instead (conformance.callback_check): 0 when nothing was
found, 1 on findings, 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from conformance import hypothesis_profiles
from conformance.adapters import AdapterUnavailable, UnknownImplementation, get_adapter, implementation_names
from conformance.callback_check import cli as callback_cli
from conformance.expectations import ExpectationsError, load_expectations
from conformance.parallel import jobs_argument
from conformance.report import build_report, write_report
from conformance.runner import run_suite
from conformance.spec import PROFILES, SpecError, clause_ids, load_clauses, use_spec

MARK = {"pass": "ok", "xfail": "known", "fail": "FAIL", "xpass": "XPASS", "unchecked": "--", "error": "ERROR"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m conformance", description=__doc__.splitlines()[0])
    p.add_argument("--impl", default="refimpl",
                   help="implementation: NAME or NAME-BACKEND, e.g. refimpl, keras3-jax, keras3-torch, tf_keras "
                        "(default: refimpl; see --list-impls)")
    p.add_argument("--backend", default=None, help="backend for implementations that have several (keras3)")
    p.add_argument("--profile", default="keras3", help=f"contract profile: {', '.join(PROFILES)} (default keras3)")
    p.add_argument("--hypothesis-profile", default="ci", choices=hypothesis_profiles.PROFILE_NAMES,
                   help="hypothesis settings: ci (bounded, derandomized), dev, thorough (default ci)")
    p.add_argument("--report", metavar="DIR", default=None,
                   help="write DIR/<impl>-<profile>.json and rebuild DIR/index.html (the matrix)")
    p.add_argument("--expectations", metavar="FILE", default=None,
                   help="the implementation's known failures (default: conformance/expectations/<impl>.toml)")
    p.add_argument("--spec", metavar="DIR", default=None,
                   help="read the contract from DIR's *.toml files instead of conformance/spec/ (e.g. an edited copy)")
    p.add_argument("--no-shrink", action="store_true", help="skip the search for minimal failing scenarios")
    p.add_argument("--list-impls", action="store_true", help="list the known implementations and exit")
    p.add_argument("--list-clauses", action="store_true", help="list the clauses of --profile and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    p.add_argument("-j", "--jobs", default=1, type=jobs_argument, metavar="N",
                   help="run the scenarios in N worker processes, or 'auto' (one per CPU); the report is the "
                        "same as with -j 1 apart from timings (default 1)")
    callback_cli.add_arguments(p)
    return p


LEGEND = ("result: ok passed, known failed as the expectations file says, FAIL failed unexpectedly, XPASS passed "
          "although the expectations file lists it, -- never checked; failed/checked: the scenarios in which the "
          "clause failed, out of those that checked it")


def print_table(report: dict, out=None) -> None:
    out = out or sys.stdout
    width = max(len(r["id"]) for r in report["clauses"])
    print(f"{'result':>6}  {'clause':<{width}}  failed/checked  first failure", file=out)
    for r in report["clauses"]:
        line = f"{MARK[r['outcome']]:>6}  {r['id']:<{width}}  {r['failed']:>6}/{r['checked']:<7}"
        if r["outcome"] in ("fail", "xfail") and r["messages"]:
            line += "  " + r["messages"][0].splitlines()[0][:110]
        print(line.rstrip(), file=out)
    s = report["summary"]
    print(f"\n{report['impl']['impl']} {report['impl']['version']}, profile {report['profile']}: "
          f"{s['pass']} pass, {s['xfail']} known failures, {s['fail']} unexpected failures, "
          f"{s['xpass']} unexpected passes, {s['unchecked']} unchecked, {s['errors']} adapter errors, "
          f"{s['check_errors']} check errors; "
          f"{report['scenarios']} scenarios in {report['seconds']:.1f} s "
          f"({report['examples_per_second']} per second)", file=out)
    print(LEGEND, file=out)
    for w in report["warnings"]:
        print(f"warning: {w}", file=out)
    for e in [e for e in report["errors"] if e.get("kind", "adapter") == "adapter"][:3]:
        print(f"\nadapter error in {e['family']} scenario:\n{e['traceback']}", file=out)
    for e in [e for e in report["errors"] if e.get("kind") == "check"][:3]:
        where = f"the check of {e['clause']}" if e["clause"] else "the suite's model"
        print(f"\ncheck error: {where} raised in a {e['family']} scenario (a suite defect, not a verdict):\n"
              f"{e['traceback']}", file=out)


def module_version(adapter) -> str | None:
    """The implementation's own version string (`3.15.1`), for expectations limited to some releases."""
    try:
        return str(adapter.module().__version__)
    except Exception:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["env"]:  # environments of real releases: python -m conformance env {list,build,path}
        from conformance.harness import envs
        return envs.main(argv[1:])
    if argv[:1] == ["matrix"]:  # the compatibility matrix's stored reports: python -m conformance matrix build
        from conformance.matrix import build as matrix_build
        return matrix_build.main(argv[1:])
    args = parser().parse_args(argv)
    if args.callback:
        return callback_cli.run(args)
    try:
        if args.list_impls:
            for name in implementation_names():
                print(name)
            return 0
        if args.spec is not None:
            use_spec(args.spec)
        if args.profile not in PROFILES:
            raise SpecError(f"unknown profile {args.profile!r}; known profiles: {', '.join(PROFILES)}")
        if args.list_clauses:
            for c in load_clauses(args.profile):
                print(f"{c.id:<44} {c.kind:<12} {c.statement}")
            return 0
        adapter = get_adapter(args.impl, args.backend)
        if args.profile not in adapter.profiles:
            raise UnknownImplementation(f"{adapter.id} does not offer profile {args.profile!r}; it offers: "
                                        f"{', '.join(adapter.profiles)}")
        if getattr(adapter, "outside", None) and adapter.outside():  # a release that runs in its environment
            return adapter.run_inside(argv)
        adapter.module()
        names = getattr(adapter, "expectation_names", lambda: (adapter.id,))()
        release = getattr(adapter, "release_version", None)
        expected, warnings = load_expectations(names[0], clause_ids(),
                                               Path(args.expectations) if args.expectations else None,
                                               fallbacks=names[1:],
                                               release=release() if release else module_version(adapter))
    except (UnknownImplementation, AdapterUnavailable, SpecError, ExpectationsError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    run = run_suite(adapter, args.profile, args.hypothesis_profile, shrink=not args.no_shrink,
                    progress=None if args.quiet else sys.stderr, jobs=args.jobs)
    report = build_report(run, expected, warnings)
    print_table(report)
    if args.report:
        json_path, html_path = write_report(report, args.report)
        print(f"wrote {json_path} and {html_path}")
    return 0 if report["ok"] else 1


def run_cli(argv: Sequence[str] | None = None) -> int:
    """``main``, and a quiet exit when the reader of stdout goes away (``python -m conformance ... | head``)."""
    try:
        status = main(argv)
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        # Python would report the broken pipe again when it flushes stdout at exit: point stdout at devnull.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141 if os.name == "posix" else 1  # 128 + SIGPIPE, as a shell reports a command cut off by head


if __name__ == "__main__":
    sys.exit(run_cli())
