"""Callbacks: the ``Callback`` base class, ``CallbackList`` and the built-in callbacks."""

from importlib import import_module

from .callback import Callback
from .callback_list import CallbackList
from .history import History
from .progbar_logger import ProgbarLogger

# Built-ins by module (one module per callback). Imported on first use while they are being written.
_MODULES = {
    "BaseLogger": "base_logger",
    "ModelCheckpoint": "model_checkpoint",
    "EarlyStopping": "early_stopping",
    "ReduceLROnPlateau": "reduce_lr_on_plateau",
    "LearningRateScheduler": "learning_rate_scheduler",
    "CSVLogger": "csv_logger",
    "LambdaCallback": "lambda_callback",
    "TerminateOnNaN": "terminate_on_nan",
    "RemoteMonitor": "remote_monitor",
    "TensorBoard": "tensorboard",
    "BackupAndRestore": "backup_and_restore",
    "SwapEMAWeights": "swap_ema_weights",
    "MonitorCallback": "monitor_callback",
}


def __getattr__(name):
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'refimpl.callbacks' has no attribute {name!r}")
    return getattr(import_module(f".{module}", __name__), name)


__all__ = ["Callback", "CallbackList", "History", "ProgbarLogger", *_MODULES]
