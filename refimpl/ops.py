"""``refimpl.ops``: the element-wise comparisons the callbacks decide with.

``MonitorCallback.monitor_op`` is ``ops.less`` (smaller is better) or ``ops.greater`` (bigger is
better), as in Keras 3. They compare numbers, and numpy arrays element-wise.

Example:
    >>> import numpy as np
    >>> from refimpl import ops
    >>> ops.greater(0.9, 0.8), ops.less(np.array([1.0, 3.0]), 2.0).tolist()
    (True, [True, False])
"""

from __future__ import annotations

import operator

greater = operator.gt
less = operator.lt

__all__ = ["greater", "less"]
