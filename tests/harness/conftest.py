"""Fixtures of the harness tests."""

import pytest


@pytest.fixture
def no_interpreters(monkeypatch, tmp_path):
    """A machine where pyenv, the PATH and the KCC_PYTHON<ver> variables offer no Python at all."""
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    for version in ("27", "36", "37", "38", "39", "310", "311", "312", "313"):
        monkeypatch.delenv(f"KCC_PYTHON{version}", raising=False)
