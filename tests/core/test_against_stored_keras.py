"""Every optimizer and loss trains to the weights and History Keras 3 recorded (within 1e-5 relative)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import refimpl

from .keras_reference import run_case

STORED = json.loads((Path(__file__).parent / "data" / "keras_reference.json").read_text())["cases"]


@pytest.mark.parametrize("case", sorted(STORED))
def test_training_matches_recorded_keras(case):
    loss, opt = case.split("/")
    got = run_case(refimpl, loss, opt)
    want = STORED[case]
    assert sorted(got["history"]) == sorted(want["history"])
    for key in want["history"]:
        np.testing.assert_allclose(got["history"][key], want["history"][key], rtol=1e-5, atol=1e-7, err_msg=key)
    for i, (g, w) in enumerate(zip(got["weights"], want["weights"])):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6, err_msg=f"weight {i}")
