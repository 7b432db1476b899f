"""Small models, data and a recording callback shared by the core tests."""

from __future__ import annotations

import numpy as np

import refimpl as keras


def regression_model(optimizer="sgd", metrics=("mae",), spe=1):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.compile(optimizer=optimizer, loss="mse", metrics=list(metrics), steps_per_execution=spe)
    return model


def regression_data(n=20, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")).astype("float32")


class Recorder(keras.callbacks.Callback):
    """Records (hook, index, copy of logs) for every hook; optional action(self, hook, index, logs)."""

    def __init__(self, action=None):
        super().__init__()
        self.events = []
        self.action = action

    def _record(self, hook, index, logs):
        self.events.append((hook, index, None if logs is None else dict(logs)))
        if self.action:
            self.action(self, hook, index, logs)

    def hooks(self):
        return [(h, i) for h, i, _ in self.events]


def _install(name, indexed):
    if indexed:
        def method(self, index, logs=None):
            self._record(name, index, logs)
    else:
        def method(self, logs=None):
            self._record(name, None, logs)
    setattr(Recorder, name, method)


for _hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end"):
    _install(_hook, False)
for _hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
              "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
    _install(_hook, True)
