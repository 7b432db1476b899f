"""``CSVLogger``: writes one CSV row per epoch with that epoch's logs."""

from __future__ import annotations

import csv
import io
import math
import os
import warnings
from collections.abc import Iterable, Mapping

import numpy as np

from .callback import Callback

MISSING = "NA"


def _cell(value) -> object:
    """A logs value as the csv module should write it: scalars as they are, sequences as ``[a, b]``."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, bytes) or not isinstance(value, Iterable):
        return value
    return _text(_readable(value))


def _text(text: str) -> str:
    # A NUL cannot stand in CSV text (Python 3.10's csv module refuses to write one): write it as \x00.
    return text.replace("\x00", "\\x00") if "\x00" in text else text


def _readable(value) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_readable(k)}: {_readable(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return "[" + ", ".join(_readable(item) for item in value) + "]"
    return str(value)


def _existing_header(filename: str, separator: str) -> list[str] | None:
    """The header row of a non-empty CSV file (fields split at ``separator``), or None when the file is
    missing or empty."""
    if not os.path.exists(filename) or os.path.getsize(filename) == 0:
        return None
    try:
        with open(filename, newline="", encoding="utf-8") as f:
            return next(csv.reader(f, delimiter=separator), None)
    except (UnicodeDecodeError, csv.Error) as e:
        raise ValueError(f"CSVLogger(append=True) cannot append to {filename!r}: its first line is not a "
                         f"UTF-8 CSV header ({e}).") from e


class CSVLogger(Callback):
    """Writes each epoch's logs as a row of a CSV file.

    The header is ``epoch`` followed by the logs keys of the first epoch in alphabetical order; epochs
    are 0-based; numbers are written in full precision (``repr``); lists and 1-D or n-D arrays are
    written readably as ``[a, b, c]``. When the first epoch has no validation results, ``val_``
    columns are added for every key anyway and filled with ``NA`` until validation runs, so a run with
    ``validation_freq`` keeps one header. Values are quoted as CSV requires (a separator, a quote or a
    newline inside a value); the file is UTF-8 with CRLF line ends, and it is flushed after every row so
    that a crash loses at most the running epoch.

    The file is opened (and, unless ``append``, emptied) in ``on_train_begin``, so a path that cannot
    be written fails before any epoch runs; it is closed in ``on_train_end``.

    Args:
        filename: path of the CSV file, e.g. ``"run/log.csv"``; its directory must exist.
        separator: the one-character field separator. Defaults to `","`.
        append: add rows to an existing file instead of replacing it. No second header is written: rows
            follow the existing header's columns, keys it lacks are left out with a warning, and its
            columns absent from the logs are written as ``NA``. When ``BackupAndRestore`` resumes an
            interrupted run, the rows of the epochs it trains again are replaced, not repeated.
            Defaults to `False`.

    Raises:
        ValueError: when ``separator`` is not a single character other than a quote or a line break,
            when ``append`` is not a bool, or (in ``on_train_begin``) when the file to append to does
            not start with a UTF-8 CSV header.
        OSError: in ``on_train_begin``, when the file cannot be opened for writing.

    Example:
        >>> import os, tempfile
        >>> import numpy as np
        >>> import refimpl as keras
        >>> path = os.path.join(tempfile.mkdtemp(), "log.csv")
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               callbacks=[keras.callbacks.CSVLogger(path)])
        >>> print(open(path).readline().strip())
        epoch,loss,mae,val_loss,val_mae
        >>> len(open(path).readlines())
        3
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False):
        super().__init__()
        if not isinstance(separator, str) or len(separator) != 1 or separator in "\"\r\n":
            raise ValueError("CSVLogger(separator=...) must be a single character other than '\"', '\\r' "
                             f"and '\\n', such as ',' or '\\t'; got {separator!r}.")
        if not isinstance(append, bool):
            raise ValueError(f"CSVLogger(append=...) must be True or False; got {append!r}.")
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self._file = None
        self._writer = None
        self._header: list[str] | None = None
        self._columns: list[str] = []
        self._known: set[str] = set()
        self._warned_keys: set[str] = set()

    def on_train_begin(self, logs: dict | None = None) -> None:
        self._close()
        self._header = _existing_header(self.filename, self.sep) if self.append else None
        if self._header is not None:
            self._drop_rows(lambda epoch: False)  # only a torn last row, if a kill left one
        self._open()
        self.keys = None
        self._warned_keys = set()
        self._first_epoch_seen = False

    def _open(self) -> None:
        self._file = open(self.filename, "a" if self.append else "w", newline="", encoding="utf-8")
        self._writer = csv.writer(self._file, delimiter=self.sep, quotechar='"', lineterminator="\r\n")

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        # A run resumed from a backup (BackupAndRestore) trains again the epochs after its last backup;
        # when appending to its log, their rows from before the interruption are dropped so no epoch
        # appears twice. Other appending runs keep every earlier row.
        if self._first_epoch_seen or self._header is None:
            return
        self._first_epoch_seen = True
        if self.fit_state is None or not self.fit_state.resumed:
            return
        self._close()
        self._drop_rows(lambda row_epoch: row_epoch >= epoch)
        self._open()
        self._restore_missing_rows(epoch)

    def _restore_missing_rows(self, resume_epoch: float) -> None:
        """Write the rows of backed-up epochs the file lacks, from the History the backup restored.

        BackupAndRestore writes an epoch's backup in its ``on_epoch_end`` (as Keras 3 does); a run killed
        after that and before this callback's ``on_epoch_end`` resumes after that epoch, whose row was
        never written.
        """
        history = getattr(self.model, "history", None)
        epochs = list(getattr(history, "epoch", []) or [])
        if not epochs or "epoch" not in self._header:
            return
        column = self._header.index("epoch")
        with open(self.filename, newline="", encoding="utf-8") as f:
            written = {int(row[column]) for row in list(csv.reader(f, delimiter=self.sep))[1:]
                       if len(row) > column and row[column].isdigit()}
        values = history.history
        for i, epoch in enumerate(epochs):
            if epoch in written or epoch >= resume_epoch:
                continue
            row = [epoch if name == "epoch" else
                   _cell(values[name][i]) if len(values.get(name, ())) == len(epochs) else MISSING
                   for name in self._header]
            self._writer.writerow(row)
        self._file.flush()

    def _drop_rows(self, drop) -> None:
        """Rewrite the file (atomically) without a torn last row and without the rows ``drop(epoch)`` selects."""
        from ..saving.atomic import atomic_write

        with open(self.filename, newline="", encoding="utf-8") as f:
            text = f.read()
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=self.sep))
        torn = bool(text) and not text.endswith("\n")  # a kill stopped the last row mid-write
        body = rows[1:-1] if torn else rows[1:]
        column = self._header.index("epoch") if "epoch" in self._header else None
        kept = [row for row in body
                if column is None or len(row) <= column or not row[column].isdigit() or not drop(int(row[column]))]
        if not torn and len(kept) == len(body):
            return
        with atomic_write(self.filename) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, delimiter=self.sep, quotechar='"', lineterminator="\r\n")
            writer.writerows(rows[:1] + kept)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        logs = logs or {}
        if self._file is None:
            self.on_train_begin()
        if self.keys is None:
            self._start_table(logs)
        new_keys = [k for k in logs if k not in self._known and k not in self._warned_keys]
        if new_keys:
            self._warned_keys.update(new_keys)
            warnings.warn(f"CSVLogger: {self.filename!r} has no column for {', '.join(sorted(new_keys))} "
                          f"(its columns are {', '.join(self._columns)}); these values are not written.",
                          stacklevel=2)
        row = [epoch if column == "epoch" else _cell(logs.get(column, MISSING)) for column in self._columns]
        self._writer.writerow(row)
        self._file.flush()

    def _start_table(self, logs: dict) -> None:
        keys = sorted(logs)
        # Keras 3 adds val_ columns when the first epoch has none (validation_freq > 1); Keras 2 did not.
        adds_val_columns = self.profile is None or self.profile.csv_adds_val_columns
        if adds_val_columns and keys and not any(key.startswith("val_") for key in keys):
            keys += [f"val_{key}" for key in keys]
        self.keys = keys
        if self._header is not None:
            self._columns = self._header
        else:
            self._columns = ["epoch", *keys]
            self._writer.writerow([_text(column) for column in self._columns])
        self._known = set(self._columns)

    def on_train_end(self, logs: dict | None = None) -> None:
        if (self._header is not None and not self._first_epoch_seen and self._file is not None
                and self.fit_state is not None and self.fit_state.resumed):
            # Resumed with every epoch already done: the last epoch's row may still be missing.
            self._restore_missing_rows(math.inf)
        self._close()

    def _close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        self._file = None
        self._writer = None
