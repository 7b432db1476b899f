"""Hypothesis strategies that draw scenarios (see conformance.scenario), each draw labelled.

Lists are ordered simplest first, so failing examples shrink towards small, plain scenarios: arrays before
generators, no validation before validation, one recorder before several, no actions before actions.
"""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.actions import KINDS as ACTION_KINDS
from conformance.model import groups, steps_run
from conformance.profiles import TABLE, facts
from conformance.scenario import (
    TASKS,
    Action,
    Call,
    RecorderSpec,
    Scenario,
    batch_size_of,
    data_batches,
)
from conformance.spec import clause_ids

METRICS = {"regression": ("mae", "mse"), "binary": ("accuracy", "mae"), "categorical": ("accuracy",)}
OPTIMIZERS = ("SGD", "Adam", "RMSprop", "Adagrad")
# Profiles whose fit() takes arrays only (conformance.profiles: full_signatures False); their scenarios stay
# within what those signatures express.
LEGACY_PROFILES = tuple(name for name, p in TABLE.items() if p.legacy)
BAD_FIT_ARGUMENTS = (
    ("batch_size", 0), ("batch_size", -1), ("epochs", -1), ("validation_split", 1.5),
    ("validation_split", -0.1), ("validation_freq", 0), ("steps_per_epoch", 0), ("initial_epoch", -1),
)


def _batch_sizes(profile: str) -> st.SearchStrategy[int | None]:
    """batch_size as passed; Keras 0 defaulted to 128, not 32, so its scenarios always pass one."""
    return st.integers(1, 16) if facts(profile).needs_batch_size else st.one_of(st.integers(1, 16), st.none())


def setups(profile: str = "keras3") -> st.SearchStrategy[Scenario]:
    """A model setup without calls: task, metrics, optimizer, learning rate, steps_per_execution, seed."""

    @st.composite
    def draw_setup(draw):
        task = draw(st.sampled_from(TASKS), label="task")
        choices = tuple(m for m in METRICS[task] if m == "accuracy" or not facts(profile).accuracy_only)
        metrics = draw(st.lists(st.sampled_from(choices), unique=True, max_size=2), label="metrics") if choices else []
        legacy = facts(profile).legacy
        return Scenario(
            task=task,
            metrics=tuple(metrics),
            optimizer=draw(st.sampled_from(OPTIMIZERS), label="optimizer"),
            learning_rate=draw(st.sampled_from((0.0, 0.01)), label="learning_rate"),
            steps_per_execution=1 if legacy else draw(st.sampled_from((1, 1, 2, 3)), label="steps_per_execution"),
            seed=draw(st.integers(0, 3), label="seed"),
            calls=(),
        )

    return draw_setup()


def _recorders(draw, profile: str, actions: list[Action]) -> tuple[RecorderSpec, ...]:
    kinds = list(facts(profile).recorder_kinds())
    extra = draw(st.lists(st.sampled_from(kinds), max_size=2), label="more_recorders")
    owner = draw(st.integers(0, len(extra)), label="acting_recorder") if extra else 0
    recs = []
    for i, kind in enumerate(["full", *extra]):
        mine = tuple(actions) if i == owner and kind == "full" else ()
        recs.append(RecorderSpec(kind, mine))
    if owner and recs[owner].kind != "full":  # only full recorders act: give the actions to the first one
        recs[0] = RecorderSpec("full", tuple(actions))
    return tuple(recs)


def _fit_action(draw, call: Call, steps: int) -> Action:
    do = draw(st.sampled_from(("stop_training", "nested_evaluate", "edit_logs", "nested_predict", "raise")),
              label="action")
    hooks = ACTION_KINDS[do].hooks
    hook = draw(st.sampled_from(hooks), label="action_hook")
    epoch_span = range(call.initial_epoch, max(call.epochs, call.initial_epoch + 1))
    epoch = draw(st.sampled_from(list(epoch_span)), label="action_epoch")
    if "batch" in hook:
        index = draw(st.integers(0, max(steps - 1, 0)), label="action_index")
        if "test" in hook:
            index, epoch = None, epoch
    elif "epoch" in hook:
        index, epoch = epoch, None
    else:
        index, epoch = None, None
    return Action(do, hook, index, epoch)


@st.composite
def fit_calls(draw, profile: str = "keras3", actions: bool = True,
              inputs: tuple[str, ...] = ("arrays", "generator", "pydataset")) -> Call:
    """A fit() call: inputs, epochs, steps, validation, weights, recorders and their actions."""
    legacy = facts(profile).legacy
    if legacy:
        inputs = ("arrays",)
    kind = draw(st.sampled_from(inputs), label="input")
    validation = draw(st.sampled_from((None, "data", "split")), label="validation")
    if validation == "split" and kind != "arrays":
        validation = "data"  # Keras cannot split a generator
    n = draw(st.integers(1, 40), label="n")
    split = draw(st.sampled_from((0.25, 0.5)), label="validation_split") if validation == "split" else 0.25
    if validation == "split":
        n = max(4, n - n % 4)  # exact splits: n * (1 - split) is an integer
    batch_size = draw(_batch_sizes(profile), label="batch_size")
    min_epochs = facts(profile).min_epochs
    initial_epoch = draw(st.sampled_from((0, 0, 1, 2)), label="initial_epoch") if facts(profile).initial_epoch else 0
    epochs = draw(st.integers(min_epochs, 3), label="epochs") + (initial_epoch if min_epochs else 0)
    finite = True
    steps = None
    if kind == "generator":
        finite = draw(st.booleans(), label="finite")
    bs = batch_size or 32
    n_train = int(n * (1 - split)) if validation == "split" else n
    if kind == "generator" and not finite:
        steps = draw(st.integers(1, 4), label="steps_per_epoch")
    elif not legacy and draw(st.booleans(), label="use_steps_per_epoch") and kind != "generator":
        # Implementations disagree on what the next epoch reads after a partial pass, so keep one epoch.
        steps = draw(st.integers(1, data_batches(n_train, bs)), label="steps_per_epoch")
        epochs = min(epochs, initial_epoch + 1)
    if kind == "generator" and finite:
        epochs = min(epochs, initial_epoch + 1)  # a finite generator is spent after one epoch
    if kind != "arrays":
        batch_size = bs
    freq: int | tuple[int, ...] = 1
    vbs = None
    if validation and not legacy:
        freq = draw(st.one_of(st.just(1), st.integers(2, 3),
                              st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True)
                              .map(lambda v: tuple(sorted(v)))), label="validation_freq")
        vbs = draw(st.one_of(st.none(), st.integers(1, 8)), label="validation_batch_size")
    call = Call(
        method="fit", n=n, batch_size=batch_size, input=kind, finite=finite, steps=steps, epochs=epochs,
        initial_epoch=initial_epoch, validation=validation, validation_split=split,
        val_n=draw(st.integers(1, 12), label="val_n"), validation_batch_size=vbs, validation_freq=freq,
        sample_weight=draw(st.booleans(), label="sample_weight"),
        lr_schedule=draw(st.booleans(), label="lr_schedule"),
        stop_preset=draw(st.booleans(), label="stop_preset"),
    )
    acts: list[Action] = []
    if actions:
        for _ in range(draw(st.integers(0, 2), label="n_actions")):
            action = _fit_action(draw, call, data_batches(steps_run(call), 1))
            if all(a.do != action.do for a in acts):  # one action of each kind keeps the model simple
                acts.append(action)
    return Call(**{**call.__dict__, "recorders": _recorders(draw, profile, acts)})


@st.composite
def eval_calls(draw, method: str = "evaluate", profile: str = "keras3", actions: bool = True) -> Call:
    """An evaluate() or predict() call."""
    legacy = facts(profile).legacy
    kind = draw(st.sampled_from(("arrays",) if legacy else ("arrays", "generator", "pydataset")), label="input")
    n = draw(st.integers(1, 40), label="n")
    batch_size = draw(_batch_sizes(profile), label="batch_size")
    if kind != "arrays":
        batch_size = batch_size or 32
    steps = None
    if not legacy and draw(st.booleans(), label="use_steps"):
        steps = draw(st.integers(1, data_batches(n, batch_size or 32)), label="steps")
    call = Call(method=method, n=n, batch_size=batch_size, input=kind, steps=steps,
                sample_weight=method == "evaluate" and draw(st.booleans(), label="sample_weight"),
                return_dict=method == "evaluate" and not legacy and draw(st.booleans(), label="return_dict"),
                epochs=1)
    acts = []
    if actions and draw(st.booleans(), label="with_action"):
        prefix = "on_test" if method == "evaluate" else "on_predict"
        do = draw(st.sampled_from(("stop_evaluating" if method == "evaluate" else "stop_predicting", "raise")),
                  label="action")
        total = data_batches(steps or data_batches(n, batch_size or 32), 1)
        acts.append(Action(do, f"{prefix}_batch_end", draw(st.integers(0, total - 1), label="action_index")))
    return Call(**{**call.__dict__, "recorders": _recorders(draw, profile, acts)})


def _with_calls(setup: st.SearchStrategy[Scenario], calls: st.SearchStrategy[Call]) -> st.SearchStrategy[Scenario]:
    return st.builds(lambda s, c: s.replace(calls=(c,)), setup, calls)


@st.composite
def class_weighted(draw, profile: str = "keras3") -> Scenario:
    setup = draw(setups(profile).filter(lambda s: s.task != "regression"), label="setup")
    call = draw(fit_calls(profile, actions=False, inputs=("arrays",)), label="call")
    return setup.replace(calls=(Call(**{**call.__dict__, "class_weight": True}),))


@st.composite
def bad_input(draw, profile: str = "keras3") -> Scenario:
    setup = draw(setups(profile), label="setup")
    name, value = draw(st.sampled_from(BAD_FIT_ARGUMENTS), label="bad_argument")
    validation = "split" if name == "validation_split" else None
    call = Call(method="fit", n=8, batch_size=4, epochs=2, validation=validation, bad_argument=(name, value),
                validation_freq=1, recorders=(RecorderSpec(),))
    if name == "validation_freq":
        call = Call(**{**call.__dict__, "validation": "data"})
    return setup.replace(calls=(call,))


# ------------------------------------------------------------------------------------ targeted families
# Situations the general families reach rarely, each with the clauses it is there for: a family runs for a
# profile when one of its clauses belongs to the profile.
TARGETS: dict[str, tuple[str, ...]] = {
    "stop_in_batch": ("fit.state.stop-after-batch", "fit.state.stop-finishes-epoch"),
    "stop_before_batches": ("fit.state.stop-before-batches", "fit.state.stop-finishes-epoch"),
    "edit_logs": ("state.log-edits-propagate", "state.history-equals-epoch-logs"),
    "nested_in_batch": ("logs.values.nested-isolated", "callbacks.order.nested-call"),
    "stop_predicting": ("predict.state.stop-predicting",),
    # where evaluate() and predict() take no callbacks (keras2, keras1, keras0), only fit() can carry a raising
    # callback, and the fit family alone draws too few of them
    "raise_in_fit": ("errors.callback-exception-propagates",),
}
# Targeted families that run only for profiles with this property (beyond having one of their clauses).
TARGET_NEEDS = {"raise_in_fit": lambda profile_facts: not profile_facts.eval_callbacks}


def _trigger_indices(steps: int, per_execution: int, end: bool) -> list[int | None]:
    """Batch indices an action may wait for: begin indices, or the end indices of full steps_per_execution groups
    (a short last group's end index is what fit.order.steps-per-execution judges; no other clause depends on it).
    `None` (the first call) when no group is full."""
    pairs = groups(steps, per_execution)
    if not end:
        return [g[0] for g in pairs]
    return [g[1] for g in pairs if g[1] - g[0] + 1 == per_execution] or [None]


def _running_fit(draw, profile: str) -> Call:
    """A fit() call that runs at least one epoch, without actions."""
    call = draw(fit_calls(profile, actions=False), label="call")
    if call.epochs <= call.initial_epoch:  # mapped, not filtered: a rejected draw costs a whole new one
        call = Call(**{**call.__dict__, "epochs": call.initial_epoch + 1})
    return call


@st.composite
def targeted(draw, target: str, profile: str = "keras3") -> Scenario:
    """A one-call scenario built around situation `target` (see TARGETS)."""
    setup = draw(setups(profile), label="setup")
    if target == "stop_predicting":
        call = draw(eval_calls("predict", profile, actions=False), label="call")
        steps = call.steps or data_batches(call.n, batch_size_of(call))
        ends = _trigger_indices(steps, setup.steps_per_execution, end=True)
        action = Action("stop_predicting", "on_predict_batch_end", draw(st.sampled_from(ends), label="action_index"))
        return setup.replace(calls=(Call(**{**call.__dict__, "recorders": _recorders(draw, profile, [action])}),))
    if target == "raise_in_fit":
        call = _running_fit(draw, profile)
        hook = draw(st.sampled_from([h for h in ACTION_KINDS["raise"].hooks if not h.startswith("on_test")]),
                    label="action_hook")
        epoch = draw(st.sampled_from(range(call.initial_epoch, call.epochs)), label="action_epoch")
        if "batch" in hook:
            indices = _trigger_indices(steps_run(call), setup.steps_per_execution, end=hook.endswith("end"))
            action = Action("raise", hook, draw(st.sampled_from(indices), label="action_index"), epoch)
        else:
            action = Action("raise", hook, epoch if "epoch" in hook else None)
        return setup.replace(calls=(Call(**{**call.__dict__, "recorders": _recorders(draw, profile, [action])}),))
    if target == "nested_in_batch":
        setup = setup.replace(learning_rate=0.0)  # the running means are then checkable against test_on_batch
    call = _running_fit(draw, profile)
    epoch = draw(st.sampled_from(range(call.initial_epoch, call.epochs)), label="action_epoch")
    if target in ("stop_in_batch", "nested_in_batch"):
        hook = draw(st.sampled_from(("on_train_batch_end", "on_train_batch_begin")
                                    if target == "stop_in_batch" else ("on_train_batch_end",)), label="action_hook")
        indices = _trigger_indices(steps_run(call), setup.steps_per_execution, end=hook.endswith("end"))
        index = draw(st.sampled_from(indices), label="action_index")
        do = "stop_training" if target == "stop_in_batch" else "nested_evaluate"
        action = Action(do, hook, index, epoch)
    elif target == "stop_before_batches":
        hook = draw(st.sampled_from(("on_epoch_begin", "on_train_begin")), label="action_hook")
        action = Action("stop_training", hook, epoch if hook == "on_epoch_begin" else None)
    else:  # edit_logs: the editor and, after it, a recorder that must see the edit
        action = Action("edit_logs", "on_epoch_end", epoch)
        later = draw(st.integers(1, 2), label="later_recorders")
        recorders = (RecorderSpec("full", (action,)), *(RecorderSpec("full") for _ in range(later)))
        return setup.replace(calls=(Call(**{**call.__dict__, "recorders": recorders}),))
    return setup.replace(calls=(Call(**{**call.__dict__, "recorders": _recorders(draw, profile, [action])}),))


def scenarios(family: str = "fit", profile: str = "keras3") -> st.SearchStrategy[Scenario]:
    """Scenarios of one family: `fit`, `evaluate`, `predict`, `class_weight`, `bad_input`, or a targeted
    family of `TARGETS`.

    Args:
        family: Which kind of call the scenario makes. Defaults to `"fit"`.
        profile: The profile under test (keras0 adds recorders without logs; profiles before keras3 avoid epochs=0).
            Defaults to `"keras3"`.

    Returns:
        A strategy of one-call scenarios.
    """
    if family == "fit":
        return _with_calls(setups(profile), fit_calls(profile))
    if family in ("evaluate", "predict"):
        return _with_calls(setups(profile), eval_calls(family, profile))
    if family == "class_weight":
        return class_weighted(profile)
    if family == "bad_input":
        return bad_input(profile)
    if family in TARGETS:
        return targeted(family, profile)
    raise ValueError(f"unknown scenario family {family!r}; known: {', '.join(FAMILIES)}")


FAMILIES = ("fit", "evaluate", "predict", "class_weight", "bad_input", *TARGETS)


def families(profile: str = "keras3") -> tuple[str, ...]:
    """The scenario families worth running for `profile`: bad_input and the targeted families only where one of
    their clauses belongs to the profile."""
    ids, profile_facts = clause_ids(profile), facts(profile)
    return tuple(f for f in FAMILIES if (f != "bad_input" or profile_facts.checks_bad_input())
                 and (f not in TARGETS or ids & set(TARGETS[f]))
                 and (f not in TARGET_NEEDS or TARGET_NEEDS[f](profile_facts)))


def expressible(scenario: Scenario, profile: str = "keras3") -> bool:
    """Whether `scenario` stays within the fit/evaluate/predict signatures of `profile`'s system."""
    p = facts(profile)
    if not p.legacy:
        return True
    if scenario.steps_per_execution != 1 or (p.accuracy_only and set(scenario.metrics) - {"accuracy"}):
        return False
    return all(c.input == "arrays" and c.steps is None and c.validation_freq == 1 and not c.validation_batch_size
               and not c.return_dict and not (not p.initial_epoch and c.initial_epoch) for c in scenario.calls)


def any_call(profile: str = "keras3") -> st.SearchStrategy[Call]:
    """A fit, evaluate or predict call without raising actions, for sequences on one model."""
    return st.one_of(fit_calls(profile), eval_calls("evaluate", profile), eval_calls("predict", profile)).filter(
        lambda c: not any(a.do == "raise" for r in c.recorders for a in r.actions))


__all__ = ["FAMILIES", "LEGACY_PROFILES", "any_call", "batch_size_of", "eval_calls", "expressible", "families",
           "fit_calls", "scenarios", "setups"]
