"""Keras 0 callbacks: ``Callback`` (hooks may omit ``logs``) and the built-ins, with Keras 1/2 signatures."""

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
