"""Checks of fit/evaluate/predict arguments, all made before any callback or epoch runs."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np

from ..scope import out_of_scope
from ..utils.py_dataset import PyDataset
from .data import ArraySource, BatchSource, GeneratorSource, PyDatasetSource, is_generator_like

VERBOSE_VALUES = ("auto", 0, 1, 2)


@dataclass(frozen=True)
class FitConfig:
    """The arguments of one ``Model.fit`` call, as the training loop reads them (see ``Model.fit``)."""

    x: object = None
    y: object = None
    batch_size: int | None = None
    epochs: int = 1
    verbose: object = "auto"
    callbacks: object = None
    validation_split: float = 0.0
    validation_data: object = None
    shuffle: object = True
    class_weight: dict | None = None
    sample_weight: object = None
    initial_epoch: int = 0
    steps_per_epoch: int | None = None
    validation_steps: int | None = None
    validation_batch_size: int | None = None
    validation_freq: object = 1

    def check(self) -> int:
        """Check the scalar arguments (before any callback or epoch runs); return ``verbose`` as 0, 1 or 2.

        Raises:
            ValueError: naming the argument and the values it accepts.
            TypeError: when ``callbacks`` is not a list or tuple (or None).
        """
        check_int(self.epochs, "epochs", 0)
        check_int(self.initial_epoch, "initial_epoch", 0)
        verbose = resolve_verbose(self.verbose)
        check_callbacks(self.callbacks)
        check_int(self.steps_per_epoch, "steps_per_epoch", 1, allow_none=True)
        check_int(self.validation_steps, "validation_steps", 1, allow_none=True)
        check_int(self.validation_batch_size, "validation_batch_size", 1, allow_none=True)
        check_validation_freq(self.validation_freq)
        if self.shuffle not in (True, False, "batch"):
            raise ValueError(f"shuffle must be True, False or 'batch'; got {self.shuffle!r}.")
        return verbose


def check_int(value, arg: str, minimum: int, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, Integral) or value < minimum:
        accepted = f"an integer >= {minimum}" + (" or None" if allow_none else "")
        raise ValueError(f"{arg} must be {accepted}; got {value!r}.")


def resolve_verbose(verbose) -> int:
    if verbose not in VERBOSE_VALUES or isinstance(verbose, bool):
        raise ValueError(f"verbose must be one of 'auto', 0, 1, 2; got {verbose!r}.")
    return 1 if verbose == "auto" else int(verbose)


def check_callbacks(callbacks) -> None:
    """``callbacks=`` must be a list (or tuple) of callbacks, or None; a lone callback is a common slip."""
    from ..callbacks.callback import Callback

    if callbacks is None or isinstance(callbacks, (list, tuple)):
        return
    hint = (f" Wrap it in a list: callbacks=[{type(callbacks).__name__}(...)]."
            if isinstance(callbacks, Callback) else "")
    raise TypeError(f"callbacks must be a list of callbacks (or None); got a single {type(callbacks).__name__}."
                    + hint)


def _several_arrays(value) -> bool:
    if isinstance(value, dict):
        return True
    return (isinstance(value, (list, tuple)) and len(value) > 1
            and all(isinstance(v, np.ndarray) and v.ndim >= 1 for v in value))


def as_array(value, arg: str, dtype=None) -> np.ndarray:
    if isinstance(value, (list, tuple)) and len(value) == 1 and isinstance(value[0], np.ndarray):
        value = value[0]  # a single-input model given [x]
    if _several_arrays(value):
        kind = "a dict" if isinstance(value, dict) else f"a {type(value).__name__} of {len(value)} arrays"
        what = "Multi-output models" if arg in ("y", "validation y") else "Multi-input models"
        raise ValueError(f"{arg} is {kind}; refimpl models take one array. " + out_of_scope(what))
    try:
        array = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{arg} must be a numpy array (or nested lists of numbers); could not convert it: {e}") from e
    if array.dtype == object:
        raise ValueError(f"{arg} must hold numbers; got an array of Python objects (ragged lists?).")
    if array.ndim == 0:
        raise ValueError(f"{arg} must have a batch dimension; got a scalar.")
    return array


def first_non_finite(array: np.ndarray) -> int | None:
    """The index of the first sample holding a NaN or an infinity, or None (integer arrays: always None)."""
    if array.dtype.kind not in "fc":
        return None
    # Chunked so that a large array is not doubled in memory by a boolean mask.
    step = max(1, (1 << 22) // max(1, array[:1].size))
    for start in range(0, len(array), step):
        chunk = array[start:start + step]
        if not np.isfinite(chunk).all():
            return start + int(np.argwhere((~np.isfinite(chunk.reshape(len(chunk), -1))).any(axis=1))[0, 0])
    return None


def warn_non_finite(arrays: dict) -> None:
    """One warning naming the first sample with a NaN or an infinity, if any of ``arrays`` has one.

    Keras 3 trains on such data (the loss becomes NaN or infinite, which ``TerminateOnNaN`` acts on),
    and so does refimpl; the warning says where the bad value is, before any epoch.
    """
    for arg, array in arrays.items():
        if array is None:
            continue
        row = first_non_finite(array)
        if row is not None:
            warnings.warn(f"{arg} contains NaN or infinite values (first at sample {row}); refimpl goes on as "
                          "Keras does, so the loss and the weights may become NaN or infinite (TerminateOnNaN "
                          "stops such a training run).", UserWarning, stacklevel=4)
            return


def make_source(x, y, sample_weight, batch_size, shuffle, arg: str, expect_targets: bool,
                check_values: bool = True) -> BatchSource:
    """Build the batch source for ``x`` (arrays, a generator or a PyDataset), checking it first."""
    if x is None:
        raise ValueError(f"{arg} is required: pass numpy arrays, a generator or a PyDataset.")
    if isinstance(x, PyDataset) or (hasattr(x, "__getitem__") and hasattr(x, "__len__") and hasattr(x, "on_epoch_end")
                                    and not isinstance(x, (np.ndarray, list, tuple))):
        _no_arrays_with_dataset(y, sample_weight, batch_size, "a PyDataset")
        return PyDatasetSource(x, where=arg)
    if is_generator_like(x):
        _no_arrays_with_dataset(y, sample_weight, batch_size, "a generator")
        return GeneratorSource(x, where=arg)
    x = as_array(x, arg, dtype="float32")
    n = len(x)
    if n == 0:
        raise ValueError(f"{arg} is empty: it has 0 samples.")
    if y is not None:
        y = as_array(y, "y")
        if len(y) != n:
            raise ValueError(f"x and y must have the same number of samples; got x with {n} and y with {len(y)}.")
    elif expect_targets:
        raise ValueError("y is required when x is an array: pass the targets as y=.")
    if sample_weight is not None:
        sample_weight = as_array(sample_weight, "sample_weight", dtype="float32")
        if sample_weight.ndim == 2 and sample_weight.shape[1] == 1:
            sample_weight = sample_weight[:, 0]
        if sample_weight.ndim != 1 or len(sample_weight) != n:
            raise ValueError(f"sample_weight must be a 1-D array with one weight per sample ({n}); "
                             f"got shape {sample_weight.shape}.")
        if check_values and (not np.isfinite(sample_weight).all() or (sample_weight < 0).any()):
            raise ValueError("sample_weight must hold finite values >= 0.")
    if check_values:
        warn_non_finite({arg: x, "y" if arg == "x" else f"the targets of {arg}": y})
    check_int(batch_size, "batch_size", 1, allow_none=True)
    return ArraySource(x, y, sample_weight, batch_size or 32, shuffle)


def _no_arrays_with_dataset(y, sample_weight, batch_size, kind: str) -> None:
    if y is not None:
        raise ValueError(f"y must not be given when x is {kind}: it yields the targets itself.")
    if sample_weight is not None:
        raise ValueError(f"sample_weight must not be given when x is {kind}: yield (x, y, sample_weight) instead.")
    if batch_size is not None:
        raise ValueError(f"batch_size must not be given when x is {kind}: it yields whole batches.")


def check_validation_freq(validation_freq) -> None:
    if isinstance(validation_freq, (list, tuple, set, range)):
        if not all(isinstance(v, Integral) and not isinstance(v, bool) and v >= 1 for v in validation_freq):
            raise ValueError("validation_freq as a list must hold 1-based epoch numbers (integers >= 1); "
                             f"got {validation_freq!r}.")
        return
    check_int(validation_freq, "validation_freq", 1)


def should_validate(epoch: int, validation_freq) -> bool:
    if isinstance(validation_freq, Integral):
        return (epoch + 1) % validation_freq == 0
    return (epoch + 1) in validation_freq


def check_validation_split(validation_split, x_is_array: bool) -> None:
    if validation_split is None or validation_split == 0:
        return
    if isinstance(validation_split, bool) or not isinstance(validation_split, Real) or not 0 <= validation_split < 1:
        raise ValueError(f"validation_split must be a float in [0, 1); got {validation_split!r}.")
    if not x_is_array:
        raise ValueError("validation_split is only supported for numpy arrays as x; with a generator or a "
                         "PyDataset, pass validation_data instead.")


def check_class_weight(class_weight, num_classes: int) -> dict | None:
    if class_weight is None:
        return None
    if not isinstance(class_weight, dict) or not class_weight:
        raise ValueError(f"class_weight must be a non-empty dict from class index to weight; got {class_weight!r}.")
    out = {}
    for key, weight in class_weight.items():
        if isinstance(key, bool) or not isinstance(key, Integral):
            raise ValueError(f"class_weight keys must be integer class indices; got {key!r}.")
        if not 0 <= key < num_classes:
            raise ValueError(f"class_weight has class {key}, which does not exist: the model predicts "
                             f"{num_classes} classes (0 to {num_classes - 1}).")
        if isinstance(weight, bool) or not isinstance(weight, Real) or not np.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{key}] must be a finite number >= 0; got {weight!r}.")
        out[int(key)] = float(weight)
    return out
