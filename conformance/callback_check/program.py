"""A run plan as a standalone Python program: what the worker executes and what a report prints to replay.

The worker runs exactly this text, so a printed snippet reproduces the run it reports: the same data, the same
initial weights, the same other callback doing the same things at the same hooks.
"""

from __future__ import annotations

from conformance.callback_check.plan import CallPlan, RunPlan
from conformance.scenario import (
    ACTIVATIONS,
    INPUT_DIM,
    LOSSES,
    OUTPUT_DIM,
    SNIPPET_DATASET,
    SNIPPET_GENERATOR,
    SNIPPET_MAKE_DATA,
    _call_kwargs,
)

_PERTURB = '''
class Perturb(keras.callbacks.Callback):
    """Another callback, listed before the one under test; does what `actions` say at the hooks they name.

    An action is (what, hook, index, epoch): it fires after the first call of `hook` whose index is `index`
    (None: any) during `epoch` (batch hooks of fit; None: any). edit_logs fires on every matching call.
    """

    def __init__(self, actions, run):
        super().__init__()
        self.actions, self.run, self.done, self.epoch = actions, run, set(), None

    def _act(self, hook, index, logs):
        if hook == "on_epoch_begin":
            self.epoch = index
        for i, (do, a_hook, a_index, a_epoch) in enumerate(self.actions):
            if i in self.done or a_hook != hook or a_index not in (None, index):
                continue
            if a_epoch is not None and "batch" in hook and self.epoch != a_epoch:
                continue
            if do == "edit_logs":  # a key the loop did not put there, and a value changed in place
                if logs is not None:
                    logs["learning_rate"] = 0.5
                    if "loss" in logs:
                        logs["loss"] = float(logs["loss"]) * 10.0
                continue
            self.done.add(i)
            if do == "interrupt":  # as a crash in another callback, or Ctrl-C
                raise RunInterrupted(f"{hook}({index})")
            if do == "nested_evaluate":  # the callback under test receives the nested call's hooks too
                with self.run.nested():
                    self.model.evaluate(x_val, y_val, verbose=0, callbacks=[self.run.witness, self.run.callback])
            else:  # stop_training, stop_evaluating, stop_predicting
                setattr(self.model, do, True)
'''

_HOOKS = [("on_train_begin", None), ("on_train_end", None), ("on_test_begin", None), ("on_test_end", None),
          ("on_predict_begin", None), ("on_predict_end", None), ("on_epoch_begin", "epoch"),
          ("on_epoch_end", "epoch"), ("on_train_batch_begin", "batch"), ("on_train_batch_end", "batch"),
          ("on_test_batch_begin", "batch"), ("on_test_batch_end", "batch"), ("on_predict_batch_begin", "batch"),
          ("on_predict_batch_end", "batch")]


def _perturb_hooks() -> str:
    out = []
    for hook, arg in _HOOKS:
        sig = f"self, {arg}, logs=None" if arg else "self, logs=None"
        out.append(f"    def {hook}({sig}):\n        self._act({hook!r}, {arg or 'None'}, logs)\n")
    return "\n".join(out)


def _call_arguments(cp: CallPlan) -> str:
    """The plan's call as keyword arguments of `run.call(...)` (what invariants see as `arguments`)."""
    c = cp.call
    keep = {"input": c.input, "n": c.n, "batch_size": c.batch_size, "steps": c.steps, "verbose": cp.verbose}
    if c.method == "fit":
        keep.update(epochs=c.epochs, initial_epoch=c.initial_epoch, validation=c.validation,
                    validation_freq=list(c.validation_freq) if isinstance(c.validation_freq, tuple)
                    else c.validation_freq, finite=c.finite, stop_preset=c.stop_preset)
    return ", ".join(f"{k}={v!r}" for k, v in keep.items())


def program(plan: RunPlan, target: str, module: str = "refimpl", preamble: str = "", eager: bool = False) -> str:
    """The source of a script that runs `plan` with the callback made by `target`.

    Args:
        plan: The run.
        target: ``"module:factory"`` of the callback under test.
        module: What ``keras`` is imported from. Defaults to `"refimpl"`.
        preamble: Lines before the imports (e.g. setting ``KERAS_BACKEND``). Defaults to `""`.
        eager: Compile with ``run_eagerly=True`` (a live implementation then skips compiling a new step
            function for every run's new model). Defaults to `False`.

    Returns:
        The script: it raises the crash, hangs, or raises ``Finding`` where the check found a problem.
    """
    s = plan.setup
    task = s.task
    out = [preamble.rstrip()] if preamble else []
    out += ["import numpy as np", f"import {module} as keras",
            "from conformance.callback_check.replay import RunInterrupted, start", "", f"TASK = {task!r}",
            "", SNIPPET_MAKE_DATA.strip("\n")]
    inputs = {cp.call.input for cp in plan.calls}
    acting = any(cp.actions for cp in plan.calls)
    for used, source in (("generator" in inputs, SNIPPET_GENERATOR), ("pydataset" in inputs, SNIPPET_DATASET),
                         (acting, _PERTURB.strip("\n") + "\n\n" + _perturb_hooks())):
        if used:
            out += ["", source.strip("\n")]
    out += ["",
            f"run = start({target!r}, keras)  # a fresh workdir, the callback from the factory, a hook recorder",
            f"model = keras.Sequential([keras.Input(({INPUT_DIM},)), "
            f"keras.layers.Dense({OUTPUT_DIM[task]}, activation={ACTIVATIONS[task]!r})])",
            f"rng = np.random.default_rng({s.seed})",
            "model.set_weights([rng.uniform(-0.5, 0.5, size=np.shape(w)).astype('float32') "
            "for w in model.get_weights()])",
            f"model.compile(optimizer=keras.optimizers.{s.optimizer}(learning_rate={s.learning_rate!r}), "
            f"loss={LOSSES[task]!r}, metrics={list(s.metrics)!r}, steps_per_execution={s.steps_per_execution}"
            + (", run_eagerly=True)" if eager else ")"),
            "run.record.model = model"]
    for i, cp in enumerate(plan.calls):
        c = cp.call
        acts = [(a.do, a.hook, a.index, a.epoch) for a in cp.actions]
        kwargs = ", ".join(f"{k}={v}" for k, v in {**_call_kwargs(s, c), "verbose": str(cp.verbose)}.items())
        out += ["", f"# call {i}: {c.method}", f"rng = np.random.default_rng({s.seed * 1000 + i + 1})",
                f"x, y, sw = make_data({c.n}, rng)", f"x_val, y_val, _ = make_data({c.val_n}, rng)"]
        if c.stop_preset:
            out.append("model.stop_training = True")
        others = f"Perturb({acts!r}, run), " if acting else ""
        out += [f"with run.call({c.method!r}, {_call_arguments(cp)}) as call:",
                f"    callbacks = [{others}run.witness, run.callback]",
                f"    call.result = model.{c.method}({kwargs}, callbacks=callbacks)"]
    out += ["", "run.finish()", ""]
    return "\n".join(out)


__all__ = ["program"]
