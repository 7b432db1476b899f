"""``PyDataset``: a dataset defined by ``__len__`` and ``__getitem__``, read batch by batch."""

from __future__ import annotations


class PyDataset:
    """Base class for datasets that return whole batches by index.

    Subclasses define ``__len__`` (batches per epoch) and ``__getitem__(index)`` returning ``x``,
    ``(x, y)`` or ``(x, y, sample_weight)``; ``on_epoch_end`` is called after every epoch (and once
    before training starts, as Keras 3 does), e.g. to reshuffle.

    Args:
        workers: accepted for Keras compatibility; refimpl reads batches in the calling thread.
        use_multiprocessing: accepted for Keras compatibility; must be False.
        max_queue_size: accepted for Keras compatibility.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> class Halves(keras.utils.PyDataset):
        ...     def __len__(self):
        ...         return 2
        ...     def __getitem__(self, index):
        ...         return np.full((5, 3), index, "float32"), np.zeros((5, 1), "float32")
        >>> model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> model.fit(Halves(), epochs=1, verbose=0).params["steps"]
        2
    """

    def __init__(self, workers: int = 1, use_multiprocessing: bool = False, max_queue_size: int = 10):
        if use_multiprocessing:
            raise ValueError("use_multiprocessing=True is not supported by refimpl; PyDataset batches are read "
                             "in the calling thread.")
        self.workers, self.use_multiprocessing, self.max_queue_size = workers, use_multiprocessing, max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__ (the number of batches).")

    def __getitem__(self, index: int):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__ (one batch by index).")

    def on_epoch_end(self) -> None:
        """Called at the end of every epoch."""

    @property
    def num_batches(self) -> int | None:
        return len(self)


Sequence = PyDataset
