"""pytest plugin: `pytest -p conformance.pytest_plugin --conformance-impl NAME` adds one test per clause.

The suite runs once per session (the first conformance test triggers it). Each clause's test then passes, fails
with the violation and a runnable snippet, xfails when the implementation's expectations file lists the clause
(an unexpected pass fails), fails with the traceback when the clause's own check raised (a check error), or is
skipped when no generated scenario exercised it. One more test, `adapter`, fails when the implementation's
adapter raised on some scenarios: adapter errors are reported there once, not on every clause.

An unknown `--conformance-impl` name is a usage error that lists the known names; an implementation that cannot
be imported gives one failing test that says what to install. `--conformance-expectations FILE` reads the known
failures from FILE (a third party's own file) instead of `conformance/expectations/<impl>.toml`. Settings come
from the hypothesis profile chosen with `--hypothesis-profile` (default `ci`, registered by this plugin).

`--conformance-callback MODULE:FACTORY` (repeatable) instead adds one test per callback: the callback check
(conformance.callback_check) on `--conformance-impl` (default refimpl).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conformance import hypothesis_profiles
from conformance.adapters import AdapterUnavailable, UnknownImplementation, get_adapter
from conformance.callback_check import pytest_items as callback_items
from conformance.expectations import ExpectationsError, load_expectations
from conformance.report import build_report
from conformance.runner import run_suite
from conformance.spec import PROFILES, clause_ids, scenario_clauses

_RESULT = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Keras callback contract conformance")
    group.addoption("--conformance-impl", default=None, metavar="NAME",
                    help="check this implementation (refimpl, keras3-jax, tf_keras, ...) against the contract")
    group.addoption("--conformance-profile", default="keras3", metavar="PROFILE",
                    help="contract profile: keras3, tf-keras, keras2, keras1 or keras0 (default keras3)")
    group.addoption("--conformance-backend", default=None, metavar="BACKEND", help="backend for keras3")
    callback_items.add_options(group)
    group.addoption("--conformance-expectations", default=None, metavar="FILE",
                    help="the implementation's known failures ([[expect]] tables with clause and reason); "
                         "default: conformance/expectations/<impl>.toml when it exists")


def _adapter(config: pytest.Config):
    return get_adapter(config.getoption("--conformance-impl"), config.getoption("--conformance-backend"))


def pytest_configure(config: pytest.Config) -> None:
    """Reject bad options before collection, with the accepted values (a usage error, not an INTERNALERROR)."""
    impl = config.getoption("--conformance-impl", None)
    if not impl:
        return
    try:
        adapter = _adapter(config)
    except UnknownImplementation as e:
        raise pytest.UsageError(f"--conformance-impl: {e}") from None
    profile = config.getoption("--conformance-profile")
    if profile not in PROFILES:
        raise pytest.UsageError(f"--conformance-profile: unknown profile {profile!r}; known profiles: "
                                f"{', '.join(PROFILES)}")
    if profile not in adapter.profiles:
        raise pytest.UsageError(f"--conformance-profile: {adapter.id} does not offer profile {profile!r}; it "
                                f"offers: {', '.join(adapter.profiles)}")
    path = config.getoption("--conformance-expectations")
    if path is not None:
        try:
            load_expectations(adapter.id, clause_ids(), Path(path))
        except (OSError, ExpectationsError) as e:
            raise pytest.UsageError(f"--conformance-expectations {path}: {e}") from None


def pytest_report_header(config: pytest.Config) -> str | None:
    impl = config.getoption("--conformance-impl")
    if not impl:
        return None
    try:
        adapter = _adapter(config)
        return f"conformance: {adapter.id} {adapter.version()}, profile {config.getoption('--conformance-profile')}"
    except (UnknownImplementation, AdapterUnavailable) as e:
        return f"conformance: {e}"


def _result(config: pytest.Config) -> dict:
    """The report of the session's one suite run (`{"crash": traceback}` when the run itself raised)."""
    if _RESULT not in config.stash:
        adapter = _adapter(config)
        profile = config.getoption("--conformance-profile")
        hyp = getattr(config.option, "hypothesis_profile", None) or "ci"
        if hyp not in hypothesis_profiles.PROFILE_NAMES:
            hyp = "ci"
        path = config.getoption("--conformance-expectations")
        expected, warnings = load_expectations(adapter.id, clause_ids(), Path(path) if path else None)
        try:
            run = run_suite(adapter, profile, hyp, progress=None)
            config.stash[_RESULT] = build_report(run, expected, warnings)
        except Exception as e:  # reported once, by the adapter test
            import traceback

            config.stash[_RESULT] = {"crash": "".join(traceback.format_exception(e))[-4000:]}
    return config.stash[_RESULT]


class ClauseFailure(AssertionError):
    """A clause of the contract does not hold (or could not be checked)."""


class _ConformanceItem(pytest.Item):
    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ClauseFailure):
            return f"{self.name}: {excinfo.value}"
        return super().repr_failure(excinfo)


class ClauseItem(_ConformanceItem):
    """One clause of the contract, checked on the implementation under test."""

    def __init__(self, *, clause_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.clause_id = clause_id

    def runtest(self) -> None:
        report = _result(self.config)
        if "crash" in report:
            pytest.skip("the suite could not run: see the adapter test")
        row = next(r for r in report["clauses"] if r["id"] == self.clause_id)
        outcome = row["outcome"]
        if outcome == "error":
            error = next(e for e in report["errors"] if e.get("kind") == "check" and e["clause"] == self.clause_id)
            raise ClauseFailure(f"check error: the suite's check raised on {row['check_errors']} call(s) (a defect "
                                f"of the suite, not a verdict on the implementation):\n{error['traceback']}")
        if outcome == "unchecked":
            pytest.skip("no scenario exercised this clause")
        if outcome == "xfail":
            pytest.xfail(row["expected_reason"])
        if outcome == "xpass":
            raise ClauseFailure(f"listed as a known failure ({row['expected_reason']}) but it held on "
                                f"{row['checked']} scenarios: remove it from the expectations file")
        if outcome == "fail":
            raise ClauseFailure("\n".join([row["statement"], "", *row["messages"], "", "Scenario:", row["snippet"]]))

    def reportinfo(self):
        return "conformance", None, f"conformance clause {self.clause_id}"


class AdapterItem(_ConformanceItem):
    """The adapter ran every scenario without raising (adapter errors are reported here, once)."""

    def runtest(self) -> None:
        report = _result(self.config)
        if "crash" in report:
            raise ClauseFailure(f"the suite could not run:\n{report['crash']}")
        errors = [e for e in report["errors"] if e.get("kind", "adapter") == "adapter"]
        if errors:
            raise ClauseFailure(f"the adapter raised in {report['summary']['errors']} scenario(s) (no clause was "
                                f"judged on those); the first:\n{errors[0]['traceback']}")
        model = [e for e in report["errors"] if e.get("kind") == "check" and e["clause"] is None]
        if model:
            raise ClauseFailure(f"check error: the suite's model raised:\n{model[0]['traceback']}")

    def reportinfo(self):
        return "conformance", None, "conformance adapter"


class UnavailableItem(_ConformanceItem):
    """Stands for the whole run when the implementation cannot be imported."""

    def __init__(self, *, reason: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.reason = reason

    def runtest(self) -> None:
        raise ClauseFailure(self.reason)

    def reportinfo(self):
        return "conformance", None, "conformance: implementation not available"


class ConformanceCollector(pytest.Collector):
    def collect(self):
        try:
            _adapter(self.config).module()
        except AdapterUnavailable as e:
            yield UnavailableItem.from_parent(self, name="available", reason=f"{e} (no clause was checked)")
            return
        yield AdapterItem.from_parent(self, name="adapter")
        profile = self.config.getoption("--conformance-profile")
        for clause in scenario_clauses(profile):
            yield ClauseItem.from_parent(self, name=clause.id, clause_id=clause.id)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    callback_items.add_items(session, config, items)
    impl = config.getoption("--conformance-impl")
    if not impl or config.getoption("--conformance-callback"):
        return  # with --conformance-callback, --conformance-impl says where the callbacks run
    collector = ConformanceCollector.from_parent(session, name=f"conformance[{impl}]")
    items.extend(collector.collect())
