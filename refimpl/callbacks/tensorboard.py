"""``TensorBoard``: writes losses, metrics, weight histograms and images as TensorBoard event files.

The event files are written by tensorboardX (the optional extra ``tensorboard``), imported only when a
``TensorBoard`` callback is built, so that refimpl itself needs nothing beyond numpy and h5py.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
import time
import warnings
import zlib
from collections.abc import Mapping
from types import SimpleNamespace

import numpy as np

from .callback import Callback

INSTALL_HINT = "pip install 'keras-callback-contract[tensorboard]'"
# Equal-width buckets between the minimum and the maximum: the default of tf.summary.histogram, which
# Keras 3 uses.
HISTOGRAM_BUCKETS = 30

# Keras 2 batch logs carry these two bookkeeping entries; they are not metrics (Keras 2 skipped them too).
_BATCH_BOOKKEEPING = frozenset({"batch", "size"})
# Makes every event file name unique: tensorboardX names files by the second and opens them with "wb",
# so two writers started in the same second in one directory would otherwise overwrite each other.
_file_numbers = itertools.count()

_DEPRECATED = {
    "batch_size": "`batch_size` is deprecated and has no effect: histograms are of the weights, which need "
                  "no input batch (Keras 3 removed it).",
    "write_grads": "`write_grads` is deprecated and has no effect: gradient histograms are not written; "
                   "`histogram_freq` writes weight histograms (Keras 3 removed it).",
    "embeddings_layer_names": "`embeddings_layer_names` is deprecated and has no effect: every Embedding "
                              "layer is considered; use `embeddings_metadata` (a dict keyed by layer name) "
                              "instead (Keras 3 removed it).",
    "embeddings_data": "`embeddings_data` is deprecated and has no effect: embeddings are the Embedding "
                       "layers' weights, not activations on data; use `embeddings_freq` "
                       "(Keras 3 removed it).",
}


def _import_writer_library():
    try:
        import tensorboardX
        from tensorboardX.event_file_writer import EventsWriter
        from tensorboardX.proto import event_pb2, summary_pb2, tensor_pb2, tensor_shape_pb2, types_pb2
    except ImportError as error:
        raise ImportError("The TensorBoard callback writes event files with the tensorboardX package, which "
                          f"is not installed. Install the optional extra: {INSTALL_HINT}") from error
    return SimpleNamespace(summary=tensorboardX.summary, EventsWriter=EventsWriter, event_pb2=event_pb2,
                           summary_pb2=summary_pb2, tensor_pb2=tensor_pb2, tensor_shape_pb2=tensor_shape_pb2,
                           types_pb2=types_pb2)


def _is_int(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _check_bool(name: str, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}.")
    return bool(value)


def _check_frequency(name: str, value) -> int:
    if not _is_int(value) or value < 0:
        raise ValueError(f"{name} must be an integer >= 0 (a number of epochs; 0 turns it off); "
                         f"got {value!r}.")
    return int(value)


def _check_update_freq(value) -> str | int:
    if value in ("epoch", "batch"):
        return value
    if _is_int(value) and value >= 1:
        return int(value)
    raise ValueError(f"update_freq must be 'epoch', 'batch' or a positive integer (write every that many "
                     f"batches); got {value!r}.")


def _check_profile_batch(value) -> None:
    message = (f"profile_batch must be 0 (no profiling), a non-negative integer or a pair of positive "
               f"integers (start, stop); got {value!r}.")
    if isinstance(value, str):
        try:
            value = [int(part) for part in value.split(",")]
        except ValueError:
            raise ValueError(message) from None
        value = value[0] if len(value) == 1 else tuple(value)
    if _is_int(value):
        start = stop = int(value)
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(_is_int(v) for v in value):
        start, stop = (int(v) for v in value)
    else:
        raise ValueError(message)
    if start < 0 or stop < start:
        raise ValueError(message)
    if start or stop:
        raise ValueError(f"profile_batch={value!r}: refimpl has no profiler (its training loop is plain "
                         "numpy), so profiling is not available; profile_batch must be 0.")


def _check_embeddings_metadata(value) -> str | dict | None:
    if value is None or isinstance(value, (str, os.PathLike)):
        return value if value is None else os.fspath(value)
    if isinstance(value, Mapping) and all(isinstance(k, str) and isinstance(v, (str, os.PathLike))
                                          for k, v in value.items()):
        return {k: os.fspath(v) for k, v in value.items()}
    raise ValueError("embeddings_metadata must be None, a file name, or a dict from Embedding layer names to "
                     f"file names; got {value!r}.")


def _as_scalar(value) -> float | None:
    """A logs value as a float, or None when it is not one number."""
    if isinstance(value, (int, float, np.number, np.bool_)):
        return float(value)
    if isinstance(value, np.ndarray) and value.size == 1 and np.issubdtype(value.dtype, np.number):
        return float(value.reshape(()))
    return None


def _weight_as_pixels(array: np.ndarray) -> np.ndarray | None:
    """A weight as a 2-D grayscale image laid out as Keras 3 lays it out, or None for other ranks.

    A bias (n,) becomes one row of n pixels (a scalar, one pixel); a kernel is shown wider than tall
    (transposed when it has more rows than columns); larger ranks count only after dropping size-1 axes.
    Values are scaled from [min, max] to [0, 255] so that the weights' structure shows; Keras clips to
    [0, 1] instead, which draws every negative weight black.
    """
    pixels = np.asarray(array, dtype="float64")
    if pixels.ndim > 2:
        pixels = np.squeeze(pixels)
    if pixels.ndim > 2:
        return None
    if pixels.ndim < 2:
        pixels = pixels.reshape(1, -1)
    elif pixels.shape[0] > pixels.shape[1]:
        pixels = pixels.T
    low, high = float(pixels.min()), float(pixels.max())
    if not (np.isfinite(low) and np.isfinite(high)) or high == low:
        scaled = np.zeros(pixels.shape)
    else:
        scaled = (pixels - low) / (high - low) * 255.0
    return np.rint(scaled).astype(np.uint8)


def _png(pixels: np.ndarray) -> bytes:
    """Encode a 2-D uint8 array as an 8-bit grayscale PNG (no imaging library needed)."""
    height, width = pixels.shape

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    # Each scanline starts with filter type 0 (none).
    scanlines = np.concatenate([np.zeros((height, 1), np.uint8), pixels], axis=1).tobytes()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(scanlines))
            + chunk(b"IEND", b""))


class TensorBoard(Callback):
    """Writes training logs, weight histograms and images for TensorBoard to see.

    The event files sit where Keras 3 puts them: ``log_dir/train`` for training and ``log_dir/validation``
    for validation (created only once there is something to write there). At the end of every epoch (step:
    the 0-based epoch), the train run gets ``epoch_<key>`` for each logs key (``epoch_loss``,
    ``epoch_mae``, …), ``epoch_learning_rate`` read from the optimizer and, with
    ``write_steps_per_second``, ``epoch_steps_per_second``; the validation run gets the ``val_`` keys
    without their prefix (``epoch_loss``, …). Every validation or evaluation run also writes
    ``evaluation_<key>_vs_iterations`` to the validation run, with the optimizer's iteration count as step.
    With ``update_freq`` ``"batch"`` or an integer n, the train run gets ``batch_<key>`` (and
    ``batch_steps_per_second``) every n batches, the step counting training batches from 1 across epochs.
    Every ``histogram_freq`` epochs (epochs 0, n, 2n, …) each weight gets a histogram tagged
    ``<layer>/<variable>/histogram`` (``dense/kernel/histogram``) and, with ``write_images``, an image
    tagged ``<layer>/<variable>/image``.

    refimpl has no computation graph. With ``write_graph``, the train run gets, at step 0, the model's
    config as JSON (``{"class_name": ..., "config": model.get_config()}``) under the tag ``keras`` with the
    ``graph_keras_model`` plugin, the summary Keras writes: TensorBoard's Graphs tab draws it as the
    model's conceptual graph, one node per layer.

    The files are written with tensorboardX, an optional extra: without it, building the callback raises
    ImportError. Each epoch's events are on disk when the epoch ends (a running TensorBoard shows them);
    the files are closed at the end of training, or of a standalone ``evaluate``.

    Args:
        log_dir: directory of the event files; ``train`` and ``validation`` runs are made inside it.
            Defaults to `"logs"`.
        histogram_freq: every how many epochs to write weight histograms; 0 writes none.
            Defaults to `0`.
        write_graph: write the model's config for TensorBoard's Graphs tab (see above).
            Defaults to `True`.
        write_images: also write each weight as a grayscale image on histogram epochs (1-D and 2-D
            weights; values scaled from their minimum to their maximum). Defaults to `False`.
        write_steps_per_second: write the training speed in steps per second (per epoch, and per batch
            when ``update_freq`` is not ``"epoch"``). Defaults to `False`.
        update_freq: ``"epoch"``, ``"batch"`` (every batch) or an integer n (every n batches): how often
            batch-level ``batch_*`` scalars are written. Defaults to `"epoch"`.
        profile_batch: accepted for Keras code; refimpl has no profiler, so only 0 is accepted.
            Defaults to `0`.
        embeddings_freq: accepted for Keras code; refimpl has no Embedding layer, so a value other than
            0 writes nothing and warns once at the start of training. Defaults to `0`.
        embeddings_metadata: file name, or dict from Embedding layer names to file names, of the
            projector's metadata; names that are not Embedding layers of the model are an error.
            Defaults to `None`.
        batch_size: Keras 2 argument, deprecated, no effect. Defaults to `None`.
        write_grads: Keras 2 argument, deprecated, no effect. Defaults to `None`.
        embeddings_layer_names: Keras 2 argument, deprecated; use ``embeddings_metadata``.
            Defaults to `None`.
        embeddings_data: Keras 2 argument, deprecated, no effect. Defaults to `None`.

    Raises:
        ImportError: at construction, when tensorboardX is not installed; the message names the extra.
        ValueError: at construction, for an argument of the wrong type or value (the message names it and
            what it accepts); at the start of training, for ``embeddings_metadata`` naming layers that are
            not Embedding layers of the model.
        OSError: at the start of training, when ``log_dir`` cannot be created.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import refimpl as keras
        >>> from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
        >>> log_dir = tempfile.mkdtemp()
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> history = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=3, validation_split=0.25,
        ...                     verbose=0, callbacks=[keras.callbacks.TensorBoard(log_dir, histogram_freq=1)])
        >>> sorted(os.listdir(log_dir))
        ['train', 'validation']
        >>> train = EventAccumulator(os.path.join(log_dir, "train")).Reload()
        >>> sorted(train.Tags()["scalars"]), train.Tags()["histograms"]
        (['epoch_learning_rate', 'epoch_loss'], ['dense/kernel/histogram', 'dense/bias/histogram'])
        >>> [event.step for event in train.Scalars("epoch_loss")]
        [0, 1, 2]
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False,
                 update_freq: str | int = "epoch", profile_batch: int | str | tuple[int, int] = 0,
                 embeddings_freq: int = 0, embeddings_metadata: str | Mapping[str, str] | None = None, *,
                 batch_size: int | None = None, write_grads: bool | None = None,
                 embeddings_layer_names: list[str] | None = None, embeddings_data=None):
        super().__init__()
        self._tbx = _import_writer_library()
        if not isinstance(log_dir, (str, os.PathLike)):
            raise ValueError(f"log_dir must be a directory path (str or os.PathLike); got {log_dir!r}.")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = _check_frequency("histogram_freq", histogram_freq)
        self.write_graph = _check_bool("write_graph", write_graph)
        self.write_images = _check_bool("write_images", write_images)
        self.write_steps_per_second = _check_bool("write_steps_per_second", write_steps_per_second)
        self.update_freq = _check_update_freq(update_freq)
        _check_profile_batch(profile_batch)
        self.profile_batch = profile_batch
        self.embeddings_freq = _check_frequency("embeddings_freq", embeddings_freq)
        self.embeddings_metadata = _check_embeddings_metadata(embeddings_metadata)
        given = {"batch_size": batch_size, "write_grads": write_grads,
                 "embeddings_layer_names": embeddings_layer_names, "embeddings_data": embeddings_data}
        for name, value in given.items():
            if value is not None:
                warnings.warn(_DEPRECATED[name], DeprecationWarning, stacklevel=2)
        if self.write_images and not self.histogram_freq:
            warnings.warn("TensorBoard(write_images=True) writes images on histogram epochs only, and "
                          "histogram_freq=0 has none: no images will be written. Set histogram_freq >= 1.",
                          stacklevel=2)
        # Batch-level writing every `_batch_freq` batches, or None: the batch hooks then return at once.
        self._batch_freq: int | None = None if self.update_freq == "epoch" else (
            1 if self.update_freq == "batch" else self.update_freq)
        self._writers: dict = {}
        self._training = False
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._skipped: set[str] = set()

    # ----------------------------------------------------------------------------------------- writers
    def _writer(self, run: str):
        """The event-file writer of ``run`` ("train" or "validation"), created on first use.

        tensorboardX's synchronous ``EventsWriter``: no writer thread, so a flush puts every event so far
        on disk (its ``FileWriter`` queues events for a thread, and a flush may miss the queued ones).
        """
        writer = self._writers.get(run)
        if writer is None:
            run_dir = os.path.join(self.log_dir, run)
            os.makedirs(run_dir, exist_ok=True)
            suffix = f".{os.getpid()}.{next(_file_numbers):06d}.refimpl"
            writer = self._tbx.EventsWriter(os.path.join(run_dir, "events"), suffix)
            self._writers[run] = writer
        return writer

    def _write(self, run: str, summary, step: int) -> None:
        event = self._tbx.event_pb2.Event(wall_time=time.time(), step=step, summary=summary)
        self._writer(run).write_event(event)

    def _flush(self) -> None:
        for writer in self._writers.values():
            writer.flush()

    def _close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    def _scalar(self, run: str, tag: str, value, step: int) -> None:
        number = _as_scalar(value)
        if number is None:
            if tag not in self._skipped:
                self._skipped.add(tag)
                warnings.warn(f"TensorBoard: {tag!r} is not a single number ({type(value).__name__}), so it "
                              "is not written.", stacklevel=3)
            return
        self._write(run, self._tbx.summary.scalar(tag, number), step)

    # ------------------------------------------------------------------------------------------- hooks
    def set_model(self, model) -> None:
        super().set_model(model)
        # A new fit may follow a previous one: its events go to new files.
        self._close()

    def on_train_begin(self, logs=None):
        self._training = True
        self._global_train_batch = 0
        try:
            os.makedirs(self.log_dir, exist_ok=True)
        except OSError as error:
            raise OSError(f"TensorBoard cannot create log_dir {self.log_dir!r}: {error}") from error
        if self.embeddings_freq or self.embeddings_metadata:
            self._check_embeddings()
        self._writer("train")
        if self.write_graph:
            self._write_model_config()
        self._flush()

    def on_train_end(self, logs=None):
        self._training = False
        self._close()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations() or 0
            self._epoch_start_time = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        if self._batch_freq is None:
            return
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        if self._batch_freq is None or self._global_train_batch % self._batch_freq:
            return
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start_time
            if elapsed > 0:
                self._scalar("train", "batch_steps_per_second", 1.0 / elapsed, step)
        for name, value in (logs or {}).items():
            if name not in _BATCH_BOOKKEEPING:
                self._scalar("train", f"batch_{name}", value, step)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train_logs = {name: value for name, value in logs.items() if not name.startswith("val_")}
        learning_rate = self._learning_rate()
        if learning_rate is not None:
            train_logs["learning_rate"] = learning_rate
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start_time
            steps = (self._iterations() or 0) - self._epoch_start_iterations
            train_logs["steps_per_second"] = steps / elapsed if elapsed > 0 else 0.0
        for name, value in train_logs.items():
            self._scalar("train", f"epoch_{name}", value, epoch)
        for name, value in logs.items():
            if name.startswith("val_"):
                self._scalar("validation", f"epoch_{name[4:]}", value, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        self._flush()

    def on_test_end(self, logs=None):
        step = self._iterations()
        if step is None:
            return
        for name, value in (logs or {}).items():
            self._scalar("validation", f"evaluation_{name}_vs_iterations", value, step)
        if not self._training:  # a standalone evaluate(): no epoch end or train end will write it out
            self._close()

    # --------------------------------------------------------------------------------------- contents
    def _optimizer(self):
        return getattr(self.model, "optimizer", None) if self.model is not None else None

    def _iterations(self) -> int | None:
        iterations = getattr(self._optimizer(), "iterations", None)
        return None if iterations is None else int(np.asarray(iterations.value))

    def _learning_rate(self) -> float | None:
        learning_rate = getattr(self._optimizer(), "learning_rate", None)
        return None if learning_rate is None else float(learning_rate)

    def _write_weights(self, epoch: int) -> None:
        for layer in self.model.layers:
            for weight in layer.weights:
                name = weight.path.replace(":", "_")
                values = np.asarray(weight.value)
                self._write_histogram(f"{name}/histogram", values, epoch)
                if self.write_images:
                    self._write_image(f"{name}/image", values, epoch)

    def _write_histogram(self, tag: str, values: np.ndarray, epoch: int) -> None:
        if values.size == 0 or not np.isfinite(values).all():
            if tag not in self._skipped:
                self._skipped.add(tag)
                warnings.warn(f"TensorBoard: {tag!r} at epoch {epoch} is empty or holds NaN/inf values, so "
                              "its histogram is not written (this warning is given once).", stacklevel=4)
            return
        self._write("train", self._tbx.summary.histogram(tag, values, bins=HISTOGRAM_BUCKETS), epoch)

    def _write_image(self, tag: str, values: np.ndarray, epoch: int) -> None:
        pixels = _weight_as_pixels(values)
        if pixels is None:
            if tag not in self._skipped:
                self._skipped.add(tag)
                warnings.warn(f"TensorBoard: weight {tag[:-len('/image')]!r} of shape {values.shape} "
                              "cannot be drawn as an image (only weights with at most 2 axes of size > 1 "
                              "are); it gets a histogram only.",
                              stacklevel=4)
            return
        pb = self._tbx.summary_pb2
        image = pb.Summary.Image(height=pixels.shape[0], width=pixels.shape[1], colorspace=1,
                                 encoded_image_string=_png(pixels))
        self._write("train", pb.Summary(value=[pb.Summary.Value(tag=tag, image=image)]), epoch)

    def _write_model_config(self) -> None:
        try:
            text = json.dumps({"class_name": type(self.model).__name__, "config": self.model.get_config()})
        except (AttributeError, NotImplementedError, TypeError, ValueError) as error:
            warnings.warn(f"TensorBoard(write_graph=True): the model's config could not be written as JSON "
                          f"({type(error).__name__}: {error}); no graph is written.", stacklevel=3)
            return
        pb, tbx = self._tbx.summary_pb2, self._tbx
        # The summary Keras writes for the Graphs tab: a string tensor tagged "keras" whose plugin data
        # ("graph_keras_model", version b"1") tells TensorBoard to draw it as a conceptual graph.
        metadata = pb.SummaryMetadata(plugin_data=pb.SummaryMetadata.PluginData(
            plugin_name="graph_keras_model", content=b"1"))
        tensor = tbx.tensor_pb2.TensorProto(dtype=tbx.types_pb2.DT_STRING, string_val=[text.encode()],
                                            tensor_shape=tbx.tensor_shape_pb2.TensorShapeProto())
        summary = pb.Summary(value=[pb.Summary.Value(tag="keras", tensor=tensor, metadata=metadata)])
        self._write("train", summary, 0)

    def _check_embeddings(self) -> None:
        embedding_layers = {layer.name for layer in self.model.layers if type(layer).__name__ == "Embedding"}
        if isinstance(self.embeddings_metadata, dict):
            unknown = sorted(set(self.embeddings_metadata) - embedding_layers)
            if unknown:
                raise ValueError(f"embeddings_metadata names layers that are not Embedding layers of the "
                                 f"model: {unknown}; Embedding layers: {sorted(embedding_layers)}.")
        if self.embeddings_freq:
            warnings.warn(f"TensorBoard(embeddings_freq={self.embeddings_freq}) writes nothing: refimpl has "
                          "no Embedding layer, so there are no embeddings for TensorBoard's projector.",
                          stacklevel=3)
