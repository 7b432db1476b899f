"""pytest plugin: `pytest -p conformance.pytest_plugin --conformance-impl NAME` adds one test per clause.

The suite runs once per session (the first clause test triggers it); each clause's test then passes, fails with
the violation and a runnable snippet, xfails when the implementation's expectations file lists the clause
(an unexpected pass fails), or is skipped when no generated scenario exercised it. Settings come from the
hypothesis profile chosen with `--hypothesis-profile` (default `ci`, registered by this plugin).
"""

from __future__ import annotations

from typing import Any

import pytest

from conformance import hypothesis_profiles
from conformance.adapters import AdapterUnavailable, UnknownImplementation, get_adapter
from conformance.expectations import load_expectations
from conformance.report import build_report
from conformance.runner import run_suite
from conformance.spec import clause_ids, load_clauses

_RESULT = pytest.StashKey[dict]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("conformance", "Keras callback contract conformance")
    group.addoption("--conformance-impl", default=None, metavar="NAME",
                    help="check this implementation (refimpl, keras3-jax, tf_keras, ...) against the contract")
    group.addoption("--conformance-profile", default="keras3", metavar="PROFILE",
                    help="contract profile: keras3, keras2, keras1 or keras0 (default keras3)")
    group.addoption("--conformance-backend", default=None, metavar="BACKEND", help="backend for keras3")


def pytest_report_header(config: pytest.Config) -> str | None:
    impl = config.getoption("--conformance-impl")
    if not impl:
        return None
    try:
        adapter = get_adapter(impl, config.getoption("--conformance-backend"))
        return f"conformance: {adapter.id} {adapter.version()}, profile {config.getoption('--conformance-profile')}"
    except (UnknownImplementation, AdapterUnavailable) as e:
        return f"conformance: {e}"


class ClauseItem(pytest.Item):
    """One clause of the contract, checked on the implementation under test."""

    def __init__(self, *, clause_id: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.clause_id = clause_id

    def _result(self) -> dict:
        config = self.config
        if _RESULT not in config.stash:
            adapter = get_adapter(config.getoption("--conformance-impl"), config.getoption("--conformance-backend"))
            profile = config.getoption("--conformance-profile")
            hyp = getattr(config.option, "hypothesis_profile", None) or "ci"
            if hyp not in hypothesis_profiles.PROFILE_NAMES:
                hyp = "ci"
            expected, warnings = load_expectations(adapter.id, clause_ids())
            run = run_suite(adapter, profile, hyp, progress=None)
            config.stash[_RESULT] = build_report(run, expected, warnings)
        return config.stash[_RESULT]

    def runtest(self) -> None:
        report = self._result()
        row = next(r for r in report["clauses"] if r["id"] == self.clause_id)
        if report["errors"]:
            first = report["errors"][0]
            raise ClauseFailure(f"the adapter raised in {len(report['errors'])} scenario(s):\n{first['traceback']}")
        outcome = row["outcome"]
        if outcome == "unchecked":
            pytest.skip("no scenario exercised this clause")
        if outcome == "xfail":
            pytest.xfail(row["expected_reason"])
        if outcome == "xpass":
            raise ClauseFailure(f"listed as a known failure ({row['expected_reason']}) but it held on "
                                f"{row['checked']} calls: remove it from the expectations file")
        if outcome == "fail":
            raise ClauseFailure("\n".join([row["statement"], "", *row["messages"], "", "Scenario:", row["snippet"]]))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, ClauseFailure):
            return f"{self.clause_id}: {excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return "conformance", None, f"conformance clause {self.clause_id}"


class ClauseFailure(AssertionError):
    """A clause of the contract does not hold."""


class ConformanceCollector(pytest.Collector):
    def collect(self):
        profile = self.config.getoption("--conformance-profile")
        for clause in load_clauses(profile):
            yield ClauseItem.from_parent(self, name=clause.id, clause_id=clause.id)


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    impl = config.getoption("--conformance-impl")
    if not impl:
        return
    get_adapter(impl, config.getoption("--conformance-backend"))  # an unknown name fails early, listing the known
    collector = ConformanceCollector.from_parent(session, name=f"conformance[{impl}]")
    items.extend(collector.collect())
