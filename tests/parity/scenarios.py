"""Parity scenarios: each runs on refimpl and on live Keras 3 from the same weights and data.

Pure data, so the same list drives both sides. Keys: model (hidden units/activation, output units and
activation), data (task, n, val_n), compile (optimizer, loss, metrics, steps_per_execution), fit/evaluate/
predict calls with kwargs, input kind (arrays, generator, pydataset) and actions run inside the recording
callback (stop_training at a hook, nested evaluate, learning-rate probes).
"""

from __future__ import annotations

REG = {"task": "regression", "n": 30, "val_n": 12}
SGD = {"name": "SGD", "learning_rate": 0.05}


def _s(sid, *, calls, loss="mse", metrics=("mae",), optimizer=SGD, data=REG, out=1, out_act=None, spe=1,
       hidden_act="tanh", weighted_metrics=(), refimpl_differs=None, loss_weights=None, canary=False):
    return {
        "id": sid,
        "model": {"input_dim": 3, "hidden": 4, "hidden_activation": hidden_act, "out": out, "out_activation": out_act,
                  "canary": canary},
        "data": {"input_dim": 3, "out": out, **data},
        "compile": {"optimizer": optimizer, "loss": loss, "metrics": list(metrics), "steps_per_execution": spe,
                    "weighted_metrics": list(weighted_metrics), "loss_weights": loss_weights},
        "calls": calls,
        "refimpl_differs": refimpl_differs or {},
    }


def fit(**kwargs):
    call = {"method": "fit", "kwargs": {"batch_size": 8, "epochs": 2, "shuffle": False, "verbose": 0}}
    actions = kwargs.pop("actions", [])
    for key in ("input", "validation"):
        if key in kwargs:
            call[key] = kwargs.pop(key)
    call["kwargs"].update(kwargs)
    call["actions"] = actions
    return call


def with_builtins(call, *builtins):
    call["builtins"] = list(builtins)
    return call


def builtin(name, kind, file=None, **args):
    spec = {"name": name, "type": kind, "args": args}
    if file:
        spec["file"] = file
    return spec


PROBE_LR = {"do": "probe_lr", "hook": "on_epoch_end"}


def evaluate(**kwargs):
    return {"method": "evaluate", "kwargs": {"batch_size": 8, "verbose": 0, **kwargs}, "actions": []}


def predict(**kwargs):
    return {"method": "predict", "kwargs": {"batch_size": 8, "verbose": 0, **kwargs}, "actions": []}


def stop_at(hook, index=None, epoch=None):
    return {"do": "stop", "hook": hook, "index": index, "epoch": epoch}


BIN = {"task": "binary", "n": 30, "val_n": 12}
CAT = {"task": "categorical", "n": 30, "val_n": 12}
SPARSE = {"task": "sparse", "n": 30, "val_n": 12}
VAL = {"kind": "arrays"}

def expect_error(call):
    call["expect_error"] = True
    return call


def metric(cls, **args):
    return {"class": cls, "args": args}


POLY = {"schedule": "PolynomialDecay", "args": {"initial_learning_rate": 0.1, "decay_steps": 5,
                                               "end_learning_rate": 0.01, "power": 2.0}}
POLY_CYCLE = {"schedule": "PolynomialDecay", "args": {"initial_learning_rate": 0.02, "decay_steps": 3,
                                                     "power": 0.5, "cycle": True}}
# refimpl checks at the start of fit what Keras 3 finds later (same error type): the hooks before it differ.
RAISES_EARLIER = {"call 0 events": "refimpl raises in on_train_begin; Keras 3 in a later hook (same type)",
                  "call 0 params": "refimpl raises before the recording callback's on_train_begin",
                  "final_weights": "Keras 3 trains until the hook that raises; refimpl trains nothing"}
INF_TARGET = {**REG, "y_inf_at": [5]}

SCENARIOS = [
    _s("fit_basic", calls=[fit()]),
    _s("fit_partial_last_batch_validation", calls=[fit(validation=VAL, epochs=3)]),
    _s("fit_batch_size_larger_than_data", calls=[fit(batch_size=64)]),
    _s("fit_default_batch_size", calls=[fit(batch_size=None, epochs=1)]),
    _s("fit_initial_epoch_resume", calls=[fit(epochs=2), fit(epochs=4, initial_epoch=2)]),
    _s("fit_zero_epochs", calls=[fit(epochs=0)]),
    _s("fit_validation_split", calls=[fit(validation_split=0.25)]),
    _s("fit_validation_batch_size", calls=[fit(validation=VAL, validation_batch_size=5)]),
    _s("fit_validation_freq_int", calls=[fit(validation=VAL, epochs=4, validation_freq=2)]),
    _s("fit_validation_freq_list", calls=[fit(validation=VAL, epochs=4, validation_freq=[1, 4])]),
    _s("fit_sample_weight", calls=[fit(sample_weight=True, validation=VAL)]),
    _s("fit_weighted_metrics", metrics=["mae"], weighted_metrics=["mse"],
       calls=[fit(sample_weight=True, validation=VAL), evaluate(sample_weight=True)]),
    _s("compile_loss_weights", metrics=["mse"], loss_weights=[2.0], calls=[fit(validation=VAL), evaluate()]),
    _s("fit_class_weight_binary", loss="binary_crossentropy", metrics=["accuracy"], out_act="sigmoid", data=BIN,
       calls=[fit(class_weight={0: 0.5, 1: 2.0})]),
    _s("fit_class_weight_categorical", loss="categorical_crossentropy", metrics=["accuracy"], out=3,
       out_act="softmax", data=CAT, calls=[fit(class_weight={0: 1.0, 1: 2.0, 2: 0.5})]),
    _s("fit_steps_per_epoch_generator", calls=[fit(input={"kind": "generator"}, batch_size=None, steps_per_epoch=3,
                                                   epochs=3)]),
    _s("fit_pydataset_with_validation_steps", calls=[fit(input={"kind": "pydataset"}, batch_size=None,
                                                         validation={"kind": "arrays"}, validation_steps=1)]),
    # PyDataset.on_epoch_end: the training set's right after the epoch's last batch (before validation), not
    # after an epoch stop_training cut short; a validation set's before and after each run; evaluate's likewise.
    _s("pydataset_on_epoch_end_before_validation", calls=[fit(input={"kind": "pydataset"}, batch_size=None,
                                                              validation=VAL)]),
    _s("pydataset_on_epoch_end_not_after_a_stop", calls=[fit(input={"kind": "pydataset"}, batch_size=None, epochs=3,
                                                             actions=[stop_at("on_train_batch_end", 1, epoch=1)])]),
    _s("pydataset_validation_on_epoch_end", calls=[fit(validation={"kind": "pydataset"}, epochs=2)]),
    _s("pydataset_evaluate_on_epoch_end", calls=[fit(epochs=1), {"method": "evaluate", "kwargs": {"verbose": 0},
                                                                 "input": {"kind": "pydataset"}, "actions": []}]),
    _s("fit_steps_per_execution", spe=2, calls=[fit(batch_size=5, epochs=1), evaluate(batch_size=5),
                                                predict(batch_size=5)]),
    _s("loss_mae", loss="mae", metrics=["mse"], calls=[fit()]),
    _s("loss_binary_crossentropy", loss="binary_crossentropy", metrics=["accuracy"], out_act="sigmoid", data=BIN,
       calls=[fit(validation=VAL)]),
    _s("loss_categorical_crossentropy", loss="categorical_crossentropy", metrics=["accuracy"], out=3,
       out_act="softmax", data=CAT, calls=[fit(validation=VAL)]),
    _s("loss_sparse_categorical_crossentropy", loss="sparse_categorical_crossentropy", metrics=["accuracy"], out=3,
       out_act="softmax", data=SPARSE, calls=[fit(validation=VAL)]),
    _s("optimizer_sgd_momentum_nesterov", optimizer={"name": "SGD", "learning_rate": 0.05, "momentum": 0.9,
                                                     "nesterov": True}, calls=[fit()]),
    _s("optimizer_rmsprop", optimizer={"name": "RMSprop", "learning_rate": 0.01}, calls=[fit()]),
    _s("optimizer_adam", optimizer={"name": "Adam", "learning_rate": 0.01}, calls=[fit()]),
    _s("optimizer_adagrad", optimizer={"name": "Adagrad", "learning_rate": 0.1}, calls=[fit()]),
    _s("stop_on_train_begin", calls=[fit(validation=VAL, epochs=3, actions=[stop_at("on_train_begin")])]),
    _s("stop_on_epoch_begin", calls=[fit(validation=VAL, epochs=3, actions=[stop_at("on_epoch_begin", 1)])]),
    _s("stop_on_train_batch_begin", calls=[fit(epochs=3, actions=[stop_at("on_train_batch_begin", 1, epoch=0)])]),
    _s("stop_on_train_batch_end", calls=[fit(validation=VAL, epochs=3,
                                             actions=[stop_at("on_train_batch_end", 1, epoch=1)])]),
    _s("stop_on_epoch_end", calls=[fit(epochs=3, actions=[stop_at("on_epoch_end", 0)])]),
    _s("stop_on_test_batch_end", calls=[fit(validation=VAL, epochs=3, actions=[stop_at("on_test_batch_end", 0)])]),
    _s("evaluate_and_predict", metrics=["mae", "mse"], calls=[fit(epochs=1), evaluate(), evaluate(return_dict=True),
                                                              evaluate(sample_weight=True), predict()]),
    _s("nested_evaluate_in_epoch_end", calls=[fit(validation=VAL, actions=[{"do": "nested_evaluate",
                                                                            "hook": "on_epoch_end"}])]),
    # ---- built-in callbacks: stopping epochs, learning-rate trajectories, CSV text, checkpoint names, HTTP payloads
    _s("early_stopping_patience", calls=[with_builtins(
        fit(validation=VAL, epochs=6),
        builtin("es", "EarlyStopping", monitor="val_loss", patience=1, min_delta=10.0))]),
    _s("early_stopping_restore_best", calls=[with_builtins(
        fit(epochs=6), builtin("es", "EarlyStopping", monitor="loss", patience=2, min_delta=0.3,
                               restore_best_weights=True))]),
    _s("early_stopping_baseline_start_from_epoch", calls=[with_builtins(
        fit(validation=VAL, epochs=6), builtin("es", "EarlyStopping", monitor="val_loss", patience=1, baseline=0.01,
                                               start_from_epoch=2))]),
    _s("early_stopping_accuracy_auto_mode", loss="binary_crossentropy", metrics=["accuracy"], out_act="sigmoid",
       data=BIN, calls=[with_builtins(fit(validation=VAL, epochs=5),
                                      builtin("es", "EarlyStopping", monitor="val_accuracy", patience=1))]),
    _s("reduce_lr_on_plateau", calls=[with_builtins(
        fit(epochs=7, actions=[PROBE_LR]), builtin("rlr", "ReduceLROnPlateau", monitor="loss", factor=0.5, patience=1,
                                                   min_delta=10.0, cooldown=1, min_lr=0.008))]),
    _s("learning_rate_scheduler", calls=[with_builtins(
        fit(epochs=4, actions=[PROBE_LR]), builtin("lrs", "LearningRateScheduler", factor=0.5))]),
    _s("csv_logger_with_validation_freq", calls=[with_builtins(
        fit(validation=VAL, epochs=4, validation_freq=2), builtin("csv", "CSVLogger", file="log.csv"))]),
    _s("model_checkpoint_every_epoch", calls=[with_builtins(
        fit(validation=VAL, epochs=3), builtin("ck", "ModelCheckpoint", file="w.{epoch:02d}.weights.h5",
                                               save_weights_only=True))]),
    _s("model_checkpoint_best_only", calls=[with_builtins(
        fit(validation=VAL, epochs=5), builtin("ck", "ModelCheckpoint", file="best.{epoch:02d}.keras",
                                               monitor="val_loss", save_best_only=True))]),
    _s("terminate_on_nan", optimizer={"name": "SGD", "learning_rate": 1e12}, calls=[with_builtins(
        fit(validation=VAL, epochs=3), builtin("nan", "TerminateOnNaN"))]),
    _s("remote_monitor_json", calls=[with_builtins(
        fit(validation=VAL, epochs=2), builtin("rm", "RemoteMonitor", send_as_json=True))]),
    _s("backup_and_restore_resume", refimpl_differs={
        "call 1 history": "refimpl's backup holds the History, so the resumed fit returns every epoch, as an "
                          "uninterrupted run would; Keras 3's resumed History starts at the resumed epoch",
        "call 1 epoch": "same as history"}, calls=[
        with_builtins(fit(epochs=4, actions=[{"do": "interrupt", "hook": "on_epoch_begin", "index": 2}]),
                      builtin("bar", "BackupAndRestore")),
        with_builtins(fit(epochs=4), builtin("bar", "BackupAndRestore"))]),
    _s("swap_ema_weights", optimizer={"name": "SGD", "learning_rate": 0.05, "use_ema": True, "ema_momentum": 0.9},
       calls=[with_builtins(fit(validation=VAL, epochs=3), builtin("ema", "SwapEMAWeights", swap_on_epoch=True))]),
    # ---- issue 17: behaviours Keras 3's own callback tests exercise
    _s("terminate_on_nan_inf_targets", data=INF_TARGET, calls=[with_builtins(
        fit(validation=VAL, epochs=3), builtin("nan", "TerminateOnNaN"))]),
    _s("loss_scale_optimizer_skips_non_finite_steps", data=INF_TARGET,
       optimizer={"name": "LossScaleOptimizer", "inner": SGD, "dynamic_growth_steps": 3}, calls=[fit(epochs=3)]),
    _s("loss_scale_optimizer_adam", optimizer={"name": "LossScaleOptimizer", "inner": {"name": "Adam",
                                                                                       "learning_rate": 0.01}},
       calls=[fit(validation=VAL, epochs=2, actions=[PROBE_LR])]),
    _s("polynomial_decay", optimizer={"name": "SGD", "learning_rate": POLY},
       calls=[fit(epochs=3, actions=[PROBE_LR])]),
    _s("polynomial_decay_cycle_adam", optimizer={"name": "Adam", "learning_rate": POLY_CYCLE},
       calls=[fit(epochs=3, actions=[PROBE_LR])]),
    _s("metrics_auc_f1_hinge_accuracy", loss="binary_crossentropy", out_act="sigmoid", data=BIN,
       metrics=[metric("AUC"), metric("AUC", curve="PR", name="pr_auc"), metric("F1Score", threshold=0.5),
                metric("Accuracy"), "hinge"],
       calls=[with_builtins(fit(validation=VAL, epochs=4),
                            builtin("es", "EarlyStopping", monitor="val_auc", patience=1)), evaluate()]),
    _s("metrics_f1_per_class_and_averaged", loss="categorical_crossentropy", out=3, out_act="softmax", data=CAT,
       metrics=[metric("F1Score"), metric("F1Score", average="macro", name="f1_macro"),
                metric("F1Score", average="weighted", threshold=0.3, name="f1_weighted")],
       weighted_metrics=[metric("AUC", num_thresholds=50, name="auc_w")],
       calls=[with_builtins(fit(validation=VAL, epochs=3, sample_weight=True),
                            builtin("ck", "ModelCheckpoint", file="best.weights.h5", monitor="val_f1_macro",
                                    save_best_only=True, save_weights_only=True))]),
    _s("csv_logger_append_with_tab_separator", calls=[
        with_builtins(fit(validation=VAL, epochs=2), builtin("csv", "CSVLogger", file="log.tsv", separator="\t",
                                                             append=True)),
        with_builtins(fit(validation=VAL, epochs=4, initial_epoch=2),
                      builtin("csv", "CSVLogger", file="log.tsv", separator="\t", append=True))]),
    _s("lambda_callback_extra_kwargs_and_remote_monitor_numpy_values", calls=[with_builtins(
        fit(validation=VAL, epochs=2),
        builtin("lam", "LambdaCallback", on_epoch_end="add_numpy_logs", note="kept", custom_number=3),
        builtin("rm", "RemoteMonitor"), builtin("rmj", "RemoteMonitor", send_as_json=True))]),
    _s("verbose_callbacks_log_when_interactive_logging_is_disabled", calls=[
        dict(with_builtins(fit(epochs=3), builtin("lrs", "LearningRateScheduler", factor=0.5, verbose=1),
                           builtin("rlr", "ReduceLROnPlateau", monitor="loss", patience=1, min_delta=10.0,
                                   verbose=1)), capture_logs=True)]),
    _s("custom_layer_with_a_non_trainable_counter", canary=True,
       calls=[fit(validation=VAL, epochs=2), evaluate(), predict()]),
    _s("early_stopping_unknown_monitor_auto_mode", refimpl_differs=RAISES_EARLIER, calls=[expect_error(
        with_builtins(fit(epochs=2), builtin("es", "EarlyStopping", monitor="unknown")))]),
    _s("model_checkpoint_unknown_monitor_auto_mode", refimpl_differs=RAISES_EARLIER, calls=[expect_error(
        with_builtins(fit(epochs=2), builtin("ck", "ModelCheckpoint", file="m.keras", monitor="unknown")))]),
    _s("learning_rate_scheduler_on_a_schedule", optimizer={"name": "SGD", "learning_rate": POLY},
       refimpl_differs=RAISES_EARLIER, calls=[expect_error(
           with_builtins(fit(epochs=2), builtin("lrs", "LearningRateScheduler", factor=0.5)))]),
    _s("reduce_lr_on_plateau_on_a_schedule", optimizer={"name": "SGD", "learning_rate": POLY},
       refimpl_differs={**RAISES_EARLIER,
                        "call 0 builtins": "Keras 3 raises at its first reduction, after some epochs of waiting; "
                                           "refimpl before any epoch"}, calls=[expect_error(
           with_builtins(fit(epochs=4), builtin("rlr", "ReduceLROnPlateau", monitor="loss", patience=1,
                                                min_delta=10.0)))]),
    _s("learning_rate_set_in_epoch_begin", calls=[fit(epochs=3, actions=[{"do": "set_lr", "hook": "on_epoch_begin",
                                                                         "index": 1, "value": 0.01}])]),
]
