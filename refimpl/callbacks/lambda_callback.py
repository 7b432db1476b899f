"""``LambdaCallback``: a callback built from plain functions, one per hook."""

from __future__ import annotations

import warnings
from collections.abc import Callable

from .callback import Callback

# Every hook a LambdaCallback accepts as a keyword, with the positional arguments its function receives.
_INDEXED_HOOKS = (
    "on_epoch_begin", "on_epoch_end",
    "on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end",
    "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end",
)
_PLAIN_HOOKS = (
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
)
HOOK_NAMES = _INDEXED_HOOKS + _PLAIN_HOOKS


class LambdaCallback(Callback):
    """A callback whose hooks are the functions passed as keywords.

    Each function receives the hook's arguments positionally: ``(epoch, logs)`` for the epoch hooks,
    ``(batch, logs)`` for the batch hooks and ``(logs)`` for the ``*_begin`` / ``*_end`` hooks of
    ``fit``, ``evaluate`` and ``predict``. Only the hooks given are called.

    ``on_batch_begin`` / ``on_batch_end`` are the Keras 1/2 names of the training-batch hooks: they fire
    for training batches only, and only when ``on_train_batch_begin`` / ``on_train_batch_end`` are not
    given as well.

    Args:
        on_epoch_begin: called as ``f(epoch, logs)`` at the start of every epoch. Defaults to `None`.
        on_epoch_end: called as ``f(epoch, logs)`` at the end of every epoch. Defaults to `None`.
        on_train_begin: called as ``f(logs)`` when ``fit`` starts. Defaults to `None`.
        on_train_end: called as ``f(logs)`` when ``fit`` ends. Defaults to `None`.
        on_train_batch_begin: called as ``f(batch, logs)`` before every training batch. Defaults to `None`.
        on_train_batch_end: called as ``f(batch, logs)`` after every training batch. Defaults to `None`.
        on_batch_begin: Keras 1/2 name of ``on_train_batch_begin``. Defaults to `None`.
        on_batch_end: Keras 1/2 name of ``on_train_batch_end``. Defaults to `None`.
        on_test_begin: called as ``f(logs)`` when an evaluation starts. Defaults to `None`.
        on_test_end: called as ``f(logs)`` when an evaluation ends. Defaults to `None`.
        on_test_batch_begin: called as ``f(batch, logs)`` before every evaluation batch. Defaults to `None`.
        on_test_batch_end: called as ``f(batch, logs)`` after every evaluation batch. Defaults to `None`.
        on_predict_begin: called as ``f(logs)`` when ``predict`` starts. Defaults to `None`.
        on_predict_end: called as ``f(logs)`` when ``predict`` ends. Defaults to `None`.
        on_predict_batch_begin: called as ``f(batch, logs)`` before every prediction batch.
            Defaults to `None`.
        on_predict_batch_end: called as ``f(batch, logs)`` after every prediction batch. Defaults to `None`.

        **kwargs: any other keyword argument is kept as an attribute of the callback, as in Keras; a
            name that starts with ``on_`` but is not a hook (a misspelling) gets a warning listing the hooks.

    Raises:
        TypeError: when a hook's value is neither callable nor None, or when a train-batch hook is given
            under both its names.

    Example:
        >>> import numpy as np
        >>> import refimpl as keras
        >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> seen = []
        >>> record = keras.callbacks.LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: seen.append((epoch, sorted(logs))))
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[record])
        >>> seen
        [(0, ['loss']), (1, ['loss'])]
    """

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 on_batch_begin: Callable | None = None, on_batch_end: Callable | None = None,
                 on_test_begin: Callable | None = None, on_test_end: Callable | None = None,
                 on_test_batch_begin: Callable | None = None, on_test_batch_end: Callable | None = None,
                 on_predict_begin: Callable | None = None, on_predict_end: Callable | None = None,
                 on_predict_batch_begin: Callable | None = None, on_predict_batch_end: Callable | None = None,
                 **kwargs):
        super().__init__()
        arguments = dict(locals())
        given = {name: arguments[name] for name in HOOK_NAMES if arguments[name] is not None}
        for name, function in given.items():
            if not callable(function):
                raise TypeError(f"LambdaCallback({name}=...) must be a function or None; "
                                f"got {type(function).__name__}: {function!r}.")
        # The Keras 1/2 names stand in for the train-batch hooks; both at once would leave one unused.
        for new_name, old_name in (("on_train_batch_begin", "on_batch_begin"),
                                   ("on_train_batch_end", "on_batch_end")):
            if old_name in given:
                if new_name in given:
                    raise TypeError(f"LambdaCallback got both {new_name} and {old_name} (its Keras 2 name); "
                                    "pass only one.")
                given[new_name] = given.pop(old_name)
        self._hooks = given
        # Other keyword arguments become attributes, as in Keras; one named like a hook is never called.
        misspelled = sorted(name for name in kwargs if name.startswith("on_"))
        if misspelled:
            warnings.warn(f"LambdaCallback: {', '.join(misspelled)} is not a hook, so it is kept as an attribute "
                          f"and never called; the hooks are: {', '.join(HOOK_NAMES)}.", UserWarning, stacklevel=2)
        self.__dict__.update(kwargs)
        # The callback list skips hooks a class does not override, so each instance gets a class
        # that overrides exactly the hooks given: hooks left out cost nothing per batch.
        self.__class__ = _class_for(frozenset(given))

    def __repr__(self) -> str:
        return f"LambdaCallback({', '.join(sorted(self._hooks))})"


def _indexed_hook(name: str):
    def hook(self, index: int, logs: dict | None = None) -> None:
        self._hooks[name](index, logs)

    hook.__name__ = hook.__qualname__ = name
    return hook


def _plain_hook(name: str):
    def hook(self, logs: dict | None = None) -> None:
        self._hooks[name](logs)

    hook.__name__ = hook.__qualname__ = name
    return hook


_CLASSES: dict[frozenset, type] = {}


def _class_for(names: frozenset) -> type:
    cls = _CLASSES.get(names)
    if cls is None:
        methods = {name: (_indexed_hook(name) if name in _INDEXED_HOOKS else _plain_hook(name))
                   for name in names}
        cls = type("LambdaCallback", (LambdaCallback,), {**methods, "__module__": __name__,
                                                         "__doc__": LambdaCallback.__doc__})
        _CLASSES[names] = cls
    return cls
