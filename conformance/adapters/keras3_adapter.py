"""Keras 3 on one of its backends (the backend is fixed per process, by KERAS_BACKEND).

On jax, XLA compiles every train/test/predict step anew for each model and batch shape: most of a run's time.
The adapter turns on jax's persistent compilation cache (a documented jax feature: the same program, compiled
once, loaded from disk after) in one directory per run, shared with the run's worker processes (`-j`) through
`KCC_JAX_COMPILATION_CACHE`; set that variable to a directory to keep the cache between runs, or to `off`.
Not on jax 0.4.24 to 0.5.x (`jax_cache_is_safe`): there a step loaded from the cache writes the state Keras
donates to it into numpy memory that `set_weights` was given and that jax then lets go of, so the weights become
whatever is written there next (`tests/conformance/jax_cache_donation.py`; Keras 3.4.1 to 3.8.0 run on such jax).

It also asks XLA for its fastest compiles (`--xla_backend_optimization_level=0` in `XLA_FLAGS`, unless `XLA_FLAGS`
already sets that level): the suite's models are a few small Dense layers, so machine-code optimization costs far
more than it saves (measured on 3.15.1: the fit family's 153 compiles took 21.5 s, 15.5 s at level 0). The loop,
its callbacks and their logs are Python, the same at any level; the reference values (test_on_batch) are computed
at the same level as the logs they are compared with.

It also reuses models (`ReusingSession`): a scenario whose setup (task, metrics, optimizer, learning rate,
steps_per_execution) an earlier scenario of the process had gets that scenario's compiled model back, reset to
the state a fresh one has (weights, optimizer variables, metric variables, flags, attributes), so its steps are
not traced and compiled again. tests/conformance/test_model_reuse.py proves on live Keras 3 that every trace
and value equals a fresh model's (reuse is on for the releases it passed on: `REUSE_PROVEN`);
`KCC_KERAS3_REUSE_MODELS=0` turns reuse off, `=1` on for any release.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from types import ModuleType
from typing import Any

import numpy as np

from conformance.adapters import Adapter, AdapterUnavailable
from conformance.driver import Session, setup_key
from conformance.scenario import Scenario

JAX_CACHE_ENV = "KCC_JAX_COMPILATION_CACHE"
REUSE_ENV = "KCC_KERAS3_REUSE_MODELS"
REUSE_PROVEN = ("3.15.1",)  # releases on which tests/conformance/test_model_reuse.py passed
# Set by compile() to None and later to the compiled steps: what reuse keeps.
COMPILED = frozenset({"train_function", "test_function", "predict_function"})
_SIMPLE = (bool, int, float, str, type(None))


# jax releases whose persistent cache was seen corrupting Keras's weights: 0.4.31 and 0.4.38 (5 of 6 fits with
# tests/conformance/jax_cache_donation.py); 0.4.23, 0.6.0, 0.7.2 and 0.10.2 were seen keeping them (0 of 6).
# The releases between the last good and the first bad one, and between the last bad and the next good one, were
# not tried, so they count as unsafe.
JAX_CACHE_UNSAFE = ((0, 4, 24), (0, 6, 0))  # [first, end)


def jax_cache_is_safe(version: str) -> bool:
    """Whether jax `version`'s persistent compilation cache keeps Keras's weights (see `JAX_CACHE_UNSAFE`)."""
    release = tuple(int(part) for part in version.split(".")[:3] if part.isdigit())
    first, end = JAX_CACHE_UNSAFE
    return not first <= release < end


def use_jax_compilation_cache() -> str | None:
    """Turn on jax's persistent compilation cache for this process; returns its directory (`None`: off).

    Without `KCC_JAX_COMPILATION_CACHE` the directory is a new temporary one, removed when this process exits,
    and the variable is set so that the worker processes it starts use the same directory. Off on the jax
    releases whose cache corrupts weights (`jax_cache_is_safe`), with a warning if the variable asked for it.
    """
    path = os.environ.get(JAX_CACHE_ENV, "")
    if path == "off":
        return None
    import jax

    if not jax_cache_is_safe(jax.__version__):
        if path:
            print(f"warning: {JAX_CACHE_ENV}={path} is not used: jax {jax.__version__}'s persistent compilation "
                  "cache corrupts the weights Keras donates to its steps (see conformance/adapters/"
                  "keras3_adapter.py)", file=sys.stderr)
        return None
    if not path:
        path = tempfile.mkdtemp(prefix="kcc-jax-cache-")
        os.environ[JAX_CACHE_ENV] = path
        atexit.register(shutil.rmtree, path, True)
    jax.config.update("jax_compilation_cache_dir", path)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)  # the suite's steps compile in < 1 s
    return path


def fast_xla_compiles() -> None:
    """Ask XLA (read when jax first starts its CPU client, also in worker processes) for unoptimized machine code,
    unless `XLA_FLAGS` already sets an optimization level."""
    flags = os.environ.get("XLA_FLAGS", "")
    if "xla_backend_optimization_level" not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} --xla_backend_optimization_level=0".strip()


def may_share_model(scenario: Scenario) -> bool:
    """Whether `scenario` may run on a reused model: not if a call passes a bad argument.

    A bad argument meets a used model differently: Keras 3.15.1's fit(batch_size=-1) raises StopIteration before
    any hook on a new model, but calls hooks and then fails on a model that has run a fit (measured), and no reset
    makes a model new again. Such scenarios get a new model, so no verdict depends on which worker ran them.
    """
    return all(call.bad_argument is None for call in scenario.calls)


def _slot(variable: Any) -> tuple:
    """An optimizer variable's name without the optimizer's own (which counts up: sgd, sgd_1, ...) and shape."""
    return variable.path.split("/", 1)[-1], tuple(variable.shape)


class ModelPool:
    """Compiled models waiting for a scenario with the same setup, and what a fresh one of each setup looks like.

    `fresh[key]` holds the attributes of the model right after compile() (names; values of the plain ones) and
    `initial[key, built]` the optimizer's variable values as compile() plus (when built) the first fit leave them.
    """

    def __init__(self):
        self.idle: dict[tuple, Any] = {}
        self.fresh: dict[tuple, dict[str, Any]] = {}
        self.initial: dict[tuple, list[np.ndarray]] = {}


class ReusingSession(Session):
    """A `Session` that takes an idle model of the same setup from `pool` (else builds one) and gives it back on
    `close()`, reset to what compile() leaves: plain attributes restored, attributes added since deleted (the
    compiled steps kept), optimizer variables set to their initial values, metrics reset, stop_training False.
    The weights are set from the scenario's seed as for a fresh model."""

    def __init__(self, keras: ModuleType, scenario: Scenario, pool: ModelPool):
        self.pool, self.key = pool, setup_key(scenario)
        self.reused = False
        super().__init__(keras, scenario)

    def build_model(self) -> Any:
        model = self.pool.idle.pop(self.key, None)
        self.reused = model is not None
        return model if model is not None else super().build_model()

    def compile_model(self) -> None:
        if not self.reused:
            super().compile_model()
            self.pool.fresh.setdefault(self.key, {k: v for k, v in vars(self.model).items()})
            return
        model, fresh = self.model, self.pool.fresh[self.key]
        for name in [k for k in vars(model) if k not in fresh]:
            delattr(model, name)
        for name, value in fresh.items():
            if name not in COMPILED and isinstance(value, _SIMPLE) and getattr(model, name) is not value:
                setattr(model, name, value)
        optimizer = model.optimizer
        initial = self.pool.initial.get((self.key, optimizer.built))
        if initial is None:
            s = self.scenario
            twin = getattr(self.keras.optimizers, s.optimizer)(learning_rate=s.learning_rate)
            if optimizer.built:
                twin.build(model.trainable_variables)
            if [_slot(v) for v in twin.variables] != [_slot(v) for v in optimizer.variables]:
                raise RuntimeError("the optimizer's variables differ from a fresh one's: cannot reset it")
            initial = self.pool.initial[self.key, optimizer.built] = [np.array(v.numpy()) for v in twin.variables]
        for variable, value in zip(optimizer.variables, initial):
            variable.assign(value)
        model.reset_metrics()
        model.stop_training = False

    def new_model(self) -> Any:
        """A new compiled model (for the reference), never one from the pool."""
        return self.built_apart(lambda: Session.build_model(self), lambda: Session.compile_model(self))

    def close(self) -> None:
        """The scenario is over: the model waits for the next scenario with the same setup, if it is usable."""
        if usable(self.model):
            self.pool.idle[self.key] = self.model


def usable(model: Any) -> bool:
    """Whether every variable of `model` (weights, optimizer, metrics) still has a value.

    Some fits leave a jax model's variables without values (the trainer takes them out for a step that never
    ran to its end); such a model is not reused.
    """
    try:
        for variable in [*model.variables, *model.optimizer.variables, *model.metrics_variables]:
            variable.numpy()
    except Exception:
        return False
    return True


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
            if self.backend == "jax":
                fast_xla_compiles()
        module = self._import("keras")
        if not str(getattr(module, "__version__", "")).startswith("3."):
            raise AdapterUnavailable(f"keras {module.__version__} is not Keras 3; install it with: {self.install}")
        if module.backend.backend() != self.backend:
            raise AdapterUnavailable(f"keras loaded backend {module.backend.backend()!r}, not {self.backend!r}")
        if self.backend == "jax":
            use_jax_compilation_cache()
        self._module = module
        return module

    def reuses_models(self) -> bool:
        """Whether sessions reuse compiled models: on jax, in the Keras releases the reuse test was run on
        (`REUSE_PROVEN`), unless `KCC_KERAS3_REUSE_MODELS` says `0` (never) or `1` (any release)."""
        wanted = os.environ.get(REUSE_ENV, "")
        if wanted in ("0", "1"):
            return wanted == "1" and self.backend == "jax"
        return self.backend == "jax" and self.module().__version__ in REUSE_PROVEN

    def start(self, scenario: Scenario, profile: str = "keras3") -> Any:
        if not self.reuses_models() or not may_share_model(scenario):
            return super().start(scenario, profile)
        pool = self.__dict__.setdefault("_pool", ModelPool())
        return ReusingSession(self.module(), scenario, pool)

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_pool", None)  # each process keeps its own models
        return state

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        return {"module": "keras", "preamble": f"import os\nos.environ['KERAS_BACKEND'] = {self.backend!r}\n"}

    def version(self) -> str:
        return f"{self.module().__version__} ({self.backend})"
