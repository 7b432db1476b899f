"""Runs as plain data, and the hypothesis strategies that draw them.

A `RunPlan` is a model setup (task, metrics, optimizer, steps_per_execution, seed: the fields of a
`conformance.scenario.Scenario`) and one to three calls on that model, all with the same instance of the
callback under test. Each `CallPlan` is a `conformance.scenario.Call` (inputs, epochs, steps, validation,
validation_freq, ...) plus what another callback, listed before the one under test, does during the call
(`Perturbation`): set ``stop_training`` (or ``stop_evaluating`` / ``stop_predicting``) at any hook, evaluate the
model from inside a hook with the callback under test in the nested call, add a key to ``logs`` and change
``loss`` in place, or interrupt the run by raising.

Every plan obeys the contract: a conforming loop can run it. Lists are ordered simplest first, so a failing
run shrinks towards one short fit without validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

from conformance.scenario import Action, Call, Scenario, data_batches

PERTURBATIONS = ("stop_training", "stop_evaluating", "stop_predicting", "nested_evaluate", "edit_logs", "interrupt")
FIT_HOOKS = ("on_epoch_end", "on_train_batch_end", "on_train_begin", "on_epoch_begin", "on_train_batch_begin",
             "on_test_begin", "on_test_batch_end", "on_test_end", "on_train_end")
NESTED_HOOKS = ("on_epoch_end", "on_train_batch_end", "on_epoch_begin", "on_train_begin", "on_train_end")
EDIT_HOOKS = ("on_epoch_end", "on_train_batch_end", "on_test_batch_end", "on_test_end")
TASK_METRICS = {"regression": ("mae", "mse"), "binary": ("accuracy", "mae"), "categorical": ("accuracy",)}


@dataclass(frozen=True)
class Perturbation(Action):
    """What the other callback does right after it receives the first matching hook call.

    The fields are the suite's `Action`'s; ``do`` is one of `PERTURBATIONS`. ``edit_logs`` acts on every matching
    call, the others once.
    """


@dataclass(frozen=True)
class CallPlan:
    """One fit/evaluate/predict call and what the other callback does during it."""

    call: Call
    actions: tuple[Perturbation, ...] = ()
    verbose: int = 0


@dataclass(frozen=True)
class RunPlan:
    """A model setup (`setup`'s own calls are unused) and the calls of one run."""

    setup: Scenario
    calls: tuple[CallPlan, ...] = field(default_factory=tuple)

    def features(self) -> set[str]:
        """The corners of the contract this run exercises (for the report's coverage line)."""
        out: set[str] = set()
        if self.setup.steps_per_execution > 1:
            out.add("steps_per_execution")
        if len(self.calls) > 1:
            out.add("several calls")
        for cp in self.calls:
            c = cp.call
            out.add(f"{c.method}")
            if c.method == "fit":
                if c.epochs == 0:
                    out.add("epochs=0")
                out.add("validation" if c.validation else "no validation")
                if c.validation and c.validation_freq != 1:
                    out.add("validation_freq")
                if c.input == "generator" and c.finite and (c.steps is not None or c.epochs - c.initial_epoch > 1):
                    out.add("generator runs dry")
            if c.input == "generator" and c.steps is None:
                out.add("unknown steps")
            out.update(a.do for a in cp.actions)
            if cp.verbose:
                out.add("verbose")
            if c.stop_preset:
                out.add("stop_training preset")
        if "mae" in self.setup.metrics or "mse" in self.setup.metrics or not self.setup.metrics:
            out.add("no accuracy")
        return out

    def size(self) -> tuple[int, ...]:
        """A measure of how big the run is: the report shows the smallest run that shows a finding."""
        return (len(self.calls), sum(len(cp.actions) for cp in self.calls),
                sum(max(cp.call.epochs, 1) for cp in self.calls), sum(cp.call.n for cp in self.calls),
                self.setup.steps_per_execution, len(self.setup.metrics))


@st.composite
def setups(draw) -> Scenario:
    task = draw(st.sampled_from(("regression", "binary", "categorical")), label="task")
    metrics = draw(st.lists(st.sampled_from(TASK_METRICS[task]), unique=True, max_size=2), label="metrics")
    return Scenario(task=task, metrics=tuple(metrics),
                    optimizer=draw(st.sampled_from(("SGD", "Adam")), label="optimizer"),
                    learning_rate=0.01, steps_per_execution=draw(st.sampled_from((1, 1, 2, 3)),
                                                                  label="steps_per_execution"),
                    seed=draw(st.integers(0, 3), label="seed"), calls=())


def _action(draw, do: str, hooks: tuple[str, ...], epochs: range, batches: int) -> Perturbation:
    hook = draw(st.sampled_from(hooks), label=f"{do}_hook")
    if hook in ("on_epoch_begin", "on_epoch_end"):
        return Perturbation(do, hook, draw(st.sampled_from(list(epochs) or [0]), label=f"{do}_epoch"))
    if hook.startswith("on_train_batch"):
        return Perturbation(do, hook, draw(st.integers(0, max(batches - 1, 0)), label=f"{do}_batch"),
                            draw(st.sampled_from(list(epochs) or [0]), label=f"{do}_epoch"))
    if "batch" in hook:
        return Perturbation(do, hook, draw(st.one_of(st.none(), st.integers(0, max(batches - 1, 0))),
                                           label=f"{do}_batch"))
    return Perturbation(do, hook)


@st.composite
def fit_calls(draw) -> CallPlan:
    """fit(): arrays, a PyDataset or a generator (finite: unknown steps, may run dry; endless: with steps)."""
    kind = draw(st.sampled_from(("arrays", "pydataset", "generator")), label="input")
    validation = draw(st.sampled_from((None, "data", "split")), label="validation")
    if validation == "split" and kind != "arrays":
        validation = "data"
    n = draw(st.integers(1, 24), label="n")
    split = 0.25
    if validation == "split":
        n = max(4, n - n % 4)
    batch_size = draw(st.one_of(st.integers(1, 8), st.none()), label="batch_size")
    bs = batch_size or 32
    n_train = int(n * (1 - split)) if validation == "split" else n
    batches = data_batches(n_train, bs)
    run_epochs = draw(st.integers(0, 3), label="epochs")
    initial = draw(st.sampled_from((0, 0, 1)), label="initial_epoch") if run_epochs else 0
    finite, steps = True, None
    if kind == "generator":
        finite = draw(st.booleans(), label="finite")
        if not finite:
            steps = draw(st.integers(1, 4), label="steps_per_epoch")
        elif draw(st.booleans(), label="more_steps_than_data"):
            steps = batches + draw(st.integers(1, 3), label="missing_batches")  # runs dry in the first epoch
        batch_size = bs
    elif kind == "pydataset":
        batch_size = bs
    if kind != "generator" and draw(st.booleans(), label="use_steps_per_epoch"):
        steps = draw(st.integers(1, batches), label="steps_per_epoch")
        run_epochs = min(run_epochs, 1)  # loops differ on where the next epoch starts after a partial pass
    freq: int | tuple[int, ...] = 1
    if validation:
        freq = draw(st.one_of(st.just(1), st.integers(2, 3),
                              st.lists(st.integers(1, 4), min_size=1, max_size=3, unique=True)
                              .map(lambda v: tuple(sorted(v)))), label="validation_freq")
    call = Call(method="fit", n=n, batch_size=batch_size, input=kind, finite=finite, steps=steps,
                epochs=initial + run_epochs, initial_epoch=initial, validation=validation, validation_split=split,
                val_n=draw(st.integers(1, 12), label="val_n"), validation_freq=freq,
                sample_weight=draw(st.booleans(), label="sample_weight"),
                stop_preset=draw(st.booleans(), label="stop_preset"), recorders=())
    epochs = range(initial, initial + run_epochs)
    per_epoch = steps if steps is not None else batches
    actions = []
    for do in draw(st.lists(st.sampled_from(("stop_training", "edit_logs", "nested_evaluate", "interrupt")),
                            unique=True, max_size=2), label="perturbations"):
        hooks = {"nested_evaluate": NESTED_HOOKS, "edit_logs": EDIT_HOOKS}.get(do, FIT_HOOKS)
        actions.append(_action(draw, do, hooks, epochs, per_epoch))
    return CallPlan(call, tuple(actions), draw(st.sampled_from((0, 1, 2)), label="verbose"))


@st.composite
def eval_calls(draw, method: str) -> CallPlan:
    """evaluate() or predict() on its own: arrays, a PyDataset or a finite generator (unknown steps)."""
    kind = draw(st.sampled_from(("arrays", "pydataset", "generator")), label="input")
    n = draw(st.integers(1, 24), label="n")
    batch_size = draw(st.one_of(st.integers(1, 8), st.none()), label="batch_size")
    if kind != "arrays":
        batch_size = batch_size or 32
    batches = data_batches(n, batch_size or 32)
    steps = None
    if kind != "generator" and draw(st.booleans(), label="use_steps"):
        steps = draw(st.integers(1, batches), label="steps")
    call = Call(method=method, n=n, batch_size=batch_size, input=kind, steps=steps, epochs=1,
                sample_weight=method == "evaluate" and draw(st.booleans(), label="sample_weight"),
                return_dict=method == "evaluate" and draw(st.booleans(), label="return_dict"), recorders=())
    prefix = "on_test" if method == "evaluate" else "on_predict"
    stop = "stop_evaluating" if method == "evaluate" else "stop_predicting"
    actions = []
    for do in draw(st.lists(st.sampled_from((stop, "interrupt") + (("edit_logs",) if method == "evaluate" else ())),
                            unique=True, max_size=2), label="perturbations"):
        hooks = (f"{prefix}_batch_end",) if do == stop else (f"{prefix}_batch_end", f"{prefix}_begin",
                                                              f"{prefix}_batch_begin", f"{prefix}_end")
        hook = draw(st.sampled_from(hooks), label=f"{do}_hook")
        index = draw(st.integers(0, batches - 1), label=f"{do}_batch") if "batch" in hook else None
        actions.append(Perturbation(do, hook, index))
    return CallPlan(call, tuple(actions), draw(st.sampled_from((0, 1)), label="verbose"))


def call_plans() -> st.SearchStrategy[CallPlan]:
    return st.one_of(fit_calls(), eval_calls("evaluate"), eval_calls("predict"))


def run_plans() -> st.SearchStrategy[RunPlan]:
    """Runs of one to three calls on one model with one instance of the callback under test."""
    return st.builds(lambda setup, calls: RunPlan(setup, tuple(calls)), setups(),
                     st.lists(call_plans(), min_size=1, max_size=3))


def corner_plans() -> list[RunPlan]:
    """Hand-picked runs, one per corner of the contract, run before the generated ones."""
    base = Scenario(task="regression", metrics=("mae",), calls=())
    clf = Scenario(task="binary", metrics=("accuracy",), calls=())

    def fit(**kw) -> Call:
        return Call(**{"method": "fit", "n": 12, "batch_size": 4, "epochs": 2, "recorders": (), **kw})

    def ev(method: str, **kw) -> Call:
        return Call(**{"method": method, "n": 10, "batch_size": 4, "recorders": (), **kw})

    def one(setup: Scenario, *calls) -> RunPlan:
        return RunPlan(setup, tuple(c if isinstance(c, CallPlan) else CallPlan(c) for c in calls))

    P = Perturbation  # noqa: N806
    return [
        one(clf, fit()),
        one(base, fit(validation="data")),
        one(base, fit(epochs=3, validation="data", validation_freq=2)),
        one(base, fit(epochs=3, validation="data", validation_freq=(1, 3))),
        one(base, fit(epochs=0)),
        one(base, ev("evaluate")),
        one(base, ev("predict")),
        one(base, fit(input="generator", batch_size=4, epochs=1)),
        one(base, fit(input="generator", batch_size=4, epochs=3)),
        one(base.replace(steps_per_execution=2), fit(validation="data")),
        one(base, CallPlan(fit(), (P("stop_training", "on_train_batch_end", 0, 0),))),
        one(base, CallPlan(fit(validation="data"), (P("stop_training", "on_test_batch_end", 0),))),
        one(base, CallPlan(fit(), (P("interrupt", "on_epoch_end", 0),))),
        one(base, CallPlan(fit(), (P("nested_evaluate", "on_train_batch_end", 0, 0),))),
        one(base, CallPlan(fit(validation="data"), (P("edit_logs", "on_epoch_end", 1),))),
        one(base, fit(), fit()),
        one(base, fit(validation="data"), ev("evaluate"), ev("predict")),
        one(base, CallPlan(fit(validation="data"), verbose=1), CallPlan(ev("evaluate"), verbose=1),
            CallPlan(fit(input="generator", batch_size=4, epochs=1), verbose=2)),
    ]


__all__ = ["CallPlan", "PERTURBATIONS", "Perturbation", "RunPlan", "corner_plans", "run_plans"]
