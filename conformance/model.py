"""The contract as an executable model: from a scenario, the hooks every recorder must see.

Written from the spec (conformance/spec/), never from an implementation's trainer: the loop below is the prose
of the clauses turned into code, and the logs keys of every hook are read from hooks.toml (`spec_keys`), so
editing the spec's data changes what the suite expects. `expect_call` walks one call the way the contract
describes it, applying the recorders' actions (conformance.actions) in list order at every hook, and returns,
per recorder, the hook calls it must receive with the logs keys of each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from conformance.actions import KINDS as ACTION_KINDS
from conformance.actions import edited_keys, triggers
from conformance.profiles import facts
from conformance.scenario import (
    Call,
    Scenario,
    batch_size_of,
    data_batches,
    train_val_sizes,
    val_batch_size,
    validates_on,
)
from conformance.spec import PROFILES, load_hooks, spec_dir

# What the recorders of conformance/spec/dispatch.toml hear, by the name the loop uses (None: every hook).
DISPATCH_HEARS = {
    "instance": None, "late": None, "flags": None, "deep": None,
    "tqdm": frozenset({"on_train_begin", "on_epoch_begin", "on_epoch_end", "on_train_batch_end", "on_train_end"}),
    "both": frozenset({"on_train_batch_begin", "on_train_batch_end"}),
    "appender": frozenset({"on_epoch_begin"}),
}
NESTED_DEFAULT_BATCH = 32
# Test and predict batch hooks, which the older profiles' release never called (tolerated batch description).
UNTRAINED_BATCH_HOOKS = ("on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
                         "on_predict_batch_end")


def legacy_names() -> dict[str, str]:
    """{hook the loop calls: its older name} from hooks.toml's `alias_of` (on_train_batch_end: on_batch_end)."""
    return {h.alias_of: h.name for h in load_hooks().values() if h.alias_of}


def no_logs_hooks(profile: str = "keras0") -> frozenset[str]:
    """The hooks (by the name the loop calls) that take no logs argument in `profile`, from hooks.toml."""
    alias = {v: k for k, v in legacy_names().items()}
    return frozenset(alias.get(h.name, h.name) for h in load_hooks().values() if profile in h.no_logs)


def spec_keys(hook: str, profile: str, metrics: list[str] | frozenset[str], validated: bool = False
              ) -> frozenset[str]:
    """The logs keys hooks.toml gives `hook` in `profile`, expanded for this call.

    `"<metrics>"` becomes `metrics` (the logged names besides loss), `val_` keys appear only when `validated`.
    A profile without an entry for the hook takes its older name's entry (hooks.toml's `alias_of`), else the
    next newer profile's (a loop that calls a hook its release did not have gives it the newer keys).
    """
    hooks = load_hooks()
    entry = hooks[hook].logs
    if profile not in entry:
        older = legacy_names().get(hook)
        if older and profile in hooks[older].logs:
            entry = hooks[older].logs
    newer = PROFILES[: PROFILES.index(profile) + 1][::-1]
    template = next((entry[p] for p in newer if p in entry), ())
    out: set[str] = set()
    for key in template:
        val = key.startswith("val_")
        if val and not validated:
            continue
        prefix = "val_" if val else ""
        bare = key[4:] if val else key
        out.update(f"{prefix}{m}" for m in metrics) if bare == "<metrics>" else out.add(key)
    return frozenset(out)


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
    names = facts(profile).metric_names
    return ["loss", *(names.get(m, m) for m in scenario.metrics)]


def metric_keys(scenario: Scenario, profile: str = "keras3") -> frozenset[str]:
    """The logs keys of a training or test batch: loss plus each compiled metric."""
    return frozenset(metric_names(scenario, profile))


def batch_description(profile: str) -> frozenset[str]:
    """The keys a training batch's begin logs carry in `profile` (hooks.toml: `batch`, `size` before Keras 3)."""
    return spec_keys("on_train_batch_begin", profile, ())


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
    """Walks one call in contract order, dispatching each hook to the recorders and running their actions.

    The keys every hook receives come from hooks.toml (`spec_keys`); what each action changes comes from
    conformance.actions.
    """

    def __init__(self, scenario: Scenario, call: Call, profile: str):
        self.scenario, self.call, self.profile = scenario, call, profile
        self.exp = CallExpectation(call=call, events=[[] for _ in call.recorders])
        self.fired: set[tuple[int, int]] = set()
        self.flags = {k.do: False for k in ACTION_KINDS.values() if k.effect == "flag"}
        self.keys = metric_keys(scenario, profile)
        self.metrics = tuple(metric_names(scenario, profile)[1:])
        self.legacy, self.no_logs = legacy_names(), no_logs_hooks()
        # Keras 2.2 and older had no test or predict hooks: only fit() takes callbacks (conformance.profiles)
        self.eval_hooks = facts(profile).eval_callbacks
        self.epoch: int | None = None
        self.raised = False

    def keys_of(self, hook: str, validated: bool = False) -> frozenset[str]:
        return _keys(spec_dir(), hook, self.profile, self.metrics, validated)

    # one hook call, to every recorder in list order
    def hook(self, name: str, index: int | None, run: str, group: tuple[int, int] | None = None,
             validated: bool = False, keys: frozenset[str] | None = None, depth: int = 0,
             recorders: tuple[int, ...] | None = None) -> None:
        if self.raised or (not self.eval_hooks and name.startswith(("on_test", "on_predict"))):
            return
        keys = self.keys_of(name, validated) if keys is None else keys
        if name == "on_epoch_end" and self.call.lr_schedule:
            keys = keys | {facts(self.profile).lr_key}
        edited = False
        for r, spec in enumerate(self.call.recorders):
            if recorders is not None and r not in recorders:
                continue
            seen_keys = edited_keys(keys) if edited else keys
            if spec.kind == "legacy":
                if name not in self.legacy:
                    continue
                hook_name = self.legacy[name]
            elif spec.kind in DISPATCH_HEARS:
                hears = DISPATCH_HEARS[spec.kind]
                if hears is not None and name not in hears:
                    continue
                hook_name = self.legacy.get(name, name) if spec.kind == "tqdm" else name
            elif spec.kind == "no_logs":
                if name not in self.no_logs:
                    continue
                hook_name, seen_keys = self.legacy.get(name, name), None
            else:
                hook_name = name
            self.exp.events[r].append(Expected(hook_name, index, seen_keys, run, self.epoch, group, depth))
            if spec.kind != "full" or depth:
                continue
            for a, action in enumerate(spec.actions):
                if (r, a) in self.fired or not triggers(action.hook, action.index, action.epoch, name, index,
                                                         self.epoch):
                    continue
                self.fired.add((r, a))
                effect = ACTION_KINDS[action.do].effect
                if effect == "raise":
                    self.exp.raises = "probe"
                    self.raised = True
                    return
                if effect == "edit":
                    edited = keys is not None and bool(keys)
                    if name == "on_epoch_end":
                        self.exp.edited_epochs[index] = r
                elif effect == "flag":
                    if action.do == "stop_training" and self.exp.stop_set is None:
                        self.exp.stop_set = (name, index)
                    self.flags[action.do] = True
                elif effect == "nested":
                    self.nested(r, ACTION_KINDS[action.do].nested_method)

    def nested(self, r: int, method: str) -> None:
        """evaluate() or predict() on the validation arrays, called by recorder `r` from inside a hook."""
        steps = data_batches(self.call.val_n, NESTED_DEFAULT_BATCH)
        self.exp.nested_params = {"verbose": 0, "epochs": 1, "steps": steps}
        self.exp.nested_done.append(r)
        prefix = "on_test" if method == "evaluate" else "on_predict"
        run, only = f"nested-{prefix[3:]}", (r,)
        self.hook(f"{prefix}_begin", None, run, depth=1, recorders=only)
        for g in groups(steps, self.scenario.steps_per_execution):
            self.hook(f"{prefix}_batch_begin", g[0], run, g, depth=1, recorders=only)
            self.hook(f"{prefix}_batch_end", g[1], run, g, depth=1, recorders=only)
        self.hook(f"{prefix}_end", None, run, depth=1, recorders=only)

    # the three loops
    def fit(self) -> None:
        call, exp = self.call, self.exp
        steps = steps_run(call)
        exp.steps = steps
        exp.params = {"verbose": 0, "epochs": call.epochs, "steps": fit_steps(call)}
        _, n_val = train_val_sizes(call)
        exp.val_steps = data_batches(n_val, val_batch_size(call)) if call.validation else 0
        exp.train_keys = self.keys
        self.hook("on_train_begin", None, "train")
        last_validated = False
        for epoch in range(call.initial_epoch, call.epochs):
            if self.raised:
                break
            self.epoch = epoch
            exp.epochs.append(epoch)
            self.hook("on_epoch_begin", epoch, "train")
            for g in groups(steps, self.scenario.steps_per_execution):
                self.hook("on_train_batch_begin", g[0], "train", g)
                self.hook("on_train_batch_end", g[1], "train", g)
                if self.flags["stop_training"] or self.raised:
                    break
            last_validated = validates_on(call, epoch)
            if last_validated:
                exp.validated.append(epoch)
                self.evaluation("on_test", exp.val_steps, "val")
            self.hook("on_epoch_end", epoch, "train", validated=last_validated)
            if self.flags["stop_training"]:
                break
        self.epoch = None
        # The last epoch's keys; when no epoch ran there are no values to give.
        end_keys = self.keys_of("on_train_end", last_validated) if exp.epochs else frozenset()
        self.hook("on_train_end", None, "train", keys=end_keys)

    def evaluation(self, prefix: str, steps: int, run: str) -> None:
        """fit's validation run, evaluate() or predict(): begin, batch pairs, end."""
        flag = "stop_evaluating" if prefix == "on_test" else "stop_predicting"
        self.hook(f"{prefix}_begin", None, run)
        for g in groups(steps, self.scenario.steps_per_execution):
            self.hook(f"{prefix}_batch_begin", g[0], run, g)
            self.hook(f"{prefix}_batch_end", g[1], run, g)
            if self.raised or (run != "val" and self.flags[flag]):
                break
        self.hook(f"{prefix}_end", None, run)

    def standalone(self, prefix: str, run: str) -> None:
        call = self.call
        steps = call.steps if call.steps is not None else data_batches(call.n, batch_size_of(call))
        self.exp.steps = steps
        known = call.steps is not None or call.input != "generator"  # a generator has no length
        self.exp.params = {"verbose": 0, "epochs": 1, "steps": steps if known else None}
        self.evaluation(prefix, steps, run)


@lru_cache(maxsize=4096)
def _keys(directory: Path, hook: str, profile: str, metrics: tuple[str, ...], validated: bool) -> frozenset[str]:
    return spec_keys(hook, profile, metrics, validated)


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
