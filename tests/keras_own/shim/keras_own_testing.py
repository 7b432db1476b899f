"""Test helpers Keras's own tests import as ``keras.src.testing`` (and ``conftest``): a ``TestCase`` on
absl's ``parameterized.TestCase`` and ``skip_if_backend``. Assertions only; no Keras behaviour."""

from __future__ import annotations

import shutil
import tempfile

import numpy as np
import pytest
from absl.testing import parameterized

import refimpl

test_utils = None  # the wheel's keras/src/testing/test_utils.py, set by keras_own_shim


class TestCase(parameterized.TestCase):
    """absl's parameterized TestCase plus the few assertions Keras's callback tests use."""

    maxDiff = None

    def setUp(self):
        super().setUp()
        refimpl.utils.clear_session()

    def get_temp_dir(self):
        path = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    def assertAllClose(self, x1, x2, atol=1e-6, rtol=1e-6, msg=None):  # noqa: N802 (unittest naming)
        np.testing.assert_allclose(np.asarray(x1), np.asarray(x2), atol=atol, rtol=rtol, err_msg=msg or "")

    def assertAllEqual(self, x1, x2, msg=None):  # noqa: N802
        np.testing.assert_array_equal(np.asarray(x1), np.asarray(x2), err_msg=msg or "")


def skip_if_backend(given_backend, reason):
    """Skip a test when refimpl reports ``given_backend`` as its backend (it reports ``"numpy"``)."""
    return pytest.mark.skipif(refimpl.backend.backend() == given_backend, reason=reason)


def jax_uses_gpu():
    """refimpl computes with numpy on the CPU."""
    return False
