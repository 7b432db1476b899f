"""One tf-keras fit on one device, under MirroredStrategy, or as one worker of MultiWorkerMirroredStrategy.

    python -m conformance.distributed.tf_probe --mode single|mirrored2|mwms [--task-index I] --out DIR

`mirrored2`: 2 logical CPU devices in this process. `mwms`: worker I of the cluster that TF_CONFIG names (the
harness starts 2 on 127.0.0.1); every worker passes the global arrays and tf-keras shards them itself.

Runs in the tf-keras interpreter; writes DIR/trace.json, DIR/final.weights.npz, DIR/ckpt.keras, DIR/log.csv and
what BackupAndRestore keeps in DIR/backup/.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from conformance.distributed import probe


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["single", "mirrored2", "mwms"], required=True)
    parser.add_argument("--task-index", type=int, default=0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    import tensorflow as tf
    import tf_keras

    scope = None
    if args.mode == "mirrored2":
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        strategy = tf.distribute.MirroredStrategy([d.name for d in tf.config.list_logical_devices("CPU")])
        scope = strategy.scope
    elif args.mode == "mwms":  # TF_CONFIG, set by the harness, names the 2 workers on 127.0.0.1
        strategy = tf.distribute.MultiWorkerMirroredStrategy()
        scope = strategy.scope
    tf_keras.utils.set_random_seed(probe.SEED)
    recorded = probe.record_fit(tf_keras, probe.data(), probe.BATCH, out, scope=scope)
    trace = {
        "dir": out.name,
        "mode": args.mode,
        "keras": tf_keras.__version__,
        "tensorflow": tf.__version__,
        "process_index": args.task_index,
        "process_count": 2 if args.mode == "mwms" else 1,
        "device_count": len(tf.config.list_logical_devices("CPU")),
        "replicas": strategy.num_replicas_in_sync if scope else 1,
        **recorded,
    }
    (out / "trace.json").write_text(json.dumps(trace))
    return 1 if recorded["errors"] else 0


def verify_backups(out_dirs: list[str], result: dict) -> dict:
    """Add what tf-keras's BackupAndRestore left (a TensorFlow checkpoint in backup/chief/) to `result`: read with
    tf.train.load_checkpoint, the largest difference between each final weight and the saved tensor of its shape."""
    import numpy as np
    import tensorflow as tf

    for d in map(Path, out_dirs):
        latest = tf.train.latest_checkpoint(str(d / "backup" / "chief"))
        if latest is None or not (d / "final.weights.npz").exists():
            continue
        reader = tf.train.load_checkpoint(latest)
        saved = [reader.get_tensor(name) for name, _ in tf.train.list_variables(latest)]
        final = np.load(d / "final.weights.npz")
        diffs = [min((float(np.max(np.abs(t - w))) for t in saved if np.shape(t) == w.shape), default=float("inf"))
                 for w in (final[k] for k in final.files)]
        result.setdefault(d.name, {})["backup_max_abs_diff"] = max(diffs)
    return result


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if sys.argv[1:2] == ["verify"]:  # verify OUT.json DIR...
        import tf_keras

        files = verify_backups(sys.argv[3:], probe.verify(sys.argv[3:], keras=tf_keras))
        Path(sys.argv[2]).write_text(json.dumps(files))
        sys.exit(0)
    sys.exit(main())
