"""Which process of a data-parallel run this is: 0 of 1, unless `refimpl.testing.simulated_data_parallel` says
otherwise for the role it is running.

Keras elects no chief for callbacks: under data parallelism every process runs every hook with the same global
`logs`, and ModelCheckpoint and CSVLogger write on every process (see the "Callbacks under distribution" guide).
A callback that must act once asks which process it is on: on Keras 3 with jax, `jax.process_index()`; on refimpl,
`process_index()` below.

Example:
    >>> from refimpl import distribution
    >>> distribution.process_index(), distribution.process_count(), distribution.is_chief()
    (0, 1, True)
"""

from __future__ import annotations

_role: tuple[int, int] = (0, 1)


def process_index() -> int:
    """This process's index in the run, from 0 (always 0 outside a simulated run)."""
    return _role[0]


def process_count() -> int:
    """How many processes the run has (1 outside a simulated run)."""
    return _role[1]


def is_chief() -> bool:
    """Whether this is process 0, the one a callback that writes once should write on."""
    return _role[0] == 0


def _set_role(index: int, count: int) -> tuple[int, int]:
    global _role
    previous, _role = _role, (index, count)
    return previous
