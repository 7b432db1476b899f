"""Keras 3 on one of its backends (the backend is fixed per process, by KERAS_BACKEND)."""

from __future__ import annotations

import os
import sys
from types import ModuleType

from conformance.adapters import Adapter, AdapterUnavailable


class Keras3Adapter(Adapter):
    """Keras 3 with backend jax (default), torch, tensorflow or numpy: `--impl keras3-torch`."""

    name = "keras3"
    profiles = ("keras3",)
    backends = ("jax", "torch", "tensorflow", "numpy")
    install = "pip install 'keras-callback-contract[keras3-jax]'"

    def module(self) -> ModuleType:
        if self._module is not None:
            return self._module
        self.install = f"pip install 'keras-callback-contract[keras3-{self.backend}]'"
        if "keras" in sys.modules:
            loaded = sys.modules["keras"].backend.backend()
            if loaded != self.backend:
                raise AdapterUnavailable(f"keras is already imported with backend {loaded!r} in this process; "
                                         f"run keras3-{self.backend} in its own process")
        else:
            os.environ["KERAS_BACKEND"] = self.backend
        module = self._import("keras")
        if not str(getattr(module, "__version__", "")).startswith("3."):
            raise AdapterUnavailable(f"keras {module.__version__} is not Keras 3; install it with: {self.install}")
        if module.backend.backend() != self.backend:
            raise AdapterUnavailable(f"keras loaded backend {module.backend.backend()!r}, not {self.backend!r}")
        self._module = module
        return module

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        return {"module": "keras", "preamble": f"import os\nos.environ['KERAS_BACKEND'] = {self.backend!r}\n"}

    def version(self) -> str:
        return f"{self.module().__version__} ({self.backend})"
