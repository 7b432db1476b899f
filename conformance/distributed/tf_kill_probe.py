"""One worker of a 2-worker tf-keras MultiWorkerMirroredStrategy fit with BackupAndRestore, optionally stopped inside
a backup write.

    python -m conformance.distributed.tf_kill_probe --out DIR --backup BDIR [--pause-at EPOCH:state]

TF_CONFIG (set by the harness) names the 2 workers on 127.0.0.1. Both workers share BDIR, as tf-keras's
BackupAndRestore expects under MultiWorkerMirroredStrategy: the chief writes its TensorFlow checkpoint into
BDIR/chief/, the other worker into a temporary folder it removes, and every worker restores from BDIR/chief/.

`--pause-at EPOCH:state` stops this worker inside its backup at the end of epoch EPOCH, after the checkpoint's
files are written and before the `checkpoint` state file names them (it wraps
`checkpoint_management.update_checkpoint_state_internal`, which `tf.train.CheckpointManager.save` calls last);
it writes DIR/paused.json and waits to be killed. Writes DIR/trace.json and DIR/final.weights.npz.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from conformance.distributed import probe
from conformance.distributed.kill_probe import EPOCHS, pause

POINTS = ("state",)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--backup", required=True)
    parser.add_argument("--pause-at", default=None, help="EPOCH:state")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import numpy as np
    import tensorflow as tf
    import tf_keras
    from tensorflow.python.checkpoint import checkpoint_management

    strategy = tf.distribute.MultiWorkerMirroredStrategy()
    task = json.loads(os.environ["TF_CONFIG"])["task"]["index"]
    state = {"epoch": None}
    if args.pause_at:
        epoch, point = args.pause_at.split(":")
        real = checkpoint_management.update_checkpoint_state_internal

        def pausing(*a, **kw):
            if state["epoch"] == int(epoch):
                pause(out, point, int(epoch))
            return real(*a, **kw)

        checkpoint_management.update_checkpoint_state_internal = pausing

    class Epochs(tf_keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.begun, self.ended = [], []

        def on_epoch_begin(self, epoch, logs=None):
            state["epoch"] = epoch
            self.begun.append(epoch)

        def on_epoch_end(self, epoch, logs=None):
            self.ended.append(epoch)

    tf_keras.utils.set_random_seed(probe.SEED)
    x, y, xv, yv = probe.data()
    epochs = Epochs()
    errors, history = [], None
    try:
        with strategy.scope():
            model = probe.build_model(tf_keras)
        result = model.fit(x, y, batch_size=probe.BATCH, epochs=EPOCHS, shuffle=False, verbose=0,
                           validation_data=(xv, yv),
                           callbacks=[epochs,
                                      tf_keras.callbacks.BackupAndRestore(args.backup, delete_checkpoint=False)])
        history = {k: [float(v) for v in vs] for k, vs in result.history.items()}
        np.savez(out / "final.weights.npz", *[np.asarray(w) for w in model.get_weights()])
    except Exception as e:
        errors.append(f"{type(e).__name__}: {str(e)[:500]}")
    trace = {"process_index": task, "process_count": 2, "epochs_begun": epochs.begun, "epochs_ended": epochs.ended,
             "history": history, "errors": errors, "keras": tf_keras.__version__}
    (out / "trace.json").write_text(json.dumps(trace))
    sys.stdout.flush()
    os._exit(1 if errors else 0)  # no wait for a peer that may be dead


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
