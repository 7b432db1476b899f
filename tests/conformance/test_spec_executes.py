"""The spec's data is what the suite runs: an edit to hooks.toml changes the verdict on refimpl."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.model import expect_call, spec_keys
from conformance.runner import Run
from conformance.scenario import Call, Scenario
from conformance.spec import SPEC_DIR, SpecError, load_hooks, spec_dir, use_spec

ROOT = Path(__file__).parents[2]
KERAS1_TRAIN_END = ('keras1 = [], keras0 = [] }\nno_logs = ["keras0"]\n'
                    'clauses = ["call.order.brackets", "logs.keys.train-end"')


def mutated(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the spec with one edit to hooks.toml."""
    copy = tmp_path / "spec"
    shutil.copytree(SPEC_DIR, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    hooks = copy / "hooks.toml"
    text = hooks.read_text()
    assert text.count(old) == 1, f"the edit's anchor {old!r} is not in hooks.toml once"
    hooks.write_text(text.replace(old, new))
    return copy


@pytest.fixture
def spec_copy():
    yield
    use_spec(None)


def failing(profile: str, families=("fit",)) -> set[str]:
    run = Run(RefimplAdapter(), profile, "ci", shrink=False).run(families=families, with_sequences=False)
    assert not run.errors, run.errors[0].traceback
    return {cid for cid, t in run.tallies.items() if t.failed}


def test_keras1_train_end_gets_an_empty_dict_as_hooks_toml_says():
    scenario = Scenario(metrics=("mae",))
    exp = expect_call(scenario, Call(epochs=2, validation="data"), "keras1")
    assert [e.keys for e in exp.events[0] if e.hook == "on_train_end"] == [frozenset()]
    assert spec_keys("on_train_end", "keras3", ("mae",), True) == {"loss", "mae", "val_loss", "val_mae"}


def test_flipping_keras1_train_end_keys_fails_refimpl_on_the_cli(tmp_path):
    spec = mutated(tmp_path, KERAS1_TRAIN_END, KERAS1_TRAIN_END.replace(
        "keras1 = []", 'keras1 = ["loss", "<metrics>", "val_loss", "val_<metrics>"]'))
    args = [sys.executable, "-m", "conformance", "-q", "--no-shrink", "--profile", "keras1"]
    done = subprocess.run([*args, "--spec", str(spec)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(line.split()[:2] == ["FAIL", "logs.keys.train-end"] for line in done.stdout.splitlines()), done.stdout
    # the same run on an unedited copy passes: the failure is the edit's
    clean = mutated(tmp_path / "clean", KERAS1_TRAIN_END, KERAS1_TRAIN_END)
    done = subprocess.run([*args, "--spec", str(clean)], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("profile, old, new, clause", [
    # keras3's on_train_end emptied: refimpl still gives the last epoch's logs
    ("keras3", 'on_train_end"\nargs = ["logs"]\nphase = "fit"\nstatement = "Called once when fit() ends, after the '
               'last epoch."\nlogs = { keras3 = ["loss", "<metrics>", "val_loss", "val_<metrics>"]',
     'on_train_end"\nargs = ["logs"]\nphase = "fit"\nstatement = "Called once when fit() ends, after the '
     'last epoch."\nlogs = { keras3 = []', "logs.keys.train-end"),
    # tf-keras's training batch begin logs given a `batch` key (tf-keras 2.21 and refimpl pass {})
    ("tf-keras",
     'logs = { keras3 = [], "tf-keras" = [] }\nclauses = ["fit.order.batch-pairs", "fit.order.batch-indices"',
     'logs = { keras3 = [], "tf-keras" = ["batch"] }\nclauses = ["fit.order.batch-pairs", "fit.order.batch-indices"',
     "logs.keys.begin-empty"),
    # on_test_end with one more key
    ("keras3", 'logs = { keras3 = ["loss", "<metrics>"], "tf-keras" = ["loss", "<metrics>"] }\n'
               'clauses = ["logs.keys.test-end"',
     'logs = { keras3 = ["loss", "<metrics>", "extra"], "tf-keras" = ["loss", "<metrics>"] }\n'
     'clauses = ["logs.keys.test-end"', "logs.keys.test-end"),
])
def test_an_edit_to_hooks_toml_changes_the_verdict(tmp_path, spec_copy, profile, old, new, clause):
    use_spec(mutated(tmp_path, old, new))
    found = failing(profile, ("fit",))
    assert found, "the edited spec must fail refimpl"
    if clause:
        assert clause in found


def test_use_spec_validates_and_resets(tmp_path, spec_copy):
    with pytest.raises(SpecError, match="does not exist"):
        use_spec(tmp_path / "nowhere")
    copy = mutated(tmp_path, 'alias_of = "on_train_batch_end"', 'alias_of = "on_no_such_hook"')
    with pytest.raises(SpecError, match="alias_of names unknown hook 'on_no_such_hook'"):
        use_spec(copy)
    assert spec_dir() == SPEC_DIR and load_hooks()["on_batch_end"].alias_of == "on_train_batch_end"
