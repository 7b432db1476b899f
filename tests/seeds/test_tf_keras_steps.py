"""refimpl's tf-keras dialect cuts arrays given a step count and no batch size as tf-keras does: into batches of
ceil(samples / steps), each epoch one whole pass (refimpl.profiles.Profile.batch_size_from_steps)."""

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import refimpl.dialects.tf_keras as tf_keras

PROGRAM = Path(__file__).with_name("tf_keras_steps_program.py")
ROOT = Path(__file__).resolve().parents[2]


class Batches(tf_keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.train, self.test, self.predict = [], 0, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.train.append(0)

    def on_train_batch_begin(self, batch, logs=None):
        self.train[-1] += 1

    def on_test_batch_begin(self, batch, logs=None):
        self.test += 1

    def on_predict_batch_begin(self, batch, logs=None):
        self.predict += 1


def model():
    m = tf_keras.Sequential([tf_keras.layers.Dense(1, input_shape=(3,))])
    m.compile(optimizer="sgd", loss="mse")
    return m


def test_every_epoch_takes_its_steps_from_one_whole_pass_of_the_arrays():
    x, y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")
    seen = Batches()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras 3's batches of 32 would run out of data in the second epoch
        model().fit(x, y, steps_per_epoch=3, epochs=2, verbose=0, callbacks=[seen])
    assert seen.train == [3, 3]


def test_evaluate_and_predict_cut_the_arrays_into_their_steps():
    x, y = np.ones((10, 3), "float32"), np.ones((10, 1), "float32")
    m, seen = model(), Batches()
    m.evaluate(x, y, steps=3, verbose=0, callbacks=[seen])
    assert m.predict(x, steps=3, verbose=0, callbacks=[seen]).shape == (10, 1)
    assert (seen.test, seen.predict) == (3, 3)  # 4 + 4 + 2 samples, not one batch of 32


def test_a_batch_size_still_decides():
    x, y = np.ones((100, 3), "float32"), np.ones((100, 1), "float32")
    seen = Batches()
    model().fit(x, y, steps_per_epoch=3, batch_size=10, epochs=1, verbose=0, callbacks=[seen])
    assert seen.train == [3]


def run(python: str, which: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([python, str(PROGRAM), which], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def flat(value) -> list[float]:
    if isinstance(value, dict):
        return [v for key in sorted(value) for v in flat(value[key])]
    if isinstance(value, list):
        return [v for item in value for v in flat(item)]
    return [float(value)]


@pytest.mark.skipif(not os.environ.get("TF_KERAS_PYTHON"), reason="set TF_KERAS_PYTHON to a Python with tf-keras")
def test_losses_and_weights_match_tf_keras():
    ours, theirs = run(sys.executable, "ref"), run(os.environ["TF_KERAS_PYTHON"], "tf")
    assert ours["fit"]["batches"] == theirs["fit"]["batches"] == [3, 3]
    np.testing.assert_allclose(flat(ours), flat(theirs), rtol=1e-5, atol=1e-7)
