"""Scenarios made concrete for a harness: data, initial weights and keyword arguments spelled per API.

The suite draws the numbers (with the same generators as `conformance.driver.Session`, so a harness run starts
from the same weights and data as an in-process run) and sends them as arrays; the harness needs no random
generator and no knowledge of the scenario format. `API_NAMES` says how each era spells `fit`'s arguments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from conformance.driver import make_data, reference_batches
from conformance.profiles import facts
from conformance.scenario import (
    ACTIVATIONS,
    INPUT_DIM,
    LOSSES,
    OUTPUT_DIM,
    Action,
    Call,
    RecorderSpec,
    Scenario,
    class_weights,
)

APIS = ("keras0", "keras1", "keras2", "tf-keras", "keras3")
# The hooks a "full" recorder overrides: what the era's Callback class had. Keras 0.3-2.2 had on_batch_begin/end
# and no test/predict hooks (on_train_batch_*, on_test_*, on_predict_* arrived in Keras 2.3 / tf.keras).
_OLD_HOOKS = ["on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end"]
FULL_HOOKS = {"keras0": _OLD_HOOKS, "keras1": _OLD_HOOKS, "keras2": _OLD_HOOKS, "keras3": None}
# Which calls take `callbacks=` in each era (Keras 1.2.2 and 2.2.4: fit only; evaluate/predict gained it in 2.3).
CALLBACKS_IN = {"keras0": ("fit",), "keras1": ("fit",), "keras2": ("fit",), "keras3": ("fit", "evaluate", "predict")}


from conformance.adapters import Unexpressible  # noqa: E402  (re-exported: the runner skips these scenarios)


def tagged(a: np.ndarray) -> dict[str, Any]:
    """An array as protocol data."""
    a = np.asarray(a)
    return {"array": a.astype("float64").tolist(), "shape": list(a.shape), "dtype": str(a.dtype)}


def untag(v: Any) -> Any:
    """Protocol data back to numpy arrays (tagged dicts) and floats, recursively."""
    if isinstance(v, dict):
        if "array" in v and "shape" in v:
            return np.asarray(v["array"], dtype="float64").reshape(v["shape"])
        return {k: untag(x) for k, x in v.items()}
    if isinstance(v, list):
        return [untag(x) for x in v]
    return v


def initial_weights(scenario: Scenario) -> list[np.ndarray]:
    """The weights `conformance.driver.Session` gives the scenario's model (same generator, same order)."""
    rng = np.random.default_rng(scenario.seed)
    out = OUTPUT_DIM[scenario.task]
    return [rng.uniform(-0.5, 0.5, size=s).astype("float32") for s in ((INPUT_DIM, out), (out,))]


def _fit_names(api: str) -> dict[str, str]:
    if api == "keras3" or api == "keras2":
        return {"epochs": "epochs"}
    return {"epochs": "nb_epoch"}


def concrete(scenario: Scenario, api: str) -> dict[str, Any]:
    """The `run` message's scenario for `api` (one of `APIS`).

    Raises:
        Unexpressible: If a call needs an argument the API does not have.
    """
    if api not in APIS:
        raise ValueError(f"api must be one of {', '.join(APIS)}, not {api!r}")
    if api == "tf-keras":
        api = "keras3"  # tf-keras 2.15+ spells these calls as Keras 3 does (learning_rate, callbacks everywhere)
    task = scenario.task
    if scenario.steps_per_execution != 1:
        raise Unexpressible("steps_per_execution")
    lr_name = "learning_rate" if api == "keras3" else "lr"
    dense_kwargs: dict[str, Any] = {"activation": ACTIVATIONS[task]}
    if api != "keras3":
        dense_kwargs["input_dim"] = INPUT_DIM
    compile_kw: dict[str, Any] = {"loss": LOSSES[task]}
    if api == "keras0":
        if set(scenario.metrics) - {"accuracy"}:
            raise Unexpressible("metrics other than accuracy (Keras 0 has show_accuracy only)")
        compile_kw["class_mode"] = "binary" if task == "binary" else "categorical"
    else:
        compile_kw["metrics"] = list(scenario.metrics)
    payload: dict[str, Any] = {
        "model": {"input": [INPUT_DIM] if api == "keras3" else None,
                  "layers": [{"class": "Dense", "args": [OUTPUT_DIM[task]], "kwargs": dense_kwargs}]},
        "optimizer": {"class": scenario.optimizer, "kwargs": {lr_name: scenario.learning_rate}},
        "compile": compile_kw,
        "weights": [tagged(w) for w in initial_weights(scenario)],
        "calls": [],
    }
    for i, call in enumerate(scenario.calls):
        payload["calls"].append(_call(scenario, call, i, api))
    return payload


def _call(scenario: Scenario, call: Call, i: int, api: str) -> dict[str, Any]:
    if call.input != "arrays" or call.steps is not None or call.validation_freq != 1 or \
            call.validation_batch_size or call.return_dict:
        raise Unexpressible("only array inputs without steps, validation_freq, validation_batch_size or "
                            "return_dict")
    if call.lr_schedule and api != "keras3":
        raise Unexpressible("LearningRateScheduler's schedule(epoch, lr) (Keras <= 2.2 calls schedule(epoch))")
    rng = np.random.default_rng(scenario.seed * 1000 + i + 1)
    x, y, sw = make_data(scenario.task, call.n, rng)
    vx, vy, _ = make_data(scenario.task, call.val_n, rng)
    predict = call.method == "predict"
    args = [tagged(x)] if predict else [tagged(x), tagged(y)]
    kw: dict[str, Any] = {"verbose": 0}
    arrays = []
    if call.batch_size is not None:
        kw["batch_size"] = call.batch_size
    if call.sample_weight and not predict:
        kw["sample_weight"] = tagged(sw)
        arrays.append("sample_weight")
    if call.method == "fit":
        kw[_fit_names(api)["epochs"]] = call.epochs
        kw["shuffle"] = False
        if call.initial_epoch:
            if api == "keras0":
                raise Unexpressible("initial_epoch (Keras 0 has none)")
            kw["initial_epoch"] = call.initial_epoch
        if call.validation == "split":
            kw["validation_split"] = call.validation_split
        elif call.validation == "data":
            kw["validation_data"] = [tagged(vx), tagged(vy)]
            arrays.append("validation_data")
        if call.class_weight:
            kw["class_weight"] = {str(k): v for k, v in class_weights(scenario.task).items()}
    if api == "keras0" and scenario.metrics and not predict:
        kw["show_accuracy"] = True
    if call.bad_argument is not None:
        name, value = call.bad_argument
        if name in ("validation_freq", "steps_per_epoch") and api != "keras3":
            raise Unexpressible(f"{name} (not an argument of this API)")
        kw[_fit_names(api).get(name, name)] = value
    out = {"method": call.method, "args": args, "kwargs": kw, "array_kwargs": arrays,
            "callbacks": call.method in CALLBACKS_IN[api], "lr_schedule": call.lr_schedule,
            "stop_preset": call.stop_preset, "val": [tagged(vx), tagged(vy)],
            "nested_callbacks": "evaluate" in CALLBACKS_IN[api],
            "recorders": [{"kind": r.kind, "actions": [_action(a, api) for a in r.actions],
                           "hooks": FULL_HOOKS[api] if r.kind == "full" else None} for r in call.recorders]}
    if scenario.learning_rate == 0 and not predict:
        out["batch_value_sets"] = _batch_value_sets(scenario, call, x, y, sw, vx, vy, api)
    return out


def _batch_value_sets(scenario: Scenario, call: Call, x, y, sw, vx, vy, api: str) -> dict[str, Any]:
    """The data batches the harness runs test_on_batch on after the call, the in-process driver's batches
    (conformance.driver.reference_batches): {"train"/"val"/"test": x, y, per-sample weights, batch size}.

    The harness runs them on the model the call used: the Theano releases leave it readable and their
    test_on_batch keeps no metric state (Keras 2.3 resets it). The in-process driver uses a second model
    (`Session.reference_model`), for Keras 3 releases that do neither."""
    parts = reference_batches(scenario.task, call, x, y, sw, (vx, vy), facts(api).class_weight_with_sample_weight)
    accuracy = api == "keras0" and bool(scenario.metrics)  # Keras 0's test_on_batch(..., accuracy=True)
    return {part: {"x": tagged(xs), "y": tagged(ys), "w": None if ws is None else tagged(ws), "batch_size": size,
                   "accuracy": accuracy} for part, (xs, ys, ws, size) in parts.items()}


def _action(action: Action, api: str) -> dict[str, Any]:
    """An action as data, its hook named as the API calls it (Keras <= 2.2: on_batch_end for a training batch)."""
    out = dict(action.__dict__)
    if api != "keras3":
        out["hook"] = {"on_train_batch_begin": "on_batch_begin",
                       "on_train_batch_end": "on_batch_end"}.get(action.hook, action.hook)
    return out


def parity_scenarios() -> list[tuple[str, Scenario]]:
    """The dialect parity stage's scenarios: every task and optimizer, both validation kinds, partial last
    batches, sample and class weights, several epochs, stop_training, an evaluate and a predict after fit."""
    out: list[tuple[str, Scenario]] = []
    k = 0
    # regression compiles metrics=['mae']: Keras 2.2.4 and 1.2.2 log it as mean_absolute_error
    for task, metrics in (("regression", ("mae",)), ("binary", ("accuracy",)), ("categorical", ("accuracy",))):
        for optimizer in ("SGD", "RMSprop", "Adagrad", "Adam"):
            for validation in (None, "split", "data"):
                k += 1
                if (k % 3) and validation is None and optimizer not in ("SGD",):
                    continue
                call = Call(method="fit", n=10 + k % 7, batch_size=4 + k % 3, epochs=1 + k % 3,
                            validation=validation, sample_weight=(k % 4 == 1))
                out.append((f"{task}-{optimizer}-{validation or 'noval'}",
                            Scenario(task=task, metrics=metrics, optimizer=optimizer, learning_rate=0.05,
                                     seed=k, calls=(call,))))
    out.append(("binary-class_weight", Scenario(task="binary", metrics=("accuracy",), seed=101, calls=(
        Call(n=12, batch_size=5, epochs=2, class_weight=True),))))
    out.append(("regression-stop_training", Scenario(seed=102, calls=(
        Call(n=12, batch_size=4, epochs=3, recorders=(RecorderSpec(actions=(
            Action("stop_training", "on_epoch_end", 0),)),)),))))
    out.append(("categorical-fit-evaluate-predict", Scenario(task="categorical", metrics=("accuracy",), seed=103,
                                                            calls=(Call(n=9, batch_size=4, epochs=2),
                                                                   Call(method="evaluate", n=7, batch_size=3),
                                                                   Call(method="predict", n=5, batch_size=2)))))
    out.append(("regression-two-fits-legacy-recorder", Scenario(seed=104, calls=(
        Call(n=8, batch_size=3, epochs=1, recorders=(RecorderSpec(), RecorderSpec("legacy"))),
        Call(n=8, batch_size=8, epochs=2, validation="split", validation_split=0.5)))))
    return out
