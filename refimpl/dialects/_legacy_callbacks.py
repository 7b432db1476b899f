"""The built-in callbacks with the argument names of Keras 1 and 2, where those names are native.

refimpl's callbacks accept ``period``, ``epsilon``, ``count_mode`` and TensorBoard's Keras 2 arguments with a
DeprecationWarning pointing at the Keras 3 name. Inside the ``keras1``/``keras2``/``cthulhu`` dialects these
names are the documented ones, so these subclasses take them as such and no deprecation reaches the user.
"""

from __future__ import annotations

import warnings

from .. import callbacks as _callbacks
from ._names import native_arguments


class ModelCheckpoint(_callbacks.ModelCheckpoint):
    """Save the model after every epoch, or every ``period`` epochs (Keras 1/2 signature).

    Args:
        filepath: where to save; a template filled from ``epoch`` and ``logs``, e.g.
            ``"weights.{epoch:02d}-{val_loss:.2f}.hdf5"``. ``.h5``/``.hdf5`` hold the whole model, or the
            weights with ``save_weights_only=True``.
        monitor: the logs key ``save_best_only`` compares. Defaults to `"val_loss"`.
        verbose: 1 prints a line at each save. Defaults to `0`.
        save_best_only: write only when ``monitor`` improved. Defaults to `False`.
        save_weights_only: write the weights only. Defaults to `False`.
        mode: ``"auto"``, ``"min"`` or ``"max"``. Defaults to `"auto"`.
        period: epochs between checkpoints. Defaults to `1`.
        **kwargs: Keras 3 arguments (``save_freq``, ``initial_value_threshold``).

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from refimpl.dialects.keras2.models import Sequential
        >>> from refimpl.dialects.keras2.layers import Dense
        >>> from refimpl.dialects.keras2.callbacks import ModelCheckpoint
        >>> path = os.path.join(tempfile.mkdtemp(), "weights.hdf5")
        >>> model = Sequential()
        >>> model.add(Dense(1, input_dim=3))
        >>> model.compile(loss="mse", optimizer="sgd")
        >>> _ = model.fit(np.zeros((4, 3)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               callbacks=[ModelCheckpoint(path, monitor="loss", period=2)])
        >>> os.path.exists(path)
        True
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", period: int = 1, **kwargs):
        with native_arguments():
            super().__init__(filepath, monitor=monitor, verbose=verbose, save_best_only=save_best_only,
                             save_weights_only=save_weights_only, mode=mode,
                             period=None if period == 1 and not isinstance(period, bool) else period, **kwargs)


class ReduceLROnPlateau(_callbacks.ReduceLROnPlateau):
    """Lower the learning rate when ``monitor`` stops improving (Keras 2 signature with ``epsilon``).

    Args:
        monitor: the logs key to watch. Defaults to `"val_loss"`.
        factor: ``new_lr = lr * factor``. Defaults to `0.1`.
        patience: epochs without improvement before lowering. Defaults to `10`.
        verbose: 1 prints a message when the rate is lowered. Defaults to `0`.
        mode: ``"auto"``, ``"min"`` or ``"max"``. Defaults to `"auto"`.
        epsilon: the smallest change that counts as an improvement (Keras 3 calls it ``min_delta``).
            Defaults to `0.0001`.
        cooldown: epochs to wait after lowering before watching again. Defaults to `0`.
        min_lr: the lowest rate. Defaults to `0`.
        **kwargs: ``min_delta`` (the later Keras 2 name of ``epsilon``).

    Example:
        >>> from refimpl.dialects.keras2.callbacks import ReduceLROnPlateau
        >>> ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5, min_lr=0.001).min_delta
        0.0001
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10, verbose: int = 0,
                 mode: str = "auto", epsilon: float = 1e-4, cooldown: int = 0, min_lr: float = 0.0, **kwargs):
        if "min_delta" in kwargs:
            if epsilon != 1e-4:
                raise ValueError("ReduceLROnPlateau: pass epsilon or min_delta (the same threshold), not both; "
                                 f"received epsilon={epsilon!r}, min_delta={kwargs['min_delta']!r}.")
            epsilon = kwargs.pop("min_delta")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        super().__init__(monitor=monitor, factor=factor, patience=patience, verbose=verbose, mode=mode,
                         min_delta=epsilon, cooldown=cooldown, min_lr=min_lr)
        self.epsilon = self.min_delta


class ProgbarLogger(_callbacks.ProgbarLogger):
    """Print a progress bar (Keras 2 signature).

    refimpl's progress bar counts steps (batches) whatever ``count_mode`` says; the numbers it shows
    for the loss and metrics are the same.

    Args:
        count_mode: ``"samples"`` or ``"steps"``. Defaults to `"samples"`.
        stateful_metrics: names of metrics not to average. Defaults to `None`.

    Example:
        >>> from refimpl.dialects.keras2.callbacks import ProgbarLogger
        >>> ProgbarLogger(count_mode="samples").count_mode
        'samples'
    """

    def __init__(self, count_mode: str = "samples", stateful_metrics=None):
        with native_arguments():
            super().__init__(count_mode=count_mode, stateful_metrics=stateful_metrics)
        self.count_mode = count_mode


class TensorBoard(_callbacks.TensorBoard):
    """Write TensorBoard event files (Keras 2 signature).

    ``batch_size`` only sized the input batches of Keras 2's activation histograms; refimpl's histograms
    are of the weights, so it needs none. ``write_grads=True`` and ``embeddings_layer_names`` asked for
    things refimpl does not write, so they warn (a UserWarning) instead of being ignored.

    Args:
        log_dir: the directory of the event files. Defaults to `"./logs"`.
        histogram_freq: epochs between weight histograms (0: none). Defaults to `0`.
        batch_size: Keras 2's batch size for histogram inputs. Defaults to `32`.
        write_graph: write the model graph. Defaults to `True`.
        write_grads: write gradient histograms (not supported: warns). Defaults to `False`.
        write_images: write the weights as images. Defaults to `False`.
        embeddings_freq: epochs between embedding snapshots. Defaults to `0`.
        embeddings_layer_names: the Embedding layers to watch (refimpl has none: warns). Defaults to `None`.
        embeddings_metadata: metadata file name(s) of the embeddings. Defaults to `None`.
        **kwargs: Keras 3 arguments (``update_freq``, ``write_steps_per_second``, ``profile_batch``).
    """

    def __init__(self, log_dir: str = "./logs", histogram_freq: int = 0, batch_size: int = 32,
                 write_graph: bool = True, write_grads: bool = False, write_images: bool = False,
                 embeddings_freq: int = 0, embeddings_layer_names=None, embeddings_metadata=None, **kwargs):
        super().__init__(log_dir=log_dir, histogram_freq=histogram_freq, write_graph=write_graph,
                         write_images=write_images, embeddings_freq=embeddings_freq,
                         embeddings_metadata=embeddings_metadata, **kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"TensorBoard: batch_size must be a positive integer; received {batch_size!r}.")
        self.batch_size = batch_size
        self.write_grads = bool(write_grads)
        self.embeddings_layer_names = embeddings_layer_names
        if write_grads:
            warnings.warn("TensorBoard(write_grads=True): refimpl writes no gradient histograms; "
                          "histogram_freq writes weight histograms only.", UserWarning, stacklevel=2)
        if embeddings_layer_names:
            warnings.warn("TensorBoard(embeddings_layer_names=...): refimpl has no Embedding layers, so no "
                          "embeddings are written.", UserWarning, stacklevel=2)


# Callbacks whose Keras 1/2 signature is already the Keras 3 one (or a subset of it).
Callback = _callbacks.Callback
CallbackList = _callbacks.CallbackList
BaseLogger = _callbacks.BaseLogger
History = _callbacks.History
EarlyStopping = _callbacks.EarlyStopping
LearningRateScheduler = _callbacks.LearningRateScheduler
LambdaCallback = _callbacks.LambdaCallback
TerminateOnNaN = _callbacks.TerminateOnNaN
RemoteMonitor = _callbacks.RemoteMonitor
# Keras 2's CSV header (no val_ columns without validation) is the profile's csv_adds_val_columns.
CSVLogger = _callbacks.CSVLogger

KERAS2_CALLBACKS = {cls.__name__: cls for cls in (
    Callback, CallbackList, BaseLogger, History, ProgbarLogger, ModelCheckpoint, EarlyStopping, ReduceLROnPlateau,
    LearningRateScheduler, CSVLogger, LambdaCallback, TerminateOnNaN, RemoteMonitor, TensorBoard)}
