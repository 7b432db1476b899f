"""Keras 3.15.1's own callback tests (``keras/src/callbacks/*_test.py`` from its wheel) run unchanged on
refimpl, through the shim in ``tests/keras_own/shim`` that only re-exports refimpl under Keras's
module names and supplies test helpers.

The tests are extracted at test time from an installed wheel (``KERAS3_PYTHON``: a Python with
``keras==3.15.1``, as for the parity stage) or from a wheel file (``KERAS3_WHEEL``); nothing of
Keras is copied into this repository. ``not_passing.toml`` lists every test that does not pass, with
its reason; an unlisted failure, a listed test that passes, or a listed id that matches nothing fails
this stage.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
KERAS_VERSION = "3.15.1"
TESTS_GLOB = re.compile(r"keras/src/callbacks/[a-z_]+_test\.py")
TEST_UTILS = "keras/src/testing/test_utils.py"
MINIMUM_PASSING = 40

pytestmark = pytest.mark.keras

_FIND_KERAS = """
import importlib.metadata, importlib.util, json
spec = importlib.util.find_spec("keras")
print(json.dumps({"version": importlib.metadata.version("keras"),
                  "root": list(spec.submodule_search_locations)[0]}))
"""


def _extract(dest: Path) -> None:
    """Copy the wheel's callback tests and its test_utils.py into ``dest`` (flat, as Keras's test files are)."""
    wheel, python = os.environ.get("KERAS3_WHEEL"), os.environ.get("KERAS3_PYTHON")
    if wheel:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if TESTS_GLOB.fullmatch(n) or n == TEST_UTILS]
            version = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            assert f"keras-{KERAS_VERSION}.dist-info" in version, f"{wheel} is not keras {KERAS_VERSION}"
            for name in names:
                (dest / Path(name).name).write_bytes(zf.read(name))
        return
    if not python:
        pytest.skip("set KERAS3_PYTHON to a Python with keras==3.15.1 installed, or KERAS3_WHEEL to the "
                    "keras-3.15.1 wheel (`pip download keras==3.15.1 --no-deps`); .ci/run sets KERAS3_PYTHON")
    found = json.loads(subprocess.run([python, "-c", _FIND_KERAS], check=True, capture_output=True, text=True,
                                      timeout=120).stdout)
    assert found["version"] == KERAS_VERSION, f"KERAS3_PYTHON has keras {found['version']}, not {KERAS_VERSION}"
    package = Path(found["root"])
    for path in sorted((package / "src" / "callbacks").glob("*_test.py")):
        shutil.copy(path, dest / path.name)
    shutil.copy(package.parent / TEST_UTILS, dest / "test_utils.py")


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Run the extracted tests on refimpl in a separate pytest process; return {test id: outcome}."""
    work = tmp_path_factory.mktemp("keras_own")
    _extract(work)
    utils = work / "test_utils.py"
    results = work / "results.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE / "shim"), str(ROOT)]),
           "KERAS_OWN_TEST_UTILS": str(utils), "KERAS_OWN_RESULTS": str(results)}
    env.pop("KERAS_BACKEND", None)
    tests = sorted(p.name for p in work.glob("*_test.py"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "keras_own_shim", "-p", "no:cacheprovider",
                           "-p", "no:xdist", "-c", os.devnull, "--rootdir", str(work), "-q",
                           "--continue-on-collection-errors", *tests],
                          cwd=work, env=env, capture_output=True, text=True, timeout=900)
    assert results.exists(), f"the Keras tests did not run:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
    return json.loads(results.read_text()), proc.stdout


def _listed() -> dict:
    return tomllib.loads((HERE / "not_passing.toml").read_text())


def test_every_listed_entry_has_a_reason_and_a_kind():
    listed = _listed()
    for section in ("files", "tests"):
        for test_id, entry in listed[section].items():
            assert entry.get("reason", "").strip(), f"{test_id}: no reason"
            assert entry.get("kind") in ("out of scope", "deliberate difference", "skipped by the test"), test_id
            if entry["kind"] == "deliberate difference":
                page = ROOT / entry.get("docs", "")
                assert entry.get("docs") and page.is_file(), f"{test_id}: a deliberate difference names its docs page"


def test_keras_own_callback_tests_pass_or_are_listed(outcomes):
    results, output = outcomes
    listed = _listed()
    files, tests = listed["files"], listed["tests"]
    problems = []
    for node, outcome in sorted(results.items()):
        file = node.split("::", 1)[0]
        if outcome.startswith("collection error"):
            if file not in files:
                problems.append(f"{file}: unlisted {outcome}")
        elif outcome != "passed" and node not in tests:
            problems.append(f"{node}: {outcome}, and not listed in not_passing.toml")
    for node, entry in tests.items():
        expected = entry.get("outcome", "failed")
        if node not in results:
            problems.append(f"{node}: listed in not_passing.toml but not collected (stale entry?)")
        elif results[node] != expected:
            problems.append(f"{node}: listed as {expected}, but {results[node]} (update not_passing.toml)")
    for file in files:
        if not results.get(file, "").startswith("collection error"):
            problems.append(f"{file}: listed as not importable, but it imported (update not_passing.toml)")
    assert not problems, "\n".join(problems) + "\n\n" + output[-6000:]


def test_the_figure_in_the_readme_and_the_docs(outcomes):
    results, _ = outcomes
    collected = [node for node, outcome in results.items() if "::" in node]
    passed = sum(results[node] == "passed" for node in collected)
    assert passed >= MINIMUM_PASSING, f"only {passed} of {len(collected)} of Keras's own callback tests pass"
    figure = f"{passed} of {len(collected)}"
    readme = (ROOT / "README.md").read_text()
    assert f"Keras 3.15.1's own callback tests | {figure} pass" in readme, (
        f"README.md should say {figure!r} in its Measured table")
    page = (ROOT / "docs" / "conformance" / "keras-own-tests.rst").read_text()
    assert f"{passed} of the {len(collected)} collected tests pass" in page, (
        f"docs/conformance/keras-own-tests.rst should say {passed} of the {len(collected)}")
