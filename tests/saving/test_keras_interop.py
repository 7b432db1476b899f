"""``.weights.h5`` files are exchangeable with real Keras 3: each loads the other's weights and optimizer state.

Keras runs in its own interpreter (KERAS3_PYTHON, set by ``.ci/run``); without it these tests skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

import numpy as np
import pytest

import refimpl as keras

pytestmark = pytest.mark.keras


def _keras(script: str, *args: str) -> str:
    python = os.environ.get("KERAS3_PYTHON")
    if not python:
        pytest.skip("set KERAS3_PYTHON to a Python with keras==3.15.1 and jax installed (.ci/run does)")
    env = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run([python, "-c", textwrap.dedent(script), *args], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def _refimpl_model():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu", name="first"),
                              keras.layers.Dropout(0.1), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


KERAS_MODEL = """
    import json, sys
    import numpy as np
    import keras
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dropout(0.1),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
"""


def test_keras_loads_a_refimpl_weights_file(tmp_path):
    model = _refimpl_model()
    rng = np.random.default_rng(0)
    model.fit(rng.random((16, 3)), rng.random((16, 1)), epochs=2, batch_size=8, verbose=0)
    path = tmp_path / "refimpl.weights.h5"
    model.save_weights(path)
    out = _keras(KERAS_MODEL + """
    model.optimizer.build(model.trainable_variables)
    model.load_weights(sys.argv[1])
    print(json.dumps({"weights": [w.tolist() for w in model.get_weights()],
                      "iterations": int(model.optimizer.iterations)}))
    """, str(path))
    loaded = json.loads(out)
    assert loaded["iterations"] == 4
    for theirs, ours in zip(loaded["weights"], model.get_weights()):
        np.testing.assert_array_equal(np.asarray(theirs, dtype="float32"), ours)


def test_refimpl_loads_a_keras_weights_file(tmp_path):
    path = tmp_path / "keras.weights.h5"
    out = _keras(KERAS_MODEL + """
    rng = np.random.default_rng(0)
    model.fit(rng.random((16, 3)), rng.random((16, 1)), epochs=1, batch_size=8, verbose=0)
    model.save_weights(sys.argv[1])
    print(json.dumps([w.tolist() for w in model.get_weights()]))
    """, str(path))
    model = _refimpl_model()
    model.load_weights(path)
    for theirs, ours in zip(json.loads(out), model.get_weights()):
        np.testing.assert_array_equal(np.asarray(theirs, dtype="float32"), ours)
    assert int(model.optimizer.iterations) == 2


def test_refimpl_loads_a_whole_keras_archive(tmp_path):
    path = tmp_path / "keras_model.keras"
    out = _keras(KERAS_MODEL.replace('loss="mse")', 'loss="mse", metrics=["mae"])') + """
    rng = np.random.default_rng(0)
    x = rng.random((16, 3)).astype("float32")
    model.fit(x, rng.random((16, 1)), epochs=1, batch_size=8, verbose=0)
    model.save(sys.argv[1])
    print(json.dumps({"x": x.tolist(), "y": model.predict(x, verbose=0).tolist()}))
    """, str(path))
    expected = json.loads(out)
    model = keras.models.load_model(path)
    assert [type(layer).__name__ for layer in model.layers] == ["Dense", "Dropout", "Dense"]
    assert type(model.optimizer).__name__ == "Adam" and model.metrics_names == ["loss", "mae"]
    assert int(model.optimizer.iterations) == 2
    predicted = model.predict(np.asarray(expected["x"], dtype="float32"), verbose=0)
    np.testing.assert_allclose(predicted, np.asarray(expected["y"], dtype="float32"), rtol=1e-5, atol=1e-6)
