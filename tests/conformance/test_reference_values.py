"""The batch values' reference (learning rate 0): test_on_batch per batch, on a model that only ever runs that.

It must not depend on the state the call left the session's model in (weights a callback set, metrics an
evaluate() reset), nor on metrics that test_on_batch does not reset (Keras 3.0-3.14 on jax do not).
"""

import numpy as np
import pytest

import refimpl
from conformance.driver import Session
from conformance.scenario import Call, Scenario

CALL = Call(method="fit", n=10, batch_size=4, epochs=1, validation="split", validation_split=0.2)
SCENARIO = Scenario(task="regression", metrics=("mae",), learning_rate=0.0, seed=3, calls=(CALL,))


def traced_with_own_values():
    """The call's batch values, and each training batch's loss and mae from a model with the scenario's weights
    that ran nothing else (the 8 training samples the call got, in batches of 4)."""
    session, seen = Session(refimpl, SCENARIO), {}
    invoke = session.invoke

    def invoke_and_keep_data(method, callbacks, kwargs):
        seen.update(kwargs)
        return invoke(method, callbacks, kwargs)

    session.invoke = invoke_and_keep_data
    trace = session.call(CALL)
    untouched = Session(refimpl, SCENARIO).model
    own = [untouched.test_on_batch(seen["x"][i:i + 4], seen["y"][i:i + 4], return_dict=True) for i in (0, 4)]
    return trace.batch_values, [{k: float(v) for k, v in res.items()} for res in own]


def test_the_reference_is_each_batch_own_value():
    batch_values, own = traced_with_own_values()
    assert [sorted(v) for v in batch_values["train"]] == [["loss", "mae"]] * 2
    for got, want in zip(batch_values["train"], own):
        assert got == pytest.approx(want, rel=1e-6)


def test_the_reference_ignores_what_the_call_left_in_the_model(monkeypatch):
    clean = Session(refimpl, SCENARIO).call(CALL).batch_values
    session = Session(refimpl, SCENARIO)
    # A call that leaves the weights of its model changed afterwards: the reference must stay the same.
    original = session.invoke

    def invoke_then_spoil(method, callbacks, kwargs):
        result = original(method, callbacks, kwargs)
        session.model.set_weights([np.full_like(w, 7.0) for w in session.model.get_weights()])
        return result

    monkeypatch.setattr(session, "invoke", invoke_then_spoil)
    assert session.call(CALL).batch_values == clean


def test_the_reference_does_not_accumulate_metrics_test_on_batch_keeps(monkeypatch):
    # Keras 3.0-3.14 (jax) do not reset the metrics in test_on_batch: it returns the running mean over every
    # batch since the last reset_metrics(). The reference must still be each batch's own value.
    want = Session(refimpl, SCENARIO).call(CALL).batch_values
    model_class = type(Session(refimpl, SCENARIO).model)
    own_test_on_batch = model_class.test_on_batch

    def accumulating_test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        kept = self.__dict__.setdefault("kept", [])
        kept.append((len(x), own_test_on_batch(self, x, y, sample_weight, return_dict=True)))
        total = sum(n for n, _ in kept)
        return {k: sum(n * logs[k] for n, logs in kept) / total for k in kept[-1][1]}

    def reset_metrics(self):
        self.__dict__.pop("kept", None)

    monkeypatch.setattr(model_class, "test_on_batch", accumulating_test_on_batch)
    monkeypatch.setattr(model_class, "reset_metrics", reset_metrics, raising=False)
    got = Session(refimpl, SCENARIO).call(CALL).batch_values
    for part in want:
        assert got[part] == [pytest.approx(v, rel=1e-6) for v in want[part]]
