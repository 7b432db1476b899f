"""tf-keras optimizers: the same as ``refimpl.dialects.keras2.optimizers``."""

from ..keras2.optimizers import *  # noqa: F403
from ..keras2.optimizers import __all__  # noqa: F401
