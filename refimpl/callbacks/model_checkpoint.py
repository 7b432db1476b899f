"""``ModelCheckpoint``: save the model or its weights during training, every epoch or every N batches."""

from __future__ import annotations

import os
import string
import warnings

from ..profiles import KERAS3
from ..saving.atomic import remove_stale_temps
from ..utils.io_utils import print_msg
from .batch_counter import BatchCounter
from .monitor_callback import MonitorCallback

WEIGHTS_SUFFIX = ".weights.h5"
MODEL_SUFFIX = ".keras"
LEGACY_SUFFIXES = (".h5", ".hdf5")


class FilepathTemplateError(KeyError, ValueError):
    """A ``filepath`` template names a key that is not available when the checkpoint is written."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def template_fields(template: str) -> list[str]:
    """Return the field names of a ``str.format`` template, checking that it is well formed.

    Args:
        template: e.g. ``"weights.{epoch:02d}-{val_loss:.2f}.weights.h5"``.

    Returns:
        The field names in order, e.g. ``["epoch", "val_loss"]``.

    Raises:
        ValueError: for malformed braces, positional fields (``{}``, ``{0}``) or fields with attribute
            or index access (``{logs.x}``, ``{a[0]}``).

    Example:
        >>> template_fields("weights.{epoch:02d}-{val_loss:.2f}.weights.h5")
        ['epoch', 'val_loss']
    """
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as e:
        raise ValueError(f"ModelCheckpoint: filepath {template!r} is not a valid format template ({e}). "
                         "Write literal braces as '{{' and '}}'.") from None
    fields = []
    for _, field, _, _ in parsed:
        if field is None:
            continue
        if not field.isidentifier():
            raise ValueError(f"ModelCheckpoint: filepath {template!r} has the field {{{field}}}; fields must be "
                             "names such as {epoch}, {batch} or a logs key like {val_loss:.2f}.")
        fields.append(field)
    return fields


class ModelCheckpoint(MonitorCallback):
    """Save the model (``model.save``) or its weights (``model.save_weights``) during training.

    ``filepath`` may be a template filled, at each save, from ``epoch`` (1-based, as in Keras), ``batch``
    (1-based, when ``save_freq`` is an integer) and any key of that moment's ``logs``, e.g.
    ``"weights.{epoch:02d}-{val_loss:.2f}.weights.h5"``. Every file is written atomically: a crash while
    saving leaves the previous checkpoint intact.

    Args:
        filepath: where to save: ``.keras`` for the whole model, ``.weights.h5`` with
            ``save_weights_only=True``; the legacy ``.h5``/``.hdf5`` names of Keras 2 work for both.
        monitor: the ``logs`` key compared by ``save_best_only``. Defaults to `"val_loss"`.
        verbose: 1 prints a message at each save (or skipped save), as Keras does. Defaults to `0`.
        save_best_only: save only when ``monitor`` improved on the best value so far. Defaults to `False`.
        save_weights_only: save the weights only (``save_weights``), not the whole model. Defaults to `False`.
        mode: ``"auto"``, ``"min"`` or ``"max"``: the direction of improvement of ``monitor``
            (``"auto"`` minimises ``loss`` and goes a compiled metric's way; another name is a ``ValueError``
            at the start of ``fit``, as in Keras 3). Any other mode is a ``ValueError`` here, where Keras 3
            warns and uses ``"auto"``: a deliberate difference (see the page on Keras's own callback tests).
            Defaults to `"auto"`.
        save_freq: ``"epoch"`` to save at each epoch end, or an integer ``N`` to save every ``N`` training
            batches. Defaults to `"epoch"`.
        initial_value_threshold: the value ``monitor`` must beat for the first save with
            ``save_best_only``. Defaults to `None`.
        period: deprecated (Keras 2): save every ``period`` epochs; use ``save_freq``. Defaults to `None`.

    Models following an older profile (the ``keras2``/``keras1``/``keras0`` dialects) get tf-keras's behaviour:
    messages start from ``inf``, no "finished saving" line, and a missing ``monitor`` skips the save.

    Attributes:
        best: the best ``monitor`` value so far (``save_best_only``).
        last_saved: the path of the latest file written, or None.

    Raises:
        ValueError: for a ``filepath`` whose extension does not fit ``save_weights_only``, a malformed
            template, an unknown ``mode`` or ``save_freq``, or a ``period`` that is not a positive integer;
            at the start of ``fit``, for ``mode="auto"`` with a ``monitor`` that is neither ``loss`` nor a
            compiled metric.
        TypeError: for an unknown keyword argument.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import refimpl as keras
        >>> folder = tempfile.mkdtemp()
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> checkpoint = keras.callbacks.ModelCheckpoint(
        ...     os.path.join(folder, "weights.{epoch:02d}-{loss:.2f}.weights.h5"), monitor="loss",
        ...     save_weights_only=True)
        >>> _ = model.fit(np.zeros((8, 3)), np.ones((8, 1)), epochs=2, verbose=0, callbacks=[checkpoint])
        >>> sorted(name.split("-")[0] for name in os.listdir(folder))
        ['weights.01', 'weights.02']
    """

    def __init__(self, filepath, monitor: str = "val_loss", verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto", save_freq: str | int = "epoch",
                 initial_value_threshold: float | None = None, period: int | None = None, **kwargs):
        if kwargs:
            raise TypeError(f"ModelCheckpoint() got unexpected keyword argument(s): {', '.join(sorted(kwargs))}.")
        super().__init__(monitor=monitor, mode=mode, baseline=initial_value_threshold)
        try:
            self.filepath = os.fspath(filepath)
        except TypeError:
            raise TypeError(f"ModelCheckpoint: filepath must be a str or os.PathLike; received {filepath!r}.") from None
        if not isinstance(self.filepath, str) or not self.filepath:
            raise ValueError(f"ModelCheckpoint: filepath must be a non-empty path; received {filepath!r}.")
        for arg, value in (("save_best_only", save_best_only), ("save_weights_only", save_weights_only)):
            if not isinstance(value, bool):
                raise ValueError(f"ModelCheckpoint: {arg} must be True or False; received {arg}={value!r}.")
        if isinstance(verbose, bool) or not isinstance(verbose, int) or verbose < 0:
            raise ValueError(f"ModelCheckpoint: verbose must be 0 or 1; received verbose={verbose!r}.")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1):
            raise ValueError(f"Unrecognized save_freq: {save_freq!r}. Expected save_freq are 'epoch' or a positive "
                             "integer (a number of batches).")
        self.period = 1
        if period is not None:
            warnings.warn("The `period` argument of ModelCheckpoint is deprecated; use `save_freq` instead "
                          "(`save_freq='epoch'` saves every epoch, an integer every that many batches).",
                          DeprecationWarning, stacklevel=2)
            if isinstance(period, bool) or not isinstance(period, int) or period < 1:
                raise ValueError(f"ModelCheckpoint: period must be a positive integer; received period={period!r}.")
            if save_freq != "epoch":
                raise ValueError("ModelCheckpoint: pass either period (deprecated) or an integer save_freq, not both.")
            self.period = period
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self._check_extension()
        self._fields = template_fields(self.filepath)
        self.epochs_since_last_save = 0
        self.last_saved: str | None = None
        self._batch_counter = None if save_freq == "epoch" else BatchCounter(save_freq)
        self._current_epoch = 0

    def _check_extension(self) -> None:
        path = self.filepath.lower()
        if self.save_weights_only:
            if not path.endswith((WEIGHTS_SUFFIX, *LEGACY_SUFFIXES)):
                raise ValueError("When using `save_weights_only=True` in `ModelCheckpoint`, the filepath provided "
                                 "must end in `.weights.h5` (Keras weights format; refimpl also accepts the legacy "
                                 f"`.h5`/`.hdf5`). Received: filepath={self.filepath}")
        elif path.endswith(WEIGHTS_SUFFIX):
            raise ValueError("ModelCheckpoint saves the whole model when `save_weights_only=False`, so the filepath "
                             "must end in `.keras`; pass `save_weights_only=True` to save `.weights.h5` files. "
                             f"Received: filepath={self.filepath}")
        elif not path.endswith((MODEL_SUFFIX, *LEGACY_SUFFIXES)):
            raise ValueError("The filepath provided must end in `.keras` (Keras model format; refimpl also accepts "
                             f"the legacy `.h5`/`.hdf5`). Received: filepath={self.filepath}")

    @property
    def _contract(self):
        # tf-keras worded the messages differently and skipped saving when the monitor was missing: the
        # profile the callback list gives says which (Keras 3 when none was given).
        return self.profile or KERAS3

    # ------------------------------------------------------------------------------------------- hooks
    def on_train_begin(self, logs=None):
        self._set_monitor_op()
        self._check_writable_directory()

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self._should_save_on_batch(batch):
            self._save_model(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self.epochs_since_last_save += 1
        if self.save_freq == "epoch" and self.epochs_since_last_save >= self.period:
            self.epochs_since_last_save = 0
            self._save_model(epoch, None, logs)

    # ------------------------------------------------------------------------------------------ logic
    def _check_writable_directory(self) -> None:
        """Fail before the first epoch if checkpoints could not be written where ``filepath`` points."""
        literal = self.filepath.split("{", 1)[0] if self._fields else self.filepath
        if not self._fields and os.path.isdir(self.filepath):
            raise IsADirectoryError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                                    f"an existing directory: {self.filepath}")
        directory = os.path.dirname(literal) if self._fields else os.path.dirname(self.filepath)
        directory = os.path.abspath(directory or ".")
        try:
            os.makedirs(directory, exist_ok=True)
        except OSError as e:
            raise PermissionError(f"ModelCheckpoint cannot create the directory {directory!r} for filepath="
                                  f"{self.filepath!r}: {e.strerror or e}.") from None
        # Temporary files of saves that a killed run left behind (never a checkpoint: see saving.atomic).
        remove_stale_temps(directory, os.path.basename(literal) if self._fields else os.path.basename(self.filepath))
        probe = os.path.join(directory, f".refimpl-write-probe-{os.getpid()}")
        try:
            with open(probe, "wb") as f:
                f.write(b"probe")
        except OSError as e:
            raise PermissionError(f"ModelCheckpoint cannot write checkpoints in {directory!r} (filepath="
                                  f"{self.filepath!r}): {e.strerror or e}.") from None
        finally:
            try:
                os.unlink(probe)
            except OSError:
                pass

    def _should_save_on_batch(self, batch: int) -> bool:
        return self._batch_counter is not None and self._batch_counter.due(batch)

    def _get_file_path(self, epoch: int, batch: int | None, logs: dict | None) -> str:
        """Fill the ``filepath`` template for this save."""
        logs = dict(logs or {})
        values = {**logs, "epoch": epoch + 1}
        if batch is not None and "batch" not in logs:
            values["batch"] = batch + 1
        missing = [field for field in self._fields if field not in values]
        if missing:
            available = ", ".join(sorted(values))
            raise FilepathTemplateError(
                f'Failed to format this callback filepath: "{self.filepath}". Reason: the key '
                f"{missing[0]!r} is not available; available keys are: {available}."
                + (" ({batch} is only filled when save_freq is an integer.)" if missing[0] == "batch" else ""))
        try:
            return self.filepath.format(**values)
        except (ValueError, TypeError) as e:
            raise ValueError(f'Failed to format this callback filepath: "{self.filepath}". Reason: {e}') from None

    def _should_save_model(self, epoch: int, logs: dict | None, filepath: str) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = self.get_monitor_value(logs)
        if current is None:
            # Keras's wording, then the keys that are there, so that a misspelt monitor is obvious.
            available = f" Available metrics are: {', '.join(sorted(logs or {})) or '(none)'}."
            if self._contract.checkpoint_skips_without_monitor:
                warnings.warn(f"Can save best model only with {self.monitor} available, skipping.{available}",
                              UserWarning, stacklevel=3)
                return False
            warnings.warn(f"Can save best model only with {self.monitor} available.{available}", UserWarning,
                          stacklevel=3)
            return True
        if self.best is None:
            # Keras 3 starts from None; Keras 2 started from +inf (min) or -inf (max).
            best_str = "None"
            if self._contract.checkpoint_best_starts_infinite:
                best_str = "inf" if self.resolved_mode == "min" else "-inf"
        else:
            best_str = f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best_str} to {current:.5f}, "
                      f"saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best_str}")
        return False

    def _missing_monitor_message(self, available: str) -> str:
        outcome = "checkpoints are skipped" if self._contract.checkpoint_skips_without_monitor else \
            "every checkpoint is saved"
        return (f"{type(self).__name__}: the monitored metric {self.monitor!r} is not in logs, so save_best_only "
                f"cannot compare it and {outcome}. Available metrics are: {available}.")

    def _save_model(self, epoch: int, batch: int | None, logs: dict | None) -> None:
        filepath = self._get_file_path(epoch, batch, logs)
        if not self._should_save_model(epoch, logs, filepath):
            return
        if os.path.isdir(filepath):
            raise IsADirectoryError("Please specify a non-directory filepath for ModelCheckpoint. Filepath used is "
                                    f"an existing directory: {filepath}")
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        self.last_saved = filepath
        if self.verbose > 0 and self._contract.checkpoint_says_finished:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")
