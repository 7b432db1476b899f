"""``pytest --conformance-callback module:factory``: one test item per callback, failing with the report."""

from __future__ import annotations

from typing import Any

import pytest

from conformance import hypothesis_profiles
from conformance.callback_check.checker import check_callback


def add_options(group: Any) -> None:
    group.addoption("--conformance-callback", action="append", default=[], metavar="MODULE:FACTORY",
                    help="check this callback against every run the contract allows (repeatable); runs on "
                         "--conformance-impl, default refimpl")
    group.addoption("--conformance-callback-budget", type=float, default=None, metavar="SECONDS",
                    help="time for one callback (default 20 on refimpl, 300 on a live implementation)")


class CallbackCheckFailure(AssertionError):
    """The callback crashed, hung, left a file half-written or broke an invariant."""


class CallbackItem(pytest.Item):
    """One callback, checked on the implementation under test."""

    def __init__(self, *, target: str, **kwargs: Any):
        super().__init__(**kwargs)
        self.target = target

    def runtest(self) -> None:
        config = self.config
        hyp = getattr(config.option, "hypothesis_profile", None) or "ci"
        if hyp not in hypothesis_profiles.PROFILE_NAMES:
            hyp = "ci"
        impl = config.getoption("--conformance-impl") or "refimpl"
        report = check_callback(self.target, impl, hypothesis_profile=hyp,
                                budget=config.getoption("--conformance-callback-budget"))
        self.user_properties.append(("callback_check", report.to_dict()))
        if not report.ok:
            raise CallbackCheckFailure(report.format())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None) -> str:
        if isinstance(excinfo.value, CallbackCheckFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return "conformance", None, f"callback check {self.target}"


class CallbackCollector(pytest.Collector):
    def collect(self):
        for target in self.config.getoption("--conformance-callback"):
            yield CallbackItem.from_parent(self, name=target, target=target)


def add_items(session: pytest.Session, config: pytest.Config, items: list) -> None:
    """Append one item per ``--conformance-callback`` to the session's items."""
    if config.getoption("--conformance-callback"):
        items.extend(CallbackCollector.from_parent(session, name="callback-check").collect())


__all__ = ["CallbackItem", "add_items", "add_options"]
