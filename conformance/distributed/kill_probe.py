"""One process of a 2-process Keras 3 (jax) fit with BackupAndRestore, optionally stopped inside a backup write.

    python -m conformance.distributed.kill_probe --process-id I --port P --out DIR --backup BDIR
        [--pause-at EPOCH:POINT] [--double-checkpoint]

Runs the probe's model over `EPOCHS` epochs as process I of 2 (as `probe.py --mode mp` does) with
`keras.callbacks.BackupAndRestore(BDIR, delete_checkpoint=False)` (with `double_checkpoint=True` if asked), one
backup directory per process.

`--pause-at EPOCH:POINT` makes this process stop *inside* the backup write at the end of epoch EPOCH and wait to
be killed: it writes DIR/paused.json (its pid and the point), then sleeps. The harness waits for that file and
sends SIGKILL, so the kill lands at POINT of the write, every time:

- `weights-open`: `latest.weights.h5` has just been opened for writing (truncated), nothing written yet;
- `weights-close`: every weight has been handed to HDF5, the file is not closed (not flushed) yet;
- `metadata-open`: the new weights are complete; `training_metadata.json` has just been opened for writing
  (truncated), its new content not written yet.

The pause wraps `h5py.File` and `keras.src.utils.file_utils.File` for the backup's two paths only; Keras's own
code does the write. Writes DIR/trace.json: the epochs run, History, the initial epoch, errors, and
DIR/final.weights.npz.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from conformance.distributed import probe

EPOCHS = 3
POINTS = ("weights-open", "weights-close", "metadata-open")
PAUSE_SECONDS = 300


def pause(out: Path, point: str, epoch: int) -> None:
    (out / "paused.tmp").write_text(json.dumps({"pid": os.getpid(), "point": point, "epoch": epoch}))
    os.replace(out / "paused.tmp", out / "paused.json")
    time.sleep(PAUSE_SECONDS)  # the harness kills this process now
    raise SystemExit(f"not killed within {PAUSE_SECONDS} s at {point}")


def install_pause(out: Path, backup: Path, epoch: int, point: str, state: dict) -> None:
    """Stop inside the backup write at the end of `epoch` (the `state["epoch"]` the recorder keeps)."""
    import h5py
    from keras.src.utils import file_utils

    weights, metadata = str(backup / "latest.weights.h5"), str(backup / "training_metadata.json")
    real_file, real_open = h5py.File, file_utils.File

    class PausingFile(real_file):
        def __init__(self, name, mode="r", *args, **kwargs):
            super().__init__(name, mode, *args, **kwargs)
            self._kcc_target = str(name) == weights and mode == "w" and state["epoch"] == epoch
            if self._kcc_target and point == "weights-open":
                pause(out, point, epoch)

        def close(self):
            if getattr(self, "_kcc_target", False) and point == "weights-close":
                pause(out, point, epoch)
            super().close()

    def pausing_open(path, mode="r"):
        f = real_open(path, mode)
        if str(path) == metadata and mode == "w" and state["epoch"] == epoch and point == "metadata-open":
            pause(out, point, epoch)
        return f

    h5py.File = PausingFile
    file_utils.File = pausing_open


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--process-id", type=int, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--backup", required=True)
    parser.add_argument("--pause-at", default=None, help="EPOCH:POINT, POINT one of " + ", ".join(POINTS))
    parser.add_argument("--double-checkpoint", action="store_true")
    args = parser.parse_args(argv)
    out, backup = Path(args.out), Path(args.backup)
    out.mkdir(parents=True, exist_ok=True)

    import jax

    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(coordinator_address=f"127.0.0.1:{args.port}", num_processes=probe.PROCESSES,
                               process_id=args.process_id, initialization_timeout=60)
    import keras
    import numpy as np

    keras.utils.set_random_seed(probe.SEED)
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices(),
                                                                        auto_shard_dataset=False))
    state = {"epoch": None}
    if args.pause_at:
        epoch, point = args.pause_at.split(":")
        install_pause(out, backup, int(epoch), point, state)

    class Epochs(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.begun, self.ended = [], []

        def on_epoch_begin(self, epoch, logs=None):
            state["epoch"] = epoch
            self.begun.append(epoch)

        def on_epoch_end(self, epoch, logs=None):
            self.ended.append(epoch)

    x, y, xv, yv = (probe.shard(a, args.process_id, probe.PROCESSES) for a in probe.data())
    epochs = Epochs()
    errors, history = [], None
    try:
        model = probe.build_model(keras)
        # BackupAndRestore runs after Epochs at each epoch end, so state["epoch"] is the epoch being backed up.
        result = model.fit(x, y, batch_size=probe.BATCH // probe.PROCESSES, epochs=EPOCHS, shuffle=False, verbose=0,
                           validation_data=(xv, yv),
                           callbacks=[epochs, keras.callbacks.BackupAndRestore(
                               str(backup), delete_checkpoint=False, double_checkpoint=args.double_checkpoint)])
        history = {k: [float(v) for v in vs] for k, vs in result.history.items()}
        np.savez(out / "final.weights.npz", *[np.asarray(w) for w in model.get_weights()])
    except Exception as e:
        errors.append(f"{type(e).__name__}: {str(e)[:500]}")
    trace = {"process_index": jax.process_index(), "process_count": jax.process_count(),
             "epochs_begun": epochs.begun, "epochs_ended": epochs.ended, "history": history, "errors": errors,
             "keras": keras.__version__}
    (out / "trace.json").write_text(json.dumps(trace))
    if errors:  # a clean shutdown would wait for the peer, which may be dead or waiting in a collective
        sys.stdout.flush()
        os._exit(1)
    jax.distributed.shutdown()
    return 0


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    sys.exit(main())
