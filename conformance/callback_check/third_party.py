"""Factories for third-party packages' Keras callbacks, for ``--callback conformance.callback_check.third_party:NAME``.

The packages are installed separately (the integration stage's pins in .ci/run): tqdm, livelossplot,
mlflow-skinny, optuna with optuna-integration, aim. Each package imports ``keras`` itself; on refimpl the
factory first makes ``import keras`` resolve to refimpl (``refimpl.install_as_keras()``), as a user without
Keras would. ``python -m conformance.callback_check.builtins --third-party`` checks them all and prints a table.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def _as_keras(keras) -> None:
    """Make the packages' own ``import keras`` name the module under test."""
    if keras.__name__ == "refimpl":
        import refimpl

        refimpl.install_as_keras()
    elif sys.modules.get("keras") is not keras:
        sys.modules["keras"] = keras


# ------------------------------------------------------------------------------------------------------ tqdm
def tqdm_callback(keras, verbose=1):
    """tqdm's ``tqdm.keras.TqdmCallback``, with an invariant about its epoch bar."""
    from conformance.callback_check.subject import Subject

    _as_keras(keras)
    from tqdm.keras import TqdmCallback

    return Subject(TqdmCallback(verbose=verbose), (_tqdm_epoch_bar_counts_the_fit,))


def _tqdm_epoch_bar_counts_the_fit(callback, record) -> None:
    """After a fit that completed, the epoch bar stands at the last epoch that ended, plus one."""
    last = record.last
    if last.method == "fit" and last.outcome == "completed" and last.epochs:
        assert callback.epoch_bar.n == last.epochs[-1] + 1, (
            f"the epoch bar shows {callback.epoch_bar.n} after a fit whose last epoch to end was "
            f"{last.epochs[-1]} (0-based)")


def tqdm_callback_verbose2(keras):
    return tqdm_callback(keras, verbose=2)


# ----------------------------------------------------------------------------------------------- livelossplot
def livelossplot_callback(keras):
    """livelossplot's ``PlotLossesKeras`` with its text output (``ExtremaPrinter``)."""
    _as_keras(keras)
    from livelossplot import PlotLossesKeras
    from livelossplot.outputs import ExtremaPrinter

    return PlotLossesKeras(outputs=[ExtremaPrinter()])


# ----------------------------------------------------------------------------------------------------- mlflow
def mlflow_callback(workdir: Path, keras):
    """mlflow's ``mlflow.keras.MlflowCallback`` with a local file store in ``workdir``; the factory starts
    the run, as mlflow's documentation does (``with mlflow.start_run(): model.fit(..., callbacks=[...])``)."""
    _as_keras(keras)
    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # mlflow 3.18 keeps the local file store behind this switch
    import mlflow
    import mlflow.keras

    while mlflow.active_run() is not None:  # the previous check run's, in the same worker process
        try:
            mlflow.end_run()  # takes the run off mlflow's stack, then writes its status to its store...
        except Exception:  # noqa: BLE001 - ...which went with the previous run's workdir
            pass
    mlflow.set_tracking_uri((workdir / "mlruns").resolve().as_uri())
    mlflow.set_experiment("callback-check")
    mlflow.start_run()
    return mlflow.keras.MlflowCallback()


# ----------------------------------------------------------------------------------------------------- optuna
def optuna_pruning_callback(keras):
    """optuna-integration's ``KerasPruningCallback`` on a trial of an in-memory study, monitoring ``val_loss``."""
    _as_keras(keras)
    import optuna
    from optuna_integration.keras import KerasPruningCallback

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(direction="minimize")
    return KerasPruningCallback(study.ask(), "val_loss")


# -------------------------------------------------------------------------------------------------------- aim
def aim_callback(workdir: Path, keras):
    """aim's ``aim.keras.AimCallback`` with a repository in ``workdir``, without system tracking threads.

    aim keeps each run in RocksDB databases, whose write-ahead logs end in ``.log``: those are read by opening
    their database read-only with aim's own RocksDB binding and reading every key, not as text."""
    from conformance.callback_check.readers import DEFAULT_READERS
    from conformance.callback_check.subject import Subject

    _as_keras(keras)
    from aim.keras import AimCallback

    callback = AimCallback(repo=str(workdir), experiment="callback-check", system_tracking_interval=None,
                           log_system_params=False, capture_terminal_logs=False)

    def read_log(path: Path):
        if not (path.parent / "CURRENT").exists():  # not a RocksDB directory: a text log
            return DEFAULT_READERS[".log"](path)
        return _read_rocksdb(path.parent)

    return Subject(callback, readers={".log": read_log})


def _read_rocksdb(directory: Path) -> int:
    """The number of keys of the RocksDB database in `directory`, opened read-only; raises if it cannot open."""
    import aimrocks

    db = aimrocks.DB(str(directory), aimrocks.Options(create_if_missing=False), read_only=True)
    keys = db.iterkeys()
    keys.seek_to_first()
    return sum(1 for _ in keys)


FACTORIES = {
    "tqdm TqdmCallback(verbose=1)": "tqdm_callback",
    "tqdm TqdmCallback(verbose=2)": "tqdm_callback_verbose2",
    "livelossplot PlotLossesKeras": "livelossplot_callback",
    "mlflow MlflowCallback": "mlflow_callback",
    "optuna-integration KerasPruningCallback": "optuna_pruning_callback",
    "aim AimCallback": "aim_callback",
}
