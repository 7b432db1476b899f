"""The harness protocol against real processes: an honest harness, and harnesses that lie, hang or die."""

import os
import sys
from pathlib import Path

import pytest

from conformance.harness.client import HarnessProcess, ProtocolError, local_harness, run_scenarios
from conformance.harness.parity import compare
from conformance.harness.protocol import TO_HARNESS, check_message
from conformance.harness.scenarios import Unexpressible, concrete
from conformance.scenario import Action, Call, RecorderSpec, Scenario

LIAR = Path(__file__).with_name("lying_harness.py")
ROOT = str(Path(__file__).resolve().parents[2])
MODULE = "refimpl.dialects.keras2"


def scenarios():
    s = [Scenario(seed=1, calls=(Call(n=6, batch_size=4, epochs=2),)),
         Scenario(task="binary", metrics=("accuracy",), seed=2,
                  calls=(Call(n=8, batch_size=3, epochs=2, validation="split"),)),
         Scenario(task="categorical", metrics=("accuracy",), seed=3,
                  calls=(Call(n=5, batch_size=2), Call(method="predict", n=3, batch_size=2)))]
    return [(f"s{i}", concrete(x, "keras2")) for i, x in enumerate(s)]


def liar(mode, target="s1", timeout=20.0):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return lambda: HarnessProcess([sys.executable, str(LIAR), mode, target], env=env, timeout=timeout)


def test_an_honest_harness_reports_every_hook_and_describes_the_implementation():
    hello, results = run_scenarios(local_harness, MODULE, scenarios(), name="refimpl")
    assert hello["module"] == MODULE and hello["language"] == "python" and hello["language_version"]
    assert [r.status for r in results] == ["ok", "ok", "ok"], [r.error for r in results]
    fit = results[0].calls[0]
    hooks = [e["hook"] for e in fit["events"]]
    assert hooks[0] == "on_train_begin" and hooks[-1] == "on_train_end"
    assert hooks.count("on_epoch_end") == 2
    assert fit["end"]["history"]["epoch"] == [0, 1]
    assert len(fit["end"]["weights"]) == 2
    assert results[2].calls[1]["end"]["returned"]["shape"] == [3, 3]


@pytest.mark.parametrize(("mode", "phrase"), [
    ("drop", "a dropped message"),
    ("drop_end", "call_end"),
    ("hang", "the harness hangs"),
    ("crash", "exited with code 7"),
    ("garbage", "not JSON"),
    ("wrong_id", "out-of-order event message for scenario 'somebody-else'"),
    ("bad_field", "event.seq is str"),
])
def test_a_lying_harness_is_caught_named_and_the_run_goes_on(mode, phrase):
    _, results = run_scenarios(liar(mode, timeout=4.0 if mode == "hang" else 30.0), MODULE, scenarios())
    assert [r.scenario for r in results] == ["s0", "s1", "s2"]
    assert results[1].status == "protocol_error", results[1]
    assert "scenario s1" in results[1].error["message"]
    assert phrase in results[1].error["detail"]
    assert results[0].status == "ok" and results[2].status == "ok", [r.error for r in results]
    if mode == "crash":
        assert "crashing on purpose" in results[1].error["detail"]


def test_a_harness_that_reports_hooks_in_the_wrong_order_is_caught_by_the_comparison():
    items = scenarios()
    _, honest = run_scenarios(local_harness, MODULE, items)
    _, lying = run_scenarios(liar("swap"), MODULE, items)
    assert [r.status for r in lying] == ["ok", "ok", "ok"]  # well-formed lies pass the protocol...
    diffs = {r.scenario: compare(h, r) for h, r in zip(honest, lying)}
    assert diffs["s0"] == [] and diffs["s2"] == []
    assert diffs["s1"] and diffs["s1"][0].startswith("s1 call 0: hook sequences differ at event 0")  # ...not this


def test_a_harness_that_cannot_import_the_implementation_says_so_at_start():
    h = local_harness(timeout=30)
    with pytest.raises(ProtocolError, match=r"scenario <start>: the harness gave up: cannot import no_such_keras"):
        h.start("no_such_keras")
    h.kill()


def test_setup_errors_are_the_implementations_not_the_protocols():
    bad = concrete(Scenario(), "keras2")
    bad["optimizer"]["class"] = "NoSuchOptimizer"
    _, results = run_scenarios(local_harness, MODULE, [("bad", bad), *scenarios()[:1]])
    assert results[0].status == "setup_error" and results[0].error["type"] == "AttributeError"
    assert results[1].status == "ok"


def test_recorder_actions_run_inside_the_harness():
    s = Scenario(seed=4, calls=(Call(n=8, batch_size=4, epochs=3, recorders=(RecorderSpec(actions=(
        Action("stop_training", "on_epoch_end", 0),)),)),))
    _, (r,) = run_scenarios(local_harness, MODULE, [("stop", concrete(s, "keras2"))])
    assert r.calls[0]["end"]["history"]["epoch"] == [0]


def test_messages_are_checked_field_by_field():
    assert check_message([]) == "a message is a JSON object, not list"
    assert "unknown type 'evnt'" in check_message({"type": "evnt"})
    assert check_message({"type": "done", "id": "x"}) == "done without 'calls'"
    assert check_message({"type": "done", "id": "x", "calls": True}) == "done.calls is a boolean"
    assert check_message({"type": "stop"}, TO_HARNESS) is None


def test_scenarios_a_release_cannot_express_are_refused_by_name():
    with pytest.raises(Unexpressible, match="steps"):
        concrete(Scenario(calls=(Call(steps=2),)), "keras1")
    with pytest.raises(ValueError, match="api must be one of keras0, keras1, keras2, tf-keras, keras3"):
        concrete(Scenario(), "keras4")


def test_parallel_workers_keep_the_order_and_still_isolate_a_liar():
    items = scenarios() * 2
    items = [(f"s{i}", s) for i, (_, s) in enumerate(items)]
    _, serial = run_scenarios(local_harness, MODULE, items)
    _, parallel = run_scenarios(liar("crash", target="s3"), MODULE, items, jobs=3)
    assert [r.scenario for r in parallel] == [f"s{i}" for i in range(6)]
    assert [r.status for r in parallel] == ["ok", "ok", "ok", "protocol_error", "ok", "ok"]
    for a, b in zip(serial, parallel):
        if b.status == "ok":
            assert compare(a, b) == [], a.scenario
    with pytest.raises(ValueError, match="jobs must be at least 1, not 0"):
        run_scenarios(local_harness, MODULE, items, jobs=0)


def test_recorder_actions_are_named_as_the_release_calls_its_hooks():
    s = Scenario(calls=(Call(recorders=(RecorderSpec(actions=(Action("stop_training", "on_train_batch_end", 1),)),)),))
    assert concrete(s, "keras1")["calls"][0]["recorders"][0]["actions"][0]["hook"] == "on_batch_end"
    assert concrete(s, "keras3")["calls"][0]["recorders"][0]["actions"][0]["hook"] == "on_train_batch_end"


def test_a_raising_callback_is_seen_to_fire_so_the_exception_clause_applies_to_harness_rows():
    from conformance.harness.adapter import to_trace

    raising = Action("raise", "on_train_batch_end", 1, 1)  # batch 1 of epoch 1
    call = Call(n=8, batch_size=4, epochs=3, recorders=(RecorderSpec(actions=(raising,)), RecorderSpec()))
    _, (r,) = run_scenarios(local_harness, MODULE, [("raise", concrete(Scenario(seed=5, calls=(call,)), "keras2"))])
    trace = to_trace(call, r.calls[0]["events"], r.calls[0]["end"])
    assert trace.error["probe"] and "on_batch_end(1)" in trace.error["message"]
    assert trace.fired == [(0, 0)]
    hooks = [(e.hook, e.index) for e in trace.events[0]]
    assert hooks[-1] == ("on_train_batch_end", 1) and hooks.count(("on_epoch_begin", 1)) == 1
    quiet = Call(n=8, batch_size=4, epochs=1, recorders=call.recorders)  # epoch 1 never comes: nothing fires
    _, (q,) = run_scenarios(local_harness, MODULE, [("quiet", concrete(Scenario(seed=5, calls=(quiet,)), "keras2"))])
    assert to_trace(quiet, q.calls[0]["events"], q.calls[0]["end"]).fired == []


def test_with_learning_rate_0_the_harness_returns_test_on_batch_values_the_value_clauses_compare_with():
    from conformance.harness.adapter import to_trace

    call = Call(n=10, batch_size=4, epochs=1, sample_weight=True, validation="split", validation_split=0.2)
    scenario = Scenario(seed=6, learning_rate=0.0, metrics=("mae",), calls=(call,))
    payload = concrete(scenario, "keras2")
    assert set(payload["calls"][0]["batch_value_sets"]) == {"train", "val"}
    _, (r,) = run_scenarios(local_harness, MODULE, [("values", payload)])
    trace = to_trace(call, r.calls[0]["events"], r.calls[0]["end"])
    train, val = trace.batch_values["train"], trace.batch_values["val"]
    assert [len(train), len(val)] == [2, 1]  # 8 training samples in batches of 4, 2 for validation
    ends = [e for e in trace.events[0] if e.hook == "on_train_batch_end"]
    for end, values in zip(ends, train):  # keras2 logs each batch's own values: with lr 0, test_on_batch's
        assert values.keys() == {"loss", "mean_absolute_error"}
        assert end.logs["loss"] == pytest.approx(values["loss"], rel=1e-6)
    no_values = concrete(scenario.replace(learning_rate=0.01), "keras2")
    assert "batch_value_sets" not in no_values["calls"][0]
