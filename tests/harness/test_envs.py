"""Environments by one command: what a user sees when a release, an interpreter or an install is missing."""

import sys

import pytest

from conformance.__main__ import main
from conformance.harness import envs


def test_the_list_names_every_release_with_its_interpreter_and_pins(capsys, tmp_path):
    assert main(["env", "list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    for name in ("keras-0.3.3", "keras-1.2.2", "keras-2.2.4"):
        assert name in out
    assert "python 2.7" in out and "theano==0.8.2" in out and "not built" in out


def test_an_unknown_release_lists_the_known_ones(capsys, tmp_path):
    assert main(["env", "build", "keras-9.9.9", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "unknown release 'keras-9.9.9'; known releases: keras-0.2.0, keras-0.3.3, keras-1.0.8, keras-1.2.2" in err
    assert "keras-2.2.4" in err and "keras-3.15.1-jax" in err


def test_a_missing_interpreter_says_what_to_install(no_interpreters, tmp_path):
    with pytest.raises(envs.EnvError, match=r"no Python 2\.7 interpreter found .* pyenv install 2\.7\.18"):
        envs.build("keras-0.3.3", tmp_path)


def test_a_failed_install_names_the_step_and_shows_the_log(monkeypatch, tmp_path):
    version = "{}.{}".format(*sys.version_info[:2])
    monkeypatch.setenv("KCC_PYTHON" + version.replace(".", ""), sys.executable)
    bad = envs.Recipe("keras-broken", version, (("--no-index", "keras-callback-contract-no-such-package==1.0"),),
                      module="keras", version="0", profile="keras1")
    monkeypatch.setitem(envs.RECIPES, bad.name, bad)
    with pytest.raises(envs.EnvError) as e:
        envs.build(bad.name, tmp_path)
    msg = str(e.value)
    assert "`pip install --no-index keras-callback-contract-no-such-package==1.0` failed" in msg
    assert "No matching distribution" in msg or "Could not find a version" in msg
    assert not (tmp_path / bad.name).exists()  # a failed build leaves only its log
    assert (tmp_path / f"{bad.name}.log").exists()


def test_an_environment_not_built_says_how_to_build_it(tmp_path):
    with pytest.raises(envs.EnvError, match=r"build it with: python -m conformance env build keras-1\.2\.2 --dir"):
        envs.get("keras-1.2.2", tmp_path)
