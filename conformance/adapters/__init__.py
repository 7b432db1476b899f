"""Adapters: how the suite reaches an implementation.

An adapter is a small class, registered under the `conformance.adapters` entry-point group, that imports the
implementation and starts a session for a scenario's setup. Keras-like modules need nothing more than
`module()`; the driver (conformance.driver.Session) then uses their public API. A third party publishes theirs
in its own package::

    [project.entry-points."conformance.adapters"]
    mine = "my_package.conformance_adapter:MyAdapter"

Implementation names on the command line are `NAME` or `NAME-BACKEND` (`keras3-jax`, `keras3-torch`,
`keras3-tensorflow`, `keras3-numpy`); `--backend` says the same thing separately.
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from conformance.driver import Session
from conformance.scenario import Scenario
from conformance.spec import PROFILES

ENTRY_POINT_GROUP = "conformance.adapters"
# Used when the project is not installed (running from a source checkout): same names as pyproject.toml.
BUILTIN = {
    "refimpl": "conformance.adapters.refimpl_adapter:RefimplAdapter",
    "keras3": "conformance.adapters.keras3_adapter:Keras3Adapter",
    "tf_keras": "conformance.adapters.tf_keras_adapter:TfKerasAdapter",
    "keras": "conformance.harness.adapter:ReleaseAdapter",  # real releases in their own interpreter
}


class AdapterUnavailable(RuntimeError):
    """The implementation cannot be imported here; the message says what to install."""


class Unexpressible(ValueError):
    """The implementation's API cannot say what the scenario asks (e.g. a generator input for Keras 1.2):
    the runner skips the scenario instead of counting an adapter error."""


class UnknownImplementation(ValueError):
    """No adapter has that name; the message lists the known ones."""


class Adapter:
    """Base class of adapters: import an implementation and run scenario sessions on it.

    Subclasses set `name`, `profiles`, `install` and implement `module()`; a loop that is not Keras-like
    overrides `start()` to return an object with `call(call) -> CallTrace` (see conformance.driver.Session).

    Args:
        backend: The backend, for implementations that have several. Defaults to `None`.
    """

    name: str = ""
    profiles: tuple[str, ...] = ("keras3",)
    backends: tuple[str, ...] = ()
    install: str = ""

    def __init__(self, backend: str | None = None):
        if backend is not None and backend not in self.backends:
            known = ", ".join(self.backends) or "none"
            raise UnknownImplementation(f"{self.name} has no backend {backend!r}; known backends: {known}")
        self.backend = backend or (self.backends[0] if self.backends else None)
        self._module: ModuleType | None = None

    @property
    def id(self) -> str:
        """The implementation's name in reports: `keras3-jax`, `refimpl`, ..."""
        return f"{self.name}-{self.backend}" if self.backend else self.name

    def module(self) -> ModuleType:
        """Import and return the Keras-like module (cached).

        Raises:
            AdapterUnavailable: If it is not installed, with the pip command that installs it.
        """
        raise NotImplementedError

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for worker processes (`-j`) without the imported module: each worker imports its own."""
        state = dict(self.__dict__)
        state["_module"] = None
        return state

    def _import(self, name: str) -> ModuleType:
        try:
            return importlib.import_module(name)
        except ImportError as e:
            raise AdapterUnavailable(f"{self.id} is not available ({e}); install it with: {self.install}") from e

    def version(self) -> str:
        return str(getattr(self.module(), "__version__", "unknown"))

    def start(self, scenario: Scenario, profile: str = "keras3") -> Any:
        """A session for `scenario`'s setup: its `call(call)` runs one call and returns a CallTrace."""
        return Session(self.module(), scenario)

    def snippet_setup(self, profile: str = "keras3") -> dict[str, str]:
        """How a replay snippet reaches the implementation: `to_snippet`'s `module`, `preamble`, `after_model`."""
        return {"module": self.module().__name__}

    def describe(self) -> dict[str, Any]:
        return {"impl": self.id, "adapter": self.name, "backend": self.backend, "version": self.version(),
                "profiles": list(self.profiles)}


def _registry() -> dict[str, str]:
    found = dict(BUILTIN)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.value
    return found


def known_implementations() -> dict[str, type[Adapter]]:
    """Every registered adapter class by name (entry points plus the built-in three)."""
    out = {}
    for name, target in sorted(_registry().items()):
        mod, _, attr = target.partition(":")
        try:
            out[name] = getattr(importlib.import_module(mod), attr)
        except Exception as e:  # a broken third-party adapter must not hide the others
            raise UnknownImplementation(f"adapter {name!r} ({target}) cannot be loaded: {e}") from e
    return out


def implementation_names() -> list[str]:
    """Names accepted by `get_adapter`, backends spelled out (`keras3-jax`, ...)."""
    names = []
    for name, cls in known_implementations().items():
        names.append(name)
        names.extend(f"{name}-{b}" for b in cls.backends)
    from conformance.harness import envs

    names.extend(n for n in sorted(envs.RECIPES) if not n.startswith("keras-"))
    return names


def get_adapter(impl: str, backend: str | None = None) -> Adapter:
    """The adapter for `impl` (`NAME` or `NAME-BACKEND`).

    Args:
        impl: An implementation name, e.g. `refimpl`, `keras3`, `keras3-torch`, `tf_keras`.
        backend: A backend, if not given in `impl`. Defaults to `None` (the adapter's default).

    Returns:
        An adapter instance (the implementation is imported lazily, by `module()`).

    Raises:
        UnknownImplementation: If no adapter has that name or backend; the message lists the known ones.
    """
    classes = known_implementations()
    from conformance.harness import envs  # real releases not named keras-*: tf_keras-2.15.1

    if impl in envs.RECIPES and not impl.startswith("keras-"):
        from conformance.harness.adapter import ReleaseAdapter

        return ReleaseAdapter(release=impl)
    name = impl
    if impl not in classes and "-" in impl:
        name, _, suffix = impl.partition("-")
        if backend is not None and backend != suffix:
            raise UnknownImplementation(f"--impl {impl} and --backend {backend} disagree")
        backend = suffix
    if name not in classes:
        raise UnknownImplementation(
            f"unknown implementation {impl!r}; known implementations: {', '.join(implementation_names())}")
    return classes[name](backend=backend)


__all__ = ["PROFILES", "Adapter", "AdapterUnavailable", "Unexpressible", "UnknownImplementation", "get_adapter",
           "implementation_names", "known_implementations"]
