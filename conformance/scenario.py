"""Scenarios as plain data: a model setup plus a sequence of fit/evaluate/predict calls.

A scenario is what hypothesis generates and shrinks, what the model (`conformance.model`) derives the expected
hook sequence from, what an adapter runs, and what the report prints as a runnable snippet.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from conformance.actions import snippet_source

TASKS = ("regression", "binary", "categorical")
LOSSES = {"regression": "mse", "binary": "binary_crossentropy", "categorical": "categorical_crossentropy"}
ACTIVATIONS = {"regression": "linear", "binary": "sigmoid", "categorical": "softmax"}
OUTPUT_DIM = {"regression": 1, "binary": 1, "categorical": 3}
INPUT_DIM = 3
DEFAULT_BATCH_SIZE = 32

# What a recorder can do right after it records a hook (see `Action`).
ACTION_KINDS = (
    "stop_training", "stop_evaluating", "stop_predicting", "nested_evaluate", "nested_predict", "edit_logs",
    "raise",
)
RECORDER_KINDS = ("full", "legacy", "no_logs")
# Recorders that define their hooks the ways real callbacks do (conformance/spec/dispatch.toml): on the instance
# in __init__, on the instance during the run, tqdm's way, with _implements_*_batch_hooks saying False, from a
# mixin two classes up, both legacy and new batch names, and one that appends a recorder to fit()'s list.
DISPATCH_KINDS = ("instance", "late", "tqdm", "flags", "deep", "both", "appender")


@dataclass(frozen=True)
class Action:
    """Something a recorder does after recording the first call of `hook` matching `index` and `epoch`.

    Args:
        do: One of `ACTION_KINDS`.
        hook: The hook that triggers it.
        index: The batch/epoch index that triggers it, or `None` for any. Defaults to `None`.
        epoch: For batch hooks during fit, the epoch that triggers it, or `None` for any. Defaults to `None`.
    """

    do: str
    hook: str
    index: int | None = None
    epoch: int | None = None


@dataclass(frozen=True)
class RecorderSpec:
    """A recording callback in the call's callback list.

    Args:
        kind: `"full"` overrides every hook, `"legacy"` only `on_batch_begin`/`on_batch_end`, `"no_logs"` the six
            hooks of seed 000 without a logs argument.
        actions: What it does from inside its hooks (full recorders only). Defaults to `()`.
    """

    kind: str = "full"
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Call:
    """One fit(), evaluate() or predict() call on the scenario's model.

    Fields that do not apply to `method` keep their defaults. `n` is the number of samples passed as x;
    `steps` is steps_per_epoch for fit and steps for evaluate/predict.
    """

    method: str = "fit"
    n: int = 16
    batch_size: int | None = 8
    input: str = "arrays"  # arrays | generator | pydataset
    finite: bool = True  # generators only: one pass over the data, or endless repetition
    steps: int | None = None
    epochs: int = 1
    initial_epoch: int = 0
    validation: str | None = None  # None | "split" | "data"
    validation_split: float = 0.25
    val_n: int = 8
    validation_batch_size: int | None = None
    validation_freq: int | tuple[int, ...] = 1
    sample_weight: bool = False
    class_weight: bool = False
    return_dict: bool = False
    lr_schedule: bool = False
    stop_preset: bool = False  # set model.stop_training = True before fit()
    bad_argument: tuple[str, Any] | None = None
    recorders: tuple[RecorderSpec, ...] = (RecorderSpec(),)


@dataclass(frozen=True)
class Scenario:
    """A model setup and the calls made on it.

    Args:
        task: `"regression"` (mse), `"binary"` (binary_crossentropy) or `"categorical"` (one-hot,
            categorical_crossentropy).
        metrics: Compiled metric names, in compile order.
        optimizer: `"SGD"`, `"Adam"`, `"RMSprop"` or `"Adagrad"`.
        learning_rate: The optimizer's rate; 0 makes the running-mean property checkable.
        steps_per_execution: Passed to compile().
        seed: Seed for the initial weights and the data.
        calls: The calls, in order.
    """

    task: str = "regression"
    metrics: tuple[str, ...] = ()
    optimizer: str = "SGD"
    learning_rate: float = 0.01
    steps_per_execution: int = 1
    seed: int = 0
    calls: tuple[Call, ...] = field(default_factory=lambda: (Call(),))

    def to_dict(self) -> dict[str, Any]:
        """The scenario as JSON-able data (tuples become lists)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        """Rebuild a scenario from `to_dict()` output."""
        calls = []
        for c in data.get("calls", []):
            c = dict(c)
            recs = tuple(
                RecorderSpec(kind=r["kind"], actions=tuple(Action(**a) for a in r.get("actions", ())))
                for r in c.pop("recorders", ())
            )
            if isinstance(c.get("validation_freq"), list):
                c["validation_freq"] = tuple(c["validation_freq"])
            if isinstance(c.get("bad_argument"), list):
                c["bad_argument"] = tuple(c["bad_argument"])
            calls.append(Call(**c, recorders=recs))
        top = {k: v for k, v in data.items() if k != "calls"}
        top["metrics"] = tuple(top.get("metrics", ()))
        return cls(**top, calls=tuple(calls))

    def replace(self, **changes: Any) -> Scenario:
        """A copy with `changes` applied."""
        return replace(self, **changes)


# ------------------------------------------------------------------------------------------ derived sizes
def train_val_sizes(call: Call) -> tuple[int, int]:
    """(training samples, validation samples) of a fit call, after validation_split."""
    if call.validation == "split":
        split_at = int(call.n * (1.0 - call.validation_split))
        return split_at, call.n - split_at
    if call.validation == "data":
        return call.n, call.val_n
    return call.n, 0


def batch_size_of(call: Call) -> int:
    return call.batch_size if call.batch_size is not None else DEFAULT_BATCH_SIZE


def data_batches(n: int, batch_size: int) -> int:
    return math.ceil(n / batch_size)


def val_batch_size(call: Call) -> int:
    """Validation batch size: validation_batch_size, else batch_size when it was passed (arrays only), else 32."""
    if call.validation_batch_size:
        return call.validation_batch_size
    return batch_size_of(call) if call.input == "arrays" else DEFAULT_BATCH_SIZE


def validates_on(call: Call, epoch: int) -> bool:
    """Whether fit validates after `epoch` (0-based) under validation_freq."""
    if call.validation is None:
        return False
    freq = call.validation_freq
    if isinstance(freq, int):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq


# --------------------------------------------------------------------------------------------- snippets
_SNIPPET_RECORDER = '''
class Recorder(keras.callbacks.Callback):
    """Prints every hook call with its index and logs keys, and does its actions (see perform above)."""

    def __init__(self, name, actions=()):
        super().__init__()
        self.name, self.actions, self.done = name, list(actions), set()

    def _record(self, hook, index, logs):
        print(self.name, hook, index, None if logs is None else sorted(logs))
        for i, (do, a_hook, a_index, a_epoch) in enumerate(self.actions):
            if i in self.done or not triggers(a_hook, a_index, a_epoch, hook, index, getattr(self, "epoch", None)):
                continue
            self.done.add(i)
            perform(do, self.model, logs, self._nested, f"{hook}({index})")

    def _nested(self, method):
        kw = {"callbacks": [self]} if EVAL_CALLBACKS else {}
        if method == "evaluate":
            print(self.name, "nested evaluate ->", self.model.evaluate(x_val, y_val, verbose=0, **kw))
        else:
            self.model.predict(x_val, verbose=0, **kw)
'''


def _snippet_hooks() -> str:
    lines = []
    for hook in (
        "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
    ):
        lines.append(f"    def {hook}(self, logs=None):\n        self._record({hook!r}, None, logs)\n")
    for hook in (
        "on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end", "on_test_batch_begin",
        "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
    ):
        arg = "epoch" if "epoch" in hook and "batch" not in hook else "batch"
        body = f"        self._record({hook!r}, {arg}, logs)\n"
        if hook == "on_epoch_begin":
            body = "        self.epoch = epoch\n" + body
        lines.append(f"    def {hook}(self, {arg}, logs=None):\n{body}")
    return "\n".join(lines)


def to_snippet(scenario: Scenario, module: str = "refimpl", preamble: str = "", after_model: str = "",
               eval_callbacks: bool = True) -> str:
    """A standalone Python script that replays `scenario` on `module` and prints what every recorder sees.

    The data, initial weights and inputs are made exactly as the suite's driver makes them, so the script
    reproduces the failing run.

    Args:
        scenario: The scenario to replay.
        module: What `keras` is imported from. Defaults to `"refimpl"`.
        preamble: Lines placed before the import (e.g. setting KERAS_BACKEND). Defaults to `""`.
        after_model: A line placed right after the model is built (e.g. switching its profile). Defaults to `""`.
        eval_callbacks: evaluate() and predict() take callbacks (False: the profile's release passed callbacks to
            fit() only, Keras 2.2 and older). Defaults to `True`.

    Returns:
        The script's source.
    """
    task = scenario.task
    out = [preamble.rstrip()] if preamble else []
    out += ["import numpy as np", f"import {module} as keras", f"EVAL_CALLBACKS = {eval_callbacks}",
            _SNIPPET_HELPERS.format(task=task, make_data=SNIPPET_MAKE_DATA, generator=SNIPPET_GENERATOR,
                                    dataset=SNIPPET_DATASET)]
    out.append(snippet_source())
    out.append(_SNIPPET_RECORDER.strip("\n"))
    out.append(_snippet_hooks())
    out.append(f"model = keras.Sequential([keras.Input(({INPUT_DIM},)), "
               f"keras.layers.Dense({OUTPUT_DIM[task]}, activation={ACTIVATIONS[task]!r})])")
    if after_model:
        out.append(after_model)
    out.append(f"rng = np.random.default_rng({scenario.seed})")
    out.append("model.set_weights([rng.uniform(-0.5, 0.5, size=np.shape(w)).astype('float32') "
               "for w in model.get_weights()])")
    out.append(f"model.compile(optimizer=keras.optimizers.{scenario.optimizer}(learning_rate="
               f"{scenario.learning_rate!r}), loss={LOSSES[task]!r}, metrics={list(scenario.metrics)!r}, "
               f"steps_per_execution={scenario.steps_per_execution})")
    for i, call in enumerate(scenario.calls):
        out.append(f"\n# call {i}: {call.method}")
        out.append(f"rng = np.random.default_rng({scenario.seed * 1000 + i + 1})")
        out.append(f"x, y, sw = make_data({call.n}, rng)")
        out.append(f"x_val, y_val, _ = make_data({call.val_n}, rng)")
        recs = []
        for j, r in enumerate(call.recorders):
            acts = [(a.do, a.hook, a.index, a.epoch) for a in r.actions]
            cls = {"full": "Recorder", "legacy": "LegacyRecorder", "no_logs": "NoLogsRecorder"}.get(
                r.kind, f"DISPATCH_RECORDERS[{r.kind!r}]")
            recs.append(f"{cls}('r{j}', {acts!r})" if r.kind == "full" else f"{cls}('r{j}')")
        out.append(f"callbacks = [{', '.join(recs)}]")
        if any(r.kind in DISPATCH_KINDS for r in call.recorders):
            out.append("for cb in callbacks:\n    cb.target_list = callbacks  # appender recorders add to this list")
        if call.lr_schedule:
            out.append("callbacks.insert(0, keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(lr) * 0.5))")
        if call.stop_preset:
            out.append("model.stop_training = True")
        args = ", ".join(f"{k}={v}" for k, v in _call_kwargs(scenario, call).items())
        passed = ", callbacks=callbacks" if call.method == "fit" or eval_callbacks else ""
        out.append(f"print({call.method!r}, model.{call.method}({args}{passed}))")
    out.append("")
    return "\n".join(out)


# Source text of the generator and the PyDataset that replay snippets feed their calls with (also used by the
# callback check's snippets).
SNIPPET_GENERATOR = '''def generator(x, y, sw, batch_size, finite, x_only=False):
    while True:
        for s in range(0, len(x), batch_size):
            sl = slice(s, s + batch_size)
            yield (x[sl],) if x_only else (x[sl], y[sl]) if sw is None else (x[sl], y[sl], sw[sl])
        if finite:
            return
'''
SNIPPET_DATASET = '''class Data(getattr(keras.utils, "PyDataset", None) or keras.utils.Sequence):
    def __init__(self, x, y, sw, batch_size, x_only=False):
        super().__init__()
        self.x, self.y, self.sw, self.bs, self.x_only = x, y, sw, batch_size, x_only

    def __len__(self):
        return -(-len(self.x) // self.bs)

    def __getitem__(self, i):
        sl = slice(i * self.bs, (i + 1) * self.bs)
        if self.x_only:
            return (self.x[sl],)
        return (self.x[sl], self.y[sl]) if self.sw is None else (self.x[sl], self.y[sl], self.sw[sl])
'''

SNIPPET_MAKE_DATA = '''def make_data(n, rng):
    x = rng.normal(size=(n, 3)).astype("float32")
    if TASK == "regression":
        y = rng.normal(size=(n, 1)).astype("float32")
    elif TASK == "binary":
        y = (rng.random((n, 1)) > 0.5).astype("float32")
    else:
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    return x, y, rng.uniform(0.5, 2.0, size=(n,)).astype("float32")
'''

_SNIPPET_HELPERS = '''

TASK = "{task}"


{make_data}


{generator}

{dataset}

class LegacyRecorder(keras.callbacks.Callback):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def on_batch_begin(self, batch, logs=None):
        print(self.name, "on_batch_begin", batch, None if logs is None else sorted(logs))

    def on_batch_end(self, batch, logs=None):
        print(self.name, "on_batch_end", batch, None if logs is None else sorted(logs))


class _Printer(keras.callbacks.Callback):
    def __init__(self, name, spec=None, position=0):
        super().__init__()
        self.name, self.events = name, []

    def _record(self, hook, index, logs, arg_count=2):
        print(self.name, hook, index, None if logs is None else sorted(logs))


from conformance.driver import dispatch_recorder_classes  # noqa: E402  (the suite's own recorders)

DISPATCH_RECORDERS = dispatch_recorder_classes(keras.callbacks.Callback, _Printer)


class NoLogsRecorder(keras.callbacks.Callback):
    def __init__(self, name):
        super().__init__()
        self.name = name

    def on_train_begin(self):
        print(self.name, "on_train_begin")

    def on_train_end(self):
        print(self.name, "on_train_end")

    def on_epoch_begin(self, epoch):
        print(self.name, "on_epoch_begin", epoch)

    def on_epoch_end(self, epoch):
        print(self.name, "on_epoch_end", epoch)

    def on_batch_begin(self, batch):
        print(self.name, "on_batch_begin", batch)

    def on_batch_end(self, batch):
        print(self.name, "on_batch_end", batch)
'''


def _call_kwargs(scenario: Scenario, call: Call) -> dict[str, str]:
    """The call's keyword arguments as source text, matching what the driver passes."""
    kw: dict[str, str] = {}
    x_only = call.method == "predict"
    sw = "sw" if call.sample_weight and not x_only else "None"
    bs = call.batch_size or DEFAULT_BATCH_SIZE
    if call.input == "arrays":
        kw["x"] = "x"
        if not x_only:
            kw["y"] = "y"
        if call.batch_size is not None:
            kw["batch_size"] = str(call.batch_size)
        if sw == "sw":
            kw["sample_weight"] = "sw"
    elif call.input == "generator":
        kw["x"] = f"generator(x, y, {sw}, {bs}, finite={call.finite}, x_only={x_only})"
    else:
        kw["x"] = f"Data(x, y, {sw}, {bs}, x_only={x_only})"
    if call.method == "fit":
        kw["epochs"] = str(call.epochs)
        if call.initial_epoch:
            kw["initial_epoch"] = str(call.initial_epoch)
        if call.steps is not None:
            kw["steps_per_epoch"] = str(call.steps)
        if call.validation == "split":
            kw["validation_split"] = repr(call.validation_split)
        elif call.validation == "data":
            kw["validation_data"] = "(x_val, y_val)"
        if call.validation and call.validation_batch_size:
            kw["validation_batch_size"] = str(call.validation_batch_size)
        if call.validation and call.validation_freq != 1:
            freq = call.validation_freq
            kw["validation_freq"] = repr(list(freq) if isinstance(freq, tuple) else freq)
        if call.class_weight:
            kw["class_weight"] = repr(class_weights(scenario.task))
        kw["shuffle"] = "False"
    elif call.steps is not None:
        kw["steps"] = str(call.steps)
    if call.method == "evaluate" and call.return_dict:
        kw["return_dict"] = "True"
    if call.bad_argument is not None:
        kw[call.bad_argument[0]] = repr(call.bad_argument[1])
    kw["verbose"] = "0"
    return kw


def class_weights(task: str) -> dict[int, float]:
    """The class_weight dict scenarios use for a classification task."""
    return {0: 1.0, 1: 2.0} if task == "binary" else {0: 1.0, 1: 2.0, 2: 0.5}
