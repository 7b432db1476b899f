"""File helpers under the names Keras code uses (``keras.src.utils.file_utils``): local paths only."""

from __future__ import annotations

import os

join = os.path.join
exists = os.path.exists
isdir = os.path.isdir
File = open

__all__ = ["join", "exists", "isdir", "File"]
