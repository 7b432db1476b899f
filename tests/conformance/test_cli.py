"""The command line, adapters, expectations and the report, on refimpl and on a deliberately broken adapter."""

import json

import pytest

from conformance.__main__ import main
from conformance.adapters import UnknownImplementation, get_adapter
from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.expectations import ExpectationsError, load_expectations
from conformance.report import build_report, write_report
from conformance.runner import Run
from conformance.spec import clause_ids


def test_unknown_impl_lists_the_known_ones(capsys):
    assert main(["--impl", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown implementation 'nope'" in err and "refimpl" in err and "keras3-torch" in err


def test_unknown_profile_and_backend(capsys):
    assert main(["--profile", "keras9"]) == 2
    assert "keras3, tf-keras, keras2, keras1, keras0" in capsys.readouterr().err
    with pytest.raises(UnknownImplementation, match="known backends: jax, torch, tensorflow, numpy"):
        get_adapter("keras3-mxnet")


def test_missing_implementation_says_what_to_install(capsys, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "tf_keras", None)
    assert main(["--impl", "tf_keras", "--profile", "tf-keras"]) == 2
    assert "pip install 'keras-callback-contract[tf-keras]'" in capsys.readouterr().err


def test_list_clauses_and_impls(capsys):
    assert main(["--list-clauses", "--profile", "keras0"]) == 0
    out = capsys.readouterr().out
    assert "legacy.hooks-without-logs" in out and "python-floats" not in out
    assert main(["--list-impls"]) == 0
    assert "keras3-jax" in capsys.readouterr().out.split()


def test_expectations_warn_on_unknown_ids_and_reject_bad_entries(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text('[[expect]]\nclause = "no.such.clause"\nreason = "because"\n')
    expected, warnings = load_expectations("x", clause_ids(), f)
    assert expected == {"no.such.clause": "because"} and "matches no clause" in warnings[0]
    f.write_text('[[expect]]\nclause = "params.keys"\n')
    with pytest.raises(ExpectationsError, match="non-empty 'reason'"):
        load_expectations("x", clause_ids(), f)


def test_keras3_expectations_name_real_clauses():
    for impl in ("keras3-jax", "keras3-torch", "keras3-tensorflow", "tf_keras"):
        expected, warnings = load_expectations(impl, clause_ids())
        assert expected and not warnings


class FlakyAdapter(RefimplAdapter):
    """Raises while setting up every scenario that uses steps_per_execution 2."""

    def start(self, scenario, profile="keras3"):
        if scenario.steps_per_execution == 2:
            raise RuntimeError("adapter broke")
        return super().start(scenario, profile)


def test_adapter_errors_are_reported_and_the_run_goes_on(tmp_path):
    run = Run(FlakyAdapter(), shrink=False).run(families=("fit",), with_sequences=False)
    assert run.errors and "adapter broke" in run.errors[0].traceback
    assert run.scenarios_run > 20  # the other scenarios still ran
    report = build_report(run, {}, [])
    assert not report["ok"] and report["summary"]["errors"] == len(run.errors)


def test_expected_failure_that_passes_is_unexpected(tmp_path):
    run = Run(RefimplAdapter(), shrink=False).run(families=("fit",), with_sequences=False)
    report = build_report(run, {"params.keys": "pretend it fails"}, [])
    row = next(r for r in report["clauses"] if r["id"] == "params.keys")
    assert row["outcome"] == "xpass" and not report["ok"]
    json_path, html = write_report(report, tmp_path)
    data = json.loads(json_path.read_text())
    assert data["schema"] == 1 and data["impl"]["impl"] == "refimpl"
    assert "params.keys" in html.read_text() and "/*DATA*/" not in html.read_text()


def test_cli_against_refimpl_writes_report(tmp_path, capsys):
    assert main(["-q", "--report", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "refimpl" in out and "0 unexpected failures" in out
    assert (tmp_path / "refimpl-keras3.json").exists() and (tmp_path / "index.html").exists()
    assert main(["-q", "--profile", "keras0", "--no-shrink", "--report", str(tmp_path)]) == 0
    combined = json.loads((tmp_path / "report.json").read_text())
    assert [(r["impl"]["impl"], r["profile"]) for r in combined["runs"]] == [("refimpl", "keras0"),
                                                                             ("refimpl", "keras3")]
