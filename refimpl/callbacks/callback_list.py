"""``CallbackList``: calls each hook on every callback that defines it, in order.

A callback defines a hook on its class (at any depth of subclassing, mixins included), on the instance
(``self.on_epoch_end = ...``, in ``__init__`` or during the run, as tqdm does), or through the legacy names
``on_batch_begin``/``on_batch_end``, which stand in for the train-batch hooks. ``_implements_*_batch_hooks``
are ignored, as Keras 3 ignores them.

Which callbacks define which hook is resolved when the list is built and again whenever that may have changed:
a hook set on or deleted from a callback instance (``Callback.__setattr__`` bumps a generation counter),
callbacks added to ``self.callbacks``, and around every begin hook of a run or an epoch (a class patched during
the run). The per-batch path compares two integers and loops over the callbacks that define the hook, so
callbacks that define nothing cost nothing.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable

from .callback import HOOK_GENERATION, HOOKS, LEGACY_ALIASES, Callback


def _add_hook_note(error: BaseException, callback, hook: str) -> None:
    note = f"Raised in callback {type(callback).__name__}.{hook}()."
    if hasattr(error, "add_note"):
        error.add_note(note)
    else:  # Python 3.10
        error.__notes__ = [*getattr(error, "__notes__", []), note]


def _defines(callback: Callback, hook: str) -> bool:
    """Whether ``callback`` has ``hook`` of its own: set on the instance, or on a class other than Callback."""
    if hook in getattr(callback, "__dict__", ()):
        return True
    method = getattr(type(callback), hook, None)
    return method is not None and method is not getattr(Callback, hook)


def _target(callback: Callback, hook: str) -> str | None:
    """The name to call for ``hook`` on ``callback`` (the hook or its legacy alias), or None to skip it."""
    if _defines(callback, hook):
        return hook
    alias = LEGACY_ALIASES.get(hook)
    if alias is not None and _defines(callback, alias):
        return alias
    return None


def _takes_logs(method, indexed: bool) -> bool:
    """Whether a hook accepts ``logs`` (Keras 0 hooks were ``on_batch_end(self, batch)``)."""
    try:
        params = list(inspect.signature(method).parameters.values())
    except (TypeError, ValueError):
        return True
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return True
    return len(params) >= (2 if indexed else 1)


class CallbackList:
    """An ordered list of callbacks that dispatches each hook to those that define it.

    ``fit`` builds one, adding ``History`` (and ``ProgbarLogger`` when ``verbose`` is not 0) after the
    user's callbacks unless the user passed their own.

    Args:
        callbacks: the callbacks, in call order. Defaults to none.
        add_history: append a ``History`` unless one is in ``callbacks``. Defaults to `False`.
        add_progbar: append a ``ProgbarLogger`` unless one is in ``callbacks``. Defaults to `False`.
        model: the model passed to every callback's ``set_model``. Defaults to None.
        profile: the contract profile (:mod:`refimpl.profiles`) the loop follows; every callback gets it as
            ``callback.profile``. Defaults to Keras 3's.
        fit_state: the loop's ``FitState`` during ``fit``; every callback gets it as ``callback.fit_state``.
            Defaults to None (the list leaves each callback's ``fit_state`` as it was).
        **params: the loop's parameters passed to every callback's ``set_params``.

    Raises:
        TypeError: when an element is not a ``Callback``.
    """

    def __init__(self, callbacks: Iterable[Callback] | None = None, add_history: bool = False,
                 add_progbar: bool = False, model=None, profile=None, fit_state=None, **params):
        from ..profiles import KERAS3

        self.profile = profile or KERAS3
        self.fit_state = fit_state
        self.callbacks: list[Callback] = []
        for position, cb in enumerate(callbacks or []):
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks[{position}] must be a keras callback (a subclass of "
                                f"refimpl.callbacks.Callback); got {type(cb).__name__}: {cb!r}.")
            self.callbacks.append(cb)
        self._add_default_callbacks(add_history, add_progbar)
        for cb in self.callbacks:
            self._attach(cb)
        self.model = None
        self.params: dict = {}
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)
        self._build_dispatch()

    def _add_default_callbacks(self, add_history: bool, add_progbar: bool) -> None:
        from .base_logger import BaseLogger
        from .history import History
        from .progbar_logger import ProgbarLogger

        self.history = next((cb for cb in self.callbacks if isinstance(cb, History)), None)
        self.progbar = next((cb for cb in self.callbacks if isinstance(cb, ProgbarLogger)), None)
        if self.history is None and add_history:
            self.history = History()
            self.callbacks.append(self.history)
        if self.progbar is None and add_progbar:
            self.progbar = ProgbarLogger()
            self.callbacks.append(self.progbar)
        if self.profile.base_logger and add_history and not any(isinstance(cb, BaseLogger) for cb in self.callbacks):
            self.callbacks.insert(0, BaseLogger())

    def _attach(self, callback: Callback) -> None:
        """Give ``callback`` what the loop shares with every callback: its profile and (in fit) its FitState."""
        callback.profile = self.profile
        if self.fit_state is not None:
            callback.fit_state = self.fit_state

    def _build_dispatch(self) -> None:
        """Resolve which callbacks define each hook (skipping hooks nobody defines)."""
        self._generation = HOOK_GENERATION[0]
        self._count = len(self.callbacks)
        self._dispatch: dict[str, list] = {}
        for hook in HOOKS:
            indexed = "batch" in hook or "epoch" in hook
            targets = []
            for cb in self.callbacks:
                name = _target(cb, hook)
                if name is None:
                    continue
                with_logs = self.profile.hooks_take_logs or _takes_logs(getattr(cb, name), indexed)
                targets.append((cb, name, with_logs))
            self._dispatch[hook] = targets

    def _targets(self, hook: str) -> list:
        if self._generation != HOOK_GENERATION[0] or self._count != len(self.callbacks):
            self._build_dispatch()
        return self._dispatch[hook]

    def dispatches(self, hook: str) -> bool:
        """Whether any callback in the list defines ``hook`` now (the answer may change during a run)."""
        return bool(self._targets(hook))

    def append(self, callback: Callback) -> None:
        """Add ``callback`` at the end, with the list's model and params; it hears every hook call from now on.

        Raises:
            TypeError: when ``callback`` is not a ``Callback``.
        """
        if not isinstance(callback, Callback):
            raise TypeError(f"append() needs a Callback; got {type(callback).__name__}.")
        self.callbacks.append(callback)
        self._attach(callback)
        if self.model is not None:
            callback.set_model(self.model)
        callback.set_params(self.params)

    def set_params(self, params: dict) -> None:
        self.params = params
        for cb in self.callbacks:
            cb.set_params(params)

    def set_model(self, model) -> None:
        self.model = model
        for cb in self.callbacks:
            cb.set_model(model)

    def __iter__(self):
        return iter(self.callbacks)

    def __len__(self) -> int:
        return len(self.callbacks)

    def _call(self, hook: str, logs: dict) -> None:
        count = len(self.callbacks)
        for cb, name, with_logs in self._targets(hook):
            try:
                getattr(cb, name)(logs) if with_logs else getattr(cb, name)()
            except BaseException as error:
                _add_hook_note(error, cb, name)
                raise
        if count != len(self.callbacks):
            self._call_joined(hook, count, (logs,))

    def _call_indexed(self, hook: str, index: int, logs: dict) -> None:
        count = len(self.callbacks)
        for cb, name, with_logs in self._targets(hook):
            try:
                getattr(cb, name)(index, logs) if with_logs else getattr(cb, name)(index)
            except BaseException as error:
                _add_hook_note(error, cb, name)
                raise
        if count != len(self.callbacks):
            self._call_joined(hook, count, (index, logs))

    def _call_joined(self, hook: str, count: int, args: tuple) -> None:
        """Callbacks appended during this hook call receive it too (Keras 3 loops over the live list)."""
        joined = self.callbacks[count:]
        self._build_dispatch()
        for cb, name, with_logs in self._dispatch[hook]:
            if any(cb is j for j in joined):
                try:
                    getattr(cb, name)(*args) if with_logs else getattr(cb, name)(*args[:-1])
                except BaseException as error:
                    _add_hook_note(error, cb, name)
                    raise

    def _begin(self, hook: str, args: tuple) -> None:
        """A begin hook of a run or an epoch: resolve afresh before and after (a class may have been patched)."""
        self._build_dispatch()
        if len(args) == 2:
            self._call_indexed(hook, *args)
        else:
            self._call(hook, *args)
        self._build_dispatch()

    # --------------------------------------------------------------------------------------------- hooks
    def on_train_begin(self, logs: dict | None = None) -> None:
        self._begin("on_train_begin", ({} if logs is None else logs,))

    def on_train_end(self, logs: dict | None = None) -> None:
        self._call("on_train_end", {} if logs is None else logs)

    def on_test_begin(self, logs: dict | None = None) -> None:
        self._begin("on_test_begin", ({} if logs is None else logs,))

    def on_test_end(self, logs: dict | None = None) -> None:
        self._call("on_test_end", {} if logs is None else logs)

    def on_predict_begin(self, logs: dict | None = None) -> None:
        self._begin("on_predict_begin", ({} if logs is None else logs,))

    def on_predict_end(self, logs: dict | None = None) -> None:
        self._call("on_predict_end", {} if logs is None else logs)

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self._begin("on_epoch_begin", (epoch, {} if logs is None else logs))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_epoch_end", epoch, {} if logs is None else logs)

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_train_batch_begin", batch, {} if logs is None else logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_train_batch_end", batch, {} if logs is None else logs)

    def on_test_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_test_batch_begin", batch, {} if logs is None else logs)

    def on_test_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_test_batch_end", batch, {} if logs is None else logs)

    def on_predict_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_predict_batch_begin", batch, {} if logs is None else logs)

    def on_predict_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self._call_indexed("on_predict_batch_end", batch, {} if logs is None else logs)

    # Legacy spellings some Keras 1/2 loops call directly.
    on_batch_begin = on_train_batch_begin
    on_batch_end = on_train_batch_end
