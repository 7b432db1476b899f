"""Shared models and data for the saving tests."""

from __future__ import annotations

import numpy as np
import pytest

import refimpl as keras


def make_model(hidden: int = 4, inputs: int = 3, compile: bool = True, optimizer="adam", metrics=("mae",),
               dropout: bool = True):
    layers = [keras.Input((inputs,)), keras.layers.Dense(hidden, activation="relu")]
    if dropout:
        layers.append(keras.layers.Dropout(0.25))
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential(layers)
    if compile:
        model.compile(optimizer=optimizer, loss="mse", metrics=list(metrics) or None)
    return model


def data(n: int = 24, inputs: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, inputs)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) * 0.5).astype("float32")
    return x, y


def same_arrays(a, b) -> bool:
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.fixture
def trained():
    """A compiled model trained for two epochs (so the optimizer has slots and a step count)."""
    model = make_model()
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=8, verbose=0)
    return model
