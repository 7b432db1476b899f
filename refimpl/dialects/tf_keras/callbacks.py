"""tf-keras callbacks: the same as ``refimpl.dialects.keras2.callbacks``."""

from ..keras2.callbacks import *  # noqa: F403
from ..keras2.callbacks import __all__  # noqa: F401
