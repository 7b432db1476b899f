"""The contract as an executable model: from a scenario, the hooks every recorder must see.

Written from the spec's clauses (conformance/spec/), never from an implementation's trainer: the loop below is
the prose of the clauses turned into code. `expect_call` walks one call the way the contract describes it,
applying the recorders' actions (stop_training, nested evaluate/predict, log edits, raising) in list order at
every hook, and returns, per recorder, the hook calls it must receive with the logs keys of each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from conformance.scenario import (
    Action,
    Call,
    Scenario,
    batch_size_of,
    data_batches,
    train_val_sizes,
    val_batch_size,
    validates_on,
)

# Hooks each recorder kind overrides, by the name the loop uses; legacy recorders hear train batches only.
LEGACY_NAMES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}
NO_LOGS_HOOKS = {"on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                 "on_train_batch_end"}
NESTED_DEFAULT_BATCH = 32
LR_KEY = {"keras3": "learning_rate", "keras2": "lr", "keras1": "lr", "keras0": "lr"}
# How each profile logs a compiled metric name (seed 003: `acc`; seeds 002 and 004, Keras 3: `accuracy`).
METRIC_NAMES = {"keras2": {"accuracy": "acc"}}
# Profiles whose training batch logs describe the batch (seeds 002/003: `size` on batch begin; Keras 2 also
# `batch`), and whose batch-end values are the batch's own, averaged into the epoch by BaseLogger.
BATCH_DESCRIPTION = frozenset({"batch", "size"})
DESCRIBED_BATCHES = ("keras2", "keras1", "keras0")


@dataclass(frozen=True)
class Expected:
    """One hook call a recorder must receive.

    `keys` is the exact set of logs keys (`None`: the hook takes no logs). `run` says which run the call belongs
    to: `"train"`, `"val"` (fit's validation), `"test"` (evaluate), `"predict"`, or `"nested-test"` /
    `"nested-predict"` for a call made from inside a hook. `group` is (first step, last step) for batch hooks.
    """

    hook: str
    index: int | None
    keys: frozenset[str] | None
    run: str
    epoch: int | None = None
    group: tuple[int, int] | None = None
    depth: int = 0


@dataclass
class CallExpectation:
    """Everything the contract says about one call."""

    call: Call
    events: list[list[Expected]]
    params: dict | None = None
    nested_params: dict | None = None
    epochs: list[int] = field(default_factory=list)
    validated: list[int] = field(default_factory=list)
    steps: int | None = None
    val_steps: int = 0
    raises: str | None = None  # "ValueError" for bad input, "probe" for a recorder that raises
    stop_set: tuple[str, int | None] | None = None  # where stop_training was first requested
    edited_epochs: dict[int, int] = field(default_factory=dict)  # epoch -> recorder that edited its logs
    train_keys: frozenset[str] = frozenset()
    nested_done: list[int] = field(default_factory=list)  # recorders that made a nested call


def metric_names(scenario: Scenario, profile: str = "keras3") -> list[str]:
    """The logged names of loss and the compiled metrics, in compile order, as `profile` spells them."""
    names = METRIC_NAMES.get(profile, {})
    return ["loss", *(names.get(m, m) for m in scenario.metrics)]


def metric_keys(scenario: Scenario, profile: str = "keras3") -> frozenset[str]:
    """The logs keys of a training or test batch: loss plus each compiled metric."""
    return frozenset(metric_names(scenario, profile))


def batch_description(profile: str) -> frozenset[str]:
    """The keys a training batch hook's logs carry besides the metrics (`batch`, `size` before Keras 3)."""
    return BATCH_DESCRIPTION if profile in DESCRIBED_BATCHES else frozenset()


def groups(steps: int, per_execution: int) -> list[tuple[int, int]]:
    """(first step, last step) of each batch hook pair when `per_execution` steps run per pair."""
    return [(s, min(s + per_execution, steps) - 1) for s in range(0, steps, per_execution)]


def fit_steps(call: Call) -> int | None:
    """params['steps'] of a fit call: steps_per_epoch, else the number of batches (None: unknown length)."""
    if call.steps is not None:
        return call.steps
    if call.input == "generator" and not call.finite:
        return None
    n_train, _ = train_val_sizes(call)
    if call.input == "generator":
        return None
    return data_batches(n_train, batch_size_of(call))


def steps_run(call: Call) -> int:
    """How many steps each epoch (or evaluation / prediction) really runs."""
    if call.steps is not None:
        return call.steps
    n_train, _ = train_val_sizes(call)
    return data_batches(n_train, batch_size_of(call))


class _Walk:
    """Walks one call in contract order, dispatching each hook to the recorders and running their actions."""

    def __init__(self, scenario: Scenario, call: Call, profile: str):
        self.scenario, self.call, self.profile = scenario, call, profile
        self.exp = CallExpectation(call=call, events=[[] for _ in call.recorders])
        self.fired: set[tuple[int, int]] = set()
        self.flags = {"stop_training": False, "stop_evaluating": False, "stop_predicting": False}
        self.keys = metric_keys(scenario, profile)
        self.epoch: int | None = None
        self.raised = False

    # one hook call, to every recorder in list order
    def hook(self, name: str, index: int | None, keys: frozenset[str] | None, run: str,
             group: tuple[int, int] | None = None, edit_target: bool = False) -> None:
        if self.raised:
            return
        edited = False
        for r, spec in enumerate(self.call.recorders):
            seen_keys = keys
            if edited and keys is not None:
                seen_keys = keys | {"extra"}
            if spec.kind == "legacy":
                if name not in LEGACY_NAMES:
                    continue
                hook_name = LEGACY_NAMES[name]
            elif spec.kind == "no_logs":
                if name not in NO_LOGS_HOOKS:
                    continue
                hook_name, seen_keys = LEGACY_NAMES.get(name, name), None
            else:
                hook_name = name
            self.exp.events[r].append(Expected(hook_name, index, seen_keys, run, self.epoch, group))
            if spec.kind != "full":
                continue
            for a, action in enumerate(spec.actions):
                if (r, a) in self.fired or not self._matches(action, name, index):
                    continue
                self.fired.add((r, a))
                if action.do == "raise":
                    self.exp.raises = "probe"
                    self.raised = True
                    return
                if action.do == "edit_logs" and edit_target:
                    edited = True
                    self.exp.edited_epochs[index] = r
                elif action.do in self.flags:
                    if action.do == "stop_training" and self.exp.stop_set is None:
                        self.exp.stop_set = (name, index)
                    self.flags[action.do] = True
                elif action.do in ("nested_evaluate", "nested_predict"):
                    self.nested(r, action.do)

    def _matches(self, action: Action, name: str, index: int | None) -> bool:
        if action.hook != name:
            return False
        if action.index is not None and action.index != index:
            return False
        if action.epoch is not None and "batch" in name and self.epoch != action.epoch:
            return False
        return True

    def nested(self, r: int, what: str) -> None:
        steps = data_batches(self.call.val_n, NESTED_DEFAULT_BATCH)
        self.exp.nested_params = {"verbose": 0, "epochs": 1, "steps": steps}
        self.exp.nested_done.append(r)
        prefix = "test" if what == "nested_evaluate" else "predict"
        end_keys = self.keys if prefix == "test" else frozenset()
        batch_keys = self.keys if prefix == "test" else frozenset({"outputs"})
        out = self.exp.events[r]
        out.append(Expected(f"on_{prefix}_begin", None, frozenset(), f"nested-{prefix}", self.epoch, depth=1))
        for g in groups(steps, self.scenario.steps_per_execution):
            out.append(Expected(f"on_{prefix}_batch_begin", g[0], frozenset(), f"nested-{prefix}", self.epoch,
                                g, depth=1))
            out.append(Expected(f"on_{prefix}_batch_end", g[1], batch_keys, f"nested-{prefix}", self.epoch,
                                g, depth=1))
        out.append(Expected(f"on_{prefix}_end", None, end_keys, f"nested-{prefix}", self.epoch, depth=1))

    # the three loops
    def fit(self) -> None:
        call, exp = self.call, self.exp
        steps = steps_run(call)
        exp.steps = steps
        exp.params = {"verbose": 0, "epochs": call.epochs, "steps": fit_steps(call)}
        _, n_val = train_val_sizes(call)
        exp.val_steps = data_batches(n_val, val_batch_size(call)) if call.validation else 0
        empty = frozenset()
        lr_keys = frozenset({LR_KEY[self.profile]}) if call.lr_schedule else empty
        exp.train_keys = self.keys
        self.hook("on_train_begin", None, empty, "train")
        last_logs: frozenset[str] = empty
        for epoch in range(call.initial_epoch, call.epochs):
            if self.raised:
                break
            self.epoch = epoch
            exp.epochs.append(epoch)
            self.hook("on_epoch_begin", epoch, empty, "train")
            described = batch_description(self.profile)
            for g in groups(steps, self.scenario.steps_per_execution):
                self.hook("on_train_batch_begin", g[0], described, "train", g)
                self.hook("on_train_batch_end", g[1], self.keys | described, "train", g)
                if self.flags["stop_training"] or self.raised:
                    break
            epoch_keys = self.keys
            if validates_on(call, epoch):
                exp.validated.append(epoch)
                self.evaluation("on_test", exp.val_steps, "val")
                epoch_keys = self.keys | {f"val_{k}" for k in self.keys}
            self.hook("on_epoch_end", epoch, epoch_keys | lr_keys, "train", edit_target=True)
            last_logs = epoch_keys
            if self.flags["stop_training"]:
                break
        self.epoch = None
        self.hook("on_train_end", None, last_logs, "train")

    def evaluation(self, prefix: str, steps: int, run: str) -> None:
        """fit's validation run, evaluate() or predict(): begin, batch pairs, end."""
        empty = frozenset()
        is_test = prefix == "on_test"
        batch_keys = self.keys if is_test else frozenset({"outputs"})
        flag = "stop_evaluating" if is_test else "stop_predicting"
        self.hook(f"{prefix}_begin", None, empty, run)
        for g in groups(steps, self.scenario.steps_per_execution):
            self.hook(f"{prefix}_batch_begin", g[0], empty, run, g)
            self.hook(f"{prefix}_batch_end", g[1], batch_keys, run, g)
            if self.raised or (run != "val" and self.flags[flag]):
                break
        self.hook(f"{prefix}_end", None, self.keys if is_test else empty, run)

    def standalone(self, prefix: str, run: str) -> None:
        call = self.call
        steps = call.steps if call.steps is not None else data_batches(call.n, batch_size_of(call))
        self.exp.steps = steps
        known = call.steps is not None or call.input != "generator"  # a generator has no length
        self.exp.params = {"verbose": 0, "epochs": 1, "steps": steps if known else None}
        self.evaluation(prefix, steps, run)


def expect_call(scenario: Scenario, call: Call, profile: str = "keras3") -> CallExpectation:
    """What the contract of `profile` says every recorder of `call` receives.

    Args:
        scenario: The scenario the call belongs to (task, metrics, steps_per_execution).
        call: The call.
        profile: The profile whose key names apply (`learning_rate` or `lr`). Defaults to `"keras3"`.

    Returns:
        A `CallExpectation`; its `events[r]` lists the hook calls recorder `r` must receive, in order.
    """
    walk = _Walk(scenario, call, profile)
    if call.bad_argument is not None:
        walk.exp.raises = "ValueError"
        return walk.exp
    if call.method == "fit":
        walk.fit()
    elif call.method == "evaluate":
        walk.standalone("on_test", "test")
    else:
        walk.standalone("on_predict", "predict")
    return walk.exp


def running_means(values: list[dict[str, float]], weights: list[float]) -> list[dict[str, float]]:
    """The running, weight-averaged means of per-batch `values`: what batch-end logs must hold."""
    out, sums, total = [], {}, 0.0
    for v, w in zip(values, weights):
        total += w
        for k, x in v.items():
            sums[k] = sums.get(k, 0.0) + w * x
        out.append({k: s / total for k, s in sums.items()})
    return out


def batch_sizes(n: int, batch_size: int) -> list[int]:
    """Sample counts of the batches `n` samples make."""
    return [min(batch_size, n - s) for s in range(0, n, batch_size)]


def data_batch_of(call: Call, epoch_offset: int, step: int, n_batches: int) -> int:
    """Which batch of the data a training step reads (an endless generator carries over between epochs)."""
    if call.input == "generator" and not call.finite:
        return (epoch_offset * (call.steps or 0) + step) % n_batches
    return step % n_batches


def ceil_div(a: int, b: int) -> int:
    return math.ceil(a / b)
