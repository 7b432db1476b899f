"""Test a callback as every process of an N-process data-parallel run, in one process and without a framework.

What a process of a Keras 3 data-parallel fit sees was measured (conformance/spec/distribution.toml): every
process calls every hook in the single-device order, with the same global `logs` and global batch indices, and
the built-in callbacks write on every process. So process i of an N-process run is the single-process run with
`refimpl.distribution.process_index() == i`; `simulated_data_parallel` runs your code once in each such role.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from refimpl import distribution

T = TypeVar("T")


@dataclass(frozen=True)
class Role:
    """One process of a simulated run.

    Args:
        index: The process's index, from 0.
        count: How many processes the run has.
    """

    index: int
    count: int

    @property
    def is_chief(self) -> bool:
        """Whether this is process 0."""
        return self.index == 0

    def process_index(self) -> int:
        """`index`, as a function: pass it where a callback takes its `process_index` callable."""
        return self.index


def simulated_data_parallel(run: Callable[[Role], T], replicas: int = 2) -> list[T]:
    """Run `run` once in the role of each process of a `replicas`-process data-parallel run.

    While `run(role)` runs, `refimpl.distribution.process_index()` is `role.index` and `process_count()` is
    `replicas`; afterwards they are back to what they were, also when `run` raises. The roles run one after
    another in this process and share its file system, as processes on one machine do. Each role should build
    its model and callbacks from the same weights, data and seed: every role then sees what the single-process
    run sees, which is what each process of a Keras 3 data-parallel run sees.

    Args:
        run: Called with each `Role`, chief first; builds a model, fits it with the callback under test and
            returns whatever the test wants to compare.
        replicas: How many processes to simulate, an int >= 1. Defaults to `2`.

    Returns:
        `[run(Role(0, replicas)), ..., run(Role(replicas - 1, replicas))]`.

    Raises:
        ValueError: If `replicas` is not an int >= 1 (before `run` is called).
        TypeError: If `run` is not callable.

    Example:
        >>> import refimpl as keras
        >>> from refimpl import distribution
        >>> from refimpl.testing import simulated_data_parallel
        >>> class ChiefNotes(keras.callbacks.Callback):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.notes = []
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         if distribution.is_chief():
        ...             self.notes.append(epoch)
        >>> def run(role):
        ...     model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        ...     model.compile(optimizer="sgd", loss="mse")
        ...     notes = ChiefNotes()
        ...     model.fit([[0.0, 1.0]] * 4, [[1.0]] * 4, epochs=2, verbose=0, callbacks=[notes])
        ...     return notes.notes
        >>> simulated_data_parallel(run, replicas=3)
        [[0, 1], [], []]
    """
    if isinstance(replicas, bool) or not isinstance(replicas, int) or replicas < 1:
        raise ValueError(f"replicas must be an int >= 1 (the number of processes to simulate); got {replicas!r}")
    if not callable(run):
        raise TypeError(f"run must be a callable taking a Role; got {type(run).__name__}")
    results = []
    for index in range(replicas):
        previous = distribution._set_role(index, replicas)
        try:
            results.append(run(Role(index, replicas)))
        finally:
            distribution._set_role(*previous)
    return results
