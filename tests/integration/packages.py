"""One fit with a third-party package's Keras callback; writes what the package printed, logged and wrote.

    python tests/integration/packages.py PACKAGE OUTDIR                  # on Keras 3 (KERAS_BACKEND=jax)
    python -m refimpl run tests/integration/packages.py PACKAGE OUTDIR   # on refimpl standing in for keras

The package's code runs unchanged: this script only builds the model (same weights, same data on both sides),
calls fit() with the package's callback, and reads back what the package produced with the package's own
readers (tqdm's bars, livelossplot's logger, mlflow's tracking client, optuna's study, aim's repository).
OUTDIR/observed.json holds the observations; tests/integration/test_packages.py compares the two sides.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import sys
from pathlib import Path

import keras
import numpy as np

EPOCHS, BATCH, N, N_VAL = 3, 4, 16, 8


def build(learning_rate: float = 0.05):
    """A two-layer regression model with seeded weights, and seeded training and validation data."""
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)])
    model.set_weights([rng.uniform(-0.5, 0.5, size=np.shape(w)).astype("float32") for w in model.get_weights()])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse", metrics=["mae"])
    x = rng.normal(size=(N, 3)).astype("float32")
    y = (x @ np.array([[0.5], [-1.0], [0.25]], dtype="float32")).astype("float32")
    xv = rng.normal(size=(N_VAL, 3)).astype("float32")
    yv = (xv @ np.array([[0.5], [-1.0], [0.25]], dtype="float32")).astype("float32")
    return model, (x, y), (xv, yv)


def fit(model, data, val, callbacks):
    model.fit(*data, batch_size=BATCH, epochs=EPOCHS, validation_data=val, shuffle=False, verbose=0,
              callbacks=callbacks)


def weights(model) -> list:
    return [np.asarray(w).ravel().tolist() for w in model.get_weights()]


# ------------------------------------------------------------------------------------------------------ tqdm
def run_tqdm(out: Path) -> dict:
    return {f"verbose={verbose}": _tqdm_fit(verbose) for verbose in (1, 2)}


def _tqdm_fit(verbose: int) -> dict:
    from tqdm.keras import TqdmCallback
    from tqdm.std import tqdm as std_tqdm

    sink = io.StringIO()
    bars = []

    class Recording(std_tqdm):
        """tqdm's own bar, printing without timings (which differ run to run) and keeping its postfixes."""

        def __init__(self, *args, **kwargs):
            kwargs.update(file=sink, mininterval=0, miniters=1, ascii=True,
                          bar_format="{desc}{n_fmt}/{total_fmt} {unit}{postfix}")
            super().__init__(*args, **kwargs)
            self.postfixes = []
            bars.append(self)

        def set_postfix(self, ordered_dict=None, refresh=True, **kwargs):
            self.postfixes.append({k: float(v) for k, v in dict(ordered_dict or {}, **kwargs).items()})
            super().set_postfix(ordered_dict, refresh=refresh, **kwargs)

    model, data, val = build()
    fit(model, data, val, [TqdmCallback(verbose=verbose, tqdm_class=Recording)])
    return {
        "bars": [{"unit": b.unit, "n": b.n, "total": b.total, "postfixes": b.postfixes} for b in bars],
        "printed": [line for line in sink.getvalue().replace("\r", "\n").split("\n") if line.strip()],
        "weights": weights(model),
    }


# ----------------------------------------------------------------------------------------------- livelossplot
def run_livelossplot(out: Path) -> dict:
    from livelossplot import PlotLossesKeras
    from livelossplot.outputs import ExtremaPrinter

    model, data, val = build()
    callback = PlotLossesKeras(outputs=[ExtremaPrinter()])
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        fit(model, data, val, [callback])
    history = callback.liveplot.logger.log_history
    groups = callback.liveplot.logger.grouped_log_history()
    return {
        "series": {name: [[item.step, float(item.value)] for item in items] for name, items in history.items()},
        "groups": {g: sorted(series) for g, series in groups.items()},
        "printed": [line for line in printed.getvalue().splitlines() if line.strip()],
        "weights": weights(model),
    }


# ----------------------------------------------------------------------------------------------------- mlflow
def run_mlflow(out: Path) -> dict:
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # mlflow 3.18 keeps the local file store behind this switch
    import mlflow
    import mlflow.keras

    mlflow.set_tracking_uri((out / "mlruns").resolve().as_uri())
    mlflow.set_experiment("integration")
    model, data, val = build()
    with mlflow.start_run() as run:
        fit(model, data, val, [mlflow.keras.MlflowCallback()])
    client = mlflow.MlflowClient()
    finished = client.get_run(run.info.run_id)
    # MlflowCallback logs asynchronously and the store returns a history in no fixed order: sort it by step
    # (validation_* are all logged at step 0: those compare as a set of values)
    metrics = {key: sorted([m.step, m.value] for m in client.get_metric_history(run.info.run_id, key))
               for key in sorted(finished.data.metrics)}
    artifacts = sorted(a.path for a in client.list_artifacts(run.info.run_id))
    summary = Path(client.download_artifacts(run.info.run_id, "model_summary.txt", str(out))).read_text()
    # model.summary()'s layout is the model's own (Keras draws boxes); what it reports must agree
    facts = {key: re.findall(pattern, summary) for key, pattern in (
        ("model", r'Model: "(\w+)"'), ("layers", r"(\w+) \((\w+)\)"), ("total_params", r"Total params: (\d+)"))}
    return {"metrics": metrics, "params": dict(sorted(finished.data.params.items())), "artifacts": artifacts,
            "summary": facts, "status": finished.info.status, "weights": weights(model)}


# ----------------------------------------------------------------------------------------------------- optuna
def run_optuna(out: Path) -> dict:
    import optuna
    from optuna_integration.keras import KerasPruningCallback

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=0),
                                pruner=optuna.pruners.MedianPruner(n_startup_trials=1, n_warmup_steps=0))

    def objective(trial):
        model, data, val = build(trial.suggest_float("learning_rate", 1e-3, 0.2, log=True))
        fit(model, data, val, [KerasPruningCallback(trial, "val_loss")])
        return float(model.evaluate(*val, verbose=0)[0])

    study.optimize(objective, n_trials=4)
    return {"trials": [{"state": t.state.name, "params": t.params, "value": t.value,
                        "intermediate": {str(k): v for k, v in sorted(t.intermediate_values.items())}}
                       for t in study.trials]}


# -------------------------------------------------------------------------------------------------------- aim
def run_aim(out: Path) -> dict:
    from aim import Repo
    from aim.keras import AimCallback
    from aim.sdk.index_manager import RepoIndexManager

    repo = out / "aim"
    repo.mkdir(parents=True, exist_ok=True)
    model, data, val = build()
    # no system metrics (CPU, memory: they differ run to run) and no captured terminal output
    callback = AimCallback(repo=str(repo), experiment="integration", system_tracking_interval=None,
                           log_system_params=False, capture_terminal_logs=False)
    fit(model, data, val, [callback])
    callback.close()
    # aim writes each run to its own chunk; queries read the repository's index, which `aim up` (or `aim
    # storage reindex`) brings up to date in the background. Without it a query finds no run, on Keras 3 as
    # on refimpl: index the runs here, as `aim up` would.
    reader = Repo(str(repo))
    runs = reader.list_all_runs()
    for run_hash in runs:
        RepoIndexManager.get_index_manager(reader).index(run_hash)
    series = {}
    for metric in Repo(str(repo)).query_metrics("").iter():
        context = json.dumps(metric.context.to_dict(), sort_keys=True)
        series[f"{metric.name} {context}"] = {"epochs": metric.epochs.values_list(),
                                              "values": [float(v) for v in metric.values.values_list()]}
    experiments = sorted(run.experiment for run in Repo(str(repo)).iter_runs())
    return {"runs": len(runs), "experiments": experiments, "series": dict(sorted(series.items())),
            "weights": weights(model)}


RUNNERS = {"tqdm": run_tqdm, "livelossplot": run_livelossplot, "mlflow": run_mlflow, "optuna": run_optuna,
           "aim": run_aim}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in RUNNERS:
        print(f"usage: packages.py {{{','.join(RUNNERS)}}} OUTDIR", file=sys.stderr)
        return 2
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    observed = {"keras_version": keras.__version__, "observed": RUNNERS[argv[0]](out)}
    (out / "observed.json").write_text(json.dumps(observed, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
