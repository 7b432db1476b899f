"""Build the docs site in every language, or regenerate the translation catalogs.

    python docs/build.py                      # en, zh_CN and ko into docs/_build/html/<lang>/, warnings as errors
    python docs/build.py --language ko        # one language
    python docs/build.py --builder doctest    # run every example on every page, in each language
    python docs/build.py --update-catalogs    # English changed: regenerate .pot, merge into locale/*/
    python docs/build.py --conformance-report conformance-report/report.json   # the matrix page's report

Languages build in separate processes, as many at once as there are cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
LANGUAGES = ("en", "zh_CN", "ko")
TRANSLATED = tuple(lang for lang in LANGUAGES if lang != "en")
BUILD_DIR = DOCS_DIR / "_build"
LOCALE_DIR = REPO_ROOT / "locale"
# A fixed creation date in the .pot headers, so regenerating unchanged English changes no file.
REPRODUCIBLE_EPOCH = "1735689600"  # 2025-01-01

ROOT_INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Keras callback contract</title>
<meta http-equiv="refresh" content="0; url=en/index.html">
<link rel="alternate" hreflang="zh-CN" href="zh_CN/index.html">
<link rel="alternate" hreflang="ko" href="ko/index.html">
</head>
<body>
<p><a href="en/index.html" hreflang="en">English</a> ·
<a href="zh_CN/index.html" hreflang="zh-CN" lang="zh-CN">简体中文</a> ·
<a href="ko/index.html" hreflang="ko" lang="ko">한국어</a></p>
</body>
</html>
"""


def _run(command: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in the repository root; ``env`` defaults to this process's environment."""
    return subprocess.run(command, cwd=REPO_ROOT, env=env, text=True, capture_output=True)


def sphinx_command(
    language: str, builder: str, out_root: Path, *, warnings_as_errors: bool = True, extra: list[str] = ()
) -> list[str]:
    command = [
        sys.executable, "-m", "sphinx",
        "-b", builder,
        "-D", f"language={language}",
        "-d", str(out_root / "doctrees" / builder / language),
        "-q",
    ]
    if warnings_as_errors:
        command += ["-W", "--keep-going"]
    command += [*extra, str(DOCS_DIR), str(out_root / builder / language)]
    return command


def build_languages(
    languages: list[str],
    *,
    builder: str = "html",
    out_root: Path = BUILD_DIR,
    warnings_as_errors: bool = True,
    jobs: int | None = None,
    extra: list[str] = (),
) -> dict[str, subprocess.CompletedProcess[str]]:
    """Build each language with ``builder`` in its own process; return each process's result by language."""
    unknown = [lang for lang in languages if lang not in LANGUAGES]
    if unknown:
        raise ValueError(f"unknown language(s) {unknown}; the site's languages are {', '.join(LANGUAGES)}")
    jobs = jobs or min(len(languages), os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {
            lang: pool.submit(
                _run, sphinx_command(lang, builder, out_root, warnings_as_errors=warnings_as_errors, extra=extra)
            )
            for lang in languages
        }
        results = {lang: future.result() for lang, future in futures.items()}
    if builder == "html" and set(languages) == set(LANGUAGES):
        (out_root / "html" / "index.html").write_text(ROOT_INDEX, encoding="utf-8")
    return results


def update_catalogs(
    *, locale_dir: Path = LOCALE_DIR, pot_dir: Path = BUILD_DIR / "gettext", warnings_as_errors: bool = True
) -> None:
    """Regenerate the .pot templates from the English sources and merge them into every language's catalogs."""
    # The matrix page shows a note instead of a table when no conformance report is present; the catalogs are
    # made as if none were, so that they never depend on which reports a build happened to have.
    env = {**os.environ, "SOURCE_DATE_EPOCH": REPRODUCIBLE_EPOCH,
           "KCC_CONFORMANCE_REPORT": str(pot_dir / "no-conformance-report.json")}
    # Stale templates of deleted pages would keep their catalogs alive: start from an empty directory.
    if pot_dir.exists():
        for pot in pot_dir.rglob("*.pot"):
            pot.unlink()
    gettext = _run(
        [sys.executable, "-m", "sphinx", "-b", "gettext", "-q",
         *(("-W", "--keep-going") if warnings_as_errors else ()),
         "-d", str(pot_dir.parent / "doctrees" / "gettext"), str(DOCS_DIR), str(pot_dir)],
        env=env,
    )
    if gettext.returncode:
        raise RuntimeError(f"the gettext build failed:\n{gettext.stdout}{gettext.stderr}")
    intl = _run(
        [sys.executable, "-m", "sphinx_intl", "update", "-p", str(pot_dir), "-d", str(locale_dir),
         *(arg for lang in TRANSLATED for arg in ("-l", lang))],
        env=env,
    )
    if intl.returncode:
        raise RuntimeError(f"sphinx-intl update failed:\n{intl.stdout}{intl.stderr}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--language", action="append", choices=LANGUAGES,
                        help="build only this language (repeatable). Defaults to all of them.")
    parser.add_argument("--builder", default="html", choices=("html", "doctest", "linkcheck"),
                        help="the Sphinx builder. Defaults to html.")
    parser.add_argument("--allow-warnings", action="store_true", help="do not treat warnings as errors.")
    parser.add_argument("--jobs", type=int, default=None, help="languages built at once. Defaults to the cores.")
    parser.add_argument("--conformance-report", metavar="FILE", default=None,
                        help="the report.json the matrix page shows (written by python -m conformance --report DIR). "
                             "Defaults to $KCC_CONFORMANCE_REPORT, else conformance-report/report.json.")
    parser.add_argument("--update-catalogs", action="store_true",
                        help="regenerate the .pot files and merge them into locale/ instead of building.")
    args = parser.parse_args(argv)

    if args.update_catalogs:
        update_catalogs(warnings_as_errors=not args.allow_warnings)
        print(f"catalogs updated in {LOCALE_DIR.relative_to(REPO_ROOT)}/ for {', '.join(TRANSLATED)}")
        return 0

    if args.conformance_report:
        report = Path(args.conformance_report).resolve()
        if not report.is_file():
            parser.error(f"--conformance-report {args.conformance_report}: no such file; run "
                         "python -m conformance --report DIR first, then pass DIR/report.json")
        os.environ["KCC_CONFORMANCE_REPORT"] = str(report)  # read by docs/_ext/conformance_matrix.py
    languages = args.language or list(LANGUAGES)
    started = time.perf_counter()
    results = build_languages(
        languages, builder=args.builder, warnings_as_errors=not args.allow_warnings, jobs=args.jobs
    )
    failed = 0
    for lang, result in results.items():
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"[{lang}] {args.builder}: {status}")
        output = (result.stdout + result.stderr).strip()
        if output:
            print(output)
        failed += result.returncode != 0
    print(f"built {', '.join(languages)} in {time.perf_counter() - started:.1f} s "
          f"into {(BUILD_DIR / args.builder).relative_to(REPO_ROOT)}/")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
