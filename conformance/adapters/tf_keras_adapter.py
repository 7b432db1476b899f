"""tf-keras 2.x, the tf-keras profile's real implementation."""

from __future__ import annotations

from types import ModuleType

from conformance.adapters import Adapter


class TfKerasAdapter(Adapter):
    """`import tf_keras` (needs TensorFlow)."""

    name = "tf_keras"
    profiles = ("tf-keras",)
    install = "pip install 'keras-callback-contract[tf-keras]'"

    def module(self) -> ModuleType:
        if self._module is None:
            self._module = self._import("tf_keras")
        return self._module
