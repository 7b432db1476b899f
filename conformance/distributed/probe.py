"""One process of a Keras 3 (jax) fit, recording every hook call, its logs and the files the built-ins write.

Run by `conformance.distributed.harness` in the Keras interpreter (KERAS_BACKEND=jax)::

    python -m conformance.distributed.probe --mode single|dp4|mp --out DIR [--process-id I --port P]

- `single`: one device, global batch `BATCH`.
- `dp4`: one process, `DataParallel` over every device (the harness sets 4 virtual CPU devices).
- `mp`: process I of 2 joined by `jax.distributed` on 127.0.0.1:P (gloo collectives), `DataParallel` over all
  devices with `auto_shard_dataset=False`; process I feeds rows I*BATCH/2 .. (I+1)*BATCH/2 of every global batch.

`--seed` sets `keras.utils.set_random_seed` (default `SEED`): the harness gives the two processes of one run
different seeds to see what Keras does then. Exit status 1: Keras raised, and the trace says what.

Writes DIR/trace.json (hooks, logs, process facts), DIR/final.weights.npz, and whatever ModelCheckpoint
(DIR/ckpt.keras), CSVLogger (DIR/log.csv) and BackupAndRestore (DIR/backup/, kept: delete_checkpoint=False)
write. A second fit of a fresh model with EarlyStopping (`early_stopping`) records the epoch each process stops
at. The weights, data and seed are the same in every mode, so the single-device run is the reference the others
are compared with.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

BATCH = 8  # the global batch
STEPS = 4  # training batches per epoch
VAL_STEPS = 2
EPOCHS = 2
PROCESSES = 2
SEED = 1234


def data():
    """(x, y, x_val, y_val): the global data set, the same in every mode."""
    import numpy as np

    rng = np.random.default_rng(7)
    x = rng.normal(size=(STEPS * BATCH, 3)).astype("float32")
    y = (x @ np.array([[0.5], [-1.0], [2.0]], dtype="float32") + 0.1).astype("float32")
    xv = rng.normal(size=(VAL_STEPS * BATCH, 3)).astype("float32")
    yv = (xv @ np.array([[0.5], [-1.0], [2.0]], dtype="float32")).astype("float32")
    return x, y, xv, yv


def shard(a, index: int, count: int):
    """Process `index`'s rows of every global batch of `a` (rows are in batch order)."""
    steps = len(a) // BATCH
    local = BATCH // count
    return a.reshape(steps, count, local, *a.shape[1:])[:, index].reshape(steps * local, *a.shape[1:])


def initial_weights():
    import numpy as np

    rng = np.random.default_rng(3)
    return [rng.normal(scale=0.5, size=s).astype("float32") for s in [(3, 4), (4,), (4, 1), (1,)]]


def build_model(keras):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.set_weights(initial_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse", metrics=["mae"])
    return model


HOOKS = (("on_train_begin", False), ("on_train_end", False), ("on_epoch_begin", True), ("on_epoch_end", True),
         ("on_train_batch_begin", True), ("on_train_batch_end", True), ("on_test_begin", False),
         ("on_test_end", False), ("on_test_batch_begin", True), ("on_test_batch_end", True))


def recorder(keras, calls: list):
    """A callback of `keras` that appends [hook, index or None, logs as floats] to `calls` on every hook."""

    def plain(logs):
        return None if logs is None else {k: float(v) for k, v in logs.items()}

    def hook(name, indexed):
        if indexed:
            def method(self, index, logs=None):
                calls.append([name, int(index), plain(logs)])
        else:
            def method(self, logs=None):
                calls.append([name, None, plain(logs)])
        method.__name__ = name
        return method

    return type("Recorder", (keras.callbacks.Callback,), {n: hook(n, i) for n, i in HOOKS})()


def record_fit(keras, arrays, batch: int, out: Path, callbacks=(), scope=None) -> dict:
    """Fit the probe's model with `keras` (Keras or refimpl) on `arrays`, recording hooks and built-in files.

    Returns:
        `{"calls", "history", "errors", "files"}`: the part of a trace that does not depend on the process.
    """
    import numpy as np

    x, y, xv, yv = arrays
    calls: list[list] = []
    errors = []
    try:
        if scope is None:
            model = build_model(keras)
        else:  # a tf.distribute strategy's scope: variables made inside are mirrored
            with scope():
                model = build_model(keras)
        history = model.fit(
            x, y, batch_size=batch, epochs=EPOCHS, shuffle=False, verbose=0, validation_data=(xv, yv),
            callbacks=[recorder(keras, calls), keras.callbacks.ModelCheckpoint(str(out / "ckpt.keras")),
                       keras.callbacks.CSVLogger(str(out / "log.csv")),
                       keras.callbacks.BackupAndRestore(str(out / "backup"), delete_checkpoint=False), *callbacks])
        history = {k: [float(v) for v in vs] for k, vs in history.history.items()}
        np.savez(out / "final.weights.npz", *[np.asarray(w) for w in model.get_weights()])
    except Exception as e:  # recorded: what Keras refused, and after which hooks
        history = None
        errors.append(f"{type(e).__name__}: {e}")
    stopping = early_stopping(keras, arrays, batch, scope) if not errors else None
    files = sorted(p.name for p in out.iterdir())
    backup = sorted(str(p.relative_to(out)) for p in (out / "backup").rglob("*")) if (out / "backup").exists() else []
    return {"calls": calls, "history": history, "errors": errors, "files": files, "backup_files": backup,
            "early_stopping": stopping}


ES_EPOCHS = 8
ES_MIN_DELTA = 0.5  # val_loss falls by 1.19, 0.98, 0.70, 0.43, ...: the fit stops at the end of epoch 4


def early_stopping(keras, arrays, batch: int, scope=None) -> dict:
    """A fresh model fit with EarlyStopping(val_loss, min_delta=ES_MIN_DELTA, patience=0): where it stops."""
    x, y, xv, yv = arrays
    if scope is None:
        model = build_model(keras)
    else:
        with scope():
            model = build_model(keras)
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=ES_MIN_DELTA, patience=0)
    history = model.fit(x, y, batch_size=batch, epochs=ES_EPOCHS, shuffle=False, verbose=0, validation_data=(xv, yv),
                        callbacks=[stop])
    return {"stopped_epoch": int(stop.stopped_epoch), "epochs_run": len(history.history["loss"]),
            "val_loss": [float(v) for v in history.history["val_loss"]]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["single", "dp4", "mp"], required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--process-id", type=int, default=0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import jax

    if args.mode == "mp":
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=f"127.0.0.1:{args.port}", num_processes=PROCESSES,
                                   process_id=args.process_id, initialization_timeout=60)
    import keras

    keras.utils.set_random_seed(args.seed)
    if args.mode != "single":
        keras.distribution.set_distribution(keras.distribution.DataParallel(
            devices=jax.devices(), auto_shard_dataset=args.mode != "mp"))

    arrays = data()
    batch = BATCH
    if args.mode == "mp":
        arrays = tuple(shard(a, args.process_id, PROCESSES) for a in arrays)
        batch = BATCH // PROCESSES
    recorded = record_fit(keras, arrays, batch, out)
    trace = {
        "mode": args.mode,
        "keras": keras.__version__,
        "jax": jax.__version__,
        "process_index": jax.process_index(),
        "process_count": jax.process_count(),
        "device_count": jax.device_count(),
        "local_device_count": jax.local_device_count(),
        **recorded,
    }
    (out / "trace.json").write_text(json.dumps(trace))
    if args.mode == "mp":
        jax.distributed.shutdown()
    return 1 if recorded["errors"] else 0


def verify(out_dirs: list[str], keras=None) -> dict:
    """Load what each run wrote (with `keras`, default: Keras) and say whether it matches its run.

    The harness calls this in a fresh single-device process, after every run has ended.
    """
    import csv

    import numpy as np

    if keras is None:
        import keras

    x, _, _, _ = data()
    result = {}
    for d in map(Path, out_dirs):
        entry: dict = {}
        ckpt = d / "ckpt.keras"
        if ckpt.exists():
            try:
                model = keras.saving.load_model(ckpt)
                final = np.load(d / "final.weights.npz")
                want = [final[f"arr_{i}"] for i in range(len(final.files))]
                entry["checkpoint_loads"] = True
                entry["checkpoint_max_abs_diff"] = max(float(np.max(np.abs(a - b)))
                                                       for a, b in zip(model.get_weights(), want))
                entry["checkpoint_predicts"] = bool(np.all(np.isfinite(model.predict(x, verbose=0))))
            except Exception as e:
                entry["checkpoint_loads"] = False
                entry["checkpoint_error"] = f"{type(e).__name__}: {e}"
        backup = d / "backup" / "latest.weights.h5"
        if backup.exists():  # Keras 3's BackupAndRestore: HDF5 weights and a JSON file with the next epoch
            try:
                model = build_model(keras)
                if getattr(model.optimizer, "built", True) is False:  # as BackupAndRestore does before loading
                    model.optimizer.build(model.trainable_variables)
                model.load_weights(backup)
                final = np.load(d / "final.weights.npz")
                entry["backup_max_abs_diff"] = max(float(np.max(np.abs(a - final[f"arr_{i}"])))
                                                   for i, a in enumerate(model.get_weights()))
                meta = d / "backup" / "training_metadata.json"
                if meta.exists():
                    entry["backup_metadata"] = json.loads(meta.read_text())
            except Exception as e:
                entry["backup_error"] = f"{type(e).__name__}: {e}"
        log = d / "log.csv"
        if log.exists():
            with log.open(newline="") as f:
                entry["csv_rows"] = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
        result[d.name] = entry
    return result


if __name__ == "__main__":
    os.environ.setdefault("KERAS_BACKEND", "jax")
    if sys.argv[1:2] == ["verify"]:  # verify OUT.json DIR...
        Path(sys.argv[2]).write_text(json.dumps(verify(sys.argv[3:])))
        sys.exit(0)
    sys.exit(main())
