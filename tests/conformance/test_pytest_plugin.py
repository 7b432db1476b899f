"""The pytest plugin as a user runs it (`pytest --conformance-impl NAME`), in a fresh pytest process each time."""

import importlib.util

import pytest

from conformance.spec import scenario_clauses

pytest_plugins = ["pytester"]

NO_KERAS = importlib.util.find_spec("keras") is None


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # one process, nothing cached; the plugin loads by its entry point (pytest11), as in a user's project
    return pytester.runpytest_subprocess("-p", "no:xdist", "-p", "no:cacheprovider", "-q", *args, timeout=600)


def test_unknown_implementation_is_a_usage_error_listing_the_known_names(pytester):
    result = run(pytester, "--conformance-impl", "nosuch")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "INTERNALERROR" not in err + result.stdout.str()
    assert "unknown implementation 'nosuch'" in err and "refimpl" in err and "keras3-jax" in err


def test_bad_profile_and_missing_expectations_file_are_usage_errors(pytester):
    result = run(pytester, "--conformance-impl", "refimpl", "--conformance-profile", "keras9")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "keras3, tf-keras, keras2, keras1, keras0" in result.stderr.str()
    result = run(pytester, "--conformance-impl", "refimpl", "--conformance-expectations", "nowhere.toml")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "expectations file 'nowhere.toml' does not exist" in result.stderr.str()


@pytest.mark.skipif(not NO_KERAS, reason="needs an environment without Keras 3")
def test_missing_implementation_is_one_failure_naming_the_pip_command(pytester):
    result = run(pytester, "--conformance-impl", "keras3-jax")
    result.assert_outcomes(failed=1)
    out = result.stdout.str()
    assert "pip install 'keras-callback-contract[keras3-jax]'" in out
    assert "importlib" not in out and "Traceback" not in out


def test_refimpl_passes_and_a_third_party_expectations_file_is_read(pytester):
    """One run: every clause passes, except the one a third party's own file wrongly lists as a known failure."""
    own = pytester.path / "elsewhere" / "my-expectations.toml"
    own.parent.mkdir()
    own.write_text('[[expect]]\nclause = "params.keys"\nreason = "we think our params differ"\n')
    result = run(pytester, "--conformance-impl", "refimpl", "--conformance-expectations", str(own))
    clauses = len(scenario_clauses("keras3"))
    result.assert_outcomes(passed=clauses, failed=1)  # every clause but the one that xpasses, + the adapter test
    out = result.stdout.str()
    assert "FAILED conformance[refimpl]::params.keys" in out or "params.keys: listed as a known failure" in out
    assert "we think our params differ" in out
