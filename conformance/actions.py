"""What a test callback (a recorder) can do from inside a hook, defined once.

The driver runs `triggers` and `perform`; the replay snippets embed their source (`snippet_source`); the model
(`conformance.model`) and the checks read `KINDS` and `edited` to know what each action changes. Nothing
else restates these rules.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# edit_logs: these keys are multiplied by their factor, then these keys are set.
EDIT_SCALE = {"loss": 10.0}
EDIT_ADD = {"extra": 1.0}


class CallbackProbeError(RuntimeError):
    """Raised by a recorder on purpose (the `raise` action): the call must let it through unchanged."""


def triggers(a_hook: str, a_index: int | None, a_epoch: int | None, hook: str, index: int | None,
             epoch: int | None) -> bool:
    """Whether an action (its hook, index and epoch) fires at this hook call; each action fires once, at the
    first call that matches."""
    if a_hook != hook or a_index not in (None, index):
        return False
    return a_epoch is None or "batch" not in hook or epoch == a_epoch


def perform(do: str, model: Any, logs: Any, nested: Callable[[str], Any], where: str) -> None:
    """Do action `do` from inside a hook: `nested("evaluate")` makes the nested call, `where` names the hook."""
    if do in ("stop_training", "stop_evaluating", "stop_predicting"):
        setattr(model, do, True)
    elif do == "edit_logs":
        if logs is not None:
            for key, factor in EDIT_SCALE.items():
                if key in logs:  # Keras 0.2's epoch logs have no loss: only the added key goes in there
                    logs[key] = float(logs[key]) * factor
            logs.update(EDIT_ADD)
    elif do == "raise":
        raise CallbackProbeError(f"raised on purpose in {where}")
    elif do in ("nested_evaluate", "nested_predict"):
        nested(do.split("_", 1)[1])
    else:
        raise ValueError(f"unknown action {do!r}; known actions: {', '.join(KINDS)}")


@dataclass(frozen=True)
class ActionKind:
    """What an action changes, for the model and the checks.

    Args:
        do: The action's name.
        effect: `"flag"` (sets the model attribute `do`), `"edit"` (edits logs in place), `"nested"` (calls
            evaluate/predict on the model), `"raise"` (raises CallbackProbeError).
        hooks: The hooks the strategies place it on during fit (`()`: evaluate/predict batch hooks).
    """

    do: str
    effect: str
    hooks: tuple[str, ...] = ()

    @property
    def nested_method(self) -> str | None:
        return self.do.split("_", 1)[1] if self.effect == "nested" else None


FIT_HOOKS = ("on_train_batch_end", "on_epoch_end", "on_train_batch_begin", "on_epoch_begin", "on_train_begin",
             "on_test_batch_end", "on_test_begin", "on_test_end", "on_train_end")
KINDS: dict[str, ActionKind] = {k.do: k for k in (
    ActionKind("stop_training", "flag", FIT_HOOKS),
    ActionKind("stop_evaluating", "flag"),
    ActionKind("stop_predicting", "flag"),
    ActionKind("nested_evaluate", "nested", ("on_epoch_end", "on_train_batch_end", "on_epoch_begin", "on_train_end")),
    ActionKind("nested_predict", "nested", ("on_epoch_end", "on_train_begin")),
    ActionKind("edit_logs", "edit", ("on_epoch_end",)),
    ActionKind("raise", "raise", FIT_HOOKS),
)}
FLOW_EFFECTS = ("flag", "raise")  # actions that change which hooks run


def edited(logs: dict[str, float]) -> dict[str, float]:
    """The logs a later callback sees after an `edit_logs` action on `logs` (a copy)."""
    out = dict(logs)
    perform("edit_logs", None, out, lambda _: None, "")
    return out


def edited_keys(keys: frozenset[str]) -> frozenset[str]:
    """The keys a later callback sees after an `edit_logs` action on logs with `keys`."""
    return keys | frozenset(EDIT_ADD)


def snippet_source() -> str:
    """The source of the rules above, for replay snippets (which must run without this package)."""
    parts = [f"EDIT_SCALE = {EDIT_SCALE!r}", f"EDIT_ADD = {EDIT_ADD!r}",
             "KINDS = ()", inspect.getsource(CallbackProbeError), inspect.getsource(triggers),
             inspect.getsource(perform)]
    text = "\n\n".join(p.strip("\n") for p in parts) + "\n"
    return text.replace("Callable[[str], Any]", "object").replace(": Any", "").replace(" -> None", "")


__all__ = ["EDIT_ADD", "EDIT_SCALE", "KINDS", "ActionKind", "CallbackProbeError", "edited", "edited_keys",
           "perform", "snippet_source", "triggers"]
