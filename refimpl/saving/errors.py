"""The errors refimpl's savers and loaders raise."""

from __future__ import annotations

import os


class InvalidCheckpointError(ValueError):
    """A file exists but is not a checkpoint refimpl can load: truncated, corrupt, or of the wrong kind.

    Args:
        path: the file that was read.
        reason: what is wrong with it.
    """

    def __init__(self, path, reason: str):
        self.path = os.fspath(path)
        self.reason = reason
        super().__init__(f"{self.path!r} is not a valid checkpoint: {reason}")


class UnsafeCheckpointError(InvalidCheckpointError):
    """A checkpoint holds something refimpl refuses to load: code, pickles, links, paths out of the archive."""

    def __init__(self, path, reason: str):
        super().__init__(path, f"refused to load it safely: {reason}")


class WeightsMismatchError(ValueError):
    """Weights in a valid file do not fit the model: another number of layers or variables, or other shapes."""
