"""Run the parity scenarios on one Keras-like module and write what every hook saw as JSON.

Usage: python -m tests.parity.runner --impl keras|refimpl --out FILE [--only ID,...]

Imports only numpy and the module under test, so it runs unchanged in a virtualenv that has Keras 3.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import logging
import math
import os
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import numpy as np

from .scenarios import SCENARIOS

HOOKS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
         "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
         "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end")


def plain(value):
    """JSON-able form: floats, lists; arrays summarised by shape and values."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, str, int)):
        return value
    array = np.asarray(value)
    if array.ndim == 0:
        return float(array)
    return {"shape": list(array.shape), "values": array.astype("float64").ravel().tolist()}


def make_metric(keras, spec):
    """A metric name, or ``{"class": "AUC", "args": {...}}`` for a metric object."""
    if isinstance(spec, str):
        return spec
    return getattr(keras.metrics, spec["class"])(**spec.get("args", {}))


def make_optimizer(keras, spec):
    """An optimizer from ``{"name": ..., **args}``; ``learning_rate`` may be ``{"schedule": ..., "args": ...}``
    and ``LossScaleOptimizer`` takes ``{"inner": {...}, **args}``."""
    spec = dict(spec)
    name = spec.pop("name")
    if name == "LossScaleOptimizer":
        return keras.optimizers.LossScaleOptimizer(make_optimizer(keras, spec.pop("inner")), **spec)
    rate = spec.get("learning_rate")
    if isinstance(rate, dict):
        spec["learning_rate"] = getattr(keras.optimizers.schedules, rate["schedule"])(**rate["args"])
    return getattr(keras.optimizers, name)(**spec)


def make_data(spec, n, seed):
    rng = np.random.default_rng(seed)
    d, k = spec["input_dim"], spec["out"]
    teacher = np.random.default_rng(99).normal(size=(d, max(k, 1)))
    x = rng.normal(size=(n, d)).astype("float32")
    z = x @ teacher
    task = spec["task"]
    if task == "regression":
        y = (z + 0.1 * rng.normal(size=z.shape)).astype("float32")
    elif task == "binary":
        y = (z[:, :1] > 0).astype("float32")
    elif task == "categorical":
        y = np.eye(k, dtype="float32")[np.argmax(z, axis=1)]
    else:
        y = np.argmax(z, axis=1).astype("int32")
    sw = rng.uniform(0.5, 1.5, size=(n,)).astype("float32")
    return x, y, sw


def canary_class(keras):
    """A Keras-style custom layer: call() only, and a non-trainable counter of its forward passes."""

    class Canary(keras.layers.Layer):
        def __init__(self):
            super().__init__()
            self.counter = self.add_weight(shape=(), initializer="zeros", dtype="float32", trainable=False)

        def call(self, x):
            self.counter.assign_add(1)
            return x

    return Canary


def build(keras, spec, seed=0):
    m = spec["model"]
    first = [canary_class(keras)()] if m.get("canary") else []
    model = keras.Sequential([keras.Input((m["input_dim"],)), *first,
                              keras.layers.Dense(m["hidden"], activation=m["hidden_activation"]),
                              keras.layers.Dense(m["out"], activation=m["out_activation"])])
    rng = np.random.default_rng(seed)
    model.set_weights([(rng.normal(size=np.shape(w)) / 2).astype("float32") if np.ndim(w) else w
                       for w in model.get_weights()])
    return model


def batches(x, y, sw, bs):
    for i in range(0, len(x), bs):
        yield (x[i:i + bs], y[i:i + bs]) if sw is None else (x[i:i + bs], y[i:i + bs], sw[i:i + bs])


def make_input(keras, kind, x, y, bs=8, events=None, name="x"):
    """``x`` as a generator or a PyDataset; a PyDataset records its ``on_epoch_end`` calls in ``events``."""
    if kind == "generator":
        def forever():
            while True:
                yield from batches(x, y, None, bs)
        return forever()
    base = getattr(keras.utils, "PyDataset", None)

    class Data(base):
        def __init__(self):
            super().__init__()

        def __len__(self):
            return math.ceil(len(x) / bs)

        def __getitem__(self, i):
            return x[i * bs:(i + 1) * bs], y[i * bs:(i + 1) * bs]

        def on_epoch_end(self):
            if events is not None:
                events.append(["PyDataset.on_epoch_end", name, {}])

    return Data()


def recorder_class(keras):
    class Recorder(keras.callbacks.Callback):
        interrupted = False

        def __init__(self, model, actions, data):
            super().__init__()
            self.events, self.params_seen, self.probes = [], [], []
            self.actions, self.data, self.the_model = actions, data, model
            self.epoch = None
            self.nested = 0

        def record(self, hook, index, logs):
            self.events.append([hook, index, plain(logs)])
            if hook in ("on_train_begin", "on_test_begin", "on_predict_begin"):
                self.params_seen.append([hook, plain(dict(self.params or {}))])
            if hook == "on_epoch_begin":
                self.epoch = index
            if self.nested:
                return
            for a in self.actions:
                if a["hook"] != hook or (a.get("index") is not None and a["index"] != index):
                    continue
                if a.get("epoch") is not None and self.epoch != a["epoch"]:
                    continue
                self.act(a, hook, index)

        def act(self, a, hook, index):
            model = self.the_model
            if a["do"] == "stop":
                model.stop_training = True
            elif a["do"] == "set_lr":
                model.optimizer.learning_rate = a["value"]
            elif a["do"] == "probe_lr":
                self.probes.append([hook, index, float(np.asarray(model.optimizer.learning_rate))])
            elif a["do"] == "interrupt" and not self.__class__.interrupted:
                self.__class__.interrupted = True
                raise RuntimeError("interrupted by the scenario")
            elif a["do"] == "nested_evaluate":
                x, y, _ = self.data["val"]
                self.nested += 1
                try:
                    out = model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[self], return_dict=True)
                finally:
                    self.nested -= 1
                self.probes.append([hook, index, plain(out)])

    for hook in HOOKS:
        indexed = "batch" in hook or "epoch" in hook
        if indexed:
            def method(self, index, logs=None, _h=hook):
                self.record(_h, index, logs)
        else:
            def method(self, logs=None, _h=hook):
                self.record(_h, None, logs)
        setattr(Recorder, hook, method)
    return Recorder


class _Collector(BaseHTTPRequestHandler):
    """Records every POST body: the RemoteMonitor scenarios' real HTTP endpoint on 127.0.0.1."""

    payloads: list = []

    def do_POST(self):  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if "json" in self.headers.get("Content-Type", ""):
            payload = json.loads(body)
        else:  # a form with one field holding the JSON text
            payload = {field: json.loads(values[0]) for field, values in urllib.parse.parse_qs(body.decode()).items()}
        type(self).payloads.append([self.path, payload])
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


class _LogCapture(logging.Handler):
    """With interactive logging disabled, the verbose callbacks' messages go to Python logging: collect them."""

    def __init__(self, keras):
        super().__init__(logging.INFO)
        self.io_utils = importlib.import_module(f"{keras.__name__}.src.utils.io_utils" if keras.__name__ == "keras"
                                                else f"{keras.__name__}.utils.io_utils")
        self.io_utils.disable_interactive_logging()
        self.io_utils.set_logging_verbosity("INFO")
        self.lines: list[str] = []
        self.root = logging.getLogger()
        self.level = self.root.level
        self.root.setLevel(logging.INFO)
        self.root.addHandler(self)

    def emit(self, record):
        message = record.getMessage()
        if "Epoch" in message:
            self.lines.append(message.strip())

    def close(self):
        self.root.removeHandler(self)
        self.root.setLevel(self.level)
        self.io_utils.enable_interactive_logging()
        super().close()


def add_numpy_logs(epoch, logs):
    """Puts numpy values in the epoch's logs, as a user's callback may: what RemoteMonitor then sends."""
    logs["one_element"] = np.arange(1) + epoch
    logs["np_float32"] = np.float32(1.5)


LOGS_FUNCTIONS = {"add_numpy_logs": add_numpy_logs}


def make_builtin(keras, spec, tmp, server_url):
    args = dict(spec.get("args", {}))
    kind = spec["type"]
    if kind == "LambdaCallback":
        args = {k: LOGS_FUNCTIONS.get(v, v) if k.startswith("on_") else v for k, v in args.items()}
    if kind in ("CSVLogger", "ModelCheckpoint"):
        args["filename" if kind == "CSVLogger" else "filepath"] = os.path.join(tmp, spec["file"])
    if kind == "BackupAndRestore":
        args["backup_dir"] = os.path.join(tmp, "backup")
    if kind == "RemoteMonitor":
        args["root"] = server_url
    if kind == "LearningRateScheduler":
        factor = args.pop("factor")
        args["schedule"] = lambda epoch, lr: float(lr) * factor
    return getattr(keras.callbacks, kind)(**args)


STATE_ATTRS = ("stopped_epoch", "wait", "best", "cooldown_counter")


def builtin_state(cb, spec, tmp):
    kind = spec["type"]
    if kind == "LambdaCallback":  # extra keyword arguments are kept as attributes
        return {k: getattr(cb, k, "missing") for k in spec["args"] if not k.startswith("on_")}
    if kind == "CSVLogger":
        with open(os.path.join(tmp, spec["file"]), newline="") as f:
            rows = list(csv.reader(f, delimiter=spec["args"].get("separator", ",")))
        return [rows[0]] + [[_number(cell) for cell in row] for row in rows[1:]]
    if kind == "ModelCheckpoint":
        return {"files": sorted(n for n in os.listdir(tmp) if n.endswith((".h5", ".keras"))),
                "best": plain(getattr(cb, "best", None))}
    return {a: plain(getattr(cb, a)) for a in STATE_ATTRS if hasattr(cb, a)}


def _number(cell):
    try:
        return float(cell)
    except ValueError:
        return cell


def run(keras, sc):
    with tempfile.TemporaryDirectory() as tmp:
        server = HTTPServer(("127.0.0.1", 0), _Collector)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        _Collector.payloads = []
        try:
            return _run(keras, sc, tmp, f"http://127.0.0.1:{server.server_port}")
        finally:
            server.shutdown()
            server.server_close()


def _run(keras, sc, tmp, server_url):
    model = build(keras, sc)
    comp = dict(sc["compile"])
    opt = comp.pop("optimizer")
    model.compile(optimizer=make_optimizer(keras, opt), loss=comp["loss"],
                  metrics=[make_metric(keras, m) for m in comp["metrics"]],
                  weighted_metrics=[make_metric(keras, m) for m in comp["weighted_metrics"]] or None,
                  loss_weights=comp.get("loss_weights"),
                  steps_per_execution=comp["steps_per_execution"])
    d = sc["data"]
    data = {"train": make_data(d, d["n"], 1), "val": make_data(d, d["val_n"], 2)}
    for index in d.get("y_inf_at", []):  # non-finite targets: Keras trains on them
        data["train"][1][index] = np.inf
    Recorder = recorder_class(keras)
    out = []
    for call in sc["calls"]:
        rec = Recorder(model, call.get("actions", []), data)
        kwargs = dict(call["kwargs"])
        x, y, sw = data["train"]
        if kwargs.get("sample_weight") is True:
            kwargs["sample_weight"] = sw
        method = call["method"]
        if "validation" in call:
            vx, vy, _ = data["val"]
            val_kind = call["validation"].get("kind", "arrays")
            kwargs["validation_data"] = (vx, vy) if val_kind == "arrays" else \
                make_input(keras, val_kind, vx, vy, events=rec.events, name="validation_data")
        kind = call.get("input", {}).get("kind", "arrays")
        if kind == "arrays":
            args = (x,) if method == "predict" else (x, y)
        else:
            args = (make_input(keras, kind, x, y, events=rec.events),)
        builtins = [(spec, make_builtin(keras, spec, tmp, server_url)) for spec in call.get("builtins", [])]
        raised = None
        messages = _LogCapture(keras) if call.get("capture_logs") else None
        try:
            result = getattr(model, method)(*args, callbacks=[cb for _, cb in builtins] + [rec], **kwargs)
        except RuntimeError as e:  # a scenario's own interruption (BackupAndRestore), recorded, not raised
            if "interrupted by the scenario" not in str(e) and not call.get("expect_error"):
                raise
            result, raised = None, type(e).__name__
        except Exception as e:  # a scenario that expects an error records its type
            if not call.get("expect_error"):
                raise
            result, raised = None, type(e).__name__
        finally:
            if messages is not None:
                messages.close()
        entry = {"method": method, "events": rec.events, "params": rec.params_seen, "probes": rec.probes,
                 "builtins": {spec["name"]: builtin_state(cb, spec, tmp) for spec, cb in builtins}}
        if messages is not None:
            entry["log_messages"] = messages.lines
        if call.get("expect_error"):
            entry["raised"] = raised
        elif result is None:
            entry["interrupted"] = True
        elif method == "fit":
            entry["history"] = plain(result.history)
            entry["epoch"] = list(result.epoch)
            entry["lr_after"] = float(np.asarray(model.optimizer.learning_rate))
        else:
            entry["return"] = plain(result)
        out.append(entry)
    return {"calls": out, "final_weights": plain([np.asarray(w) for w in model.get_weights()]),
            "http_payloads": list(_Collector.payloads)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impl", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=None)
    args = ap.parse_args(argv)
    keras = importlib.import_module(args.impl)
    only = set(args.only.split(",")) if args.only else None
    results = {}
    for sc in SCENARIOS:
        if only and sc["id"] not in only:
            continue
        try:
            results[sc["id"]] = run(keras, sc)
        except Exception as e:  # recorded so the comparison names the scenario
            results[sc["id"]] = {"error": f"{type(e).__name__}: {e}"}
    with open(args.out, "w") as f:
        json.dump({"impl": args.impl, "version": getattr(keras, "__version__", None), "scenarios": results}, f)


if __name__ == "__main__":
    main()
