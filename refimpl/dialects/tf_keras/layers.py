"""tf-keras layers: the same as ``refimpl.dialects.keras2.layers``."""

from ..keras2.layers import *  # noqa: F403
from ..keras2.layers import __all__  # noqa: F401
