"""The project's own numpy reference implementation."""

from __future__ import annotations

from types import ModuleType

from conformance.adapters import Adapter


class RefimplAdapter(Adapter):
    """`import refimpl as keras`: every profile it offers."""

    name = "refimpl"
    profiles = ("keras3", "keras2", "keras1", "keras0")
    install = "pip install keras-callback-contract"

    def module(self) -> ModuleType:
        if self._module is None:
            self._module = self._import("refimpl")
        return self._module
