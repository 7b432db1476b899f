"""Turning fit/evaluate/predict inputs into batches: arrays, generators and PyDatasets.

A ``BatchSource`` makes passes over the data; an ``EpochBatches`` hands out each epoch's batches,
carrying a pass over into the next epoch when ``steps_per_epoch`` cuts it short (as Keras 3 does), and
groups them into executions of ``steps_per_execution`` batches.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import numpy as np

from .. import rng as _rng
from ..utils.py_dataset import PyDataset

Batch = tuple  # (x, y or None, sample_weight or None)


def unpack(item, where: str) -> Batch:
    """Normalise a generator / PyDataset item to ``(x, y, sample_weight)``."""
    if isinstance(item, (tuple, list)):
        if not 1 <= len(item) <= 3:
            raise ValueError(f"{where} must yield x, (x,), (x, y) or (x, y, sample_weight); "
                             f"got a {type(item).__name__} of length {len(item)}.")
        x, y, sw = (*item, None, None)[:3]
    else:
        x, y, sw = item, None, None
    x = np.asarray(x, dtype="float32")
    y = None if y is None else np.asarray(y)
    sw = None if sw is None else np.asarray(sw, dtype="float32")
    return x, y, sw


def is_generator_like(x) -> bool:
    return hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(x, (np.ndarray, list, tuple, dict))
                                      and not hasattr(x, "__len__"))


class BatchSource:
    """One kind of input. ``num_batches`` is the length of a full pass, or None when unknown."""

    num_batches: int | None = None
    restartable = True

    def new_pass(self) -> Iterator[Batch]:
        raise NotImplementedError

    def on_epoch_end(self) -> None:
        pass


class ArraySource(BatchSource):
    def __init__(self, x, y, sample_weight, batch_size: int, shuffle=False):
        self.x, self.y, self.sw = x, y, sample_weight
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.n = len(x)
        self.num_batches = math.ceil(self.n / batch_size)
        self._in_order: tuple[tuple, list[Batch]] | None = None

    def new_pass(self):
        n, bs, x, y, sw = self.n, self.batch_size, self.x, self.y, self.sw
        if not self.shuffle:
            # In order, every pass has the same batches: views sliced once (per fit, as a fit makes its source).
            if self._in_order is None or self._in_order[0] != (id(x), id(y), id(sw)):
                batches = [(x[s:s + bs], None if y is None else y[s:s + bs], None if sw is None else sw[s:s + bs])
                           for s in range(0, n, bs)]
                self._in_order = ((id(x), id(y), id(sw)), batches)
            return iter(self._in_order[1])
        return self._shuffled_pass(n, bs, x, y, sw)

    def _shuffled_pass(self, n, bs, x, y, sw):
        if self.shuffle == "batch":
            order = np.arange(n)
            starts = _rng.generator().permutation(self.num_batches) * bs
            index = np.concatenate([order[s:s + bs] for s in starts])
        else:
            index = _rng.generator().permutation(n)
        for start in range(0, n, bs):
            sl = index[start:start + bs]
            yield (x[sl], None if y is None else y[sl], None if sw is None else sw[sl])


class GeneratorSource(BatchSource):
    """A Python generator or iterator: one pass that cannot be restarted."""

    restartable = False

    def __init__(self, iterator, where: str):
        self.iterator = iter(iterator)
        self.where = where
        self.num_batches = None

    def new_pass(self):
        for item in self.iterator:
            yield unpack(item, self.where)


class PyDatasetSource(BatchSource):
    def __init__(self, dataset: PyDataset, where: str):
        self.dataset = dataset
        self.where = where
        self.num_batches = len(dataset)

    def new_pass(self):
        for i in range(len(self.dataset)):
            yield unpack(self.dataset[i], self.where)

    def on_epoch_end(self):
        self.dataset.on_epoch_end()


class EpochBatches:
    """Hands out the batches of successive epochs from a source.

    Without ``steps``, each epoch is one full pass. With ``steps``, an epoch takes up to ``steps``
    batches from the current pass and the next epoch continues it (``carry_over``, training); a pass
    that runs dry ends the epoch early and the next epoch starts a new pass. Evaluation does not carry
    over: each run starts a new pass, except over a generator, which cannot restart.
    """

    def __init__(self, source: BatchSource, steps: int | None, class_weight=None, carry_over: bool = True):
        self.source = source
        self.carry_over = carry_over
        self.steps = steps
        self.class_weight = class_weight
        self._live: Iterator[Batch] | None = None
        self.exhausted = False  # a generator that cannot start another pass

    @property
    def steps_per_epoch(self) -> int | None:
        return self.steps if self.steps is not None else self.source.num_batches

    def _next_pass(self) -> Iterator[Batch] | None:
        if self.exhausted:
            return None
        if not self.source.restartable:
            # A generator is a single pass: hand it out once and remember that it is spent after that.
            self.exhausted = True
        return self.source.new_pass()

    def epoch(self) -> Iterator[Batch]:
        """The batches of one epoch (possibly none, when a generator has run out)."""
        if self._live is None or self.steps is None or (not self.carry_over and self.source.restartable):
            self._live = self._next_pass()
            if self._live is None:
                return
        if self.steps is None and self.class_weight is None:
            # A whole pass, batches as they come: delegate, without a Python step per batch.
            yield from self._live
            self._live = None
            return
        taken = 0
        while self.steps is None or taken < self.steps:
            try:
                batch = next(self._live)
            except StopIteration:
                self._live = None
                return
            taken += 1
            if self.class_weight is not None:
                batch = apply_class_weight(batch, self.class_weight)
            yield batch
        if self.steps is None:
            self._live = None

    def peek_epoch(self) -> tuple[Batch | None, Iterator[Batch]]:
        """The first batch of the next epoch (None if there is none) and an iterator over the rest."""
        it = self.epoch()
        first = next(it, None)
        return first, it


def executions(first: Batch, rest: Iterator[Batch], steps_per_execution: int) -> Iterator[tuple[int, list[Batch]]]:
    """Group an epoch's batches into ``(first step index, [batches])`` of ``steps_per_execution`` each."""
    if steps_per_execution == 1:
        yield 0, [first]
        for index, batch in enumerate(rest, 1):
            yield index, [batch]
        return
    index = 0
    group = [first]
    for batch in rest:
        if len(group) == steps_per_execution:
            yield index, group
            index += len(group)
            group = []
        group.append(batch)
    yield index, group


def class_weight_for(y: np.ndarray, class_weight: dict) -> np.ndarray:
    """Per-sample weights from class weights: the class is the arg-max of one-hot targets, else the label."""
    y = np.asarray(y)
    if y.ndim > 1 and y.shape[-1] > 1:
        labels = np.argmax(y, axis=-1)
    else:
        labels = np.rint(y.reshape(len(y))).astype("int64")
    table = np.ones(max(max(class_weight) + 1, int(labels.max(initial=0)) + 1), dtype="float32")
    for cls, w in class_weight.items():
        table[cls] = w
    return table[labels]


def weigh_classes(y: np.ndarray, sample_weight: np.ndarray | None, class_weight: dict) -> np.ndarray:
    """The per-sample weights of ``y``: its classes' weights, times ``sample_weight`` when given."""
    per_sample = class_weight_for(y, class_weight)
    return per_sample if sample_weight is None else sample_weight.reshape(len(per_sample)) * per_sample


def apply_class_weight(batch: Batch, class_weight: dict) -> Batch:
    x, y, sw = batch
    if y is None:
        return batch
    return x, y, weigh_classes(y, sw, class_weight)


def warn_ran_out(where: str, steps: int | None, epochs: int) -> None:
    warnings.warn(
        f"Your input ({where}) ran out of data; interrupting training. Make sure it can generate at least "
        f"`steps_per_epoch * epochs` batches" + (f" ({steps} * {epochs})." if steps else "."),
        UserWarning, stacklevel=4)
