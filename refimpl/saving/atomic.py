"""Atomic file replacement: a checkpoint is either the old complete file or the new complete file.

Every file refimpl saves goes through :func:`atomic_write`: the new content is written to a temporary
file in the destination's directory, flushed and fsynced, then moved over the destination with
``os.replace`` (atomic on POSIX and Windows), and the directory is fsynced so that the rename itself
survives a power cut. A crash at any moment leaves the previous file untouched; at worst a stray
``.<name>.tmp-*`` file remains next to it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator

TEMP_MARKER = ".tmp-"


def temp_path_for(path: str) -> str:
    """Return a fresh temporary path in the same directory as ``path`` (same filesystem, so rename is atomic)."""
    directory, name = os.path.split(os.path.abspath(path))
    return os.path.join(directory, f".{name}{TEMP_MARKER}{os.getpid()}-{secrets.token_hex(4)}")


def remove_stale_temps(directory: str, name_prefix: str = "") -> list[str]:
    """Remove temporary files that a killed process left behind in ``directory``; return their names.

    Only files named like :func:`temp_path_for` makes them (``.<name>.tmp-<pid>-<hex>``), whose ``<name>``
    starts with ``name_prefix`` and whose writer process no longer exists, are removed.
    """
    removed = []
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return removed
    for name in names:
        if not name.startswith("." + name_prefix) or TEMP_MARKER not in name:
            continue
        pid_text = name.rsplit(TEMP_MARKER, 1)[1].split("-", 1)[0]
        if not pid_text.isdigit() or _process_alive(int(pid_text)):
            continue
        try:
            os.unlink(os.path.join(directory, name))
            removed.append(name)
        except OSError:
            pass
    return removed


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


def fsync_path(path: str) -> None:
    """Flush a file's data (or a directory's entries) to stable storage."""
    flags = os.O_RDONLY
    if os.path.isdir(path):
        flags |= getattr(os, "O_DIRECTORY", 0)
    try:
        fd = os.open(path, flags)
    except OSError:
        if os.path.isdir(path):
            return  # some platforms (Windows) cannot open directories; the rename is still atomic there
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not os.path.isdir(path):
            raise
    finally:
        os.close(fd)


def check_destination(path: str, overwrite: bool, what: str = "file") -> str:
    """Validate a destination before anything is written; return its absolute path.

    Raises:
        IsADirectoryError: if ``path`` is an existing directory.
        FileExistsError: if ``path`` exists and ``overwrite`` is False.
        FileNotFoundError: if the parent directory does not exist.
    """
    path = os.fspath(path)
    absolute = os.path.abspath(path)
    if os.path.isdir(absolute):
        raise IsADirectoryError(f"Cannot save the {what} to {path!r}: it is an existing directory. "
                                "Pass a file path.")
    if not overwrite and os.path.lexists(absolute):
        raise FileExistsError(f"Cannot save the {what} to {path!r}: the file exists and overwrite=False.")
    parent = os.path.dirname(absolute)
    if not os.path.isdir(parent):
        raise FileNotFoundError(f"Cannot save the {what} to {path!r}: the directory {parent!r} does not exist.")
    return absolute


@contextlib.contextmanager
def atomic_write(path: str, overwrite: bool = True) -> Iterator[str]:
    """Give the caller a temporary path to write; on success move it over ``path`` atomically.

    The caller writes and closes the temporary file inside the ``with`` block. On leaving the block
    the file is fsynced, renamed over ``path`` and the directory fsynced. If the block raises, the
    temporary file is removed and ``path`` is left as it was.

    Args:
        path: the destination.
        overwrite: replace an existing file. When False the final step refuses to clobber a file
            that appeared meanwhile (``os.link`` fails atomically if the name exists). Defaults to `True`.

    Yields:
        The temporary path to write to.

    Raises:
        FileExistsError: if ``overwrite`` is False and ``path`` exists.
        OSError: whatever writing, syncing or renaming raised; ``path`` is then unchanged.

    Example:
        >>> import os, tempfile
        >>> target = os.path.join(tempfile.mkdtemp(), "notes.txt")
        >>> with atomic_write(target) as tmp:
        ...     with open(tmp, "w") as f:
        ...         _ = f.write("complete")
        >>> open(target).read()
        'complete'
    """
    absolute = check_destination(path, overwrite)
    temp = temp_path_for(absolute)
    try:
        yield temp
        fsync_path(temp)
        if overwrite:
            os.replace(temp, absolute)
        else:
            try:
                os.link(temp, absolute)
            except FileExistsError:
                raise FileExistsError(f"Cannot save to {path!r}: the file exists and overwrite=False.") from None
            except OSError:
                # Filesystems without hard links: check, then rename (a race window, but no torn file).
                if os.path.lexists(absolute):
                    raise FileExistsError(f"Cannot save to {path!r}: the file exists and overwrite=False.") from None
                os.replace(temp, absolute)
            else:
                os.unlink(temp)
        fsync_path(os.path.dirname(absolute))
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if error.filename is None and path not in str(error):
            # A full disk or an I/O error deep in a writer (zipfile, h5py) often names no file: name it.
            raise type(error)(error.errno, f"{error.strerror or error} while saving {path!r}; the previous "
                                           "file there, if any, is unchanged", path) from error
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
