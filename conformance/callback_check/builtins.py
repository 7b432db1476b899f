"""Factories for the built-in callbacks, for ``--callback conformance.callback_check.builtins:NAME``.

They take ``keras`` from the check, so the same factory checks refimpl's callback and Keras 3's. A few
declare invariants every implementation of that callback keeps. ``python -m conformance.callback_check.builtins``
checks them all on ``--impl`` and prints a table (``--json FILE`` writes the reports).
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conformance.callback_check.subject import Subject
from conformance.callback_check.third_party import FACTORIES as THIRD_PARTY

_SERVER: ThreadingHTTPServer | None = None


class _Sink(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def local_server() -> str:
    """The root URL of a real HTTP server on 127.0.0.1 that accepts every POST (one per process)."""
    global _SERVER
    if _SERVER is None:
        _SERVER = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
        threading.Thread(target=_SERVER.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{_SERVER.server_address[1]}"


def _csv_rows_match_epochs(callback, record) -> None:
    last = record.last
    if last.method != "fit" or not last.epochs:
        return
    with open(callback.filename, newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) - 1 == len(last.epochs), (
        f"the CSV has {len(rows) - 1} rows after a fit whose callbacks saw {len(last.epochs)} epoch ends")


def _one_checkpoint_per_epoch(callback, record) -> None:
    last = record.last
    if last.method != "fit":
        return
    missing = [e for e in last.epochs if not (record.workdir / f"ckpt-{e + 1:02d}.weights.h5").exists()]
    assert not missing, f"no checkpoint for epochs {missing} (0-based), which ended"


def backup_and_restore(workdir: Path, keras):
    return keras.callbacks.BackupAndRestore(str(workdir / "backup"))


def csv_logger(workdir: Path, keras):
    return Subject(keras.callbacks.CSVLogger(str(workdir / "log.csv")), (_csv_rows_match_epochs,))


def csv_logger_append(workdir: Path, keras):
    return keras.callbacks.CSVLogger(str(workdir / "log.csv"), append=True)


def early_stopping(workdir: Path, keras):
    return keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=10.0)


def early_stopping_val_restore(workdir: Path, keras):
    return keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, restore_best_weights=True,
                                         start_from_epoch=1)


def history(workdir: Path, keras):
    return keras.callbacks.History()


def lambda_callback(workdir: Path, keras):
    return keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, sorted(logs)),
                                          on_train_batch_end=lambda batch, logs: None)


def learning_rate_scheduler(workdir: Path, keras):
    return keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(lr) * 0.9, verbose=1)


def model_checkpoint_weights(workdir: Path, keras):
    return Subject(keras.callbacks.ModelCheckpoint(str(workdir / "ckpt-{epoch:02d}.weights.h5"),
                                                   save_weights_only=True), (_one_checkpoint_per_epoch,))


def model_checkpoint_best(workdir: Path, keras):
    return keras.callbacks.ModelCheckpoint(str(workdir / "best.keras"), monitor="val_loss", save_best_only=True)


def model_checkpoint_batches(workdir: Path, keras):
    return keras.callbacks.ModelCheckpoint(str(workdir / "b.weights.h5"), save_weights_only=True, save_freq=2)


def progbar_logger(workdir: Path, keras):
    return keras.callbacks.ProgbarLogger()


def reduce_lr_on_plateau(workdir: Path, keras):
    return keras.callbacks.ReduceLROnPlateau(monitor="loss", patience=0, min_delta=10.0, factor=0.5, cooldown=1)


def remote_monitor(workdir: Path, keras):
    return keras.callbacks.RemoteMonitor(root=local_server(), send_as_json=True)


def terminate_on_nan(workdir: Path, keras):
    return keras.callbacks.TerminateOnNaN()


FACTORIES = {
    "BackupAndRestore": "backup_and_restore", "CSVLogger": "csv_logger", "CSVLogger(append=True)": "csv_logger_append",
    "EarlyStopping": "early_stopping", "EarlyStopping(val_loss, restore_best_weights)": "early_stopping_val_restore",
    "History": "history", "LambdaCallback": "lambda_callback", "LearningRateScheduler": "learning_rate_scheduler",
    "ModelCheckpoint(weights per epoch)": "model_checkpoint_weights",
    "ModelCheckpoint(best .keras)": "model_checkpoint_best", "ModelCheckpoint(save_freq=2)": "model_checkpoint_batches",
    "ProgbarLogger": "progbar_logger", "ReduceLROnPlateau": "reduce_lr_on_plateau", "RemoteMonitor": "remote_monitor",
    "TerminateOnNaN": "terminate_on_nan",
}
# Built-ins not in FACTORIES, and why.
NOT_CHECKED = {
    "SwapEMAWeights": "needs a model compiled with an EMA optimizer (use_ema=True); the runs compile plain SGD/Adam",
    "TensorBoard": "needs TensorFlow (Keras 3) or tensorboardX (refimpl), not installed for the check",
}


def main(argv: list[str] | None = None) -> int:
    from conformance.callback_check.checker import check_callback
    from conformance.callback_check.worker import Worker

    p = argparse.ArgumentParser(prog="python -m conformance.callback_check.builtins")
    p.add_argument("--impl", default="refimpl")
    p.add_argument("--budget", type=float, default=None)
    p.add_argument("--run-timeout", type=float, default=None, metavar="SECONDS",
                   help="a run that takes longer counts as a hang (default 5 on refimpl, 60 live)")
    p.add_argument("--only", action="append", default=None, help="a name of FACTORIES (repeatable)")
    p.add_argument("--json", default=None, metavar="FILE")
    p.add_argument("--jit", action="store_true", help="live implementations: compile step functions (slow)")
    p.add_argument("--third-party", action="store_true",
                   help="check the third-party callbacks of conformance.callback_check.third_party instead (the "
                        "packages must be importable)")
    args = p.parse_args(argv)
    reports = []
    from conformance.adapters import get_adapter
    from conformance.callback_check.checker import DEFAULT_TIMEOUT, LIVE_TIMEOUT

    adapter = get_adapter(args.impl)
    timeout = args.run_timeout or (DEFAULT_TIMEOUT["refimpl"] if adapter.name == "refimpl" else LIVE_TIMEOUT)
    with Worker(adapter.id, timeout) as worker:
        module = "conformance.callback_check." + ("third_party" if args.third_party else "builtins")
        factories = THIRD_PARTY if args.third_party else FACTORIES
        for name, factory in factories.items():
            if args.only and name not in args.only and factory not in args.only:
                continue
            t0 = time.monotonic()
            r = check_callback(f"{module}:{factory}", adapter.id, budget=args.budget,
                               run_timeout=timeout, worker=worker, eager=False if args.jit else None)
            status = "ok" if r.ok else "; ".join(f"{f.kind} {f.where}: {f.message.splitlines()[0][:90]}"
                                                 for f in r.findings) or "; ".join(r.errors)
            if r.known:
                status += " (known: " + "; ".join(f"{f.kind} {f.where}" for f in r.known) + ")"
            print(f"{name:48} {r.runs:4} runs {time.monotonic() - t0:6.1f} s  {status}", flush=True)
            if not r.ok:
                print(r.format(), file=sys.stderr, flush=True)
            reports.append({"name": name, **r.to_dict()})
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1))
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())

