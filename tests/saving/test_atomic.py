"""Atomic saves: whatever fails (an error, a full disk, SIGKILL), the previous file stays whole and loadable."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import refimpl as keras
from refimpl.saving import atomic, h5_format

from .conftest import make_model, same_arrays

FORMATS = ["model.keras", "model.weights.h5", "model.h5"]


def _save(model, path):
    (model.save_weights if str(path).endswith(".weights.h5") else model.save)(path)


def _fill(model, value: float):
    model.set_weights([np.full_like(w, value) for w in model.get_weights()])


def _check_intact(path, old_bytes, expected_weights):
    assert path.read_bytes() == old_bytes
    clone = make_model()
    clone.load_weights(path)
    assert same_arrays(clone.get_weights(), expected_weights)
    leftovers = [p.name for p in path.parent.iterdir() if atomic.TEMP_MARKER in p.name]
    assert leftovers == []


@pytest.mark.parametrize("name", FORMATS)
def test_failure_between_write_and_replace_keeps_the_old_file(tmp_path, trained, name, monkeypatch):
    path = tmp_path / name
    _save(trained, path)
    old_bytes, old_weights = path.read_bytes(), trained.get_weights()
    _fill(trained, 7.0)

    def failing_replace(src, dst):
        raise OSError(5, "injected I/O error before rename")

    monkeypatch.setattr(atomic.os, "replace", failing_replace)
    with pytest.raises(OSError, match="injected"):
        _save(trained, path)
    monkeypatch.undo()
    _check_intact(path, old_bytes, old_weights)


@pytest.mark.parametrize("name", FORMATS)
def test_failure_while_writing_keeps_the_old_file(tmp_path, trained, name, monkeypatch):
    path = tmp_path / name
    _save(trained, path)
    old_bytes, old_weights = path.read_bytes(), trained.get_weights()
    _fill(trained, 7.0)
    real_write, real_legacy = h5_format.write_weights, h5_format.write_legacy_weights

    def half_write(*args, **kwargs):
        f = args[0]
        f.create_group("layers")  # a partial file, then the failure
        raise OSError(28, "injected: No space left on device")

    monkeypatch.setattr(h5_format, "write_weights", half_write)
    monkeypatch.setattr(h5_format, "write_legacy_weights", half_write)
    with pytest.raises(OSError, match="No space left"):
        _save(trained, path)
    monkeypatch.setattr(h5_format, "write_weights", real_write)
    monkeypatch.setattr(h5_format, "write_legacy_weights", real_legacy)
    _check_intact(path, old_bytes, old_weights)


def test_failed_fsync_keeps_the_old_file(tmp_path, trained, monkeypatch):
    path = tmp_path / "model.keras"
    _save(trained, path)
    old_bytes, old_weights = path.read_bytes(), trained.get_weights()
    _fill(trained, 3.0)

    def failing_fsync(fd):
        raise OSError(5, "injected fsync failure")

    monkeypatch.setattr(atomic.os, "fsync", failing_fsync)
    with pytest.raises(OSError, match="fsync"):
        _save(trained, path)
    monkeypatch.undo()
    _check_intact(path, old_bytes, old_weights)


_FULL_DISK_SCRIPT = textwrap.dedent("""
    import resource, signal, sys
    import numpy as np
    import refimpl as keras
    path, limit = sys.argv[1], int(sys.argv[2])
    model = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512), keras.layers.Dense(64)])
    model.set_weights([np.full_like(w, 9.0) for w in model.get_weights()])
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    try:
        (model.save_weights if path.endswith(".weights.h5") else model.save)(path)
    except OSError as e:
        print("OSError", e.errno)
        sys.exit(0)
    print("saved")
""")


@pytest.mark.parametrize("name", FORMATS)
def test_a_real_write_failure_midway_keeps_the_old_file(tmp_path, name):
    """RLIMIT_FSIZE makes the kernel refuse writes past a size (EFBIG), as a full disk would (ENOSPC)."""
    path = tmp_path / name
    small = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512), keras.layers.Dense(64)])
    _fill(small, 1.0)
    _save(small, path)
    old_bytes = path.read_bytes()
    limit = len(old_bytes) // 2  # the new file (same size) cannot be written completely
    result = subprocess.run([sys.executable, "-c", _FULL_DISK_SCRIPT, str(path), str(limit)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OSError"), result.stdout
    assert path.read_bytes() == old_bytes
    clone = keras.Sequential([keras.Input((64,)), keras.layers.Dense(512), keras.layers.Dense(64)])
    clone.load_weights(path)
    assert all(np.all(w == 1.0) for w in clone.get_weights())
    assert [p.name for p in tmp_path.iterdir()] == [name]


_SAVE_LOOP_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import refimpl as keras
    path = sys.argv[1]
    model = keras.Sequential([keras.Input((256,)), keras.layers.Dense(1024), keras.layers.Dense(256)])
    version = 0
    while True:
        version += 1
        model.set_weights([np.full_like(w, float(version)) for w in model.get_weights()])
        (model.save_weights if path.endswith(".weights.h5") else model.save)(path)
        print(version, flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("name", FORMATS)
def test_sigkill_during_saves_never_leaves_a_partial_file(tmp_path, name):
    rng = np.random.default_rng(1234)
    path = tmp_path / name
    for trial in range(4):
        process = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP_SCRIPT, str(path)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        first = process.stdout.readline()  # at least one complete save exists
        assert first.strip() == "1", process.stderr.read()
        time.sleep(float(rng.uniform(0.0, 0.6)))
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        clone = keras.Sequential([keras.Input((256,)), keras.layers.Dense(1024), keras.layers.Dense(256)])
        clone.load_weights(path)
        values = {float(w.flat[0]) for w in clone.get_weights()}
        assert len(values) == 1, f"trial {trial}: weights from different saves mixed: {values}"
        assert all(np.all(w == values.pop()) for w in clone.get_weights()[:1])


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".model.keras{atomic.TEMP_MARKER}{dead_pid}-abcd1234"
    live = tmp_path / f".model.keras{atomic.TEMP_MARKER}{os.getpid()}-abcd1234"
    other = tmp_path / f".notes.txt{atomic.TEMP_MARKER}{dead_pid}-abcd1234"
    for path in (stale, live, other):
        path.write_bytes(b"partial")
    assert atomic.remove_stale_temps(str(tmp_path), "model.keras") == [stale.name]
    assert not stale.exists() and live.exists() and other.exists()


def test_model_checkpoint_cleans_its_stale_temporary_files(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".ck.05.keras{atomic.TEMP_MARKER}{int(dead.stdout)}-00000000"
    stale.write_bytes(b"partial")
    model = make_model()
    x = np.zeros((4, 3), dtype="float32")
    model.fit(x, np.zeros((4, 1)), epochs=1, verbose=0,
              callbacks=[keras.callbacks.ModelCheckpoint(str(tmp_path / "ck.{epoch:02d}.keras"))])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.01.keras"]
