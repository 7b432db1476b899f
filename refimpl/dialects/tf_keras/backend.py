"""tf-keras backend: the same as ``refimpl.dialects.keras2.backend``."""

from ..keras2.backend import *  # noqa: F403
from ..keras2.backend import __all__  # noqa: F401
