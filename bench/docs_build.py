"""Benchmark: the clean three-language docs build (en, zh_CN, ko, warnings as errors) must take <= 90 s on 2 cores.

    python bench/docs_build.py [--repeat N] [--limit 90] [--allow-warnings]

Each run builds into a fresh temporary directory (no doctree cache), the way CI does. English alone is timed
in the same run, so the report also shows what the two translations add. Writes bench/results/docs_build.json
and exits non-zero when the build fails or the median time exceeds the limit.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
RESULTS = REPO_ROOT / "bench" / "results" / "docs_build.json"


def _load_build_script():
    spec = importlib.util.spec_from_file_location("kcc_docs_build", REPO_ROOT / "docs" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed_build(build, languages: list[str], warnings_as_errors: bool) -> tuple[float, dict[str, int]]:
    with tempfile.TemporaryDirectory(prefix="kcc-docs-bench-") as out:
        started = time.perf_counter()
        results = build.build_languages(languages, out_root=Path(out), warnings_as_errors=warnings_as_errors)
        elapsed = time.perf_counter() - started
    return elapsed, {lang: result.returncode for lang, result in results.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each build. Defaults to 3.")
    parser.add_argument("--limit", type=float, default=90.0, help="seconds allowed. Defaults to 90.")
    parser.add_argument("--allow-warnings", action="store_true", help="do not treat warnings as errors.")
    args = parser.parse_args(argv)

    import sphinx

    build = _load_build_script()
    strict = not args.allow_warnings
    all_languages = list(build.LANGUAGES)
    three, english, exit_codes = [], [], {}
    for _ in range(args.repeat):
        seconds, codes = timed_build(build, all_languages, strict)
        three.append(seconds)
        exit_codes.update({lang: max(code, exit_codes.get(lang, 0)) for lang, code in codes.items()})
        seconds, _codes = timed_build(build, ["en"], strict)
        english.append(seconds)

    median_three = statistics.median(three)
    median_english = statistics.median(english)
    ok = all(code == 0 for code in exit_codes.values())
    report = {
        "benchmark": "docs_build",
        "what": "clean build of en, zh_CN and ko HTML with docs/build.py (one process per language)",
        "warnings_as_errors": strict,
        "limit_seconds": args.limit,
        "three_languages_seconds": {"median": round(median_three, 2), "runs": [round(s, 2) for s in three]},
        "english_only_seconds": {"median": round(median_english, 2), "runs": [round(s, 2) for s in english]},
        "three_over_english_ratio": round(median_three / median_english, 2),
        "build_exit_codes": exit_codes,
        "within_limit": ok and median_three <= args.limit,
        "cpu_count": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "python": platform.python_version(),
        "sphinx": sphinx.__version__,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    if not ok:
        print(f"the build failed: exit codes {exit_codes}", file=sys.stderr)
        return 1
    if median_three > args.limit:
        print(f"too slow: {median_three:.1f} s > {args.limit:.0f} s", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
