"""Hand-picked scenarios run before the generated ones, so that every clause is exercised on every run.

Most mirror a scenario of the reference recordings (/work/shared/reference/scenarios.json) whose outcome the
spec cites; they are small, so a failure here is already a readable example.
"""

from __future__ import annotations

from conformance.profiles import facts
from conformance.scenario import DISPATCH_KINDS, Action, Call, RecorderSpec, Scenario

FULL = RecorderSpec()
LEGACY = RecorderSpec("legacy")


def _fit(**kw) -> Call:
    kw.setdefault("recorders", (FULL, LEGACY))
    return Call(method="fit", **kw)


def _acting(*actions: Action, after: int = 0) -> tuple[RecorderSpec, ...]:
    return (RecorderSpec("full", actions),) + (FULL,) * after + (LEGACY,)


def examples(profile: str = "keras3") -> list[Scenario]:
    """The fixed scenarios for `profile`."""
    reg = Scenario(task="regression", metrics=("mae",), learning_rate=0.0)
    out = [
        reg.replace(calls=(_fit(n=30, batch_size=8, epochs=2, validation="data", val_n=12),)),
        reg.replace(calls=(_fit(n=20, batch_size=8, epochs=2, sample_weight=True, validation="split",
                                validation_split=0.25),)),
        reg.replace(calls=(_fit(n=32, batch_size=8, epochs=3, validation="data", val_n=12,
                                recorders=_acting(Action("stop_training", "on_train_batch_end", 1, 0))),)),
        reg.replace(calls=(_fit(n=32, batch_size=8, epochs=3, validation="data", val_n=12,
                                recorders=_acting(Action("stop_training", "on_train_begin"))),)),
        reg.replace(calls=(_fit(n=32, batch_size=8, epochs=3, validation="data", val_n=12,
                                recorders=_acting(Action("stop_training", "on_test_batch_end", 0))),)),
        reg.replace(steps_per_execution=3, calls=(
            _fit(n=56, batch_size=8, epochs=1, validation="data", val_n=24),
            Call(method="evaluate", n=56, batch_size=8),
            Call(method="predict", n=56, batch_size=8),
        )),
        reg.replace(learning_rate=0.01, calls=(
            _fit(n=16, batch_size=8, epochs=2, validation="data", val_n=8, lr_schedule=True,
                 recorders=_acting(Action("nested_evaluate", "on_epoch_end", 0), Action("edit_logs", "on_epoch_end", 1),
                                   after=1)),)),
        reg.replace(calls=(_fit(n=16, batch_size=8, epochs=2, validation="data", val_n=8,
                                recorders=_acting(Action("nested_evaluate", "on_train_batch_end", 0, 0))),)),
        reg.replace(calls=(_fit(n=8, batch_size=4, epochs=0),) if facts(profile).min_epochs == 0 else ()),
        reg.replace(calls=(_fit(n=8, batch_size=4, epochs=2, initial_epoch=1, stop_preset=True),)),
        reg.replace(calls=(_fit(n=30, batch_size=8, epochs=1, input="generator", finite=True),)),
        reg.replace(calls=(_fit(n=16, batch_size=8, epochs=3, input="generator", finite=False, steps=3),)),
        reg.replace(calls=(_fit(n=20, batch_size=8, epochs=2, input="pydataset", sample_weight=True),)),
        reg.replace(calls=(_fit(n=16, batch_size=8, epochs=3, validation="data", val_n=8, validation_freq=(1, 3)),
                           _fit(n=16, batch_size=8, epochs=3, validation="data", val_n=8, validation_freq=2))),
        reg.replace(calls=(_fit(n=16, batch_size=8, epochs=2, recorders=_acting(Action("raise", "on_epoch_end", 0),
                                                                               after=1)),)),
        # a raise inside the batch loop (the profiles whose evaluate()/predict() take no callbacks raise only in fit)
        reg.replace(calls=(_fit(n=16, batch_size=8, epochs=2, validation="data", val_n=8,
                                recorders=_acting(Action("raise", "on_train_batch_end", 1, 1), after=1)),)),
        reg.replace(calls=(Call(method="evaluate", n=20, batch_size=8, sample_weight=True, return_dict=True),
                           Call(method="evaluate", n=20, batch_size=8, steps=2),
                           Call(method="evaluate", n=24, batch_size=8,
                                recorders=_acting(Action("stop_evaluating", "on_test_batch_end", 0))),
                           Call(method="predict", n=10, batch_size=4),
                           Call(method="predict", n=12, batch_size=4,
                                recorders=_acting(Action("stop_predicting", "on_predict_batch_end", 0))))),
        Scenario(task="binary", metrics=("accuracy",), learning_rate=0.0, calls=(
            _fit(n=20, batch_size=8, epochs=2, class_weight=True, validation="data", val_n=8),
            Call(method="evaluate", n=20, batch_size=8))),
        Scenario(task="categorical", metrics=("accuracy",), optimizer="Adam", calls=(
            _fit(n=20, batch_size=8, epochs=1, validation="data", val_n=8, lr_schedule=True),)),
        reg.replace(calls=(_fit(n=8, batch_size=4, epochs=2, bad_argument=("batch_size", 0)),)),
        reg.replace(calls=(_fit(n=8, batch_size=4, epochs=2, bad_argument=("epochs", -1)),)),
        reg.replace(calls=(_fit(n=8, batch_size=4, epochs=2, validation="split",
                                bad_argument=("validation_split", 1.5)),)),
    ]
    if "instance" in facts(profile).recorder_kinds():  # every way of defining hooks (spec/dispatch.toml)
        kinds = (FULL,) + tuple(RecorderSpec(kind) for kind in DISPATCH_KINDS)
        out.append(reg.replace(calls=(
            _fit(n=24, batch_size=8, epochs=2, validation="data", val_n=8, recorders=kinds),
            Call(method="evaluate", n=16, batch_size=8, recorders=kinds),
            Call(method="predict", n=16, batch_size=8, recorders=kinds))))
    if "no_logs" in facts(profile).recorder_kinds():
        out.append(reg.replace(calls=(_fit(n=12, batch_size=4, epochs=2, recorders=(FULL, RecorderSpec("no_logs"))),)))
    return [s for s in out if s.calls]
