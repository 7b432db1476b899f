"""`-j N`: the scenarios run in N worker processes and the report is the serial run's, apart from timings."""

import json
import os

import pytest

from conformance.__main__ import main
from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.parallel import available_cpus, parse_jobs
from conformance.report import build_report
from conformance.runner import Run
from tests.conformance.test_cli import FlakyAdapter
from tests.conformance.test_profiles import Keras3Loop

TIMINGS = ("seconds", "finished", "examples_per_second")


def without_timings(report: dict) -> dict:
    """The report with what depends on the clock removed (run and phase seconds, finish time, rate)."""
    report = json.loads(json.dumps(report, default=str))
    for key in TIMINGS:
        report.pop(key)
    for phase in report["phases"].values():
        phase.pop("seconds")
    return report


def report_of(adapter, profile: str, jobs: int, **kw) -> dict:
    run = Run(adapter, profile, "ci", jobs=jobs, **kw).run()
    return build_report(run, {}, [])


def test_two_workers_give_the_serial_report_with_its_failures():
    # Many clauses fail: the first failing scenario of each, its messages and every count must be the serial
    # run's. (Shrinking is bounded by time, so where it ends is not compared.)
    serial = report_of(Keras3Loop(), "keras2", 1, shrink=False)
    parallel = report_of(Keras3Loop(), "keras2", 2, shrink=False)
    assert serial["scenarios"] > 300 and serial["phases"]["sequence"]["scenarios"] > 0
    assert serial["summary"]["fail"] >= 5
    assert without_timings(parallel) == without_timings(serial)


def test_adapter_errors_come_back_from_the_workers_in_order():
    serial = Run(FlakyAdapter(), shrink=False).run(families=("fit",), with_sequences=False)
    parallel = Run(FlakyAdapter(), shrink=False, jobs=2).run(families=("fit",), with_sequences=False)
    assert serial.errors and [e.scenario for e in parallel.errors] == [e.scenario for e in serial.errors]
    assert "adapter broke" in parallel.errors[0].traceback
    assert {c: t.checked for c, t in parallel.tallies.items()} == {c: t.checked for c, t in serial.tallies.items()}


class DyingAdapter(RefimplAdapter):
    """Kills its worker process (as a crash in an implementation would) on the fit scenarios with
    steps_per_execution 3 and seed 1: the first time only if KCC_TEST_DIE_ONCE names a file that is not there yet,
    else every time."""

    def start(self, scenario, profile="keras3"):
        if scenario.steps_per_execution == 3 and scenario.seed == 1:
            marker = os.environ.get("KCC_TEST_DIE_ONCE")
            if not marker or not os.path.exists(marker):
                if marker:
                    open(marker, "w").close()
                os._exit(3)
        return super().start(scenario, profile)


def test_a_worker_that_dies_once_is_replaced_and_the_report_is_the_serial_one(tmp_path, monkeypatch):
    monkeypatch.setenv("KCC_TEST_DIE_ONCE", str(tmp_path / "died"))
    (tmp_path / "died").touch()  # the serial run must not die: it runs in this process
    serial = Run(DyingAdapter(), shrink=False).run(families=("fit",))
    (tmp_path / "died").unlink()
    parallel = Run(DyingAdapter(), shrink=False, jobs=2).run(families=("fit",))
    assert (tmp_path / "died").exists() and parallel.worker_restarts == 1
    assert not parallel.errors and parallel.scenarios_run == serial.scenarios_run
    report = without_timings(build_report(parallel, {}, []))
    assert report.pop("worker_restarts") == 1
    expected = without_timings(build_report(serial, {}, []))
    assert expected.pop("worker_restarts") == 0 and report == expected


def test_a_worker_that_always_dies_ends_in_adapter_errors_after_two_restarts(monkeypatch):
    monkeypatch.delenv("KCC_TEST_DIE_ONCE", raising=False)
    run = Run(DyingAdapter(), shrink=False, jobs=2).run(families=("fit",), with_sequences=False)
    assert run.worker_restarts == 2
    assert run.errors and all("the worker process gave no result" in e.traceback for e in run.errors)
    assert run.scenarios_run > 0  # what finished before the third death is recorded


def test_failures_are_still_shrunk_with_workers():
    run = Run(Keras3Loop(), "keras2", "ci", jobs=2).run(families=("fit",), with_sequences=False)
    failing = [t for t in run.tallies.values() if t.failed]
    assert failing and all(t.scenario is not None and t.messages for t in failing)


def test_jobs_argument(capsys):
    assert parse_jobs("3") == 3 and parse_jobs(" AUTO ") == available_cpus() >= 1
    for bad in ("0", "-2", "two", ""):
        with pytest.raises(ValueError, match=r"-j/--jobs must be a positive whole number or 'auto'"):
            parse_jobs(bad)
    with pytest.raises(SystemExit) as exit_:
        main(["-j", "0"])
    assert exit_.value.code == 2
    assert "argument -j/--jobs: must be a positive whole number or 'auto', not '0'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        Run(RefimplAdapter(), jobs=0)


def test_cli_with_two_workers_writes_the_same_report(tmp_path, capsys):
    """refimpl passes every clause (so shrinking has nothing to do): the written reports are the same."""
    reports = {}
    for jobs in ("1", "2"):
        assert main(["-q", "-j", jobs, "--report", str(tmp_path / jobs)]) == 0
        reports[jobs] = json.loads((tmp_path / jobs / "refimpl-keras3.json").read_text())
    assert without_timings(reports["2"]) == without_timings(reports["1"])
