"""The fused Dense/softmax/crossentropy/SGD training step computes exactly what the general path computes.

Each case trains the same model twice from the same weights and seed: once as fit runs it, once with the fused
step turned off (every batch through the layers' forward/backward, the loss and the optimizer). Final weights,
every History value and the optimizer's step count must be equal bit for bit, not merely close.
"""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras
import refimpl.trainer.loop as loop

CASES = {
    "mlp relu/softmax": ([6, 12, 4], ["relu", "softmax"], {"batch_size": 8, "epochs": 2}, {}),
    "linear hidden, sample weights, validation": (
        [5, 7, 6, 3], ["relu", None, "softmax"], {"batch_size": 16, "epochs": 2, "sw": "float32", "val": True},
        {"metrics": ["accuracy"]}),
    "float64 sample weights": ([5, 7, 3], ["relu", "softmax"], {"batch_size": 9, "epochs": 2, "sw": "float64"}, {}),
    "class weights, no hidden layer": ([5, 3], ["softmax"], {"batch_size": 10, "epochs": 2,
                                                             "class_weight": {0: 1.0, 1: 3.0, 2: 0.5}}, {}),
    "shuffled, learning rate changed by a callback": (
        [5, 9, 3], ["relu", "softmax"],
        {"batch_size": 7, "epochs": 3, "shuffle": True,
         "callbacks": "lr"}, {}),
    "clipped probabilities (large learning rate)": ([5, 9, 3], ["relu", "softmax"],
                                                    {"batch_size": 7, "epochs": 2}, {"lr": 5.0}),
}


def _train(case, fused: bool, monkeypatch):
    sizes, activations, fit_kw, compile_kw = CASES[case]
    built = []
    real = loop.dense_softmax_sgd

    def plan(step):
        found = real(step) if fused else None
        built.append(found)
        return found

    monkeypatch.setattr(loop, "dense_softmax_sgd", plan)
    keras.utils.set_random_seed(3)
    rng = np.random.default_rng(0)
    n = 101
    x = rng.normal(size=(n, sizes[0])).astype("float32")
    y = np.eye(sizes[-1], dtype="float32")[rng.integers(0, sizes[-1], n)]
    model = keras.Sequential([keras.Input((sizes[0],))]
                             + [keras.layers.Dense(u, activation=a) for u, a in zip(sizes[1:], activations)])
    model.compile(optimizer=keras.optimizers.SGD(compile_kw.get("lr", 0.05)), loss="categorical_crossentropy",
                  metrics=compile_kw.get("metrics"))
    kw = dict(fit_kw)
    if "sw" in kw:
        kw["sample_weight"] = rng.uniform(0, 2, n).astype(kw.pop("sw"))
    if kw.pop("val", False):
        kw["validation_data"] = (x[:30], y[:30])
    if kw.get("callbacks") == "lr":
        kw["callbacks"] = [keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5)]
    history = model.fit(x, y, verbose=0, **kw)
    monkeypatch.undo()
    return model.get_weights(), history.history, int(model.optimizer.iterations.value), built


@pytest.mark.parametrize("case", sorted(CASES))
def test_fused_step_is_bit_identical_to_the_general_path(case, monkeypatch):
    weights, history, steps, built = _train(case, True, monkeypatch)
    assert built and built[0] is not None, "the fused step was not used for this model"
    want_weights, want_history, want_steps, _ = _train(case, False, monkeypatch)
    assert steps == want_steps
    assert history == want_history, "History values differ between the fused and the general step"
    for i, (got, want) in enumerate(zip(weights, want_weights)):
        assert got.dtype == want.dtype and np.array_equal(got, want), f"weight {i} differs"


@pytest.mark.parametrize("model_kind", ["dropout", "momentum", "mse", "sigmoid output", "float64 weights"])
def test_other_models_take_the_general_path(model_kind, monkeypatch):
    built = []
    real = loop.dense_softmax_sgd
    monkeypatch.setattr(loop, "dense_softmax_sgd", lambda step: built.append(real(step)) or built[-1])
    dtype = "float64" if model_kind == "float64 weights" else None
    layers = [keras.Input((4,)), keras.layers.Dense(5, activation="relu", dtype=dtype)]
    if model_kind == "dropout":
        layers.append(keras.layers.Dropout(0.5))
    layers.append(keras.layers.Dense(3, activation="sigmoid" if model_kind == "sigmoid output" else "softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9 if model_kind == "momentum" else 0.0),
                  loss="mse" if model_kind == "mse" else "categorical_crossentropy")
    x = np.ones((8, 4), dtype="float32")
    y = np.eye(3, dtype="float32")[np.arange(8) % 3]
    before = model.get_weights()
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    assert any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))
    if model_kind == "momentum":
        # Built (a plain SGD model), but each batch sees momentum and goes the general way: compared above.
        assert built and built[0] is not None
    else:
        assert built == [None]
