"""Make ``import keras`` resolve to refimpl, so that third-party callbacks run on it unchanged.

``install_as_keras()`` puts a module called ``keras`` in ``sys.modules`` that serves refimpl's public API and
presents itself as the Keras 3 release whose contract refimpl implements (``keras.__version__``,
``keras.version()``, ``keras.config.backend()``); ``keras.callbacks``, ``keras.layers`` and the other
submodules refimpl has import as refimpl's. A part of Keras that refimpl does not provide (most of
``keras.ops``, ``keras.src``, ``keras.applications`` ...) imports, but using anything in it raises ``KerasPartMissing``,
whose message names the part and says that refimpl stands in for Keras. ``uninstall_as_keras()`` puts back
whatever ``keras`` modules were there before.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types

KERAS_VERSION = "3.15.1"
"""The Keras release whose callback contract refimpl implements, as ``keras.__version__`` reports it."""

# keras.<name> -> refimpl.<name>: the submodules refimpl has.
SUBMODULES = ("activations", "backend", "callbacks", "distribution", "initializers", "layers", "losses", "metrics",
              "models", "optimizers", "saving", "utils")
# keras.<name> that refimpl has only a few names of: those serve, the rest fail on use.
PARTIAL = ("ops",)
# keras.<name> that refimpl does not have: importable placeholders that fail on use.
MISSING = ("src", "applications", "datasets", "dtype_policies", "export", "mixed_precision",
           "preprocessing", "quantizers", "random", "regularizers", "constraints", "tree", "visualization",
           "wrappers", "legacy", "tpu", "kernels")


class KerasPartMissing(ImportError):
    """A part of Keras that refimpl does not provide was used while refimpl stands in for Keras."""


def _missing_message(what: str) -> str:
    from . import __version__

    return (f"{what} is not provided by refimpl {__version__}, which is standing in for Keras "
            f"(refimpl.install_as_keras()); refimpl implements the Keras {KERAS_VERSION} training loop and "
            "callback contract, not the rest of Keras. Run this code on Keras itself, or call "
            "refimpl.uninstall_as_keras().")


class _MissingModule(types.ModuleType):
    """``keras.ops`` and the like: importable, but every attribute raises ``KerasPartMissing``."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__path__ = []  # a package: `import keras.src.ops` works too, and fails on use
        self.__file__ = None

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise KerasPartMissing(_missing_message(f"{self.__name__}.{attr}"))


class _PartialModule(_MissingModule):
    """``keras.ops``: refimpl's few functions (``greater``, ``less``); every other name fails on use."""

    def __init__(self, name: str):
        super().__init__(name)
        part = importlib.import_module(f"refimpl.{name.split('.', 1)[1]}")
        for attr in getattr(part, "__all__", ()):
            setattr(self, attr, getattr(part, attr))


class _Config(types.ModuleType):
    """``keras.config``: the backend and float settings refimpl has."""

    def __init__(self):
        super().__init__("keras.config")
        from . import backend

        self.backend = backend.backend
        self.floatx = backend.floatx
        self.epsilon = backend.epsilon
        self.image_data_format = lambda: "channels_last"

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        raise KerasPartMissing(_missing_message(f"keras.config.{attr}"))


class _Keras(types.ModuleType):
    """The ``keras`` module: refimpl's public API under Keras 3's version."""

    def __init__(self):
        super().__init__("keras", "refimpl standing in for Keras (refimpl.install_as_keras()).")
        import refimpl

        self.__path__ = []
        self.__version__ = KERAS_VERSION
        self.refimpl_version = refimpl.__version__
        self.version = lambda: KERAS_VERSION
        self.config = _Config()
        for name in refimpl.__all__:
            if name != "__version__":
                setattr(self, name, getattr(refimpl, name))
        for name in SUBMODULES:
            setattr(self, name, importlib.import_module(f"refimpl.{name}"))

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        if attr in PARTIAL or attr in MISSING:
            return importlib.import_module(f"keras.{attr}")
        raise KerasPartMissing(_missing_message(f"keras.{attr}"))


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers every import of ``keras`` and ``keras.*`` while refimpl stands in for Keras."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == "keras" or fullname.startswith("keras."):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        name = spec.name
        if name == "keras":
            return _Keras()
        if name == "keras.config":
            return sys.modules["keras"].config
        head, _, rest = name[len("keras."):].partition(".")
        if head in SUBMODULES:
            return importlib.import_module(f"refimpl.{head}.{rest}" if rest else f"refimpl.{head}")
        if head in PARTIAL and not rest:
            return _PartialModule(name)
        return _MissingModule(name)

    def exec_module(self, module):
        pass


_saved: dict[str, types.ModuleType] | None = None
_finder: _Finder | None = None


def install_as_keras() -> types.ModuleType:
    """Make ``import keras`` (and ``keras.callbacks``, ``from keras import layers`` ...) resolve to refimpl.

    Keras modules already imported are set aside and come back with ``uninstall_as_keras()``. Calling it
    twice is harmless.

    Returns:
        The ``keras`` module now in ``sys.modules``: refimpl's API, ``__version__`` the Keras release whose
        contract refimpl implements, and refimpl's own version as ``keras.refimpl_version``.

    Example:
        >>> import refimpl
        >>> keras = refimpl.install_as_keras()
        >>> import keras.callbacks
        >>> keras.callbacks.Callback is refimpl.callbacks.Callback, keras.__version__, keras.config.backend()
        (True, '3.15.1', 'numpy')
        >>> refimpl.uninstall_as_keras()
    """
    global _saved, _finder
    if _finder is not None:
        return sys.modules["keras"]
    _saved = {name: mod for name, mod in sys.modules.items() if name == "keras" or name.startswith("keras.")}
    for name in _saved:
        del sys.modules[name]
    _finder = _Finder()
    sys.meta_path.insert(0, _finder)
    return importlib.import_module("keras")


def uninstall_as_keras() -> None:
    """Undo ``install_as_keras()``: forget the refimpl ``keras`` modules and put back those set aside."""
    global _saved, _finder
    if _finder is None:
        return
    sys.meta_path.remove(_finder)
    for name in [n for n in sys.modules if n == "keras" or n.startswith("keras.")]:
        del sys.modules[name]
    sys.modules.update(_saved or {})
    _saved, _finder = None, None


def installed() -> bool:
    """Whether refimpl stands in for Keras now."""
    return _finder is not None
