"""The compatibility matrix: rows.toml, stored reports, `python -m conformance matrix build [--check]`, and the
clauses whose verdict changes between consecutive releases."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance import matrix as mx
from conformance.spec import PROFILES

REPO_ROOT = Path(__file__).resolve().parents[2]


def _matrix(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "conformance", "matrix", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _rows_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rows.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------------------------- rows
def test_the_repository_rows_are_valid_and_cover_every_family_of_today():
    rows = mx.load_rows()
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids))
    assert {"refimpl", "keras-standalone", "tf-keras", "keras3-jax", "keras3-torch"} <= {r.family for r in rows}
    refimpl = next(r for r in rows if r.family == "refimpl")
    assert set(refimpl.profiles) >= {"keras3", "keras2", "keras1", "keras0"}
    for row in rows:
        assert row.env or row.python or row.family == "refimpl", f"{row.id}: how does it run?"
        assert set(row.profiles) <= set(PROFILES) | {"tf-keras"}, f"{row.id}: unknown profile"


@pytest.mark.parametrize("body, complaint", [
    ('id = "x"\nfamily = "keras9"\nrelease = "1"\nprofiles = ["keras3"]\nera = "e"', "family 'keras9' is not one of"),
    ('id = "x"\nfamily = "refimpl"\nrelease = "1"\nera = "e"', "missing key 'profiles'"),
    ('id = "x"\nfamily = "refimpl"\nrelease = "1"\nprofiles = ["keras3"]\nera = "e"\nvenv = "v"',
     "unknown keys ['venv']; accepted:"),
    ('id = "x y"\nfamily = "refimpl"\nrelease = "1"\nprofiles = ["keras3"]\nera = "e"', "may contain only"),
    ('id = "x"\nfamily = "refimpl"\nrelease = "1"\nprofiles = ["keras3"]\nera = "e"\nenv = "a"\npython = "b"',
     "either env"),
])
def test_a_malformed_row_is_rejected_naming_the_row_and_key(tmp_path, body, complaint):
    path = _rows_file(tmp_path, "[[row]]\n" + body + "\n")
    with pytest.raises(mx.MatrixError, match="row 1") as info:
        mx.load_rows(path)
    assert complaint in str(info.value)


def test_a_bad_jobs_count_is_refused_before_any_row_runs():
    done = _matrix("build", "--rows", "refimpl", "-j", "0")
    assert done.returncode == 2
    assert "argument -j/--jobs: must be a positive whole number or 'auto', not '0'" in done.stderr
    assert "running" not in done.stdout


def test_an_unknown_row_on_the_command_line_is_refused_with_the_known_ones():
    done = _matrix("build", "--rows", "no-such-row")
    assert done.returncode == 2
    assert "unknown row(s) no-such-row; known rows: refimpl" in done.stderr


def test_releases_order_by_number_not_by_text():
    releases = ["2.10.0", "2.2.4", "0.3.3", "1.2.2", "2.9", "3.15.1", "3.2.0"]
    assert sorted(releases, key=mx.release_key) == ["0.3.3", "1.2.2", "2.2.4", "2.9", "2.10.0", "3.2.0", "3.15.1"]


def test_evidence_is_one_line_with_stable_numbers():
    text = "expected loss 0.123456789012, saw 0.12345 at <object at 0x7f3a2b1c9d80>\nsecond line"
    assert mx.one_line(text) == "expected loss 0.123457, saw 0.12345 at <object at 0x…>"


# ------------------------------------------------------------------------------------ build and --check
def test_build_then_check_reproduces_the_stored_report_and_names_a_planted_difference(tmp_path):
    rows = _rows_file(tmp_path, '[[row]]\nid = "refimpl"\nfamily = "refimpl"\nrelease = "0.1.0"\n'
                                'profiles = ["keras0"]\nera = "refimpl"\npackages = ["numpy"]\n')
    reports = tmp_path / "reports"
    built = _matrix("build", "--rows-file", str(rows), "--reports", str(reports))
    assert built.returncode == 0, built.stdout + built.stderr
    assert "refimpl / keras0" in built.stdout and " s" in built.stdout  # a time per row
    stored_path = reports / "refimpl--keras0.json"
    stored = json.loads(stored_path.read_text())
    assert stored["row"] == "refimpl" and stored["profile"] == "keras0" and stored["hypothesis_profile"] == "ci"
    assert {"python", "numpy", "hypothesis"} <= set(stored["versions"])
    assert "seconds" not in stored and "finished" not in stored
    assert stored["clauses"] and all(c["outcome"] == "pass" and c["checked"] > 0 for c in stored["clauses"])

    # checked with two worker processes: a parallel rebuild reproduces the serial one byte for byte
    checked = _matrix("build", "--rows-file", str(rows), "--reports", str(reports), "--check", "-j", "2")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "1 stored report(s) compared, all identical" in checked.stdout

    victim = stored["clauses"][0]["id"]
    stored["clauses"][0].update(outcome="xfail", status="fail", failed=1, evidence="planted")
    stored_path.write_text(mx.dumps(stored))
    changed = _matrix("build", "--rows-file", str(rows), "--reports", str(reports), "--check")
    assert changed.returncode == 1
    assert f"DIFFERENT refimpl / keras0: clause {victim}: outcome \"xfail\" -> \"pass\"" in changed.stdout
    assert "constraints.txt" not in changed.stdout

    # a report written with another hypothesis: the check says which file pins the versions that wrote them
    stored["versions"]["hypothesis"] = "6.100.0"
    stored_path.write_text(mx.dumps(stored))
    changed = _matrix("build", "--rows-file", str(rows), "--reports", str(reports), "--check")
    assert changed.returncode == 1 and '"hypothesis": "6.100.0"' in changed.stdout
    assert "conformance/matrix/constraints.txt pins them" in changed.stdout


def test_rows_that_cannot_run_here_are_reported_not_dropped(tmp_path):
    rows = _rows_file(tmp_path, '''
[[row]]
id = "gone"
family = "keras3-jax"
release = "3.0.0"
profiles = ["keras3"]
era = "keras3"
impl = "keras3-jax"
python = "/nonexistent/bin/python"

[[row]]
id = "no-recipe"
family = "keras-standalone"
release = "9.9.9"
profiles = ["keras2"]
era = "keras2"
env = "keras-9.9.9"

[[row]]
id = "new-profile"
family = "refimpl"
release = "0.1.0"
profiles = ["no-such-profile"]
era = "refimpl"
''')
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "old-row--keras2.json").write_text("{}")
    done = _matrix("build", "--rows-file", str(rows), "--reports", str(reports))
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "produces (the docs still show them; delete them if the row or profile is gone): old-row--keras2.json" in out
    assert "SKIPPED gone / keras3: no interpreter at /nonexistent/bin/python" in out
    assert "SKIPPED no-recipe / keras2: environment keras-9.9.9 cannot be built here: unknown release" in out
    assert "SKIPPED new-profile / no-such-profile: profile 'no-such-profile' is not in this checkout's spec" in out
    assert "3 skipped (not run here, see above)" in out
    assert [p.name for p in reports.glob("*.json")] == ["old-row--keras2.json"]


def test_compare_names_row_and_clause(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    report = {"schema": 1, "row": "r", "family": "refimpl", "release": "1", "era": "e", "profile": "keras3",
              "versions": {"python": "3.11.7"}, "summary": {}, "ok": True, "errors": [], "warnings": [],
              "clauses": [{"id": "fit.order.no-epochs", "status": "pass", "outcome": "pass", "checked": 3,
                           "failed": 0, "check_errors": 0, "reason": None, "evidence": None}]}
    (a / "r--keras3.json").write_text(mx.dumps(report))
    shutil.copytree(a, b)
    done = _matrix("compare", str(a), str(b))
    assert done.returncode == 0 and "no differences" in done.stdout
    report["clauses"][0]["checked"] = 4
    report["versions"]["python"] = "3.11.8"
    (b / "r--keras3.json").write_text(mx.dumps(report))
    done = _matrix("compare", str(a), str(b))
    assert done.returncode == 1
    assert "r / keras3: clause fit.order.no-epochs: checked 3 -> 4" in done.stdout
    assert 'r / keras3: versions: {"python": "3.11.7"} -> {"python": "3.11.8"}' in done.stdout


# --------------------------------------------------------------------------------------- what changed
def _report(release: str, profile: str, statuses: dict[str, str], family: str = "keras-standalone") -> dict:
    return {"schema": 1, "row": f"k-{release}", "family": family, "release": release, "era": "e",
            "profile": profile, "clauses": [
                {"id": cid, "status": st, "outcome": "xfail" if st == "fail" else st, "checked": 1,
                 "failed": int(st == "fail"), "reason": "because" if st == "fail" else None,
                 "evidence": f"seen on {release}" if st == "fail" else None} for cid, st in statuses.items()]}


def test_steps_list_verdict_changes_between_consecutive_releases_of_a_family():
    reports = [
        _report("2.2.4", "keras2", {"a": "pass", "b": "fail", "only2": "pass"}),
        _report("1.2.2", "keras1", {"a": "fail", "b": "fail", "only1": "pass"}),
        _report("1.10.0", "keras1", {"a": "pass", "b": "fail", "only1": "pass"}),
        _report("3.0.0", "keras3", {"a": "fail"}, family="keras3-jax"),
    ]
    steps = mx.steps(reports)
    assert [(s.family, s.before["release"], s.after["release"]) for s in steps] == [
        ("keras-standalone", "1.2.2", "1.10.0"), ("keras-standalone", "1.10.0", "2.2.4")]
    first, second = steps
    assert [(c.clause, c.verdict_before, c.verdict_after) for c in first.changes] == [("a", "fails", "holds")]
    assert first.changes[0].evidence_before == "because — seen on 1.2.2" and not first.changes[0].profile_boundary
    assert second.changes == [] and second.only_before == ["only1"] and second.only_after == ["only2"]
    assert second.before["profile"] == "keras1" and second.after["profile"] == "keras2"


def test_a_release_in_several_profiles_is_compared_profile_by_profile():
    reports = [_report("1.0", "keras3", {"a": "pass"}, "refimpl"), _report("1.0", "keras2", {"a": "pass"}, "refimpl"),
               _report("2.0", "keras3", {"a": "fail"}, "refimpl"), _report("2.0", "keras2", {"a": "pass"}, "refimpl")]
    steps = mx.steps(reports)
    assert sorted((s.after["profile"], len(s.changes)) for s in steps) == [("keras2", 0), ("keras3", 1)]


def test_stored_reports_in_the_repository_are_readable_and_name_known_profiles():
    reports = mx.read_reports()
    assert reports, "conformance/matrix/reports/ is empty: run python -m conformance matrix build"
    for r in reports:
        assert r["_file"] == mx.report_name(r["row"], r["profile"])
        assert r["family"] in mx.FAMILIES
        assert r["hypothesis_profile"] == "ci"
        if r["profile"] in PROFILES:
            assert all(c["outcome"] in ("pass", "xfail", "fail", "xpass", "unchecked", "error") for c in r["clauses"])


def test_reclassify_reapplies_the_expectations_files_to_stored_verdicts_without_running(tmp_path):
    reports = tmp_path / "reports"
    reports.mkdir()
    name = "keras-2.2.4--keras2.json"
    stored = json.loads((mx.REPORTS_DIR / name).read_text())
    known = next(c for c in stored["clauses"] if c["outcome"] == "xfail")
    known.update(outcome="fail", reason=None)  # as if the expectations file had not listed it when it ran
    stored["summary"]["xfail"] -= 1
    stored["summary"]["fail"] += 1
    stored["ok"] = False
    (reports / name).write_text(mx.dumps(stored))
    done = _matrix("reclassify", "--rows", "keras-2.2.4", "--reports", str(reports))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 stored report(s) changed" in done.stdout
    assert (reports / name).read_text() == (mx.REPORTS_DIR / name).read_text()


def test_every_stored_report_is_classified_by_todays_expectations_files(tmp_path):
    # an expectations file edited without `matrix reclassify` (or a rebuild) leaves the docs showing stale verdicts
    reports = tmp_path / "reports"
    shutil.copytree(mx.REPORTS_DIR, reports)
    done = _matrix("reclassify", "--reports", str(reports))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 stored report(s) changed" in done.stdout, done.stdout


def test_a_python_without_the_suites_dependencies_is_told_to_use_the_virtualenv(monkeypatch, capsys):
    import importlib.util

    from conformance.matrix import build

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "h5py" else real(name, *a))
    assert build.main(["build", "--rows", "refimpl"]) == 2
    err = capsys.readouterr().err
    assert "lacks h5py" in err and "project's virtualenv (pip install -e .)" in err
