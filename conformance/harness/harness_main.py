# -*- coding: utf-8 -*-
# ruff: noqa: UP004, UP009, UP010, UP031  (this file runs on Python 2.7 too)
"""The harness: runs the suite's scenarios inside an implementation's own interpreter (protocol version 1).

Started by the suite as `python harness_main.py`; speaks JSON lines on stdin/stdout (docs: harness protocol).
Runs on Python 2.7 and 3.6+ with only the implementation and numpy: no f-strings, no annotations, no project
imports. It is deliberately dumb: the suite sends concrete data, weights and keyword arguments already spelled
for the implementation; the harness builds the model, runs the calls with recording callbacks and streams back
what the callbacks saw. Whatever the implementation prints goes to stderr, never into the protocol stream.
"""
from __future__ import absolute_import, division, print_function

import importlib
import json
import os
import platform
import sys
import traceback

PROTOCOL = 1
OUT = sys.stdout
sys.stdout = sys.stderr  # the implementation's prints (progress bars, warnings) must not corrupt the stream
SEQ = [0]

BEGIN_END = ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
             "on_predict_end")
INDEXED = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_batch_begin",
           "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
           "on_predict_batch_end")
LEGACY = ("on_batch_begin", "on_batch_end")
NO_LOGS = ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end")


def send(msg):
    OUT.write(json.dumps(msg, sort_keys=True) + "\n")
    OUT.flush()


def plain(v):
    """A JSON-able copy of a value the implementation produced (numbers as floats, arrays tagged)."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, dict):
        return dict((str(k), plain(x)) for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    import numpy as np
    try:
        a = np.asarray(v)
    except Exception:
        return {"repr": repr(v)[:200]}
    if a.dtype.kind in "fiub":
        if a.ndim == 0:
            return float(a)
        return {"array": a.astype("float64").tolist(), "shape": list(a.shape), "dtype": str(a.dtype)}
    return {"repr": repr(v)[:200]}


def learning_rate(keras, model):
    """The optimizer's current rate as a float, or why it cannot be read."""
    try:
        opt = model.optimizer
        var = getattr(opt, "lr", None)
        if var is None:
            var = opt.learning_rate
        try:
            value = keras.backend.get_value(var)
        except Exception:
            value = var
        import numpy as np
        return float(np.asarray(value).reshape(-1)[0])
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)


def type_name(v):
    return "%s.%s" % (type(v).__module__.split(".")[0], type(v).__name__)


class Run(object):
    """One scenario: the module, the model, and the id every message carries."""

    def __init__(self, keras, sid, scenario):
        self.keras, self.id, self.scenario = keras, sid, scenario
        self.call = 0
        self.depth = 0
        self.model = None
        self.val = None
        self.nested_callbacks = True


def recorder_class(keras, run, kind, only=None):
    base = keras.callbacks.Callback

    class Recorder(base):
        def __init__(self, position, actions):
            base.__init__(self)
            self.position, self.actions, self.fired, self.epoch = position, actions, set(), None

        def record(self, hook, index, logs, arg_count):
            msg = {"type": "event", "id": run.id, "call": run.call, "recorder": self.position, "seq": SEQ[0],
                   "hook": hook, "index": index, "depth": run.depth, "arg_count": arg_count,
                   "logs": None if logs is None else plain(logs),
                   "types": None if logs is None else dict((str(k), type_name(v)) for k, v in dict(logs).items())}
            SEQ[0] += 1
            if kind == "full":  # what the suite's full recorders probe besides logs
                msg["model_ok"] = getattr(self, "model", None) is run.model
                msg["lr"] = learning_rate(keras, run.model)
            if hook == "on_train_begin":
                msg["stop_training"] = bool(getattr(run.model, "stop_training", False))
            if hook in ("on_train_begin", "on_test_begin", "on_predict_begin"):
                params = getattr(self, "params", None)
                msg["params"] = plain(dict(params)) if isinstance(params, dict) else {"<type>": type_name(params)}
            if hook == "on_epoch_begin":
                self.epoch = index
            if hook in ("on_batch_end", "on_epoch_end") and kind == "no_logs":
                name = "batch_history" if hook == "on_batch_end" else "epoch_history"
                record = getattr(run.model, name, None)
                msg["history_probe"] = None if record is None else plain(record if isinstance(record, dict)
                                                                          else getattr(record, "__dict__", {}))
            send(msg)
            if run.depth == 0:
                self.act(hook, index, logs)

        def act(self, hook, index, logs):
            for i, a in enumerate(self.actions):
                if i in self.fired or a["hook"] != hook or a.get("index") not in (None, index):
                    continue
                if a.get("epoch") is not None and "batch" in hook and self.epoch != a["epoch"]:
                    continue
                self.fired.add(i)
                do = a["do"]
                if do in ("stop_training", "stop_evaluating", "stop_predicting"):
                    setattr(run.model, do, True)
                elif do == "edit_logs" and logs is not None:
                    if "loss" in logs:  # Keras 0.2's epoch logs have no loss
                        logs["loss"] = float(logs["loss"]) * 10.0
                    logs["extra"] = 1.0
                elif do == "raise":
                    raise RuntimeError("raised on purpose in %s(%s)" % (hook, index))
                elif do in ("nested_evaluate", "nested_predict"):
                    vx, vy = run.val
                    extra = {"callbacks": [self]} if run.nested_callbacks else {}
                    run.depth += 1
                    try:
                        if do == "nested_evaluate":
                            run.model.evaluate(vx, vy, verbose=0, **extra)
                        else:
                            run.model.predict(vx, verbose=0, **extra)
                    finally:
                        run.depth -= 1

    def begin_end(hook):
        if kind == "no_logs":
            return lambda self: self.record(hook, None, None, 0)
        return lambda self, logs=None: self.record(hook, None, logs, 1)

    def indexed(hook):
        if kind == "no_logs":
            return lambda self, i: self.record(hook, i, None, 1)
        return lambda self, i, logs=None: self.record(hook, i, logs, 2)

    hooks = only or {"full": BEGIN_END + INDEXED, "legacy": LEGACY, "no_logs": NO_LOGS}[kind]
    for hook in hooks:
        setattr(Recorder, hook, begin_end(hook) if hook in BEGIN_END else indexed(hook))
    return Recorder


def arrays(spec):
    import numpy as np
    if spec is None:
        return None
    if isinstance(spec, list):
        return [arrays(s) for s in spec]
    return np.asarray(spec["array"], dtype=spec.get("dtype", "float32")).reshape(spec["shape"])


def build(run):
    keras, s = run.keras, run.scenario
    model = keras.models.Sequential()
    m = s["model"]
    if m.get("input") is not None:
        model.add(keras.Input(tuple(m["input"])))
    for layer in m["layers"]:
        cls = getattr(keras.layers, layer["class"], None)
        if cls is None:  # Keras 0.x: keras.layers.core.Dense, not re-exported by the package
            cls = getattr(importlib.import_module(keras.__name__ + ".layers.core"), layer["class"])
        model.add(cls(*layer.get("args", []), **layer.get("kwargs", {})))
    run.model = model
    opt = s["optimizer"]
    optimizer = getattr(keras.optimizers, opt["class"])(**opt["kwargs"])
    model.compile(optimizer=optimizer, **s["compile"])
    if s.get("weights") is not None:
        model.set_weights(arrays(s["weights"]))


def run_call(run, call):
    keras = run.keras
    recorders = [recorder_class(keras, run, r["kind"], r.get("hooks"))(i, r.get("actions", [])) for i, r in
                 enumerate(call["recorders"])]
    callbacks = list(recorders)
    if call.get("lr_schedule"):
        callbacks.insert(0, keras.callbacks.LearningRateScheduler(lambda epoch, *lr: float(lr[0]) * 0.5
                                                                   if lr else 0.005))
    args = arrays(call["args"])
    kwargs = dict(call["kwargs"])
    for k in call.get("array_kwargs", []):
        kwargs[k] = arrays(kwargs[k])
        if isinstance(kwargs[k], list):
            kwargs[k] = tuple(kwargs[k])
    if "class_weight" in kwargs:  # JSON object keys are strings; Keras wants the class numbers
        kwargs["class_weight"] = dict((int(k), v) for k, v in kwargs["class_weight"].items())
    run.val = arrays(call["val"]) if call.get("val") else None
    run.nested_callbacks = call.get("nested_callbacks", True)
    if call.get("stop_preset"):
        run.model.stop_training = True
    out = {"type": "call_end", "id": run.id, "call": run.call, "error": None, "returned": None, "history": None}
    try:
        if call.get("callbacks", True):
            kwargs["callbacks"] = callbacks
        elif recorders:  # the release's evaluate/predict take no callbacks: nothing to record
            pass
        ret = getattr(run.model, call["method"])(*args, **kwargs)
    except Exception as e:
        out["error"] = {"type": type(e).__name__, "message": (str(e).splitlines() or [""])[0][:500],
                        "traceback": traceback.format_exc()[-3000:]}
        ret = None
    if out["error"] is None:
        if call["method"] == "fit":
            hist = getattr(ret, "history", None)
            out["history"] = {"history": plain(hist or {}), "epoch": [int(e) for e in getattr(ret, "epoch", [])],
                              "type": type(ret).__name__,
                              "is_model_history": ret is not None and ret is getattr(run.model, "history", None)}
        else:
            out["returned"] = plain(ret)
        if call.get("batch_value_sets"):
            values = batch_values(run.model, call["batch_value_sets"])
            if values is not None:
                out["batch_values"] = values
    out["weights"] = plain([w for w in run.model.get_weights()])
    send(out)
    run.call += 1


def batch_values(model, sets):
    """test_on_batch on each data batch the suite names (learning rate 0: the weights have not moved), as
    {part: [{name: value}, ...]}; None when a loss is not finite (the value clauses then do not apply)."""
    out = {}
    for part, spec in sets.items():
        x, y = arrays(spec["x"]), arrays(spec["y"])
        w = arrays(spec["w"]) if spec.get("w") is not None else None
        size, rows = spec["batch_size"], []
        for start in range(0, len(x), size):
            kwargs = {} if w is None else {"sample_weight": w[start:start + size]}
            if spec.get("accuracy"):  # Keras 0: test_on_batch(X, y, accuracy=True) -> [loss, acc]
                kwargs["accuracy"] = True
            res = model.test_on_batch(x[start:start + size], y[start:start + size], **kwargs)
            res = list(res) if isinstance(res, (list, tuple)) else [res]
            names = list(getattr(model, "metrics_names", None) or ["loss", "acc"])[:len(res)]
            rows.append(dict((str(n), float(v)) for n, v in zip(names, res)))
        out[part] = rows
    losses = [r.get("loss", 0.0) for rows in out.values() for r in rows]
    if any(v != v or v in (float("inf"), float("-inf")) for v in losses):  # Python 2.7 has no math.isfinite
        return None
    return out


def describe(keras, start):
    import numpy as np
    deps = {"numpy": np.__version__}
    for name in start.get("dependencies", []):
        try:
            deps[name] = getattr(importlib.import_module(name), "__version__", "unknown")
        except Exception as e:
            deps[name] = "not importable: %s" % e
    version = getattr(keras, "__version__", None)
    if version is None:  # Keras 0.x has no __version__: ask the installed distribution
        try:
            import pkg_resources
            version = pkg_resources.get_distribution(start.get("distribution", "keras")).version
        except Exception:
            version = "unknown"
    return {"name": start.get("name") or keras.__name__, "module": keras.__name__, "version": str(version),
            "language": "python", "language_version": platform.python_version(),
            "file": getattr(keras, "__file__", None), "dependencies": deps,
            "backend": os.environ.get("KERAS_BACKEND")}


def main():
    keras = None
    started = False
    for line in iter(sys.stdin.readline, ""):
        line = line.strip()
        if not line:
            continue
        try:
            msg = json.loads(line)
        except ValueError:
            send({"type": "fatal", "message": "not JSON: %r" % line[:200]})
            return 3
        kind = msg.get("type")
        if kind == "start":
            if msg.get("protocol") != PROTOCOL:
                send({"type": "fatal", "message": "protocol %r not spoken; this harness speaks %d"
                      % (msg.get("protocol"), PROTOCOL)})
                return 3
            try:
                keras = importlib.import_module(msg["module"])
                for sub in ("models", "layers", "optimizers", "callbacks"):  # Keras 0.x imports none of them
                    if not hasattr(keras, sub):
                        importlib.import_module(msg["module"] + "." + sub)
            except Exception as e:
                send({"type": "fatal", "message": "cannot import %s: %s: %s" % (msg["module"], type(e).__name__, e),
                      "traceback": traceback.format_exc()[-3000:]})
                return 3
            started = True
            send({"type": "hello", "protocol": PROTOCOL, "implementation": describe(keras, msg)})
        elif kind == "run" and started:
            run = Run(keras, msg["id"], msg["scenario"])
            try:
                build(run)
            except Exception as e:
                send({"type": "setup_error", "id": run.id, "error": {
                    "type": type(e).__name__, "message": (str(e).splitlines() or [""])[0][:500],
                    "traceback": traceback.format_exc()[-3000:]}})
                continue
            for call in run.scenario["calls"]:
                run_call(run, call)
            send({"type": "done", "id": run.id, "calls": run.call})
        elif kind == "stop":
            send({"type": "bye"})
            return 0
        else:
            send({"type": "fatal", "message": "unexpected %r message%s" % (kind, "" if started else
                                                                         " before start")})
            return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
