"""Rows of the matrix: the recipes of many releases, the shared base environments, and expectations by release range.

Building needs the network (`python -m conformance env build ...`); these tests need none: they check what a user
sees before anything is installed, and the expectations mechanism that lets one file serve a family of releases.
"""

import pytest

from conformance.__main__ import main
from conformance.adapters import get_adapter, implementation_names
from conformance.expectations import ExpectationsError, load_expectations, release_matches
from conformance.harness import envs
from conformance.spec import clause_ids

# The environments CI caches from before the rows existed must not be rebuilt by a new recipe field. (keras-0.3.3,
# which CI did not build then, took the keras0-theano expectations file and a new digest: a 20-second rebuild.)
ORIGINAL_DIGESTS = {
    "keras-1.2.2": envs.RECIPES["keras-1.2.2"],
    "keras-2.2.4": envs.RECIPES["keras-2.2.4"],
}


def test_every_era_has_rows_and_every_overlay_has_its_base():
    names = set(envs.RECIPES)
    for name in ("keras-0.2.0", "keras-1.0.8", "keras-2.0.9", "keras-2.1.6", "keras-2.3.1", "keras-3.0.5-jax",
                 "keras-3.5.0-jax", "keras-3.10.0-jax", "keras-3.15.1-jax", "tf_keras-2.15.1", "tf_keras-2.21.0"):
        assert name in names
    minors = {r.version.rsplit(".", 1)[0] for r in envs.RECIPES.values() if r.runner == "keras3-jax"}
    assert minors == {f"3.{m}" for m in range(16)}
    for rec in envs.RECIPES.values():
        assert rec.layout in ("venv", "target", "overlay")
        if rec.layout == "overlay":
            assert rec.base in envs.BASES and envs.BASES[rec.base].python == rec.python, rec.name
            assert rec.steps[0][0] == "--no-deps", rec.name  # the release must not replace its base's pins


def test_a_new_base_pin_changes_the_digest_of_the_releases_on_it(monkeypatch):
    rec = envs.RECIPES["keras-3.0.5-jax"]
    before = rec.digest()
    base = envs.BASES[rec.base]
    monkeypatch.setitem(envs.BASES, rec.base, envs.Recipe(base.name, base.python, (("jax==9",),), "jax", "9", ""))
    assert rec.digest() != before


def test_the_first_recipes_keep_their_digest_when_fields_are_added():
    for name, rec in ORIGINAL_DIGESTS.items():
        assert rec.runner == "harness" and rec.extras == ("numpy", "theano") and not rec.base
        # the digest is computed from the fields those recipes had: one key set, stable across new defaults
        import dataclasses
        import hashlib
        import json

        old = {k: v for k, v in dataclasses.asdict(rec).items() if k not in envs.LATER_FIELDS}
        assert rec.digest() == hashlib.sha256(json.dumps(old, sort_keys=True).encode()).hexdigest()[:16], name


def test_the_list_shows_the_rows_and_their_shared_bases(capsys, tmp_path):
    assert main(["env", "list", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "keras-3.0.5-jax" in out and "--no-deps keras==3.0.5 on jax-0.4.23" in out
    assert "jax-0.4.23" in out and "(base)" in out and "tf_keras-2.15.1" in out


def test_a_release_on_a_base_with_a_missing_interpreter_says_what_to_install(no_interpreters, tmp_path):
    with pytest.raises(envs.EnvError, match=r"no Python 3\.11 interpreter found .* pyenv install 3\.11"):
        envs.build("keras-3.0.5-jax", tmp_path)
    assert not (tmp_path / "keras-3.0.5-jax").exists() and not (tmp_path / "jax-0.4.23").exists()


def test_an_unknown_keras3_release_lists_the_known_ones(capsys, tmp_path):
    assert main(["env", "build", "keras-3.0.9-jax", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "unknown release 'keras-3.0.9-jax'" in err and "keras-3.0.5-jax" in err and "tf_keras-2.21.0" in err


def test_rows_are_implementations_with_their_profile(monkeypatch, tmp_path):
    monkeypatch.setenv("KCC_ENV_DIR", str(tmp_path))
    names = implementation_names()
    assert "keras-3.0.5-jax" in names and "tf_keras-2.15.1" in names and "keras-2.0.9" in names
    k3 = get_adapter("keras-3.0.5-jax")
    assert k3.id == "keras-3.0.5-jax" and k3.profiles == ("keras3",) and k3.in_process and k3.outside()
    assert k3.expectation_names() == ("keras-3.0.5-jax", "keras3-jax")
    tfk = get_adapter("tf_keras-2.15.1")
    assert tfk.id == "tf_keras-2.15.1" and tfk.profiles[0] in ("tf-keras", "keras2")
    assert not get_adapter("keras-2.0.9").in_process


def test_a_row_whose_environment_is_missing_says_how_to_build_it(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("KCC_ENV_DIR", str(tmp_path))
    assert main(["--impl", "keras-3.5.0-jax", "--profile", "keras3"]) == 2
    assert "python -m conformance env build keras-3.5.0-jax" in capsys.readouterr().err


@pytest.mark.parametrize(("spec", "version", "expected"), [
    (">=3.0,<3.4", "3.0.5", True), (">=3.0,<3.4", "3.3.3", True), (">=3.0,<3.4", "3.4.1", False),
    ("<3.4", "3.10.0", False), (">=3.10", "3.9.2", False), (">=3.10", "3.15.1", True), ("==3.5", "3.5.0", True),
    ("!=2.2.4", "2.2.4", False), (">2.1", "2.1.6", True), (">=2.15", "2.15.1", True), ("<=1.0.8", "1.0.8", True),
])
def test_release_ranges(spec, version, expected):
    assert release_matches(spec, version) is expected


def test_a_family_file_serves_each_release_its_entries(tmp_path, monkeypatch):
    import conformance.expectations as ex

    monkeypatch.setattr(ex, "DIRECTORY", tmp_path)
    (tmp_path / "fam.toml").write_text(
        '[[expect]]\nclause = "params.keys"\nreleases = ">=3.0,<3.4"\nreason = "old"\n'
        '[[expect]]\nclause = "params.keys"\nreleases = ">=3.4"\nreason = "new"\n'
        '[[expect]]\nclause = "state.history-returned"\nreason = "always"\n')
    old, _ = load_expectations("keras-3.0.5-jax", clause_ids(), fallbacks=("fam",), release="3.0.5")
    new, _ = load_expectations("keras-3.10.0-jax", clause_ids(), fallbacks=("fam",), release="3.10.0")
    assert old["params.keys"] == "old" and new["params.keys"] == "new"
    assert old["state.history-returned"] == new["state.history-returned"] == "always"
    none, _ = load_expectations("keras-3.0.5-jax", clause_ids(), fallbacks=("fam",))  # no version: unranged only
    assert "params.keys" not in none
    (tmp_path / "keras-3.0.5-jax.toml").write_text('[[expect]]\nclause = "params.keys"\nreason = "own"\n')
    own, _ = load_expectations("keras-3.0.5-jax", clause_ids(), fallbacks=("fam",), release="3.0.5")
    assert own == {"params.keys": "own"}  # the release's own file wins over its family's


def test_bad_ranges_and_overlapping_entries_are_rejected(tmp_path):
    f = tmp_path / "x.toml"
    f.write_text('[[expect]]\nclause = "params.keys"\nreleases = "~=3.0"\nreason = "r"\n')
    with pytest.raises(ExpectationsError, match=r"entry #1 \(params.keys\): releases '~=3.0'.*>=, <="):
        load_expectations("x", clause_ids(), f, release="3.0.5")
    f.write_text('[[expect]]\nclause = "params.keys"\nreleases = ">=3.0"\nreason = "a"\n'
                 '[[expect]]\nclause = "params.keys"\nreleases = "<3.4"\nreason = "b"\n')
    with pytest.raises(ExpectationsError, match="listed twice for release 3.1.1"):
        load_expectations("x", clause_ids(), f, release="3.1.1")
    assert load_expectations("x", clause_ids(), f, release="3.5.0")[0] == {"params.keys": "a"}


def _fake_in_process_release(monkeypatch, tmp_path):
    """A built "release" whose in-process adapter is refimpl and whose interpreter is this one (no network)."""
    import json
    import sys

    import refimpl

    rec = envs.Recipe("keras-9.9.9-ref", "{}.{}".format(*sys.version_info[:2]), (("--no-deps", "nothing"),),
                      module="refimpl", version=refimpl.__version__, profile="keras3", runner="refimpl",
                      expectations="refimpl", extras=("numpy",))
    monkeypatch.setitem(envs.RECIPES, rec.name, rec)
    (tmp_path / rec.name / "site").mkdir(parents=True)
    (tmp_path / rec.name / envs.STAMP).write_text(json.dumps({"name": rec.name, "digest": rec.digest(),
                                                              "python": sys.executable}))
    monkeypatch.setenv("KCC_ENV_DIR", str(tmp_path))
    from conformance.harness.adapter import ReleaseAdapter

    return ReleaseAdapter(release=rec.name)


def test_an_in_process_release_re_runs_the_command_in_its_environment(monkeypatch, tmp_path, capfd):
    adapter = _fake_in_process_release(monkeypatch, tmp_path)
    monkeypatch.delenv("KCC_INSIDE_RELEASE", raising=False)
    assert adapter.outside()
    with pytest.raises(Exception, match="re-runs itself there"):
        adapter.module()  # outside its environment the suite must not import the release here
    assert adapter.run_inside(["--list-impls"]) == 0
    assert "keras-3.0.5-jax" in capfd.readouterr().out
    src = tmp_path / "keras-9.9.9-ref" / "kcc-src"
    assert sorted(p.name for p in src.iterdir()) == ["conformance", "refimpl"]  # only the packages, no site-packages


def test_inside_its_environment_a_release_runs_the_in_process_adapter_under_its_own_name(monkeypatch, tmp_path):
    from conformance.scenario import Call, Scenario

    adapter = _fake_in_process_release(monkeypatch, tmp_path)
    monkeypatch.setenv("KCC_INSIDE_RELEASE", "keras-9.9.9-ref")
    assert not adapter.outside() and adapter.id == "keras-9.9.9-ref"
    assert adapter.module().__name__ == "refimpl" and adapter.release_version() == adapter.recipe.version
    trace = adapter.start(Scenario(task="binary", seed=1, calls=(Call(n=8, batch_size=4, epochs=1),)), "keras3") \
        .call(Call(n=8, batch_size=4, epochs=1))
    assert trace.error is None and trace.history["epoch"] == [0]
