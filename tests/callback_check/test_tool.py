"""The callback check itself: readers, shrinking and replay, the factory API, the command line, pytest option."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from conformance.__main__ import main
from conformance.callback_check import TargetError, Worker, check_callback
from conformance.callback_check.plan import RunPlan, corner_plans
from conformance.callback_check.readers import check_files
from conformance.callback_check.subject import load_subject

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def worker():
    with Worker("refimpl", 2.0) as w:
        yield w


# ------------------------------------------------------------------------------------------------ readers
def test_readers_accept_complete_files_and_refuse_cut_ones(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.mkdir()
    bad.mkdir()
    with open(good / "log.csv", "w", newline="") as f:
        csv.writer(f).writerows([["epoch", "loss"], [0, 0.5], [1, 0.25]])
    (good / "empty.csv").write_text("")
    (good / "state.json").write_text(json.dumps({"epoch": 1}))
    with h5py.File(good / "w.weights.h5", "w") as f:
        f["layer/kernel"] = np.arange(2000, dtype="float32")
    np.save(good / "a.npy", np.arange(3))
    (good / "notes.bin").write_bytes(b"\x00")
    text = (good / "log.csv").read_text()
    (bad / "log.csv").write_text(text[:-4])  # cut inside the last row
    (bad / "rows.csv").write_text("epoch,loss\n0\n")
    (bad / "state.json").write_text('{"epoch": ')
    data = (good / "w.weights.h5").read_bytes()
    (bad / "w.weights.h5").write_bytes(data[: len(data) // 2])
    problems, unchecked = check_files(good)
    assert problems == [] and unchecked == ["notes.bin"]
    problems, _ = check_files(bad)
    assert sorted(p.split(":")[0] for p in problems) == ["log.csv", "rows.csv", "state.json", "w.weights.h5"], problems


def test_pickle_files_are_parsed_never_unpickled(tmp_path):
    """A callback's pickle is checked for completeness by its opcodes: what it would run on loading never runs."""
    import pickle

    class Trap:
        def __reduce__(self):
            return (os.makedirs, (str(tmp_path / "ran"),))

    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    data = pickle.dumps({"epoch": 1, "trap": Trap()})
    (tmp_path / "good" / "state.pkl").write_bytes(data)
    (tmp_path / "bad" / "state.pkl").write_bytes(data[:-2])
    assert check_files(tmp_path / "good")[0] == []
    problems, _ = check_files(tmp_path / "bad")
    assert [p.split(":")[0] for p in problems] == ["state.pkl"], problems
    assert not (tmp_path / "ran").exists()


# --------------------------------------------------------------------------------------- shrink and replay
def test_a_crash_shrinks_to_a_small_run_whose_snippet_replays_it(worker, tmp_path):
    report = check_callback("tests.callback_check.mutants:csv_requires_val", worker=worker, max_examples=30)
    (finding,) = report.findings
    assert (finding.kind, finding.where) == ("crash", "on_epoch_end")
    assert "KeyError: 'val_loss'" in finding.message and "mutants.py" in finding.traceback
    assert len(finding.plan.calls) == 1 and not finding.plan.calls[0].actions
    assert finding.plan.calls[0].call.validation is None
    # The replayed run makes its working directory in the temporary directory: keep it inside tmp_path.
    done = subprocess.run([sys.executable, "-"], input=finding.snippet, capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode != 0 and "KeyError: 'val_loss'" in done.stderr, done.stderr[-2000:]


def test_a_hang_is_killed_and_reported_and_the_next_run_gets_a_fresh_worker(worker):
    report = check_callback("tests.callback_check.mutants:hang_zero_epochs", worker=worker, max_examples=5,
                            run_timeout=1.0, shrink=False)
    hang = next(f for f in report.findings if f.kind == "hang")
    assert "did not finish within 1 s" in hang.message
    assert any(cp.call.epochs == 0 for cp in hang.plan.calls)
    assert check_callback("tests.callback_check.mutants:hang_zero_epochs_clean", worker=worker,
                          max_examples=5, shrink=False).ok


def test_corner_plans_cover_the_contract_corners():
    features = set().union(*(p.features() for p in corner_plans()))
    for corner in ("validation", "no validation", "validation_freq", "epochs=0", "evaluate", "predict",
                   "unknown steps", "generator runs dry", "steps_per_execution", "stop_training", "interrupt",
                   "nested_evaluate", "edit_logs", "several calls", "verbose"):
        assert corner in features, corner
    assert all(isinstance(p, RunPlan) for p in corner_plans())


# ----------------------------------------------------------------------------------------- factory API
def test_invariants_from_a_pair_and_readers_from_a_subject(worker):
    report = check_callback("tests.callback_check.targets:pair_with_false_invariant", worker=worker,
                            max_examples=5, shrink=False)
    assert [(f.kind, f.message) for f in report.findings] == [("invariant", "returned False")]
    report = check_callback("tests.callback_check.targets:subject_with_reader", worker=worker,
                            max_examples=5, shrink=False)
    assert [(f.kind, f.where) for f in report.findings] == [("file", "state.mine")]
    assert "not mine" in report.findings[0].message


def test_bad_factories_are_refused_with_the_reason(tmp_path):
    import refimpl

    with pytest.raises(TargetError, match="argument 'colour' cannot be supplied; a factory may take: workdir, keras"):
        load_subject("tests.callback_check.targets:needs_an_argument", tmp_path, refimpl)
    with pytest.raises(TargetError, match="returned object, not a subclass of refimpl.callbacks.Callback"):
        load_subject("tests.callback_check.targets:not_a_callback", tmp_path, refimpl)
    with pytest.raises(TargetError, match="names 'no_such_method', which is not a method"):
        load_subject("tests.callback_check.targets:bad_invariants", tmp_path, refimpl)
    with pytest.raises(TargetError, match="has no 'missing'"):
        load_subject("tests.callback_check.targets:missing", tmp_path, refimpl)


def test_a_factory_that_cannot_run_is_an_error_not_a_finding(worker):
    report = check_callback("tests.callback_check.targets:needs_an_argument", worker=worker, max_examples=5)
    assert report.findings == [] and not report.ok
    assert "colour" in report.errors[0]


# -------------------------------------------------------------------------------------- CLI and pytest
def test_cli_bad_input_exits_2_before_any_run(capsys):
    assert main(["--callback", "no_colon"]) == 2
    assert "--callback takes MODULE:FACTORY" in capsys.readouterr().err
    assert main(["--callback", "tests.callback_check.targets:not_there"]) == 2
    assert "has no 'not_there'" in capsys.readouterr().err
    assert main(["--callback", "tests.callback_check.mutants:needs_accuracy", "--run-timeout", "0"]) == 2
    assert "--run-timeout must be a positive number" in capsys.readouterr().err


def test_cli_reports_findings_and_writes_json(tmp_path, capsys):
    code = main(["--callback", "tests.callback_check.mutants:needs_accuracy", "--max-examples", "5", "--no-shrink",
                 "-q", "--report", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1 and "CRASH on_epoch_end: KeyError: 'accuracy'" in out and "replay (python -):" in out
    (saved,) = json.loads((tmp_path / "callbacks-refimpl.json").read_text())
    assert saved["findings"][0]["kind"] == "crash" and not saved["ok"]


def test_pytest_option_adds_a_failing_item_per_callback():
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:xdist", "-p", "no:cacheprovider", "-q", "-o", "addopts=",
         "--conformance-callback", "tests.callback_check.mutants:needs_accuracy", "--conformance-callback-budget",
         "4", "tests/callback_check/targets.py"], capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert done.returncode == 1, done.stdout[-3000:]
    assert "callback-check::tests.callback_check.mutants:needs_accuracy" in done.stdout
    assert "CRASH on_epoch_end: KeyError: 'accuracy'" in done.stdout, done.stdout[-3000:]
