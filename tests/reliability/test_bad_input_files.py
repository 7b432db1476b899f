"""Files that cannot be written: missing, read-only or full directories, a file where a directory
should be, names that are too long. Every writer fails with an error naming the path, before any epoch
when it is a callback, and a file that was already there is left complete."""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import uuid

import numpy as np
import pytest

import refimpl as keras

X = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
Y = X[:, :1] * 2


def model():
    keras.utils.set_random_seed(0)
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(64), keras.layers.Dense(1)])
    m.compile(optimizer="adam", loss="mse")
    return m


@contextlib.contextmanager
def tmpfs(path, size="64k", read_only=False):
    """A small tmpfs mounted at ``path`` (root only): a real full or read-only filesystem."""
    os.makedirs(path, exist_ok=True)
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        pytest.skip(f"cannot mount a tmpfs here ({e}); run as root to test full and read-only filesystems")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)


def remount_read_only(path):
    subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)


WRITERS = {
    "save_weights": lambda m, p: m.save_weights(str(p / "w.weights.h5")),
    "save_keras": lambda m, p: m.save(str(p / "m.keras")),
    "save_legacy_h5": lambda m, p: m.save(str(p / "m.h5")),
}
CALLBACKS = {
    "ModelCheckpoint": lambda p: keras.callbacks.ModelCheckpoint(str(p / "ck-{epoch}.keras")),
    "ModelCheckpoint_weights": lambda p: keras.callbacks.ModelCheckpoint(str(p / "w.weights.h5"),
                                                                         save_weights_only=True),
    "CSVLogger": lambda p: keras.callbacks.CSVLogger(str(p / "log.csv")),
    "BackupAndRestore": lambda p: keras.callbacks.BackupAndRestore(str(p / "backup")),
}


class EpochCounter(keras.callbacks.Callback):
    epochs = 0

    def on_epoch_begin(self, epoch, logs=None):
        type(self).epochs += 1


def fit_with(callback):
    EpochCounter.epochs = 0
    model().fit(X, Y, epochs=2, verbose=0, callbacks=[callback, EpochCounter()])


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_writing_into_a_missing_directory_names_the_path(tmp_path, writer):
    with pytest.raises(OSError, match="no_such_dir"):
        WRITERS[writer](model(), tmp_path / "no_such_dir")


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_callback_with_a_missing_or_blocked_directory_fails_before_any_epoch(tmp_path, name):
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("a file where a directory should be")
    with pytest.raises((OSError, ValueError), match="not_a_dir"):
        fit_with(CALLBACKS[name](blocker))
    assert EpochCounter.epochs == 0


@pytest.mark.parametrize("name", sorted(CALLBACKS))
def test_callback_on_a_read_only_filesystem_fails_before_any_epoch(tmp_path, name):
    with tmpfs(tmp_path / "ro", size="1m") as mount:
        remount_read_only(mount)
        with pytest.raises((OSError, ValueError), match=re.escape(str(mount))):
            fit_with(CALLBACKS[name](mount))
        assert EpochCounter.epochs == 0


@pytest.mark.parametrize("writer", sorted(WRITERS))
def test_a_full_disk_fails_clearly_and_keeps_the_earlier_file(tmp_path, writer):
    with tmpfs(tmp_path / "full", size="1m") as mount:
        m = model()
        WRITERS[writer](m, mount)  # a good file, small enough to fit
        before = {name: (mount / name).read_bytes() for name in os.listdir(mount)}
        # Fill the disk, then save a model whose weights no longer fit.
        with open(mount / "filler", "wb") as f, contextlib.suppress(OSError):
            f.write(b"\0" * (2 << 20))
        big = keras.Sequential([keras.Input((4,)), keras.layers.Dense(512), keras.layers.Dense(1)])
        big.compile(optimizer="adam", loss="mse")
        with pytest.raises(OSError) as info:
            WRITERS[writer](big, mount)
        assert str(mount) in str(info.value), f"the error does not name the file: {info.value}"
        for name, content in before.items():
            assert (mount / name).read_bytes() == content, f"{name} was changed by a failed save"
        assert not [n for n in os.listdir(mount) if ".tmp-" in n], "a temporary file was left behind"


def test_a_file_name_longer_than_the_filesystem_allows_is_a_clear_error(tmp_path):
    name = "w" * 300 + ".weights.h5"
    with pytest.raises(OSError, match="File name too long|ENAMETOOLONG|too long"):
        model().save_weights(str(tmp_path / name))


@pytest.mark.parametrize("name", ["模型-检查点.weights.h5", "체크포인트 1.weights.h5", "ünïcödé weights.weights.h5"])
def test_unicode_file_names_round_trip(tmp_path, name):
    m = model()
    deep = tmp_path.joinpath(*[f"d{uuid.uuid4().hex[:6]}" for _ in range(20)])
    deep.mkdir(parents=True)
    m.save_weights(str(deep / name))
    other = model()
    other.set_weights([np.zeros_like(w) for w in other.get_weights()])
    other.load_weights(str(deep / name))
    assert all(np.array_equal(a, b) for a, b in zip(m.get_weights(), other.get_weights()))
