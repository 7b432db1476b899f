"""Test-suite settings: hypothesis profiles, and the stages that need heavy installs.

``--hypothesis-profile ci|dev|thorough`` picks a profile (``ci`` when the CI variable is set, else
``dev``). Tests marked ``keras`` need KERAS3_PYTHON (a Python with Keras 3 + jax); tests marked
``browser`` need Chromium; ``.ci/run`` provides both.
"""

from __future__ import annotations

import os
import re

import pytest
from hypothesis import settings

import conformance.hypothesis_profiles  # noqa: F401  (registers ci, dev, thorough)

settings.load_profile("ci" if os.environ.get("CI") else "dev")

# ----------------------------------------------------------------------------- the bad-input matrix
# Every test that feeds refimpl bad input and asserts a clear error (or that nothing was harmed) is part
# of the bad-input matrix; the terminal summary counts its cases. Whole files, plus the argument checks
# of each callback, recognised by name.
BAD_INPUT_FILES = ("tests/core/test_bad_input.py", "tests/saving/test_errors.py", "tests/saving/test_safe_loading.py",
                   "tests/reliability/test_bad_input_files.py")
BAD_INPUT_NAME = re.compile(r"test_.*(bad|reject|refus|invalid|unknown|wrong|missing|cannot|fails_before|"
                            r"not_a_|damaged|malformed|truncated|oversized)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if path in BAD_INPUT_FILES or (path.startswith(("tests/callbacks/", "tests/seeds/test_dialects"))
                                       and BAD_INPUT_NAME.match(item.name)):
            item.add_marker(pytest.mark.bad_input)
            item.user_properties.append(("bad_input", True))  # travels with the report, also under xdist


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    outcomes = {"passed": 0, "failed": 0, "skipped": 0}
    for outcome in outcomes:
        for report in terminalreporter.stats.get(outcome, []):
            if report.when in ("call", "setup") and ("bad_input", True) in getattr(report, "user_properties", []):
                if outcome != "passed" or report.when == "call":
                    outcomes[outcome] += 1
    total = sum(outcomes.values())
    if total:
        terminalreporter.write_line(f"bad-input matrix: {total} cases, {outcomes['passed']} passed, "
                                    f"{outcomes['failed']} failed, {outcomes['skipped']} skipped")
