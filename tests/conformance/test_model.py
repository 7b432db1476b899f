"""The executable model agrees with real Keras 3 recordings, and its helpers do what they say."""

import json
from pathlib import Path

import pytest
from hypothesis import given

from conformance.model import expect_call, groups, running_means
from conformance.scenario import Action, Call, RecorderSpec, Scenario, to_snippet
from conformance.strategies import FAMILIES, scenarios

TRACES = Path("/work/shared/reference/traces/keras3-jax.json")
REG = Scenario(metrics=("mae",))


def stop(hook, index=None, epoch=None):
    return (RecorderSpec("full", (Action("stop_training", hook, index, epoch),)),)


# reference scenario id -> the same situation as a conformance scenario (first call)
CASES = {
    "fit_partial_last_batch": REG.replace(calls=(Call(n=30, batch_size=8, epochs=2),)),
    "fit_zero_epochs": REG.replace(calls=(Call(n=32, batch_size=8, epochs=0),)),
    "stop_on_train_begin": REG.replace(calls=(Call(n=32, batch_size=8, epochs=3, validation="data", val_n=12,
                                                   recorders=stop("on_train_begin")),)),
    "stop_on_test_batch_end": REG.replace(calls=(Call(n=32, batch_size=8, epochs=3, validation="data", val_n=12,
                                                      recorders=stop("on_test_batch_end", 0)),)),
    "fit_validation_batch_size": REG.replace(calls=(Call(n=32, batch_size=8, epochs=2, validation="data", val_n=12,
                                                         validation_batch_size=5),)),
}


@pytest.mark.skipif(not TRACES.exists(), reason="reference recordings not available")
@pytest.mark.parametrize("ref_id", sorted(CASES))
def test_model_matches_keras3_recording(ref_id):
    recorded = json.loads(TRACES.read_text())["scenarios"][ref_id]["calls"][0]
    scenario = CASES[ref_id]
    data = json.loads((TRACES.parent.parent / "scenarios.json").read_text())
    spec = next(s for s in data["scenarios"] if s["id"] == ref_id)
    assert spec["calls"][0]["kwargs"].get("epochs") == scenario.calls[0].epochs
    exp = expect_call(scenario, scenario.calls[0])
    got = [(h, i) for h, i, _ in recorded["events"] if not h.startswith(("dataset", "val_dataset"))]
    assert [(e.hook, e.index) for e in exp.events[0]] == got
    keys = [sorted(logs) for h, _, logs in recorded["events"] if not h.startswith(("dataset", "val_dataset"))]
    assert [sorted(e.keys) for e in exp.events[0]] == keys


def test_groups_clamp_the_last_end_index():
    assert groups(7, 3) == [(0, 2), (3, 5), (6, 6)]
    assert groups(4, 1) == [(0, 0), (1, 1), (2, 2), (3, 3)]


def test_running_means_weight_by_sample_count():
    means = running_means([{"loss": 1.0}, {"loss": 2.0}, {"loss": 4.0}], [8, 8, 4])
    assert means[-1]["loss"] == pytest.approx((8 * 1 + 8 * 2 + 4 * 4) / 20)


def test_stop_in_a_batch_keeps_validation_and_ends_training():
    call = Call(n=32, batch_size=8, epochs=3, validation="data", val_n=8, recorders=stop("on_train_batch_end", 1, 0))
    exp = expect_call(REG, call)
    hooks = [(e.hook, e.index) for e in exp.events[0]]
    assert hooks[-4:] == [("on_test_batch_end", 0), ("on_test_end", None), ("on_epoch_end", 0),
                          ("on_train_end", None)]
    assert exp.epochs == [0] and exp.stop_set == ("on_train_batch_end", 1)


@pytest.mark.parametrize("family", FAMILIES)
def test_generated_scenarios_have_a_model_and_a_compilable_snippet(family):
    @given(scenarios(family))
    def check(s):
        assert Scenario.from_dict(s.to_dict()) == s
        for call in s.calls:
            expect_call(s, call)
        compile(to_snippet(s), "<snippet>", "exec")

    check()


def test_snippet_runs_and_shows_the_hooks():
    import subprocess
    import sys

    from conformance.examples import examples

    scenario = next(s for s in examples() if s.calls[0].input == "pydataset")
    done = subprocess.run([sys.executable, "-c", to_snippet(scenario)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("r0 on_train_begin None []") and any("r0 on_train_end" in ln for ln in lines)


def test_snippet_with_the_dispatch_recorders_runs():
    import subprocess
    import sys

    from conformance.examples import examples
    from conformance.scenario import DISPATCH_KINDS

    scenario = next(s for s in examples() if any(r.kind == "tqdm" for r in s.calls[0].recorders))
    done = subprocess.run([sys.executable, "-c", to_snippet(scenario)], capture_output=True, text=True,
                          cwd=Path(__file__).parents[2], timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    tqdm = DISPATCH_KINDS.index("tqdm") + 1
    assert f"r{tqdm} on_batch_end 2 ['loss', 'mae']" in lines and not any("stale:" in ln for ln in lines)
    assert any(ln.startswith(f"r{DISPATCH_KINDS.index('late') + 1} on_predict_batch_end") for ln in lines)
