"""The "Testing your callback" guide's file is a real pytest file: it passes under pytest, on refimpl and Keras 3."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap

import pytest
from conftest import DOCS_DIR

GUIDE = DOCS_DIR / "guide" / "testing-callbacks.rst"


def guide_file() -> str:
    """The shown ``.. testcode:: testing`` blocks of the guide, in order: the page's ``test_my_callbacks.py``."""
    text = GUIDE.read_text(encoding="utf-8")
    blocks = []
    for match in re.finditer(r"^\.\. testcode:: testing\n((?:   :\w+:.*\n)*)\n((?:(?:   .*)?\n)+)", text, re.M):
        if ":hide:" not in match.group(1):
            blocks.append(textwrap.dedent(match.group(2)).strip("\n"))
    return "\n\n\n".join(blocks) + "\n"


def test_the_guide_shows_a_whole_file_with_four_tests():
    source = guide_file()
    compile(source, "test_my_callbacks.py", "exec")
    assert source.startswith("import json\n")
    assert re.findall(r"^def (test_\w+)", source, re.M) == [
        "test_stops_at_the_first_epoch_that_improves_too_little", "test_one_callback_serves_several_fit_calls",
        "test_writes_one_line_per_epoch", "test_batch_logs_are_running_means"]


def test_the_guide_file_passes_under_pytest(tmp_path):
    (tmp_path / "test_my_callbacks.py").write_text(guide_file(), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=",
                           "--basetemp", str(tmp_path / "basetemp"),
                           "test_my_callbacks.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


@pytest.mark.skipif(not os.environ.get("KERAS3_PYTHON"), reason="set KERAS3_PYTHON to a Python with keras 3.15.1")
def test_the_guide_file_passes_on_keras3_with_only_the_import_changed(tmp_path):
    source = guide_file()
    assert source.count("import refimpl as keras\n") == 1
    (tmp_path / "test_my_callbacks.py").write_text(source.replace("import refimpl as keras\n", "import keras\n"),
                                                   encoding="utf-8")
    # That Python may lack pytest: call each test function as pytest would, tmp_path included.
    runner = textwrap.dedent("""
        import inspect, pathlib, tempfile, test_my_callbacks as module
        names = [n for n in dir(module) if n.startswith("test_")]
        for name in names:
            test = getattr(module, name)
            wants_tmp = "tmp_path" in inspect.signature(test).parameters
            test(**({"tmp_path": pathlib.Path(tempfile.mkdtemp(dir="."))} if wants_tmp else {}))
        print(len(names), "passed")
    """)
    done = subprocess.run([os.environ["KERAS3_PYTHON"], "-c", runner], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "KERAS_BACKEND": os.environ.get("KERAS_BACKEND", "jax")})
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert done.stdout.strip().endswith("4 passed")
