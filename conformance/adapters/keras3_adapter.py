"""Keras 3 on one of its backends (the backend is fixed per process, by KERAS_BACKEND).

On jax, XLA compiles every train/test/predict step anew for each model and batch shape: most of a run's time.
The adapter turns on jax's persistent compilation cache (a documented jax feature: the same program, compiled
once, loaded from disk after) in one directory per run, shared with the run's worker processes (`-j`) through
`KCC_JAX_COMPILATION_CACHE`; set that variable to a directory to keep the cache between runs, or to `off`.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from types import ModuleType

from conformance.adapters import Adapter, AdapterUnavailable

JAX_CACHE_ENV = "KCC_JAX_COMPILATION_CACHE"


def use_jax_compilation_cache() -> str | None:
    """Turn on jax's persistent compilation cache for this process; returns its directory (`None`: off).

    Without `KCC_JAX_COMPILATION_CACHE` the directory is a new temporary one, removed when this process exits,
    and the variable is set so that the worker processes it starts use the same directory.
    """
    path = os.environ.get(JAX_CACHE_ENV, "")
    if path == "off":
        return None
    if not path:
        path = tempfile.mkdtemp(prefix="kcc-jax-cache-")
        os.environ[JAX_CACHE_ENV] = path
        atexit.register(shutil.rmtree, path, True)
    import jax

    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # the suite's steps compile in < 1 s
    return path


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
        if self.backend == "jax":
            use_jax_compilation_cache()
        self._module = module
        return module

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        return {"module": "keras", "preamble": f"import os\nos.environ['KERAS_BACKEND'] = {self.backend!r}\n"}

    def version(self) -> str:
        return f"{self.module().__version__} ({self.backend})"
