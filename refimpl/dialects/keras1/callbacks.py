"""Keras 1 callbacks: the built-ins with their Keras 1 signatures (``period``, ``epsilon``, ``count_mode``…)."""

from .._legacy_callbacks import (
    BaseLogger,
    Callback,
    CallbackList,
    CSVLogger,
    EarlyStopping,
    History,
    LambdaCallback,
    LearningRateScheduler,
    ModelCheckpoint,
    ProgbarLogger,
    ReduceLROnPlateau,
    RemoteMonitor,
    TensorBoard,
    TerminateOnNaN,
)
from .._names import module_getattr

__getattr__ = module_getattr(__name__, globals(), {})

__all__ = ["BaseLogger", "Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "ModelCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor",
           "TensorBoard", "TerminateOnNaN"]
