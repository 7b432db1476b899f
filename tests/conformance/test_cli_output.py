"""What the command line shows a reader: a header for every column, a legend, and a quiet exit into `head`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conformance.__main__ import LEGEND, print_table

REPO = Path(__file__).resolve().parents[2]


def _report(**outcomes):
    clauses = [{"id": cid, "outcome": outcome, "failed": 3 if outcome == "fail" else 0, "checked": 319,
                "messages": ["on_epoch_end(0): logs lack val_loss"] if outcome == "fail" else []}
               for cid, outcome in outcomes.items()]
    summary = {k: sum(1 for c in clauses if c["outcome"] == k) for k in ("pass", "xfail", "fail", "xpass", "unchecked")}
    return {"clauses": clauses, "impl": {"impl": "refimpl", "version": "0.1.0"}, "profile": "keras3",
            "summary": {**summary, "errors": 0, "check_errors": 0}, "scenarios": 319, "seconds": 1.0,
            "examples_per_second": 319, "warnings": [], "errors": []}


def test_every_column_of_the_table_has_a_header_aligned_with_its_values(capsys):
    print_table(_report(**{"order.epoch-pairs": "pass", "logs.val-keys": "fail"}))
    lines = capsys.readouterr().out.splitlines()
    header, ok_row, fail_row = lines[0], lines[1], lines[2]
    assert header.split() == ["result", "clause", "failed/checked", "first", "failure"]
    assert ok_row.split() == ["ok", "order.epoch-pairs", "0/319"]
    # each value sits under its header: the slash of 0/319 under the slash of failed/checked
    assert ok_row.index("/") == header.index("/") == fail_row.index("/")
    assert fail_row.index("on_epoch_end") == header.index("first failure")
    assert LEGEND in lines


def test_list_clauses_into_a_closed_pipe_exits_without_a_traceback():
    process = subprocess.Popen([sys.executable, "-m", "conformance", "--list-clauses"], cwd=REPO,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before the first line is written, as `| head -0` would be
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert stderr == ""


def test_list_clauses_read_to_the_end_still_exits_zero():
    done = subprocess.run([sys.executable, "-m", "conformance", "--list-clauses"], cwd=REPO, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert "legacy.hooks-without-logs" not in done.stdout and "fit.order.no-epochs" in done.stdout
