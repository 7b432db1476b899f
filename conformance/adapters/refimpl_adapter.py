"""The project's own numpy reference implementation."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from conformance.adapters import Adapter, AdapterUnavailable
from conformance.driver import Session
from conformance.scenario import Scenario


class RefimplAdapter(Adapter):
    """`import refimpl as keras` for keras3; `refimpl.dialects.<profile>` for the older profiles."""

    name = "refimpl"
    profiles = ("keras3", "keras2", "keras1", "keras0")
    install = "pip install keras-callback-contract"

    def module(self) -> ModuleType:
        if self._module is None:
            self._module = self._import("refimpl")
        return self._module

    def dialect(self, profile: str) -> ModuleType:
        """The module that makes refimpl follow `profile`."""
        if profile == "keras3":
            return self.module()
        try:
            return importlib.import_module(f"refimpl.dialects.{profile}")
        except ImportError as e:
            raise AdapterUnavailable(f"refimpl has no dialect for profile {profile!r} ({e})") from e

    def start(self, scenario: Scenario, profile: str = "keras3") -> Any:
        return Session(self.dialect(profile), scenario)
