"""Data and file fixtures for the seed-example tests."""

from __future__ import annotations

import fcntl
import os
import shutil
import warnings

import numpy as np
import pytest

from refimpl.layers.base import reset_name_counters

N_FEATURES, N_CLASSES = 784, 10
CHECKPOINT_PATH = "/tmp/weights.hdf5"  # the path the 001/002/003 checkpoint examples write


def learnable(n: int, seed: int, rule: str = "argmax") -> tuple[np.ndarray, np.ndarray]:
    """``n`` samples of 784 features with one-hot labels of 10 classes that a linear softmax model can learn.

    The label is the arg-max (``rule="argmax"``) of a fixed linear map of the features; ``rule="argmin"``
    labels the same inputs with the class that map ranks last, so a model learning the first rule gets worse
    on the second.
    """
    projection = np.random.default_rng(1234).normal(size=(N_FEATURES, N_CLASSES)).astype("float32")
    x = np.random.default_rng(seed).normal(size=(n, N_FEATURES)).astype("float32")
    scores = x @ projection
    labels = scores.argmax(axis=1) if rule == "argmax" else scores.argmin(axis=1)
    return x, np.eye(N_CLASSES, dtype="float32")[labels]


@pytest.fixture
def seed_data() -> dict:
    """The names the seed examples use without defining them (784 features, 10 one-hot classes).

    The validation set (``X_test``, ``Y_test``) mixes samples labelled by the learnable rule with samples
    labelled against it, so its loss first falls, then rises: checkpoints see improving and worsening epochs.
    """
    x_train, y_train = learnable(512, seed=1)
    x_good, y_good = learnable(96, seed=2)
    x_bad, y_bad = learnable(32, seed=3, rule="argmin")
    x_test, y_test = np.concatenate([x_good, x_bad]), np.concatenate([y_good, y_bad])
    return {"X_train": x_train, "Y_train": y_train, "x_train": x_train, "y_train": y_train,
            "X_test": x_test, "Y_test": y_test}


@pytest.fixture(autouse=True)
def fresh_names_and_seed():
    """Layer names restart at ``dense`` and weights are drawn reproducibly in every test."""
    import refimpl

    reset_name_counters()
    refimpl.utils.set_random_seed(0)
    yield


@pytest.fixture
def in_tmp_dir(tmp_path, monkeypatch):
    """Run in a temporary directory: examples write ``loss_log.json``, ``training.log``… to the cwd."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def checkpoint_file(tmp_path):
    """The examples' ``/tmp/weights.hdf5``, owned by one test at a time; a file already there is put back."""
    with open(os.path.join(os.path.dirname(CHECKPOINT_PATH), ".refimpl-seed-tests.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        kept = tmp_path / "kept-weights.hdf5"
        if os.path.exists(CHECKPOINT_PATH):
            shutil.move(CHECKPOINT_PATH, kept)
        try:
            yield CHECKPOINT_PATH
        finally:
            if os.path.exists(CHECKPOINT_PATH):
                os.unlink(CHECKPOINT_PATH)
            if kept.exists():
                shutil.move(kept, CHECKPOINT_PATH)
            fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def no_deprecations():
    """Inside a dialect its own names are native: any DeprecationWarning fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        yield
