"""The ``.keras`` archive: a zip holding ``config.json``, ``metadata.json`` and ``model.weights.h5``.

``config.json`` is the model's architecture with its ``compile_config`` (optimizer class and config, loss,
metrics, steps_per_execution); ``metadata.json`` records the writer's version, the date and refimpl's
profile; ``model.weights.h5`` is the weights file in the layout described in :mod:`.h5_format`, with the
optimizer state. Reading treats the archive as untrusted data: only those three member names are
accepted (no paths, no ``..``, no duplicates, no encryption), every member's size is bounded, and
nothing is extracted to disk.
"""

from __future__ import annotations

import datetime
import io
import json
import zipfile
import zlib

import h5py

from . import h5_format
from .errors import InvalidCheckpointError, UnsafeCheckpointError

CONFIG_NAME = "config.json"
METADATA_NAME = "metadata.json"
WEIGHTS_NAME = "model.weights.h5"
MEMBERS = (METADATA_NAME, CONFIG_NAME, WEIGHTS_NAME)
# Bounds on what a loader will read into memory; a member claiming more is refused before reading.
MAX_JSON_BYTES = 16 * 1024 * 1024
MAX_WEIGHTS_BYTES = 8 * 1024 * 1024 * 1024


def write_archive(model, path: str, config: dict, metadata: dict) -> None:
    """Write a complete ``.keras`` archive for ``model`` at ``path`` (a temporary path: see ``atomic_write``)."""
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        h5_format.write_weights(f, model, include_optimizer=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr(METADATA_NAME, json.dumps(metadata, indent=2))
        archive.writestr(CONFIG_NAME, json.dumps(config, indent=2))
        archive.writestr(WEIGHTS_NAME, buffer.getvalue())


def default_metadata(model) -> dict:
    """What ``metadata.json`` records about the writer."""
    from .. import __version__

    return {
        "keras_version": f"refimpl {__version__}",
        "refimpl_version": __version__,
        "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S"),
        "profile": getattr(getattr(model, "_profile", None), "name", "keras3"),
    }


def _unsafe_member_name(name: str) -> str | None:
    if not name or "\x00" in name:
        return "an empty or NUL-containing name"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "an absolute path"
    parts = name.replace("\\", "/").split("/")
    if ".." in parts:
        return "a path that climbs out of the archive ('..')"
    if "/" in name or "\\" in name:
        return "a path inside a folder"
    return None


def read_archive(path: str) -> tuple[dict, dict, bytes]:
    """Read and check a ``.keras`` archive; return ``(config, metadata, weights_bytes)``.

    Raises:
        InvalidCheckpointError: if the file is not a complete zip archive with the three members.
        UnsafeCheckpointError: for members with unsafe paths, duplicates, unexpected names, encryption,
            unknown compression, or sizes over the limits.
    """
    if not zipfile.is_zipfile(path):
        raise InvalidCheckpointError(path, "it is not a zip archive (a .keras file is a zip holding config.json, "
                                           "metadata.json and model.weights.h5); it may be empty, truncated or "
                                           "corrupt.")
    contents: dict[str, bytes] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            seen: set[str] = set()
            for info in infos:
                problem = _unsafe_member_name(info.filename)
                if problem:
                    raise UnsafeCheckpointError(path, f"member {info.filename!r} has {problem} (zip-slip).")
                if info.filename in seen:
                    raise UnsafeCheckpointError(path, f"member {info.filename!r} appears twice.")
                seen.add(info.filename)
                if info.filename not in MEMBERS:
                    raise UnsafeCheckpointError(path, f"unexpected member {info.filename!r}; a .keras archive "
                                                      f"holds only {', '.join(MEMBERS)}.")
                if info.flag_bits & 0x1:
                    raise UnsafeCheckpointError(path, f"member {info.filename!r} is encrypted.")
                if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                    raise UnsafeCheckpointError(path, f"member {info.filename!r} uses an unsupported compression "
                                                      f"method ({info.compress_type}).")
                limit = MAX_WEIGHTS_BYTES if info.filename == WEIGHTS_NAME else MAX_JSON_BYTES
                if info.file_size > limit:
                    raise UnsafeCheckpointError(path, f"member {info.filename!r} is {info.file_size} bytes, over "
                                                      f"the {limit}-byte limit (oversized member).")
            missing = [name for name in MEMBERS if name not in seen]
            if missing:
                raise InvalidCheckpointError(path, f"the archive lacks {', '.join(missing)}.")
            for name in MEMBERS:
                limit = MAX_WEIGHTS_BYTES if name == WEIGHTS_NAME else MAX_JSON_BYTES
                with archive.open(name) as member:
                    data = member.read(limit + 1)
                if len(data) > limit:
                    raise UnsafeCheckpointError(path, f"member {name!r} is over the {limit}-byte limit.")
                contents[name] = data
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError, RuntimeError) as e:
        if isinstance(e, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        raise InvalidCheckpointError(path, f"the zip archive is truncated or corrupt ({e}).") from None
    config = _parse_json(contents[CONFIG_NAME], path, CONFIG_NAME)
    metadata = _parse_json(contents[METADATA_NAME], path, METADATA_NAME)
    if not isinstance(metadata, dict):
        raise InvalidCheckpointError(path, f"{METADATA_NAME} must be a JSON object.")
    return config, metadata, contents[WEIGHTS_NAME]


def _parse_json(data: bytes, path: str, member: str):
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise InvalidCheckpointError(path, f"{member} is not valid JSON ({e}).") from None


def open_weights(data: bytes, path: str) -> h5py.File:
    """Open the archive's ``model.weights.h5`` bytes as a read-only HDF5 file (in memory)."""
    try:
        return h5py.File(io.BytesIO(data), "r")
    except (OSError, ValueError, RuntimeError) as e:
        raise InvalidCheckpointError(path, f"its {WEIGHTS_NAME} is not a readable HDF5 file ({e}).") from None


def is_zip(path: str) -> bool:
    """Whether ``path`` starts like a zip archive."""
    try:
        with open(path, "rb") as f:
            return f.read(4) in (b"PK\x03\x04", b"PK\x05\x06")
    except OSError:
        return False


__all__ = ["write_archive", "read_archive", "open_weights", "default_metadata", "is_zip"]
