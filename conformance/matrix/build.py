"""`python -m conformance matrix {build,list,compare}`: run the matrix's rows and keep their stored reports.

    python -m conformance matrix build                      # every row of rows.toml, into conformance/matrix/reports/
    python -m conformance matrix build --rows keras-1.2.2   # some rows
    python -m conformance matrix build --check              # rebuild into a temporary directory and compare
    python -m conformance matrix build -j auto              # each run's scenarios in one worker per CPU
    python -m conformance matrix list                       # the rows and whether they can run here
    python -m conformance matrix compare DIR_A DIR_B        # two directories of stored reports
    python -m conformance matrix reclassify                 # re-apply the expectations files to stored reports

Each row and profile is one `python -m conformance --impl IMPL --profile P --hypothesis-profile ci --no-shrink`
run, in the row's interpreter (in-process adapters) or in this one (harness environments, built or reused by
`conformance.harness.envs` first). `ci` is derandomized and `--no-shrink` leaves out the time-bounded search for
smaller failing scenarios, so the same code and the same releases give the same stored report.
A row whose environment or interpreter is missing here is reported as skipped, with the reason, and its stored
reports are left as they are.

Exit status: 0 when every row that could run here ran (and, with `--check`, matches its stored reports);
1 when a run failed or (`--check`) a report differs; 2 on bad input (an unknown row, a malformed rows.toml).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from conformance import matrix as mx
from conformance.parallel import jobs_argument

REPO_ROOT = mx.HERE.parents[1]
RUN_TIMEOUT = 3 * 3600
VERSION_PROBE = ("import json, sys\n"
                 "try:\n    import importlib.metadata as md\nexcept ImportError:\n    md = None\n"
                 "out = {'python': '%d.%d.%d' % tuple(sys.version_info[:3])}\n"
                 "for name in sys.argv[1:]:\n"
                 "    try:\n        out[name] = md.version(name)\n"
                 "    except Exception:\n        out[name] = None\n"
                 "print(json.dumps(out))\n")


@dataclass
class Result:
    """What happened to one row and profile."""

    row: mx.Row
    profile: str
    state: str  # "ran", "skipped" (cannot run here), "failed" (ran, but wrote no report)
    seconds: float = 0.0
    message: str = ""
    stored: dict | None = None
    change: str = ""  # build mode: "new", "unchanged", "changed"


class Skip(Exception):
    """The row cannot run here; the message says why and what to do."""


def interpreter(row: mx.Row) -> str:
    """The interpreter that runs the suite for `row`."""
    if row.env or not (row.python or row.python_var):
        return sys.executable
    if row.python_var and os.environ.get(row.python_var):
        path = os.environ[row.python_var]
    else:
        if not row.python:
            raise Skip(f"no interpreter: set {row.python_var} to the python of an environment with the release")
        path = os.path.expanduser(os.path.expandvars(row.python))
        if not os.path.isabs(path):  # relative to the checkout, where .ci/run makes its environments
            path = str(mx.HERE.parent.parent / path)
    if not Path(path).exists():
        how = f" (or set {row.python_var})" if row.python_var else ""
        raise Skip(f"no interpreter at {path}{how}; make that environment as .ci/run does")
    return path


def probe_versions(command: list[str], packages: tuple[str, ...], environ: dict[str, str]) -> dict[str, str]:
    """The Python version of the interpreter `command` starts, and the installed version of each of `packages`."""
    done = subprocess.run([*command, "-c", VERSION_PROBE, *packages], capture_output=True, text=True,
                          env=environ, timeout=300)
    if done.returncode != 0:
        raise Skip(f"{command[0]} cannot report its versions: {done.stderr.strip().splitlines()[-1:]}")
    return {k: v for k, v in json.loads(done.stdout.strip().splitlines()[-1]).items() if v is not None}


def prepare(row: mx.Row, out) -> tuple[str, dict[str, str], dict[str, str]]:
    """(interpreter, process environment, versions) for the row's runs; builds its harness environment.

    Raises:
        Skip: If the row's environment cannot be built here or its interpreter is missing.
    """
    environ = dict(os.environ)
    environ.update(row.environ)
    environ["PYTHONPATH"] = str(REPO_ROOT) + (os.pathsep + environ["PYTHONPATH"] if environ.get("PYTHONPATH") else "")
    python = interpreter(row)
    versions: dict[str, str] = {}
    if row.env:
        from conformance.harness import envs

        try:
            env = envs.build(row.env, out=out)
        except envs.EnvError as e:
            raise Skip(f"environment {row.env} cannot be built here: {e}") from e
        info = {k: str(v) for k, v in env.info.items() if k != "file" and v is not None}
        if "version" in info:  # the release's own version, under its module's name
            info[env.recipe.module] = info.pop("version")
        if getattr(env.recipe, "runner", "harness") != "harness":
            # a release whose suite runs inside its own environment (`--impl` re-runs itself there): its
            # interpreter is the one that runs the suite
            versions.update(info)
            versions.update(probe_versions(env.command(), ("hypothesis", *row.packages), env.environ()))
            return python, environ, versions
        info["release python"] = info.pop("python", "")
        versions.update(info)
    versions.update(probe_versions([python], tuple(dict.fromkeys(("hypothesis", *row.packages))), environ))
    return python, environ, versions


def run_one(row: mx.Row, profile: str, python: str, environ: dict[str, str], versions: dict[str, str],
            work: Path, log_dir: Path, jobs: int = 1) -> Result:
    """Run the suite for one row and profile; the stored report is in the result (not written yet).

    `jobs` > 1 runs the scenarios in that many worker processes, which gives the same report (`-j`).
    """
    out_dir = work / f"{row.id}--{profile}"
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = [python, "-m", "conformance", "-q", "--impl", row.run_impl, "--profile", profile,
           "--hypothesis-profile", "ci", "--no-shrink", "--report", str(out_dir), *row.args]
    if jobs > 1:
        cmd += ["-j", str(jobs)]
    log_path = log_dir / f"{row.id}--{profile}.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        log.write("$ " + " ".join(cmd) + "\n")
        log.flush()
        try:
            done = subprocess.run(cmd, cwd=REPO_ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT,
                                  timeout=RUN_TIMEOUT)
            code = done.returncode
        except subprocess.TimeoutExpired:
            code = None
    seconds = time.monotonic() - started
    reports = [p for p in out_dir.glob("*.json") if p.name != "report.json"] if out_dir.exists() else []
    if code not in (0, 1) or len(reports) != 1:
        tail = " | ".join(log_path.read_text().strip().splitlines()[-3:])
        why = "timed out" if code is None else f"exit {code}"
        return Result(row, profile, "failed", seconds, f"{why}, no report ({tail}); log: {log_path}")
    full = json.loads(reports[0].read_text())
    shutil.copyfile(reports[0], log_dir / f"{row.id}--{profile}.report.json")  # the whole report, beside the log
    stored = mx.stored_report(full, row, profile, versions)
    return Result(row, profile, "ran", seconds, summary_text(stored), stored)


def summary_text(stored: dict) -> str:
    s = stored["summary"]
    text = (f"{s['pass']} pass, {s['xfail']} known failures, {s['fail']} unexpected failures, {s['xpass']} "
            f"unexpected passes, {s['unchecked']} unchecked")
    if s.get("errors") or s.get("check_errors"):
        text += f", {s['errors']} adapter errors, {s['check_errors']} check errors"
    return text


def run_rows(rows: list[mx.Row], work: Path, log_dir: Path, out=sys.stdout,
             store: Path | None = None, jobs: int = 1) -> list[Result]:
    """Run every row and profile, printing a line (with its time) per run; skips are results too.

    With `store`, each stored report is written there as soon as its run is done.
    """
    from conformance.spec import PROFILES

    results: list[Result] = []
    for row in rows:
        started = time.monotonic()
        try:
            python, environ, versions = prepare(row, out)
        except Skip as e:
            for profile in row.profiles:
                results.append(Result(row, profile, "skipped", 0.0, str(e)))
                print(f"SKIPPED {row.id} / {profile}: {e}", file=out, flush=True)
            continue
        prep = time.monotonic() - started
        for profile in row.profiles:
            if profile not in PROFILES:
                r = Result(row, profile, "skipped", 0.0,
                           f"profile {profile!r} is not in this checkout's spec (profiles: {', '.join(PROFILES)})")
            else:
                print(f"running {row.id} / {profile} ...", file=out, flush=True)
                r = run_one(row, profile, python, environ, versions, work, log_dir, jobs)
            results.append(r)
            if store is not None:
                write_stored([r], store)
            if r.state == "skipped":
                print(f"SKIPPED {row.id} / {profile}: {r.message}", file=out, flush=True)
                continue
            label = {"ran": "done", "failed": "FAILED"}[r.state]
            print(f"{label} {row.id} / {profile}: {r.seconds:.1f} s"
                  + (f" (+{prep:.1f} s environment)" if prep >= 1 and profile == row.profiles[0] else "")
                  + f" — {r.message}", file=out, flush=True)
    return results


def write_stored(results: list[Result], directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for r in results:
        if r.stored is None:
            continue
        path = directory / mx.report_name(r.row.id, r.profile)
        text = mx.dumps(r.stored)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        r.change = "new" if old is None else ("unchanged" if old == text else "changed")
        if old != text:
            tmp = path.with_suffix(".json.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)


def compare_dirs(stored_dir: Path, fresh_dir: Path, names: list[str] | None = None) -> list[str]:
    """Differences between stored reports (files `names`, default all in either directory), one line each."""
    if names is None:
        names = sorted({p.name for d in (stored_dir, fresh_dir) for p in d.glob("*.json")})
    diffs = []
    for name in names:
        label = name[:-5].replace("--", " / ", 1)
        a, b = stored_dir / name, fresh_dir / name
        if not a.exists():
            diffs.append(f"{label}: no stored report in {stored_dir}")
            continue
        if not b.exists():
            diffs.append(f"{label}: not rebuilt")
            continue
        old, new = json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8"))
        diffs += [f"{label}: {d}" for d in mx.compare(old, new)]
        if not mx.compare(old, new) and a.read_bytes() != b.read_bytes():
            diffs.append(f"{label}: same content, different bytes (regenerate the stored report)")
    return diffs


def print_summary(results: list[Result], out=sys.stdout) -> None:
    if not results:
        return
    width = max(len(f"{r.row.id} / {r.profile}") for r in results)
    print(f"\n{'row / profile':<{width}}  {'seconds':>8}  result", file=out)
    for r in results:
        what = {"ran": r.change or "ran", "skipped": "SKIPPED", "failed": "FAILED"}[r.state]
        detail = r.message if r.state != "ran" else r.message
        print(f"{r.row.id + ' / ' + r.profile:<{width}}  {r.seconds:>8.1f}  {what}: {detail}", file=out)
    total = sum(r.seconds for r in results)
    skipped = [r for r in results if r.state == "skipped"]
    print(f"{len(results)} row/profile runs, {total:.0f} s in the suite"
          + (f"; {len(skipped)} skipped (not run here, see above)" if skipped else ""), file=out)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m conformance matrix", description=__doc__.splitlines()[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n")[1])
    sub = p.add_subparsers(dest="action", required=True)
    b = sub.add_parser("build", help="run the rows and write (or, with --check, compare) their stored reports")
    b.add_argument("--check", action="store_true",
                   help="rebuild into a temporary directory and compare with the stored reports (exit 1 on a "
                        "difference, naming row and clause)")
    b.add_argument("--log-dir", metavar="DIR", default=None,
                   help="where each run's output and whole report (scenarios, snippets) go (default: a temporary "
                        "directory, kept when a run fails)")
    b.add_argument("-j", "--jobs", default=1, type=jobs_argument, metavar="N",
                   help="run each row's scenarios in N worker processes, or 'auto' (one per CPU); the stored "
                        "reports are the same as with -j 1 (default 1)")
    for s in (b, sub.add_parser("list", help="the rows, and whether each can run here")):
        s.add_argument("--rows-file", metavar="FILE", default=str(mx.ROWS_FILE), help="default: the matrix's rows.toml")
    r = sub.add_parser("reclassify", help="re-apply today's expectations files to the stored reports' verdicts "
                                         "(no run)")
    r.add_argument("--rows-file", metavar="FILE", default=str(mx.ROWS_FILE), help="default: the matrix's rows.toml")
    for s in (b, r):
        s.add_argument("--rows", nargs="+", metavar="ID", help="only these rows (default: every row)")
        s.add_argument("--reports", metavar="DIR", default=str(mx.REPORTS_DIR),
                       help="the stored reports' directory (default conformance/matrix/reports)")
    c = sub.add_parser("compare", help="compare two directories of stored reports (exit 1 on a difference)")
    c.add_argument("stored", metavar="DIR_A")
    c.add_argument("fresh", metavar="DIR_B")
    args = p.parse_args(argv)

    if args.action == "compare":
        diffs = compare_dirs(Path(args.stored), Path(args.fresh))
        for d in diffs:
            print(d)
        print(f"{len(diffs)} difference(s)" if diffs else "no differences")
        return 1 if diffs else 0
    try:
        rows = mx.load_rows(args.rows_file)
        if args.action == "list":
            return list_rows(rows)
        rows = mx.select(rows, args.rows)
        if args.action == "reclassify":
            return reclassify(rows, Path(args.reports))
    except mx.MatrixError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    missing = [m for m in ("numpy", "h5py", "hypothesis") if importlib.util.find_spec(m) is None]
    if missing:  # the harness rows and refimpl's row run the suite in this interpreter
        print(f"error: this Python ({sys.executable}) lacks {', '.join(missing)}, which the suite needs: run the "
              "matrix from the project's virtualenv (pip install -e .)", file=sys.stderr)
        return 2
    stored_dir = Path(args.reports)
    with tempfile.TemporaryDirectory(prefix="kcc-matrix-") as tmp:
        work = Path(tmp) / "runs"
        log_dir = Path(args.log_dir) if args.log_dir else Path(tempfile.mkdtemp(prefix="kcc-matrix-logs-"))
        log_dir.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        fresh = Path(tmp) / "fresh"
        results = run_rows(rows, work, log_dir, store=fresh if args.check else stored_dir, jobs=args.jobs)
        failed = [r for r in results if r.state == "failed"]
        if args.check:
            names = [mx.report_name(r.row.id, r.profile) for r in results if r.state == "ran"]
            diffs = compare_dirs(stored_dir, fresh, names)
            for r in results:
                r.change = "rebuilt" if r.state == "ran" else r.change
            print_summary(results)
            print(f"whole build: {time.monotonic() - started:.0f} s")
            for d in diffs:
                print(f"DIFFERENT {d}")
            print(f"--check: {len(names)} stored report(s) compared, "
                  + (f"{len(diffs)} difference(s)" if diffs else "all identical"))
            if any(": versions: " in d for d in diffs):
                print("--check: some runs used other versions than those that wrote the stored reports; "
                      "conformance/matrix/constraints.txt pins them (pip install -c conformance/matrix/"
                      "constraints.txt ...)")
            unchecked = [f"{r.row.id} / {r.profile}" for r in results if r.state != "ran"]
            if unchecked:
                print(f"--check: not compared (not rebuilt here): {', '.join(unchecked)}")
        else:
            diffs = []
            print_summary(results)
            print(f"whole build: {time.monotonic() - started:.0f} s; stored reports in {stored_dir}")
        wanted = {mx.report_name(r.id, p) for r in mx.load_rows(args.rows_file) for p in r.profiles}
        stale = sorted(p.name for p in stored_dir.glob("*.json") if p.name not in wanted)
        if stale:
            print(f"stored reports that no row of {args.rows_file} produces (the docs still show them; delete "
                  f"them if the row or profile is gone): {', '.join(stale)}")
        if not failed and not args.log_dir:
            shutil.rmtree(log_dir, ignore_errors=True)
        elif failed:
            print(f"logs of the runs: {log_dir}")
    return 1 if failed or diffs else 0


def expectation_names(row: mx.Row) -> tuple[str, ...]:
    """The expectations files a row's runs read, first found wins (as `python -m conformance` picks them)."""
    if row.env:
        from conformance.harness import envs

        return tuple(n for n in (row.env, envs.recipe(row.env).expectations) if n)
    return (row.run_impl,)


def reclassify(rows: list[mx.Row], directory: Path, out=sys.stdout) -> int:
    """Re-derive each stored report's outcomes from its verdicts and today's expectations files, without running.

    A verdict (failed / checked counts, evidence) only comes from a run; whether a failure was expected, and its
    reason, come from the expectations file. After an expectations file changes, this brings the stored reports
    up to date; `matrix build --check` then proves a rebuild gives the same files.
    """
    from conformance.expectations import load_expectations
    from conformance.report import OUTCOMES, outcome, unexpected
    from conformance.spec import clause_ids

    changed = 0
    for row in rows:
        for profile in row.profiles:
            path = directory / mx.report_name(row.id, profile)
            if not path.exists():
                continue
            stored = json.loads(path.read_text(encoding="utf-8"))
            names = expectation_names(row)
            expected, _ = load_expectations(names[0], clause_ids(), fallbacks=names[1:], release=row.release)
            for c in stored["clauses"]:
                c["outcome"], c["reason"] = outcome(c["status"], expected.get(c["id"])), expected.get(c["id"])
            summary = stored["summary"]
            summary.update({k: sum(c["outcome"] == k for c in stored["clauses"]) for k in OUTCOMES})
            stored["ok"] = unexpected(summary) == 0
            text = mx.dumps(stored)
            if text != path.read_text(encoding="utf-8"):
                path.write_text(text, encoding="utf-8")
                changed += 1
                print(f"reclassified {row.id} / {profile}: {summary_text(stored)}", file=out)
    print(f"{changed} stored report(s) changed", file=out)
    return 0


def list_rows(rows: list[mx.Row]) -> int:
    from conformance.harness import envs
    from conformance.spec import PROFILES

    for row in rows:
        if row.env:
            try:
                envs.get(row.env)
                where = f"env {row.env} (built)"
            except envs.EnvError:
                where = f"env {row.env} (not built; matrix build builds it)"
        else:
            try:
                where = f"in-process, {interpreter(row)}"
            except Skip as e:
                where = f"cannot run here: {e}"
        unknown = [p for p in row.profiles if p not in PROFILES]
        extra = f"  [profile(s) not in this spec: {', '.join(unknown)}]" if unknown else ""
        print(f"{row.id:<22} {row.family:<18} {row.release:<8} {','.join(row.profiles):<26} {where}{extra}")
    return 0
