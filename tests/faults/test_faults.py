"""Pytest entry of the fault harness: a few SIGKILL trials, plus the crash windows replayed deterministically.

CI runs ``python -m tests.faults --trials 50``; this file keeps a small, always-run sample in the suite.
"""

from __future__ import annotations

import csv
import os

import numpy as np
import pytest

import refimpl as keras

from .harness import run


@pytest.mark.slow
def test_sigkill_trials_leave_no_corrupt_file_and_resume_exactly():
    summary = run(trials=4, seed=2024)
    assert summary["killed"] >= 1
    assert summary["corrupt_files"] == 0, summary["failing_trials"]
    assert summary["resume_errors"] == 0, summary["failing_trials"]
    assert summary["resume_mismatches"] == 0, summary["failing_trials"]
    assert summary["stray_temp_files"] == 0, summary["failing_trials"]


class CrashAtEpochBegin(keras.callbacks.Callback):
    """Crashes at the start of an epoch, before the callbacks after it run: the window between the CSV row of
    the previous epoch (written at its end) and the backup of that epoch (written when the next one begins)."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt("simulated kill")


def _csv_run(tmp_path, extra):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).random((16, 3)).astype("float32")
    callbacks = [*extra, keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
                 keras.callbacks.CSVLogger(str(tmp_path / "log.csv"), append=True)]
    return model.fit(x, x[:, :2], epochs=4, batch_size=4, verbose=0, callbacks=callbacks)


def test_csv_rows_are_not_duplicated_when_the_crash_falls_between_row_and_backup(tmp_path):
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    _csv_run(reference_dir, [])
    with pytest.raises(KeyboardInterrupt):
        _csv_run(tmp_path, [CrashAtEpochBegin(2)])
    _csv_run(tmp_path, [])
    with open(tmp_path / "log.csv", newline="") as f, open(reference_dir / "log.csv", newline="") as g:
        assert list(csv.reader(f)) == list(csv.reader(g))
    assert not os.path.exists(tmp_path / "backup")
