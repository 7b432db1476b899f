"""BackupAndRestore: an interrupted fit resumed from its backup ends exactly as an uninterrupted one."""

from __future__ import annotations

import os

import h5py
import numpy as np
import pytest

import refimpl as keras
from refimpl.callbacks import BackupAndRestore
from refimpl.saving import InvalidCheckpointError, atomic

EPOCHS = 4


def _build():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dropout(0.3),
                              keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((40, 3)).astype("float32")
    return x, (x @ np.array([[1.0], [-2.0], [0.5]], dtype="float32"))


def _fit(model, callbacks, epochs=EPOCHS):
    x, y = _data()
    return model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, validation_split=0.2, shuffle=True,
                     callbacks=callbacks)


class Interrupt(keras.callbacks.Callback):
    """Raises after the given number of training batches, as a crash would stop the run."""

    def __init__(self, after_batches: int):
        super().__init__()
        self.after_batches = after_batches
        self.seen = 0

    def on_train_batch_end(self, batch, logs=None):
        self.seen += 1
        if self.seen == self.after_batches:
            raise KeyboardInterrupt("simulated crash")


class CountEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.epochs.append(epoch)


@pytest.fixture(scope="module")
def uninterrupted():
    keras.utils.set_random_seed(1)
    model = _build()
    history = _fit(model, [])
    return model.get_weights(), model.optimizer.get_state(), history.history, history.epoch


def _interrupt(backup_dir, after_batches, **kwargs):
    keras.utils.set_random_seed(1)
    model = _build()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, [BackupAndRestore(backup_dir, **kwargs), Interrupt(after_batches)])


def _assert_same_run(model, history, reference):
    weights, optimizer_state, history_dict, epochs = reference
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))
    assert all(np.array_equal(a, b) for a, b in zip(model.optimizer.get_state(), optimizer_state))
    assert history.history == history_dict
    assert history.epoch == epochs


@pytest.mark.parametrize("save_freq", ["epoch", 1, 3])
@pytest.mark.parametrize("after_batches", [2, 5, 7, 11, 13])
def test_resumed_run_equals_uninterrupted_run(tmp_path, uninterrupted, save_freq, after_batches):
    backup_dir = str(tmp_path / "backup")
    _interrupt(backup_dir, after_batches, save_freq=save_freq)
    has_backup = os.path.exists(os.path.join(backup_dir, "latest.weights.h5"))
    # With a backup, the resumed process starts from other random state and weights; without one (crash
    # before the first backup) it is a fresh start, equal to the reference only from the same seed.
    keras.utils.set_random_seed(99 if has_backup else 1)
    model = _build()
    counter = CountEpochs()
    history = _fit(model, [BackupAndRestore(backup_dir, save_freq=save_freq), counter])
    _assert_same_run(model, history, uninterrupted)
    done_epochs = after_batches // 4 if save_freq == "epoch" else None
    if done_epochs is not None:
        assert counter.epochs == list(range(done_epochs, EPOCHS))
    assert not os.path.exists(backup_dir)  # delete_checkpoint=True and nothing else was in it


def test_twice_interrupted_run_still_matches(tmp_path, uninterrupted):
    backup_dir = str(tmp_path / "backup")
    _interrupt(backup_dir, 3, save_freq=2)
    keras.utils.set_random_seed(7)
    model = _build()
    with pytest.raises(KeyboardInterrupt):
        _fit(model, [BackupAndRestore(backup_dir, save_freq=2), Interrupt(6)])
    keras.utils.set_random_seed(8)
    model = _build()
    history = _fit(model, [BackupAndRestore(backup_dir, save_freq=2)])
    _assert_same_run(model, history, uninterrupted)


def test_backup_file_holds_weights_optimizer_and_training_state(tmp_path):
    backup_dir = tmp_path / "backup"
    _interrupt(str(backup_dir), 6, save_freq="epoch")
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5"]
    with h5py.File(backup_dir / "latest.weights.h5", "r") as f:
        assert sorted(f["layers"]) == ["dense", "dense_1", "dropout"]
        assert int(f["optimizer/vars/0"][()]) == 4  # Adam's iterations after the first epoch (4 batches)
        import json

        state = json.loads(f["training_state"].attrs["json"])
    assert state["epoch"] == 1 and state["batches_done"] == 0
    assert state["history"]["epoch"] == [0] and set(state["history"]["history"]) == {"loss", "mae", "val_loss",
                                                                                      "val_mae"}


def test_keep_checkpoint_then_rerun_trains_nothing_more(tmp_path, uninterrupted):
    backup_dir = str(tmp_path / "backup")
    keras.utils.set_random_seed(1)
    model = _build()
    _fit(model, [BackupAndRestore(backup_dir, delete_checkpoint=False)])
    assert os.listdir(backup_dir) == ["latest.weights.h5"]
    again = _build()
    counter = CountEpochs()
    history = _fit(again, [BackupAndRestore(backup_dir, delete_checkpoint=False), counter])
    assert counter.epochs == []
    _assert_same_run(again, history, uninterrupted)


def test_double_checkpoint_falls_back_when_the_latest_is_damaged(tmp_path, uninterrupted):
    backup_dir = tmp_path / "backup"
    _interrupt(str(backup_dir), 10, save_freq=1, double_checkpoint=True)
    assert sorted(os.listdir(backup_dir)) == ["latest.weights.h5", "latest.weights.h5.bkp"]
    latest = backup_dir / "latest.weights.h5"
    latest.write_bytes(latest.read_bytes()[:500])  # torn by something outside refimpl
    keras.utils.set_random_seed(5)
    model = _build()
    callback = BackupAndRestore(str(backup_dir), save_freq=1, double_checkpoint=True)
    with pytest.warns(UserWarning, match="resuming from the previous backup"):
        history = _fit(model, [callback])
    assert callback.restored_from.endswith(".bkp")
    _assert_same_run(model, history, uninterrupted)


def test_damaged_backup_without_fallback_is_an_error_before_any_epoch(tmp_path):
    backup_dir = tmp_path / "backup"
    _interrupt(str(backup_dir), 6)
    latest = backup_dir / "latest.weights.h5"
    latest.write_bytes(latest.read_bytes()[:300])
    counter = CountEpochs()
    with pytest.raises(InvalidCheckpointError, match="latest.weights.h5") as info:
        _fit(_build(), [BackupAndRestore(str(backup_dir)), counter])
    assert "not a valid checkpoint" in str(info.value)
    assert counter.epochs == []
    assert latest.exists()  # kept for the user to inspect


def test_failed_backup_write_keeps_the_previous_backup(tmp_path, monkeypatch):
    backup_dir = tmp_path / "backup"
    keras.utils.set_random_seed(1)
    model = _build()

    class BreakRenamesOnceABackupExists(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:  # BackupAndRestore (before this callback) has just written epoch 1's backup
                self.saved = (backup_dir / "latest.weights.h5").read_bytes()
                monkeypatch.setattr(atomic.os, "replace", _failing_replace)

    breaker = BreakRenamesOnceABackupExists()
    with pytest.raises(OSError, match="injected"):
        _fit(model, [BackupAndRestore(str(backup_dir)), breaker])
    monkeypatch.undo()
    assert (backup_dir / "latest.weights.h5").read_bytes() == breaker.saved
    assert [p for p in os.listdir(backup_dir) if atomic.TEMP_MARKER in p] == []


def _failing_replace(src, dst):
    raise OSError(5, "injected I/O error before rename")


class RaiseAtEpochEnd(keras.callbacks.Callback):
    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("a later callback fails at the epoch's end")


def test_the_epoch_backup_is_written_in_on_epoch_end_so_a_later_failing_callback_loses_nothing(
        tmp_path, uninterrupted):
    # Keras 3 writes the epoch's backup in on_epoch_end too: the failed epoch 1 is not trained again.
    backup_dir = str(tmp_path / "backup")
    keras.utils.set_random_seed(1)
    with pytest.raises(KeyboardInterrupt):
        _fit(_build(), [BackupAndRestore(backup_dir), RaiseAtEpochEnd(1)])
    keras.utils.set_random_seed(99)
    model = _build()
    counter = CountEpochs()
    history = _fit(model, [BackupAndRestore(backup_dir), counter])
    assert counter.epochs == [2, 3]
    _assert_same_run(model, history, uninterrupted)


@pytest.mark.parametrize("failing_epoch", [1, EPOCHS - 1])
def test_a_csv_row_lost_after_the_epochs_backup_is_restored_from_the_backed_up_history(tmp_path, uninterrupted,
                                                                                      failing_epoch):
    # Killed between BackupAndRestore's on_epoch_end (the epoch's backup written) and CSVLogger's (its row not);
    # after the last epoch, the resumed run has no epoch left to train.
    import csv

    backup_dir, log = str(tmp_path / "backup"), str(tmp_path / "log.csv")
    keras.utils.set_random_seed(1)
    with pytest.raises(KeyboardInterrupt):
        _fit(_build(), [BackupAndRestore(backup_dir), RaiseAtEpochEnd(failing_epoch),
                        keras.callbacks.CSVLogger(log, append=True)])
    keras.utils.set_random_seed(99)
    history = _fit(_build(), [BackupAndRestore(backup_dir), keras.callbacks.CSVLogger(log, append=True)])
    with open(log, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [int(row["epoch"]) for row in rows] == [0, 1, 2, 3]
    assert [float(row["loss"]) for row in rows] == history.history["loss"] == uninterrupted[2]["loss"]


def test_double_checkpoint_keeps_the_previous_epochs_backup(tmp_path):
    backup_dir = tmp_path / "backup"
    keras.utils.set_random_seed(1)
    with pytest.raises(KeyboardInterrupt):
        _fit(_build(), [BackupAndRestore(str(backup_dir), double_checkpoint=True), RaiseAtEpochEnd(1)])
    import json

    epochs = []
    for name in ("latest.weights.h5", "latest.weights.h5.bkp"):
        with h5py.File(backup_dir / name, "r") as f:
            epochs.append(json.loads(f["training_state"].attrs["json"])["epoch"])
    assert epochs == [2, 1]


def test_epoch_boundary_backup_holds_that_epochs_history(tmp_path):
    backup_dir = tmp_path / "backup"
    _interrupt(str(backup_dir), 9)  # two full epochs, then one batch of the third
    with h5py.File(backup_dir / "latest.weights.h5", "r") as f:
        import json

        state = json.loads(f["training_state"].attrs["json"])
    assert state["epoch"] == 2 and state["history"]["epoch"] == [0, 1]


def test_a_backup_cannot_be_used_by_a_loop_without_a_fit_state(tmp_path):
    """A third-party loop that drives the hooks but shares no FitState gets a clear error, not a silent restart."""
    backup_dir = tmp_path / "backup"
    _interrupt(str(backup_dir), 6)
    model = _build()
    callbacks = keras.callbacks.CallbackList([BackupAndRestore(str(backup_dir))], model=model)
    with pytest.raises(RuntimeError, match="cannot resume"):
        callbacks.on_train_begin({})


def test_fit_state_is_public_and_tracks_epoch_step_and_metrics(tmp_path):
    seen = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            state = self.fit_state
            seen.append((state.epoch, state.step, state.metrics.get_state()["loss_count"], state.resumed))

    x, y = _data()
    _build().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[Watch()])
    assert [(e, s) for e, s, _, _ in seen] == [(e, s) for e in range(2) for s in range(1, 6)]
    assert [c for _, _, c, _ in seen[:5]] == [8, 16, 24, 32, 40]
    assert not any(r for *_, r in seen)


def test_fit_state_resume_is_refused_after_on_train_begin(tmp_path):
    class Late(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.fit_state.resume(0)

    x, y = _data()
    with pytest.raises(RuntimeError, match="on_train_begin"):
        _build().fit(x, y, epochs=1, verbose=0, callbacks=[Late()])


def test_metric_state_round_trips_through_get_and_set_state():
    metric = keras.metrics.MeanAbsoluteError()
    metric.update_state(np.array([[1.0], [2.0]]), np.array([[1.5], [1.0]]))
    copy = keras.metrics.MeanAbsoluteError()
    copy.set_state(metric.get_state())
    assert copy.result() == metric.result() == 0.75
    with pytest.raises(ValueError, match="count"):
        copy.set_state({"total": 1.0})


def test_unwritable_backup_dir_fails_before_any_epoch(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    counter = CountEpochs()
    with pytest.raises(PermissionError, match="backup_dir"):
        _fit(_build(), [counter, BackupAndRestore(str(blocker / "backup"))])
    assert counter.epochs == []


def test_only_its_own_files_are_deleted(tmp_path):
    backup_dir = tmp_path / "shared"
    backup_dir.mkdir()
    (backup_dir / "notes.txt").write_text("mine")
    _fit(_build(), [BackupAndRestore(str(backup_dir))])
    assert os.listdir(backup_dir) == ["notes.txt"]


@pytest.mark.parametrize("kwargs, match", [
    ({"backup_dir": ""}, "Empty `backup_dir`"),
    ({"backup_dir": None}, "Empty `backup_dir`"),
    ({"backup_dir": 3}, "backup_dir"),
    ({"backup_dir": "b", "save_freq": "batch"}, "save_freq"),
    ({"backup_dir": "b", "save_freq": 0}, "save_freq"),
    ({"backup_dir": "b", "save_freq": 2.5}, "save_freq"),
    ({"backup_dir": "b", "delete_checkpoint": "yes"}, "delete_checkpoint"),
    ({"backup_dir": "b", "double_checkpoint": 1}, "double_checkpoint"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        BackupAndRestore(**kwargs)


@pytest.mark.parametrize("after_batches", [3, 4, 8, 10])
def test_py_dataset_resumes_exactly_including_at_an_epochs_last_batch(tmp_path, after_batches):
    """save_freq=4 with 4 batches per epoch: every backup falls on an epoch's last batch."""
    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, index):
            x, y = _data()
            return x[index * 8:(index + 1) * 8], y[index * 8:(index + 1) * 8]

    def run(callbacks):
        model = _build()
        history = model.fit(Batches(), epochs=3, verbose=0, callbacks=callbacks)
        return model, history

    keras.utils.set_random_seed(1)
    reference_model, reference_history = run([])
    backup_dir = str(tmp_path / "backup")
    keras.utils.set_random_seed(1)
    with pytest.raises(KeyboardInterrupt):
        run([BackupAndRestore(backup_dir, save_freq=4), Interrupt(after_batches)])
    has_backup = os.path.exists(os.path.join(backup_dir, "latest.weights.h5"))
    assert has_backup == (after_batches > 4)
    keras.utils.set_random_seed(42 if has_backup else 1)
    model, history = run([BackupAndRestore(backup_dir, save_freq=4)])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reference_model.get_weights()))
    assert history.history == reference_history.history


def test_steps_per_execution_resumes_exactly(tmp_path):
    def run(callbacks):
        model = _build()
        model.compile(optimizer="adam", loss="mse", metrics=["mae"], steps_per_execution=2)
        return model, _fit(model, callbacks)

    keras.utils.set_random_seed(1)
    reference_model, reference_history = run([])
    backup_dir = str(tmp_path / "backup")
    keras.utils.set_random_seed(1)
    with pytest.raises(KeyboardInterrupt):
        run([BackupAndRestore(backup_dir, save_freq=3), Interrupt(4)])  # 4 executions = 8 batches
    keras.utils.set_random_seed(42)
    model, history = run([BackupAndRestore(backup_dir, save_freq=3)])
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), reference_model.get_weights()))
    assert history.history == reference_history.history
