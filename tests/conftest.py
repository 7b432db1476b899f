"""Test-suite settings: hypothesis profiles, and the stages that need heavy installs.

``--hypothesis-profile ci|dev|thorough`` picks a profile (``ci`` when the CI variable is set, else
``dev``). Tests marked ``keras`` need KERAS3_PYTHON (a Python with Keras 3 + jax); tests marked
``browser`` need Chromium; ``.ci/run`` provides both.
"""

from __future__ import annotations

import os

from hypothesis import settings

import conformance.hypothesis_profiles  # noqa: F401  (registers ci, dev, thorough)

settings.load_profile("ci" if os.environ.get("CI") else "dev")
