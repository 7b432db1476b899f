"""Counting training batches for callbacks that act every ``N`` batches (``save_freq=N``)."""

from __future__ import annotations


class BatchCounter:
    """Counts training batches from batch-end indices and says when ``every`` of them have passed.

    With ``steps_per_execution`` a batch-end index jumps by several batches; an index no larger than the
    previous one starts a new epoch. ``since_last`` and ``last_index`` are plain attributes so that a
    backup can store and restore them.

    Args:
        every: the number of batches between two actions.
    """

    def __init__(self, every: int):
        self.every = every
        self.since_last = 0
        self.last_index = -1

    def due(self, batch: int) -> bool:
        """Count the batches up to ``batch`` (an end index); True, and restart counting, when ``every`` passed."""
        self.since_last += batch + 1 if batch <= self.last_index else batch - self.last_index
        self.last_index = batch
        if self.since_last >= self.every:
            self.since_last = 0
            return True
        return False
