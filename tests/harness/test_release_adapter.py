"""The harness path gives the checks the same CallTrace as an in-process session; real releases plug in."""

import os

import numpy as np
import pytest

from conformance.adapters import get_adapter
from conformance.adapters.refimpl_adapter import RefimplAdapter
from conformance.harness.adapter import to_trace
from conformance.harness.client import local_harness, run_scenarios
from conformance.harness.scenarios import concrete
from conformance.runner import Run
from conformance.scenario import Action, Call, RecorderSpec, Scenario

SCENARIO = Scenario(task="binary", metrics=("accuracy",), seed=3, calls=(
    Call(n=10, batch_size=4, epochs=2, validation="split",
         recorders=(RecorderSpec(actions=(Action("nested_evaluate", "on_epoch_end", 0),)), RecorderSpec("legacy"))),
    Call(method="evaluate", n=6, batch_size=4),
    Call(method="predict", n=5, batch_size=2)))


def test_a_harness_run_converts_to_the_in_process_trace():
    _, (result,) = run_scenarios(local_harness, "refimpl", [("s", concrete(SCENARIO, "keras3"))])
    assert result.status == "ok", result.error
    session = RefimplAdapter().start(SCENARIO, "keras3")
    for call, raw in zip(SCENARIO.calls, result.calls):
        here, there = session.call(call), to_trace(call, raw["events"], raw["end"])
        assert [[(e.hook, e.index, e.depth) for e in r] for r in here.events] == \
               [[(e.hook, e.index, e.depth) for e in r] for r in there.events]
        for a, b in zip(sum(here.events, []), sum(there.events, [])):
            assert (a.logs is None) == (b.logs is None)
            if a.logs is not None:
                assert sorted(a.logs) == sorted(b.logs), a.hook
                for k in a.logs:
                    np.testing.assert_allclose(a.logs[k], b.logs[k], rtol=1e-6, err_msg=f"{a.hook} {k}")
            assert a.params == b.params and a.model_ok == b.model_ok and a.lr == pytest.approx(b.lr)
        if call.method == "fit":
            assert here.history["history"].keys() == there.history["history"].keys()
        elif call.method == "predict":
            np.testing.assert_allclose(here.returned, there.returned, rtol=1e-6)
        else:
            assert here.returned == pytest.approx(there.returned)


def test_a_release_whose_environment_is_missing_says_how_to_build_it(monkeypatch, tmp_path):
    monkeypatch.setenv("KCC_ENV_DIR", str(tmp_path))
    adapter = get_adapter("keras-1.2.2")
    assert adapter.id == "keras-1.2.2" and adapter.profiles == ("keras1",)
    with pytest.raises(Exception, match=r"python -m conformance env build keras-1\.2\.2"):
        adapter.module()


@pytest.mark.skipif(not os.environ.get("KCC_KERAS_ENVS"), reason="set KCC_KERAS_ENVS (see test_dialect_parity)")
def test_the_suites_examples_run_on_keras_1_2_2_without_adapter_errors(monkeypatch):
    monkeypatch.setenv("KCC_ENV_DIR", os.environ["KCC_KERAS_ENVS"])
    run = Run(get_adapter("keras-1.2.2"), "keras1", shrink=False)
    run.run_examples()
    assert run.scenarios_run >= 5 and not run.errors, run.errors[:1]
    failed = {cid for cid, t in run.tallies.items() if t.failed}
    assert "fit.state.stop-after-batch" in failed  # Keras 1.2.2 checks stop_training only after an epoch
