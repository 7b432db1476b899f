"""Dialect parity: refimpl's keras1 and keras2 dialects against live Keras 1.2.2 and 2.2.4, through the harness.

Needs the environments: `python -m conformance env build keras-1.2.2 keras-2.2.4`, then `KCC_KERAS_ENVS` set to
their directory (.ci/run does both). Every difference must be a known one (conformance/harness/
known_differences.toml, each with its reason and evidence), and every known one must still occur.
"""

import os
import re

import pytest

from conformance.harness.parity import load_known_differences, run_parity

ENVS = os.environ.get("KCC_KERAS_ENVS")
pytestmark = pytest.mark.skipif(not ENVS, reason="set KCC_KERAS_ENVS to the directory of environments built by "
                                                  "`python -m conformance env build keras-1.2.2 keras-2.2.4`")


@pytest.mark.parametrize("release", ["keras-1.2.2", "keras-2.2.4"])
def test_the_dialect_matches_the_real_release(release):
    out = run_parity(release, ENVS, jobs=2)
    assert out["scenarios"] >= 20
    assert not out["protocol_errors"], out["protocol_errors"]
    assert out["real"]["version"] == release.split("-")[1]
    known = load_known_differences(release)
    used = set()
    unexpected = []
    for lines in out["differences"].values():
        for line in lines:
            hit = [k["id"] for k in known if re.search(k["pattern"], line)]
            used.update(hit)
            if not hit:
                unexpected.append(line)
    assert not unexpected, f"{len(unexpected)} unexpected differences, first ones:\n" + "\n".join(unexpected[:10])
    stale = [k["id"] for k in known if k["id"] not in used]
    assert not stale, f"known differences that no longer occur (remove them): {stale}"
