"""pytest plugin: the ``refimpl_as_keras`` fixture, for testing code that does ``import keras``.

Registered through the ``pytest11`` entry point, so it is there wherever refimpl is installed::

    def test_my_callback(refimpl_as_keras):
        import keras                       # refimpl, presenting itself as Keras 3
        from my_package import MyCallback  # its own `import keras` gets refimpl too
        ...

Modules imported inside the test that imported ``keras`` keep refimpl's classes after the test; import them
inside the test (or reload them) when the same session also runs them on real Keras.
"""

from __future__ import annotations

import pytest

from .as_keras import install_as_keras, installed, uninstall_as_keras


@pytest.fixture
def refimpl_as_keras():
    """refimpl installed as ``keras`` for the duration of the test; yields the ``keras`` module."""
    if installed():
        yield install_as_keras()
        return
    keras = install_as_keras()
    try:
        yield keras
    finally:
        uninstall_as_keras()
