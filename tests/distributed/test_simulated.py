"""refimpl.testing.simulated_data_parallel: every role sees the single-process run, and the clauses hold on it."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import refimpl as keras
from conformance.checks.distribution import judge
from conformance.distributed.simulated import measure_simulated
from conformance.spec import load_clauses
from refimpl import distribution
from refimpl.testing import Role, simulated_data_parallel
from tests.distributed.conftest import MEASURED

DISTRIBUTION_CLAUSES = [c.id for c in load_clauses("keras3") if c.kind == "distribution"]


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    MEASURED["simulated"] = measure_simulated(tmp_path_factory.mktemp("sim"), replicas=4)
    return MEASURED["simulated"]


# Clauses about what several real processes disagree on cannot apply to roles run in one process.
NOT_SIMULATED = {"dist.seed.same-on-every-process", "dist.backup.kill-resume"}


@pytest.mark.parametrize("clause", sorted(set(DISTRIBUTION_CLAUSES) - NOT_SIMULATED))
def test_the_simulated_run_holds_the_clause(simulated, clause):
    assert judge(simulated, "keras3")[clause] == [], judge(simulated, "keras3")[clause]


def test_clauses_that_need_real_processes_do_not_apply_to_the_simulation(simulated):
    assert {cid for cid, v in judge(simulated, "keras3").items() if v is None} == NOT_SIMULATED


def test_the_simulated_run_has_its_roles_and_can_fail_the_clauses(simulated):
    assert [(t["process_index"], t["process_count"]) for t in simulated["runs"]["sim"]] == [(i, 4) for i in range(4)]
    assert simulated["reference"]["process_count"] == 1
    broken = copy.deepcopy(simulated)
    next(c for c in broken["runs"]["sim"][2]["calls"] if c[0] == "on_train_batch_end")[2]["loss"] += 1e-3
    assert judge(broken, "keras3")["dist.logs.global"] and not judge(simulated, "keras3")["dist.logs.global"]


class ChiefCheckpoint(keras.callbacks.Callback):
    """A callback author's callback: saves weights at each epoch end, on the chief only."""

    def __init__(self, path, process_index=distribution.process_index):
        super().__init__()
        self.path, self.process_index = path, process_index

    def on_epoch_end(self, epoch, logs=None):
        if self.process_index() == 0:
            self.model.save_weights(str(self.path))


def _fit(callbacks):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model.fit(x, y, batch_size=4, epochs=2, verbose=0, shuffle=False, callbacks=callbacks).history


def test_a_chief_only_callback_writes_once_and_every_role_sees_the_single_process_run(tmp_path):
    shared = tmp_path / "chief.weights.h5"
    single = _fit([])

    def run(role: Role):
        before = shared.exists()
        history = _fit([ChiefCheckpoint(shared)])
        return role, before, shared.exists(), history

    results = simulated_data_parallel(run, replicas=3)
    assert [(r.index, r.count, r.is_chief) for r, *_ in results] == [(0, 3, True), (1, 3, False), (2, 3, False)]
    assert [(before, after) for _, before, after, _ in results] == [(False, True), (True, True), (True, True)]
    assert all(h == single for *_, h in results), "every role's logs equal the single-process run's"

    written = []  # the same callback with the role injected, as a Keras test would pass jax.process_index

    def run_injected(role: Role):
        path = tmp_path / f"injected-{role.index}.weights.h5"
        _fit([ChiefCheckpoint(path, process_index=role.process_index)])
        written.append(path.exists())

    simulated_data_parallel(run_injected, replicas=2)
    assert written == [True, False]


def test_the_role_is_restored_after_each_run_even_when_it_raises():
    seen = simulated_data_parallel(lambda r: (distribution.process_index(), distribution.process_count()), 3)
    assert seen == [(0, 3), (1, 3), (2, 3)]
    assert (distribution.process_index(), distribution.process_count(), distribution.is_chief()) == (0, 1, True)

    def boom(role):
        raise RuntimeError(f"role {role.index}")

    with pytest.raises(RuntimeError, match="role 0"):
        simulated_data_parallel(boom, replicas=2)
    assert (distribution.process_index(), distribution.process_count()) == (0, 1)


@pytest.mark.parametrize("replicas", [0, -1, 1.5, "2", True, None])
def test_bad_replicas_are_refused_before_anything_runs(replicas):
    called = []
    with pytest.raises(ValueError, match=r"replicas must be an int >= 1.*got"):
        simulated_data_parallel(called.append, replicas=replicas)
    assert not called


def test_run_must_be_callable():
    with pytest.raises(TypeError, match="run must be a callable"):
        simulated_data_parallel(None, replicas=2)
