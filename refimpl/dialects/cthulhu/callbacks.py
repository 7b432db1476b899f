"""cthulhu callbacks: Keras 2.2's built-ins, with ``LumpCheckpoint`` for ModelCheckpoint."""

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
from ._names import CALLBACKS, speak, speaks_cthulhu


class LumpCheckpoint(ModelCheckpoint):
    """Save the Lump after every epoch (Keras's ModelCheckpoint, Keras 2 signature).

    Args:
        filepath: where to save, e.g. ``"/tmp/weights.hdf5"``; may hold ``{epoch}`` and logs keys.
        monitor: the logs key ``save_best_only`` compares. Defaults to `"val_loss"`.
        verbose: 1 prints a line at each save. Defaults to `0`.
        save_best_only: write only when ``monitor`` improved. Defaults to `False`.
        save_weights_only: write the weights only. Defaults to `False`.
        mode: ``"auto"``, ``"min"`` or ``"max"``. Defaults to `"auto"`.
        period: epochs between checkpoints. Defaults to `1`.

    Example:
        >>> from refimpl.dialects.cthulhu.callbacks import LumpCheckpoint
        >>> LumpCheckpoint(filepath="/tmp/weights.hdf5", verbose=1, save_best_only=True).save_best_only
        True
    """

    __init__ = speaks_cthulhu(ModelCheckpoint.__init__)

    def _missing_monitor_message(self, available: str) -> str:
        return speak(super()._missing_monitor_message(available))


del ModelCheckpoint
__getattr__ = module_getattr(__name__, globals(), CALLBACKS)

__all__ = ["BaseLogger", "Callback", "CallbackList", "CSVLogger", "EarlyStopping", "History", "LambdaCallback",
           "LearningRateScheduler", "LumpCheckpoint", "ProgbarLogger", "ReduceLROnPlateau", "RemoteMonitor",
           "TensorBoard", "TerminateOnNaN"]
