"""The stored reports can be rebuilt: the versions that wrote them are the ones conformance/matrix/constraints.txt pins.

A report records the versions that ran (`versions`), and `matrix build --check` compares them too; hypothesis's
release also decides every draw. A newer hypothesis or numpy installed by a rebuild would make every report
differ, so the release environments and .ci/run's virtualenvs take these pins.
"""

import json

import pytest

from conformance import matrix as mx
from conformance.harness import envs

REPORTS = sorted(mx.REPORTS_DIR.glob("*.json"))
ROWS = {row.id: row for row in mx.load_rows()}


def pin(package: str) -> str:
    return envs.pinned(package).split("==")[1]


def exact_pins(recipe: envs.Recipe) -> dict[str, str]:
    """package -> version for every `package==version` in the recipe's steps and its base's."""
    steps = [*recipe.steps, *(envs.BASES[recipe.base].steps if recipe.base else ())]
    return dict(arg.split("==", 1) for step in steps for arg in step if "==" in arg and not arg.startswith("-"))


@pytest.mark.parametrize("path", REPORTS, ids=lambda p: p.stem)
def test_each_stored_report_was_written_with_the_pinned_versions(path):
    report = json.loads(path.read_text(encoding="utf-8"))
    versions, row = report["versions"], ROWS[report["row"]]
    assert versions["hypothesis"] == pin("hypothesis")
    if row.env:  # a release environment: what its recipe pins exactly is what ran
        pins = exact_pins(envs.recipe(row.env))
        for package in ("numpy", "jax"):
            if package in pins and package in versions:
                assert versions[package] == pins[package], package
    else:  # this interpreter (refimpl) or an in-tree virtualenv that .ci/run installs with the constraints
        assert versions["numpy"] == pin("numpy")
        if "jax" in versions:
            assert versions["jax"] == pin("jax")


def test_every_environment_that_runs_the_suite_in_process_pins_hypothesis():
    for name, recipe in envs.RECIPES.items():
        if recipe.runner == "harness":  # the suite draws in this interpreter; the harness only runs scenarios
            continue
        assert exact_pins(recipe).get("hypothesis") == pin("hypothesis"), name


def test_the_constraints_file_names_each_package_once():
    lines = [line for line in envs.CONSTRAINTS.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    names = [line.split("==")[0] for line in lines]
    assert len(names) == len(set(names)) and all("==" in line for line in lines)
    with pytest.raises(KeyError, match="not pinned"):
        envs.pinned("no-such-package")
