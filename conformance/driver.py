"""Run a scenario on a Keras-like module through its public API and record what the callbacks see.

Only public API is used: Sequential, Input, layers.Dense, optimizers.*, callbacks.Callback /
LearningRateScheduler, utils.PyDataset (utils.Sequence where absent), compile/fit/evaluate/predict/test_on_batch,
get_weights/set_weights. A third-party loop that looks like Keras can use `Session` as is; anything else writes an
adapter whose `start()` returns its own object with the same `call()` method (see conformance.adapters).
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from conformance.actions import CallbackProbeError, perform, triggers
from conformance.scenario import (
    ACTIVATIONS,
    INPUT_DIM,
    LOSSES,
    OUTPUT_DIM,
    Call,
    RecorderSpec,
    Scenario,
    batch_size_of,
    class_weights,
    train_val_sizes,
    val_batch_size,
)

INDEXED = ("epoch", "batch")
RUN_BEGIN_HOOKS = ("on_train_begin", "on_test_begin", "on_predict_begin")
UNINDEXED_HOOKS = frozenset(RUN_BEGIN_HOOKS + ("on_train_end", "on_test_end", "on_predict_end"))
ALL_HOOKS = (
    "on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_begin", "on_test_end", "on_test_batch_begin", "on_test_batch_end",
    "on_predict_begin", "on_predict_end", "on_predict_batch_begin", "on_predict_batch_end",
)


class HarnessError(RuntimeError):
    """The suite's own recording code failed: reported as an adapter error, never blamed on the implementation."""


@dataclass
class Event:
    """One hook call as a recorder saw it."""

    hook: str
    index: int | None
    logs: dict[str, Any] | None
    types: tuple[str, ...] = ()
    seq: int = 0
    depth: int = 0
    params: dict[str, Any] | None = None
    model_ok: bool = True
    lr: float | str | None = None
    stop_training: bool | None = None
    arg_count: int = 2
    history_probe: tuple[int, float] | str | None = None  # keras0: (len, last) of model.<batch|epoch>_history.loss


@dataclass
class CallTrace:
    """What one call did: every recorder's events, its return value or error, and probes for the checks."""

    method: str
    events: list[list[Event]]
    error: dict[str, str] | None = None
    history: dict[str, Any] | None = None
    returned: Any = None
    batch_values: dict[str, list[dict[str, float]]] = field(default_factory=dict)
    harness_errors: list[str] = field(default_factory=list)
    fired: list[tuple[int, int]] = field(default_factory=list)  # (recorder, action) pairs that ran
    appended_events: list[Event] = field(default_factory=list)  # what recorders appended during the run saw


def to_numpy(v: Any) -> np.ndarray:
    """Any backend's tensor, variable or scalar as a numpy array."""
    if isinstance(v, np.ndarray):
        return v
    if hasattr(v, "detach") and hasattr(v, "cpu"):
        return v.detach().cpu().numpy()
    if hasattr(v, "numpy") and callable(v.numpy):
        return np.asarray(v.numpy())
    if hasattr(v, "value") and not isinstance(v, (int, float, str)):
        return to_numpy(v.value)
    return np.asarray(v)


def _snapshot(logs: Any) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """A copy of `logs` with numbers as floats and arrays as numpy arrays, plus the value types seen."""
    if logs is None:
        return None, ()
    items = dict(logs)
    out, types = {}, []
    for k, v in items.items():
        types.append(f"{type(v).__module__.split('.')[0]}.{type(v).__name__}")
        if isinstance(v, (bool, int, float)):
            out[str(k)] = float(v)
            continue
        a = to_numpy(v)
        out[str(k)] = float(a.reshape(-1)[0]) if a.size == 1 and k != "outputs" else np.array(a, copy=True)
    return out, tuple(types)


class Recording:
    """Shared state of one call's recorders: a global sequence counter and the model they should see."""

    def __init__(self, session: Session, call: Call):
        self.session, self.call = session, call
        self.seq = 0
        self.depth = 0
        self.harness_errors: list[str] = []
        self.fired: list[tuple[int, int]] = []
        self.val_data = session.val_arrays


def recorder_classes(keras: ModuleType) -> dict[str, type]:
    """Recording callbacks subclassing `keras.callbacks.Callback`: full, legacy and no-logs variants."""
    base = keras.callbacks.Callback

    class Full(base):
        def __init__(self, rec: Recording, spec: RecorderSpec, position: int = 0):
            super().__init__()
            self.rec, self.spec, self.events, self.position = rec, spec, [], position
            self.fired: set[int] = set()
            self.epoch: int | None = None

        def _record(self, hook: str, index: int | None, logs: Any) -> None:
            rec = self.rec
            try:
                snap, types = _snapshot(logs)
                model = rec.session.model
                ev = Event(hook, index, snap, types, rec.seq, rec.depth)
                rec.seq += 1
                ev.model_ok = getattr(self, "model", None) is model
                if hook in ("on_train_begin", "on_test_begin", "on_predict_begin"):
                    params = getattr(self, "params", None)
                    ev.params = dict(params) if isinstance(params, dict) else {"<type>": type(params).__name__}
                if hook == "on_train_begin":
                    ev.stop_training = bool(getattr(model, "stop_training", False))
                try:
                    ev.lr = float(to_numpy(model.optimizer.learning_rate).reshape(-1)[0])
                except Exception as e:  # the contract says this works: record the failure for the check
                    ev.lr = f"{type(e).__name__}: {e}"
                if hook == "on_epoch_begin":
                    self.epoch = index
                self.events.append(ev)
            except Exception:
                rec.harness_errors.append(traceback.format_exc())
                return
            if rec.depth == 0:
                self._act(hook, index, logs)

        def _act(self, hook: str, index: int | None, logs: Any) -> None:
            for i, action in enumerate(self.spec.actions):
                if i in self.fired or not triggers(action.hook, action.index, action.epoch, hook, index, self.epoch):
                    continue
                self.fired.add(i)
                self.rec.fired.append((self.position, i))
                perform(action.do, self.rec.session.model, logs, self._nested, f"{hook}({index})")

        def _nested(self, method: str) -> None:
            x, y, _ = self.rec.val_data
            self.rec.depth += 1
            try:
                kw = {"callbacks": [self]} if self.rec.session.eval_callbacks else {}
                if method == "evaluate":
                    self.rec.session.model.evaluate(x, y, verbose=0, **kw)
                else:
                    self.rec.session.model.predict(x, verbose=0, **kw)
            finally:
                self.rec.depth -= 1

        def on_train_begin(self, logs=None):
            self._record("on_train_begin", None, logs)

        def on_train_end(self, logs=None):
            self._record("on_train_end", None, logs)

        def on_test_begin(self, logs=None):
            self._record("on_test_begin", None, logs)

        def on_test_end(self, logs=None):
            self._record("on_test_end", None, logs)

        def on_predict_begin(self, logs=None):
            self._record("on_predict_begin", None, logs)

        def on_predict_end(self, logs=None):
            self._record("on_predict_end", None, logs)

        def on_epoch_begin(self, epoch, logs=None):
            self._record("on_epoch_begin", epoch, logs)

        def on_epoch_end(self, epoch, logs=None):
            self._record("on_epoch_end", epoch, logs)

        def on_train_batch_begin(self, batch, logs=None):
            self._record("on_train_batch_begin", batch, logs)

        def on_train_batch_end(self, batch, logs=None):
            self._record("on_train_batch_end", batch, logs)

        def on_test_batch_begin(self, batch, logs=None):
            self._record("on_test_batch_begin", batch, logs)

        def on_test_batch_end(self, batch, logs=None):
            self._record("on_test_batch_end", batch, logs)

        def on_predict_batch_begin(self, batch, logs=None):
            self._record("on_predict_batch_begin", batch, logs)

        def on_predict_batch_end(self, batch, logs=None):
            self._record("on_predict_batch_end", batch, logs)

    class _Simple(base):
        def __init__(self, rec: Recording, spec: RecorderSpec, position: int = 0):
            super().__init__()
            self.rec, self.spec, self.events = rec, spec, []

        def _record(self, hook: str, index: int | None, logs: Any, arg_count: int, probe: Any = None) -> None:
            try:
                snap, types = _snapshot(logs)
                self.events.append(Event(hook, index, snap, types, self.rec.seq, self.rec.depth,
                                         arg_count=arg_count, history_probe=probe))
                self.rec.seq += 1
            except Exception:
                self.rec.harness_errors.append(traceback.format_exc())

        def _history(self, name: str) -> tuple[int, float] | str | None:
            """What seed 000's callbacks read: `self.model.batch_history.loss[-1]` (None: no such record)."""
            record = getattr(self.rec.session.model, name, None)
            if record is None:
                return None
            try:
                losses = record.loss
                return len(losses), float(to_numpy(losses[-1]).reshape(-1)[0]) if len(losses) else float("nan")
            except Exception as e:  # the clause says this works: record the failure for the check
                return f"{type(e).__name__}: {e}"

    class Legacy(_Simple):
        def on_batch_begin(self, batch, logs=None):
            self._record("on_batch_begin", batch, logs, 2)

        def on_batch_end(self, batch, logs=None):
            self._record("on_batch_end", batch, logs, 2)

    class NoLogs(_Simple):
        """Seed 000's hooks: no logs argument at all."""

        def on_train_begin(self):
            self._record("on_train_begin", None, None, 0)

        def on_train_end(self):
            self._record("on_train_end", None, None, 0)

        def on_epoch_begin(self, epoch):
            self._record("on_epoch_begin", epoch, None, 1)

        def on_epoch_end(self, epoch):
            self._record("on_epoch_end", epoch, None, 1, self._history("epoch_history"))

        def on_batch_begin(self, batch):
            self._record("on_batch_begin", batch, None, 1)

        def on_batch_end(self, batch):
            self._record("on_batch_end", batch, None, 1, self._history("batch_history"))

    return {"full": Full, "legacy": Legacy, "no_logs": NoLogs, **dispatch_recorder_classes(base, _Simple)}


def _hook_recorder(recorder: Any, hook: str, tag: str = "") -> Any:
    """A function recording `hook` on `recorder`, to be set on the instance (`self.<hook> = ...`)."""
    indexed = hook not in UNINDEXED_HOOKS

    def record(*args, **kwargs):
        index = args[0] if indexed and args else None
        logs = kwargs.get("logs", args[1] if indexed and len(args) > 1 else args[0] if args and not indexed else None)
        recorder._record(tag + hook, index, logs, 2)

    return record


def dispatch_recorder_classes(base: type, simple: type) -> dict[str, type]:
    """Recorders that define their hooks the ways real callbacks do (conformance/spec/dispatch.toml)."""

    class Instance(simple):
        """Every hook set on the instance in __init__; the class defines none."""

        def __init__(self, *args):
            super().__init__(*args)
            for hook in ALL_HOOKS:
                setattr(self, hook, _hook_recorder(self, hook))

    class Late(simple):
        """Defines only the three run-begin hooks; each sets every other hook on the instance, afresh."""

        def _arm(self, hook, logs):
            self._record(hook, None, logs, 2)
            for other in ALL_HOOKS:
                if other not in RUN_BEGIN_HOOKS:
                    setattr(self, other, _hook_recorder(self, other))

        def on_train_begin(self, logs=None):
            self._arm("on_train_begin", logs)

        def on_test_begin(self, logs=None):
            self._arm("on_test_begin", logs)

        def on_predict_begin(self, logs=None):
            self._arm("on_predict_begin", logs)

    class Tqdm(simple):
        """tqdm's TqdmCallback: on_epoch_end and on_batch_end set on the instance in __init__ and replaced in
        every on_epoch_begin; a replaced (stale) one records its hook as `stale:<hook>`."""

        def __init__(self, *args):
            super().__init__(*args)
            self._generation = 0
            self._arm()

        def _arm(self):
            self._generation += 1
            for hook in ("on_epoch_end", "on_batch_end"):
                setattr(self, hook, self._stamped(hook, self._generation))

        def _stamped(self, hook, generation):
            def record(index, logs=None):
                stale = "" if generation == self._generation else "stale:"
                self._record(stale + hook, index, logs, 2)
            return record

        def _implements_train_batch_hooks(self):
            return True

        def on_train_begin(self, logs=None):
            self._record("on_train_begin", None, logs, 2)

        def on_epoch_begin(self, epoch, logs=None):
            self._record("on_epoch_begin", epoch, logs, 2)
            self._arm()

        def on_train_end(self, logs=None):
            self._record("on_train_end", None, logs, 2)

    class Flags(recorder_with_class_hooks(simple)):
        """Defines every hook on its class, and says through `_implements_*_batch_hooks` that it has none."""

        def _implements_train_batch_hooks(self):
            return False

        def _implements_test_batch_hooks(self):
            return False

        def _implements_predict_batch_hooks(self):
            return False

    class Mixin:  # not a Callback: the hooks come from here, two levels above the recorder's class
        pass

    for hook in ALL_HOOKS:
        setattr(Mixin, hook, _class_hook(hook))

    class Middle(Mixin, simple):
        pass

    class Deep(Middle):
        pass

    class Both(simple):
        """Defines on_train_batch_* and the legacy on_batch_*: only the former may be called."""

        def on_train_batch_begin(self, batch, logs=None):
            self._record("on_train_batch_begin", batch, logs, 2)

        def on_train_batch_end(self, batch, logs=None):
            self._record("on_train_batch_end", batch, logs, 2)

        def on_batch_begin(self, batch, logs=None):
            self._record("on_batch_begin", batch, logs, 2)

        def on_batch_end(self, batch, logs=None):
            self._record("on_batch_end", batch, logs, 2)

    class Appender(simple):
        """On its first on_epoch_begin, appends a recorder of every hook to `target_list` (the list passed to fit)."""

        def __init__(self, *args):
            super().__init__(*args)
            self._init_args, self.joined, self.target_list = args, [], None

        def on_epoch_begin(self, epoch, logs=None):
            self._record("on_epoch_begin", epoch, logs, 2)
            if not self.joined and self.target_list is not None:
                joiner = Deep(*self._init_args)
                self.joined.append(joiner)
                self.target_list.append(joiner)

    return {"instance": Instance, "late": Late, "tqdm": Tqdm, "flags": Flags, "deep": Deep, "both": Both,
            "appender": Appender}


def _class_hook(hook: str) -> Any:
    indexed = hook not in UNINDEXED_HOOKS
    if indexed:
        def method(self, index, logs=None):
            self._record(hook, index, logs, 2)
    else:
        def method(self, logs=None):
            self._record(hook, None, logs, 2)
    method.__name__ = hook
    return method


def recorder_with_class_hooks(simple: type) -> type:
    """A subclass of `simple` defining every hook on its class."""
    return type("ClassHooks", (simple,), {hook: _class_hook(hook) for hook in ALL_HOOKS})


def make_data(task: str, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y, sample_weight) for `task`, float32."""
    x = rng.normal(size=(n, INPUT_DIM)).astype("float32")
    if task == "regression":
        y = rng.normal(size=(n, 1)).astype("float32")
    elif task == "binary":
        y = (rng.random((n, 1)) > 0.5).astype("float32")
    else:
        y = np.eye(3, dtype="float32")[rng.integers(0, 3, n)]
    sw = rng.uniform(0.5, 2.0, size=(n,)).astype("float32")
    return x, y, sw


def _slices(n: int, bs: int) -> list[slice]:
    return [slice(s, min(s + bs, n)) for s in range(0, n, bs)]


def _scalar_or_none(value: Any) -> float | None:
    """A returned value as a float; None stays None (Keras 3.3 evaluate() can return None: the clauses judge it)."""
    return None if value is None else float(to_numpy(value).reshape(-1)[0])


def reference_batches(task: str, call: Call, x, y, sw, val_arrays: tuple, class_weight_applies: bool
                      ) -> dict[str, tuple[Any, Any, Any, int]]:
    """The data the value clauses compare a call's logs with: per part ("test" for evaluate(), "train" and "val"
    for fit()), (x, y, per-sample weights or None, batch size). test_on_batch runs on each of its batches after
    the call (learning rate 0: the weights do not move), in this process or in a harness.

    Args:
        class_weight_applies: False where the release ignores class_weight beside sample_weight (Keras 2.2 and
            older, in their standardize_weights).
    """
    weights = sw if call.sample_weight else np.ones(len(x), dtype="float32")
    if call.class_weight and (class_weight_applies or not call.sample_weight):
        cw = class_weights(task)
        labels = y[:, 0].astype(int) if y.shape[1] == 1 else y.argmax(axis=1)
        weights = weights * np.array([cw[int(c)] for c in labels], dtype="float32")
    use_w = call.sample_weight or call.class_weight
    if call.method == "evaluate":
        return {"test": (x, y, weights if use_w else None, batch_size_of(call))}
    n_train, _ = train_val_sizes(call)
    parts = {"train": (x[:n_train], y[:n_train], weights[:n_train] if use_w else None, batch_size_of(call))}
    if call.validation == "split":  # the split carries its sample weights (not class weights) along
        parts["val"] = (x[n_train:], y[n_train:], sw[n_train:] if call.sample_weight else None, val_batch_size(call))
    elif call.validation == "data":
        parts["val"] = (val_arrays[0], val_arrays[1], None, val_batch_size(call))
    return parts


def setup_key(scenario: Scenario) -> tuple:
    """What compile() and the model's architecture depend on: scenarios with equal keys can share a model."""
    return (scenario.task, tuple(scenario.metrics), scenario.optimizer, scenario.learning_rate,
            scenario.steps_per_execution)


class Session:
    """One model built from a scenario's setup; `call()` runs one fit/evaluate/predict on it.

    Args:
        keras: The Keras-like module.
        scenario: The scenario (its setup; its calls are run one by one with `call`).
    """

    # Whether evaluate() and predict() take callbacks (False: Keras 2.2 and older, where only fit() does).
    eval_callbacks = True
    # Whether class_weight still applies when sample_weight is given (False: Keras 2.2 and older ignore it).
    class_weight_with_sample_weight = True
    # This process's reference models (`reference_model`), one per implementation, session kind and setup.
    _references: dict[tuple, Any] = {}

    def __init__(self, keras: ModuleType, scenario: Scenario):
        self.keras, self.scenario = keras, scenario
        self.classes = recorder_classes(keras)
        self.call_index = 0
        self.model = self.build_model()
        rng = np.random.default_rng(scenario.seed)
        shapes = [to_numpy(w).shape for w in self.model.get_weights()]
        self.initial_weights = [rng.uniform(-0.5, 0.5, size=s).astype("float32") for s in shapes]
        self.model.set_weights([w.copy() for w in self.initial_weights])
        self.compile_model()
        self.val_arrays = make_data(scenario.task, 1, rng)

    # ------------------------------------------------------------- what an adapter for another API overrides
    def build_model(self) -> Any:
        """The scenario's one-Dense-layer model (before its weights are set)."""
        keras, task = self.keras, self.scenario.task
        return keras.Sequential([
            keras.Input((INPUT_DIM,)),
            keras.layers.Dense(OUTPUT_DIM[task], activation=ACTIVATIONS[task]),
        ])

    def compile_model(self) -> None:
        """compile() with the scenario's optimizer, loss, metrics and steps_per_execution."""
        scenario = self.scenario
        optimizer = getattr(self.keras.optimizers, scenario.optimizer)(learning_rate=scenario.learning_rate)
        extra = {"steps_per_execution": scenario.steps_per_execution} if scenario.steps_per_execution != 1 else {}
        self.model.compile(optimizer=optimizer, loss=LOSSES[scenario.task], metrics=list(scenario.metrics), **extra)

    def reference_model(self) -> Any:
        """A second model of this session's setup, with its initial weights, that only ever runs test_on_batch.

        The batch values' reference: with learning rate 0 the session's model keeps those weights, but what a call
        leaves in its model is the implementation's business (a callback may set weights, evaluate() resets the
        metrics, a callback that raised can leave a jax model without values), so the reference must not come
        from the model the call used. One reference model per setup is kept for the process; it gets the
        session's weights each time (copies: jax may keep the very array it was given, without copying it).
        """
        key = (type(self).__name__, id(self.keras), getattr(self, "profile", None), setup_key(self.scenario))
        model = Session._references.get(key)
        if model is None:
            model = Session._references[key] = self.new_model()
        model.set_weights([w.copy() for w in self.initial_weights])
        return model

    def new_model(self) -> Any:
        """A compiled model of the scenario's setup, not this session's (its weights are not set)."""
        return self.built_apart(self.build_model, self.compile_model)

    def built_apart(self, build: Callable[[], Any], compile_model: Callable[[], None]) -> Any:
        """`build()`'s model compiled by `compile_model()` (which compiles `self.model`), leaving `self.model` be."""
        main, self.model = self.model, build()
        try:
            compile_model()
            return self.model
        finally:
            self.model = main

    def dataset_base(self) -> type:
        """The base class of the PyDataset input (`utils.PyDataset`, else Keras 2's `utils.Sequence`)."""
        return getattr(self.keras.utils, "PyDataset", None) or self.keras.utils.Sequence

    def invoke(self, method: str, callbacks: list, kwargs: dict[str, Any]) -> Any:
        """Call `model.<method>(callbacks=callbacks, **kwargs)` (Keras 3 argument names; evaluate() and predict()
        get no callbacks where `eval_callbacks` is False)."""
        if method != "fit" and not self.eval_callbacks:
            return getattr(self.model, method)(**kwargs)
        return getattr(self.model, method)(callbacks=callbacks, **kwargs)

    # ------------------------------------------------------------------------------------------ inputs
    def _generator(self, x, y, sw, bs: int, finite: bool, x_only: bool):
        def gen():
            while True:
                for sl in _slices(len(x), bs):
                    if x_only:
                        yield (x[sl],)
                    elif sw is None:
                        yield x[sl], y[sl]
                    else:
                        yield x[sl], y[sl], sw[sl]
                if finite:
                    return
        return gen()

    def _pydataset(self, x, y, sw, bs: int, x_only: bool):
        base = self.dataset_base()
        slices = _slices(len(x), bs)

        class Data(base):
            def __len__(self):
                return len(slices)

            def __getitem__(self, i):
                if i >= len(slices):
                    raise IndexError(i)
                sl = slices[i]
                if x_only:
                    return (x[sl],)
                return (x[sl], y[sl]) if sw is None else (x[sl], y[sl], sw[sl])

        return Data()

    def _inputs(self, call: Call, x, y, sw) -> dict[str, Any]:
        bs = batch_size_of(call)
        x_only = call.method == "predict"
        use_sw = call.sample_weight and not x_only
        if call.input == "arrays":
            kw: dict[str, Any] = {"x": x}
            if not x_only:
                kw["y"] = y
            if use_sw:
                kw["sample_weight"] = sw
            if call.batch_size is not None:
                kw["batch_size"] = call.batch_size
            return kw
        if call.input == "generator":
            return {"x": self._generator(x, y, sw if use_sw else None, bs, call.finite, x_only)}
        return {"x": self._pydataset(x, y, sw if use_sw else None, bs, x_only)}

    def _kwargs(self, call: Call) -> dict[str, Any]:
        kw: dict[str, Any] = {"verbose": 0}
        if call.method == "fit":
            kw.update(epochs=call.epochs, shuffle=False)
            if call.initial_epoch:
                kw["initial_epoch"] = call.initial_epoch
            if call.steps is not None:
                kw["steps_per_epoch"] = call.steps
            if call.validation == "split":
                kw["validation_split"] = call.validation_split
            if call.validation and call.validation_batch_size is not None:
                kw["validation_batch_size"] = call.validation_batch_size
            if call.validation and call.validation_freq != 1:
                freq = call.validation_freq
                kw["validation_freq"] = list(freq) if isinstance(freq, tuple) else freq
            if call.class_weight:
                kw["class_weight"] = class_weights(self.scenario.task)
        elif call.steps is not None:
            kw["steps"] = call.steps
        if call.method == "evaluate" and call.return_dict:
            kw["return_dict"] = True
        if call.bad_argument is not None:
            kw[call.bad_argument[0]] = call.bad_argument[1]
        return kw

    # ---------------------------------------------------------------------------------------- one call
    def call(self, call: Call) -> CallTrace:
        """Run `call` on the model with fresh recorders; never raises for the implementation's errors."""
        rng = np.random.default_rng(self.scenario.seed * 1000 + self.call_index + 1)
        self.call_index += 1
        x, y, sw = make_data(self.scenario.task, call.n, rng)
        self.val_arrays = make_data(self.scenario.task, call.val_n, rng)
        rec = Recording(self, call)
        recorders = [self.classes[spec.kind](rec, spec, i) for i, spec in enumerate(call.recorders)]
        callbacks: list[Any] = list(recorders)
        if call.lr_schedule:
            callbacks.insert(0, self.keras.callbacks.LearningRateScheduler(lambda epoch, lr: float(lr) * 0.5))
        for recorder in recorders:
            if hasattr(recorder, "target_list"):
                recorder.target_list = callbacks  # the very list passed to the call
        kwargs = {**self._inputs(call, x, y, sw), **self._kwargs(call)}
        if call.method == "fit" and call.validation == "data":
            vx, vy, _ = self.val_arrays
            kwargs["validation_data"] = (vx, vy)
        trace = CallTrace(call.method, [])
        if call.stop_preset:
            self.model.stop_training = True
        try:
            ret = self.invoke(call.method, callbacks, kwargs)
        except Exception as e:
            trace.error = {"type": type(e).__name__, "message": str(e).splitlines()[0] if str(e) else "",
                           "traceback": traceback.format_exc(limit=8)[-3000:],
                           "probe": isinstance(e, CallbackProbeError)}
            ret = None
        trace.events = [r.events for r in recorders]
        trace.harness_errors = rec.harness_errors
        trace.fired = rec.fired
        trace.appended_events = [e for r in recorders for j in getattr(r, "joined", ()) for e in j.events]
        if trace.error is None:
            trace.returned, trace.history = self._summarize(call, ret)
            if self.scenario.learning_rate == 0 and call.method != "predict":
                try:
                    trace.batch_values = self._batch_values(call, x, y, sw)
                except Exception:  # e.g. tf-keras's test_on_batch under steps_per_execution > 1 wants k batches
                    trace.batch_values = {}  # the value clauses then do not apply to this call
        return trace

    def _summarize(self, call: Call, ret: Any) -> tuple[Any, dict[str, Any] | None]:
        if call.method == "fit":
            hist = getattr(ret, "history", None)
            return None, {
                "history": {k: [float(to_numpy(v).reshape(-1)[0]) for v in vs] for k, vs in (hist or {}).items()},
                "epoch": [int(e) for e in getattr(ret, "epoch", [])],
                "is_model_history": ret is getattr(self.model, "history", None),
                "type": type(ret).__name__,
            }
        if call.method == "evaluate":
            if isinstance(ret, dict):
                return {k: _scalar_or_none(v) for k, v in ret.items()}, None
            if isinstance(ret, (list, tuple)):
                return [_scalar_or_none(v) for v in ret], None
            return _scalar_or_none(ret), None
        return np.array(to_numpy(ret), copy=True), None

    def _batch_values(self, call: Call, x, y, sw) -> dict[str, list[dict[str, float]]]:
        """test_on_batch on every data batch, on the reference model (weights do not move with learning_rate 0)."""
        model = self.reference_model()
        # Keras 3.0 to 3.14 (jax) do not reset the metrics in test_on_batch: without this every value after the
        # first would be a running mean over the calls so far, not the batch's own.
        reset_metrics = getattr(model, "reset_metrics", lambda: None)

        def values(xs, ys, ws, bs):
            out = []
            for sl in _slices(len(xs), bs):
                kw = {"sample_weight": ws[sl]} if ws is not None else {}
                reset_metrics()
                res = model.test_on_batch(xs[sl], ys[sl], return_dict=True, **kw)
                out.append({k: float(to_numpy(v).reshape(-1)[0]) for k, v in res.items()})
            return out

        parts = reference_batches(self.scenario.task, call, x, y, sw, self.val_arrays,
                                  self.class_weight_with_sample_weight)
        out = {part: values(*data) for part, data in parts.items()}
        if not math.isfinite(sum(v.get("loss", 0.0) for v in out.get("train", ()))):
            return {}
        return out
