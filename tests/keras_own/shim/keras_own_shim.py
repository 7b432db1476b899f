"""pytest plugin that lets Keras's own callback tests import refimpl under Keras's module names.

Loaded with ``-p keras_own_shim`` by ``tests/keras_own/test_keras_own.py`` in a separate pytest process.
It only registers module aliases (``keras``, ``keras.src.*`` -> the refimpl modules of the same name)
and supplies test helpers (``keras.src.testing``, the ``requires_trainable_backend`` marker, the
``conftest.skip_if_backend`` helper). Nothing of Keras's behaviour is implemented here: a test that
needs something refimpl does not have fails with an ImportError or AttributeError naming it.

``keras.src.testing.test_utils`` is the wheel's own file (``KERAS_OWN_TEST_UTILS`` gives its path).
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import pkgutil
import sys
import types

import keras_own_testing

import refimpl

# Keras module paths whose refimpl module has another name. Everything else maps keras.src.X to refimpl.X.
RENAMED = {
    "keras.src.utils.numerical_utils": "refimpl.utils",
}


def _package(name: str, target) -> types.ModuleType:
    """A module named ``name`` that reads every attribute it lacks from ``target``.

    Python resolves ``from keras.src import testing`` by attribute (or by the parent's own name in
    ``sys.modules``), so each Keras package name gets one of these, with its aliased children set on it.
    """
    module = types.ModuleType(name, getattr(target, "__doc__", None))
    module.__path__ = []
    module.__getattr__ = lambda attr: getattr(target, attr)
    return module


def _alias(name: str, module) -> None:
    """Register ``module`` as ``name`` and as an attribute of its (proxied) parent package."""
    if name in sys.modules:
        return
    if hasattr(module, "__path__") and module.__name__ != name:
        module = _package(name, module)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, sys.modules[name])


def install() -> None:
    _alias("keras", refimpl)
    _alias("keras.src", refimpl)
    # Keras's keras.src.testing holds its test helpers; refimpl.testing (simulated distribution) is another thing.
    _alias("keras.src.testing", keras_own_testing)
    for info in pkgutil.walk_packages(refimpl.__path__, "refimpl."):
        if ".dialects" in info.name:
            continue
        module = importlib.import_module(info.name)
        _alias("keras.src." + info.name.removeprefix("refimpl."), module)
    for keras_name, refimpl_name in RENAMED.items():
        _alias(keras_name, importlib.import_module(refimpl_name))
    path = os.environ.get("KERAS_OWN_TEST_UTILS")
    if path:
        spec = importlib.util.spec_from_file_location("keras.src.testing.test_utils", path)
        test_utils = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(test_utils)
        _alias("keras.src.testing.test_utils", test_utils)
    # Keras's repository conftest provides skip_if_backend; the tests import it as a top-level module.
    sys.modules.setdefault("conftest", keras_own_testing)


install()


def pytest_configure(config):
    config.addinivalue_line("markers", "requires_trainable_backend: Keras marks tests that train (refimpl trains)")


_outcomes: dict[str, str] = {}


def pytest_collectreport(report):
    if report.failed:
        _outcomes[report.nodeid] = "collection error: " + str(report.longrepr).strip().splitlines()[-1]


def pytest_runtest_logreport(report):
    if report.when == "call" or report.outcome != "passed":
        _outcomes.setdefault(report.nodeid, report.outcome)


def pytest_sessionfinish(session):
    """Write every test's outcome (and every file that failed to import) to KERAS_OWN_RESULTS as JSON."""
    path = os.environ.get("KERAS_OWN_RESULTS")
    if path:
        with open(path, "w") as f:
            json.dump(_outcomes, f, indent=1, sort_keys=True)


def pytest_report_header(config):
    return f"Keras's own callback tests on refimpl {refimpl.__version__} (through tests/keras_own/shim)"

