"""``BackupAndRestore``: back up training as it runs, and resume an interrupted ``fit`` exactly where it stopped.

A backup is one HDF5 file, ``<backup_dir>/latest.weights.h5``, written atomically. Besides the weights and
the optimizer state (the layout of :mod:`refimpl.saving.h5_format`) it holds a ``/training_state`` group
whose ``json`` attribute records what a resumed run needs to continue identically: the epoch to resume
at, how many batches of it were already trained, the History so far, the running loss and metric totals
of the interrupted epoch, and the random generators' states (shuffling and Dropout).

To resume, this callback uses the loop's public ``FitState`` (``self.fit_state``): in ``on_train_begin``
it calls ``fit_state.resume(...)`` with what the backup recorded; a mid-epoch backup records
``fit_state.step``, ``fit_state.metrics.get_state()`` and ``fit_state.get_rng_state()``.
"""

from __future__ import annotations

import json
import os
import warnings

import h5py
import numpy as np

from ..saving import h5_format
from ..saving.atomic import atomic_write, remove_stale_temps
from ..saving.errors import InvalidCheckpointError
from .batch_counter import BatchCounter
from .callback import Callback

BACKUP_NAME = "latest.weights.h5"
PREVIOUS_SUFFIX = ".bkp"
STATE_GROUP = "training_state"
STATE_VERSION = 1


class BackupAndRestore(Callback):
    """Back up the model, optimizer and training progress so that an interrupted ``fit`` can resume.

    Pass the same callback (same ``backup_dir``) to ``fit`` again after an interruption: training resumes
    at the epoch (and, with an integer ``save_freq``, the batch) of the last backup, and finishes with the
    same weights, optimizer state and History as an uninterrupted run (Keras 3's resumed History holds
    only the epochs run after the interruption, and Keras 3 restarts an epoch interrupted in its middle
    from its first batch: deliberate differences). An epoch's backup is written in ``on_epoch_end``, as
    in Keras 3. When ``fit`` completes, the backup is deleted (``delete_checkpoint=True``).

    Args:
        backup_dir: the directory holding the backup; created if needed. Use it for this run only.
        save_freq: ``"epoch"`` to back up after every epoch, or an integer ``N`` to back up every ``N``
            training batches (resuming mid-epoch). Defaults to `"epoch"`.
        delete_checkpoint: delete the backup when training finishes. Defaults to `True`.
        double_checkpoint: keep the previous backup as ``latest.weights.h5.bkp``; if the latest one
            cannot be read, training resumes from the previous one. Defaults to `False`.

    Raises:
        ValueError: for an empty ``backup_dir``, a ``save_freq`` that is neither ``"epoch"`` nor a positive
            integer, or non-boolean flags.

    Example:
        >>> import tempfile
        >>> import numpy as np
        >>> import refimpl as keras
        >>> class Interrupt(keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if epoch == 1:
        ...             raise RuntimeError("interrupted")
        >>> backup = keras.callbacks.BackupAndRestore(tempfile.mkdtemp())
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> x, y = np.ones((8, 2)), np.ones((8, 1))
        >>> try:
        ...     _ = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup, Interrupt()])
        ... except RuntimeError:
        ...     pass
        >>> history = model.fit(x, y, epochs=4, verbose=0, callbacks=[backup])
        >>> history.epoch
        [0, 1, 2, 3]
    """

    def __init__(self, backup_dir, save_freq: str | int = "epoch", delete_checkpoint: bool = True,
                 double_checkpoint: bool = False):
        super().__init__()
        if backup_dir is None or (isinstance(backup_dir, str) and not backup_dir):
            raise ValueError("Empty `backup_dir` argument passed: BackupAndRestore needs a directory to hold its "
                             f"backup. Received: backup_dir={backup_dir!r}")
        try:
            self.backup_dir = os.fspath(backup_dir)
        except TypeError:
            raise ValueError(f"backup_dir must be a str or os.PathLike; received backup_dir={backup_dir!r}.") from None
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError("Invalid value for argument `save_freq`. "
                             f"Received: save_freq={save_freq!r}. Expected either 'epoch' or a positive integer.")
        for arg, value in (("delete_checkpoint", delete_checkpoint), ("double_checkpoint", double_checkpoint)):
            if not isinstance(value, bool):
                raise ValueError(f"BackupAndRestore: {arg} must be True or False; received {arg}={value!r}.")
        self.save_freq = save_freq
        self.delete_checkpoint = delete_checkpoint
        self.double_checkpoint = double_checkpoint
        self._weights_path = os.path.join(self.backup_dir, BACKUP_NAME)
        self._prev_weights_path = self._weights_path + PREVIOUS_SUFFIX
        # The training metadata (epoch, History, random state) lives in the same file as the weights.
        self._training_metadata_path = self._weights_path
        self._prev_training_metadata_path = self._prev_weights_path
        self._reset_progress()

    def _reset_progress(self) -> None:
        self._current_epoch = 0
        self._batch_counter = None if self.save_freq == "epoch" else BatchCounter(self.save_freq)
        self._epoch_rng: dict | None = None
        self._pending: dict | None = None  # an epoch-boundary backup waiting for History to record the epoch
        self._pending_batch: int | None = None  # the batch whose end is due for a mid-epoch backup
        self.restored_from: str | None = None

    # ------------------------------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._reset_progress()
        model = self.model
        if not model.built:
            raise ValueError("To use the BackupAndRestore callback, your model must be built before you call "
                             f"`fit()`. Model '{model.name}' is unbuilt. Build it by giving it an Input(shape) or "
                             "calling it on a batch of data.")
        _ensure_writable_directory(self.backup_dir)
        remove_stale_temps(self.backup_dir, BACKUP_NAME)
        state = self._load_backup()
        fit_state = self.fit_state
        if state is not None:
            if fit_state is None:
                raise RuntimeError("BackupAndRestore found a backup to resume from, but the loop running it gave "
                                   "it no fit_state, so it cannot resume: drive it with refimpl's fit(), or give "
                                   "the CallbackList a FitState (refimpl.trainer.FitState).")
            fit_state.resume(state["epoch"], step=state["batches_done"], history=state["history"],
                             rng_epoch_start=state["rng_epoch_start"], rng_now=state["rng_now"],
                             metrics=state["running"])
            self._current_epoch = state["epoch"]
            if self._batch_counter is not None:
                self._batch_counter.last_index = state["batches_done"] - 1 if state["batches_done"] else -1
                self._batch_counter.since_last = state.get("batches_since_save", 0)
        self._epoch_rng = self._rng_state()

    def _rng_state(self) -> dict | None:
        return None if self.fit_state is None else self.fit_state.get_rng_state()

    def on_epoch_begin(self, epoch, logs=None):
        self._flush_pending()
        self._current_epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._pending_batch is None:
            return
        # The batch due for a backup was not the epoch's last one (this one follows it), so it is a mid-epoch
        # backup; nothing has changed since that batch ended.
        done, self._pending_batch = self._pending_batch + 1, None
        fit_state = self.fit_state
        if fit_state is None or fit_state.metrics is None:
            return  # not driven by a loop that shares its state: only epoch backups are possible
        self._save({"epoch": self._current_epoch, "batches_done": done, "rng_epoch_start": self._epoch_rng,
                    "rng_now": fit_state.get_rng_state(), "running": fit_state.metrics.get_state()})

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_counter is not None and self._batch_counter.due(batch):
            # Written when the next batch begins; if the epoch ends first, at the epoch boundary instead (a
            # resume must never find every batch of an epoch done and no epoch end).
            self._pending_batch = batch

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        if self._batch_counter is not None:
            self._batch_counter.last_index = -1
        # Captured now, before the next epoch shuffles its data: a resumed run reshuffles identically.
        self._epoch_rng = self._rng_state()
        if self.save_freq == "epoch" or self._pending_batch is not None:
            # Written now, as Keras 3 does: a later callback that raises in on_epoch_end loses nothing. History
            # records this epoch after the user's callbacks, so the backup adds it to the History it holds.
            self._pending_batch = None
            self._save({"epoch": epoch + 1, "batches_done": 0, "rng_epoch_start": self._epoch_rng,
                        "rng_now": None, "running": None}, epoch_logs=(epoch, dict(logs or {})))

    def on_train_end(self, logs=None):
        self._pending_batch = None
        if self.delete_checkpoint:
            self._pending = None
            for path in (self._weights_path, self._prev_weights_path):
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
            try:
                os.rmdir(self.backup_dir)  # only if empty: never delete files this callback did not write
            except OSError:
                pass
        else:
            self._flush_pending()

    # ---------------------------------------------------------------------------------------- saving
    def _flush_pending(self) -> None:
        if self._pending is None:
            return
        pending, self._pending = self._pending, None
        self._save({"epoch": pending["epoch"], "batches_done": 0, "rng_epoch_start": self._epoch_rng,
                    "rng_now": None, "running": None})

    def _save(self, state: dict, epoch_logs: tuple[int, dict] | None = None) -> None:
        history = getattr(self.model, "history", None)
        recorded = {"epoch": list(getattr(history, "epoch", []) or []),
                    "history": {k: list(v) for k, v in (getattr(history, "history", {}) or {}).items()}}
        if epoch_logs is not None and epoch_logs[0] not in recorded["epoch"]:
            epoch, logs = epoch_logs
            recorded["epoch"].append(epoch)
            for key, value in logs.items():
                recorded["history"].setdefault(key, []).append(value)
        state = {
            "version": STATE_VERSION,
            **state,
            "batches_since_save": 0 if self._batch_counter is None else self._batch_counter.since_last,
            "history": recorded,
        }
        text = json.dumps(state, default=_json_default, allow_nan=True)
        os.makedirs(self.backup_dir, exist_ok=True)
        with atomic_write(self._weights_path, overwrite=True) as temp:
            with h5py.File(temp, "w") as f:
                h5_format.write_weights(f, self.model, include_optimizer=True)
                f.create_group(STATE_GROUP).attrs["json"] = text
            if self.double_checkpoint and os.path.exists(self._weights_path):
                # The new backup is complete on disk; keep the current one as the previous backup.
                os.replace(self._weights_path, self._prev_weights_path)

    # --------------------------------------------------------------------------------------- loading
    def _load_backup(self) -> dict | None:
        candidates = [self._weights_path]
        if self.double_checkpoint:
            candidates.append(self._prev_weights_path)
        errors = []
        for path in candidates:
            if not os.path.exists(path):
                continue
            try:
                state = _read_backup(path, self.model)
            except (InvalidCheckpointError, ValueError) as e:
                errors.append(e)
                continue
            if errors:
                warnings.warn(f"BackupAndRestore: the latest backup could not be read ({errors[0]}); resuming from "
                              f"the previous backup {path!r}.", UserWarning, stacklevel=3)
            self.restored_from = path
            return state
        if errors:
            raise errors[0]
        return None


# --------------------------------------------------------------------------------------------- helpers
def _ensure_writable_directory(directory: str) -> None:
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise PermissionError(f"BackupAndRestore cannot create backup_dir={directory!r}: {e.strerror or e}.") from None
    probe = os.path.join(directory, f".refimpl-write-probe-{os.getpid()}")
    try:
        with open(probe, "wb") as f:
            f.write(b"probe")
    except OSError as e:
        raise PermissionError(f"BackupAndRestore cannot write in backup_dir={directory!r}: {e.strerror or e}.") \
            from None
    finally:
        try:
            os.unlink(probe)
        except OSError:
            pass


def _read_backup(path: str, model) -> dict:
    """Load the backup's weights and optimizer state into ``model``; return its training state."""
    if not h5py.is_hdf5(path):
        raise InvalidCheckpointError(path, "it is not an HDF5 file (it may be empty, truncated or corrupt).")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise InvalidCheckpointError(path, f"the HDF5 file cannot be opened ({e}).") from None
    with f:
        group = h5_format.child(f, STATE_GROUP, path, "")
        if not isinstance(group, h5py.Group):
            raise InvalidCheckpointError(path, f"it has no /{STATE_GROUP} group: it is not a BackupAndRestore backup.")
        text = h5_format.read_str_attr(group, "json", path, f"/{STATE_GROUP}")
        try:
            state = json.loads(text)
        except ValueError as e:
            raise InvalidCheckpointError(path, f"/{STATE_GROUP}@json is not valid JSON ({e}).") from None
        _check_state(state, path)
        h5_format.read_weights(f, model, path, skip_mismatch=False, load_optimizer=True)
    return state


def _check_state(state, path: str) -> None:
    def need(condition: bool, what: str) -> None:
        if not condition:
            raise InvalidCheckpointError(path, f"its training state is malformed: {what}.")

    need(isinstance(state, dict), "not a JSON object")
    need(state.get("version") == STATE_VERSION, f"version {state.get('version')!r} (expected {STATE_VERSION})")
    for key in ("epoch", "batches_done"):
        need(isinstance(state.get(key), int) and not isinstance(state.get(key), bool) and state[key] >= 0,
             f"{key} must be a non-negative integer")
    history = state.get("history")
    need(isinstance(history, dict) and isinstance(history.get("epoch"), list)
         and isinstance(history.get("history"), dict), "history must hold 'epoch' and 'history'")
    need(all(isinstance(v, list) for v in history["history"].values()), "history values must be lists")
    need(state.get("rng_epoch_start") is None or isinstance(state["rng_epoch_start"], dict), "rng states")
    if state["batches_done"]:
        need(isinstance(state.get("running"), dict), "a mid-epoch backup needs the running totals")
        need(isinstance(state.get("rng_now"), dict), "a mid-epoch backup needs the random state")


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"BackupAndRestore cannot record a logs value of type {type(value).__name__} in its backup.")
