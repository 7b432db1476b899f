"""Readers that tell a complete file from a half-written one, by file-name ending.

Every file a callback leaves in its ``workdir`` is read back after every call of a run, with the reader its
format calls for: a CSV parses and every row has the header's number of fields, JSON loads, an HDF5 file opens
with h5py and every dataset reads, a ``.keras`` archive is a valid zip whose JSON and HDF5 members read,
``.npy``/``.npz`` load, a TensorBoard event file is a sequence of complete records, text decodes as UTF-8. A
`Subject` can add readers for its own formats; a file no reader claims is listed as unchecked.
"""

from __future__ import annotations

import csv
import io
import json
import pickletools
import struct
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np


def read_csv(path: Path, delimiter: str = ",") -> list[list[str]]:
    """Rows of a CSV file; raises if a row's field count differs from the header's or the last line is cut."""
    text = path.read_text(encoding="utf-8")
    if not text:
        return []  # opened, nothing written yet (e.g. a fit of zero epochs)
    if not text.endswith(("\n", "\r")):
        raise ValueError("the last line has no line ending: the file was cut while a row was written")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    width = len(rows[0])
    for i, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise ValueError(f"row {i} has {len(row)} fields, the header has {width}")
    return rows


def read_tsv(path: Path) -> list[list[str]]:
    return read_csv(path, delimiter="\t")


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read_json_lines(path: Path) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    if text and not text.endswith("\n"):
        raise ValueError("the last line has no line ending: the file was cut while a line was written")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _read_h5(source: Any) -> int:
    import h5py

    count = 0
    with h5py.File(source, "r") as f:
        def visit(name: str, obj: Any) -> None:
            nonlocal count
            if isinstance(obj, h5py.Dataset):
                obj[()]
                count += 1
        f.visititems(visit)
    return count


def read_h5(path: Path) -> int:
    """The number of datasets of an HDF5 file, each read in full."""
    return _read_h5(str(path))


def read_keras_archive(path: Path) -> list[str]:
    """The member names of a ``.keras`` archive, after checking every member's CRC and reading its content."""
    with zipfile.ZipFile(path) as z:
        bad = z.testzip()
        if bad is not None:
            raise ValueError(f"member {bad} fails its CRC check")
        for name in z.namelist():
            data = z.read(name)
            if name.endswith(".json"):
                json.loads(data)
            elif name.endswith(".h5"):
                _read_h5(io.BytesIO(data))
        return z.namelist()


def read_npy(path: Path) -> Any:
    return np.load(path, allow_pickle=False)


def read_npz(path: Path) -> dict[str, Any]:
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def read_pickle(path: Path) -> int:
    """The number of opcodes in a complete pickle stream, parsed without unpickling (nothing in it runs)."""
    with open(path, "rb") as f:
        ops = sum(1 for _ in pickletools.genops(f))  # raises ValueError on a stream cut before its STOP
    return ops


def read_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def read_event_file(path: Path) -> int:
    """The number of records in a TensorBoard event file (length, length CRC, data, data CRC), all complete."""
    data = path.read_bytes()
    pos = count = 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"record {count} is cut inside its header")
        (length,) = struct.unpack("<Q", data[pos:pos + 8])
        end = pos + 12 + length + 4
        if end > len(data):
            raise ValueError(f"record {count} is cut: it declares {length} bytes")
        pos, count = end, count + 1
    return count


DEFAULT_READERS: dict[str, Callable[[Path], Any]] = {
    ".csv": read_csv, ".tsv": read_tsv, ".json": read_json, ".jsonl": read_json_lines, ".ndjson": read_json_lines,
    ".h5": read_h5, ".hdf5": read_h5, ".keras": read_keras_archive, ".npy": read_npy, ".npz": read_npz,
    ".pkl": read_pickle, ".pickle": read_pickle, ".txt": read_text, ".log": read_text, ".md": read_text,
    ".yaml": read_text, ".yml": read_text,
}


def reader_for(path: Path, extra: Mapping[str, Callable[[Path], Any]] = {}) -> tuple[str, Callable] | None:
    """(ending, reader) for `path`: the longest matching ending among `extra`, then the built-in ones."""
    name = path.name
    for table in (extra, DEFAULT_READERS):
        for ending in sorted(table, key=len, reverse=True):
            if name.endswith(ending):
                return ending, table[ending]
    if "tfevents" in name:
        return "tfevents", read_event_file
    return None


def check_files(workdir: Path, extra: Mapping[str, Callable[[Path], Any]] = {}) -> tuple[list[str], list[str]]:
    """Read back every file under `workdir`: (problems, unchecked files).

    Each problem names the file (relative to `workdir`), the reader and what it raised.
    """
    problems, unchecked = [], []
    for path in sorted(p for p in Path(workdir).rglob("*") if p.is_file()):
        rel = path.relative_to(workdir).as_posix()
        found = reader_for(path, extra)
        if found is None:
            unchecked.append(rel)
            continue
        ending, reader = found
        try:
            reader(path)
        except Exception as e:
            problems.append(f"{rel}: cannot be read as {ending} ({type(e).__name__}: {str(e)[:200]})")
    return problems, unchecked


__all__ = ["DEFAULT_READERS", "check_files", "reader_for"]
