"""The callback under test: how a factory names it, what its author declares about it, what a run recorded.

A *target* is ``"module:factory"``. The factory is called once per run with the keyword arguments it names,
out of:

- ``workdir``: a fresh, empty :class:`pathlib.Path` for the files the callback writes (they are checked
  after every call of the run);
- ``keras``: the Keras-like module under test (``refimpl`` by default, ``keras`` with ``--impl keras3-jax``).

It returns the callback, or a :class:`Subject` (the callback plus invariants and file readers), or a
``(callback, invariants)`` pair. A callback class may also declare its invariants itself, as
``conformance_invariants``: a sequence of functions ``f(callback, record)`` or names of methods
``m(self, record)``. An invariant is checked after every fit/evaluate/predict call of a run, whether the call
completed or was interrupted; it signals a break by raising ``AssertionError`` (any other exception is reported
too) or by returning ``False``.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

Invariant = Callable[[Any, "RunRecord"], Any]
Reader = Callable[[Path], Any]
FACTORY_ARGUMENTS = ("workdir", "keras")


class TargetError(ValueError):
    """The ``module:factory`` target cannot be loaded or returned something unusable; the message says why."""


@dataclass
class Subject:
    """A callback under test, with what its author declares about it.

    Args:
        callback: The callback instance (a subclass of the implementation's ``keras.callbacks.Callback``).
        invariants: Functions ``f(callback, record)`` checked after every call; see the module docstring.
            Defaults to `()`.
        readers: File readers by file-name ending (``{".parquet": read_parquet}``), used in addition to (and
            before) the built-in readers of `conformance.callback_check.readers`; a reader raises on a file
            it cannot read. Defaults to `{}`.
    """

    callback: Any
    invariants: Sequence[Invariant] = ()
    readers: Mapping[str, Reader] = field(default_factory=dict)

    def all_invariants(self) -> list[tuple[str, Callable[[RunRecord], Any]]]:
        """(name, check(record)) for the declared invariants and the class's ``conformance_invariants``."""
        out: list[tuple[str, Callable[[RunRecord], Any]]] = []
        for inv in self.invariants:
            out.append((_name(inv), lambda record, inv=inv: inv(self.callback, record)))
        for item in getattr(type(self.callback), "conformance_invariants", ()) or ():
            if isinstance(item, str):
                method = getattr(self.callback, item, None)
                if not callable(method):
                    raise TargetError(f"{type(self.callback).__name__}.conformance_invariants names {item!r}, "
                                      "which is not a method of the callback")
                out.append((f"{type(self.callback).__name__}.{item}", method))
            elif callable(item):
                out.append((_name(item), lambda record, inv=item: inv(self.callback, record)))
            else:
                raise TargetError(f"{type(self.callback).__name__}.conformance_invariants holds {item!r}: "
                                  "expected functions f(callback, record) or method names")
        return out


def _name(f: Any) -> str:
    return getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or repr(f)


def resolve_target(target: str) -> Callable[..., Any]:
    """The factory named by ``"module:factory"`` (``factory`` may be dotted: ``module:Class.build``).

    Raises:
        TargetError: If `target` is not of that form, or the module or the name cannot be found.
    """
    module_name, sep, attr = str(target).partition(":")
    if not sep or not module_name or not attr:
        raise TargetError(f"--callback takes MODULE:FACTORY (e.g. my_pkg.callbacks:make_logger); got {target!r}")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as e:
        raise TargetError(f"--callback {target}: cannot import module {module_name!r} ({e})") from e
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as e:
            raise TargetError(f"--callback {target}: module {module_name!r} has no {attr!r}") from e
    if not callable(obj):
        raise TargetError(f"--callback {target}: {attr!r} is not callable")
    return obj


def load_subject(target: str, workdir: Path, keras: ModuleType) -> Subject:
    """Call the factory of `target` with the arguments it names and return the callback as a `Subject`.

    Raises:
        TargetError: If the factory takes arguments other than `workdir` and `keras`, or returns something
            that is not a callback of `keras`.
    """
    factory = resolve_target(target)
    offered = {"workdir": Path(workdir), "keras": keras}
    try:
        params = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        params = {}
    kwargs = {}
    for name, p in params.items():
        if name in offered:
            kwargs[name] = offered[name]
        elif p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise TargetError(f"--callback {target}: the factory's argument {name!r} cannot be supplied; "
                              f"a factory may take: {', '.join(FACTORY_ARGUMENTS)}")
    made = factory(**kwargs)
    if isinstance(made, Subject):
        subject = made
    elif isinstance(made, tuple) and len(made) == 2:
        subject = Subject(made[0], tuple(made[1]))
    else:
        subject = Subject(made)
    if not isinstance(subject.callback, keras.callbacks.Callback):
        raise TargetError(f"--callback {target}: the factory returned {type(subject.callback).__name__}, not a "
                          f"subclass of {keras.__name__}.callbacks.Callback")
    subject.all_invariants()  # a bad conformance_invariants fails here, before any run
    return subject


@dataclass
class HookCall:
    """One hook call as the callback under test received it (recorded just before it)."""

    hook: str
    index: int | None
    logs: dict[str, Any] | None
    depth: int  # 0 for the call's own hooks, 1 inside an evaluate() nested in it


@dataclass
class CallRecord:
    """One fit/evaluate/predict call of a run.

    Attributes:
        index: Its position in the run (0-based).
        method: ``"fit"``, ``"evaluate"`` or ``"predict"``.
        arguments: What the call was given (the plan's fields: ``epochs``, ``steps``, ``validation``, ...).
        outcome: ``"completed"`` or ``"interrupted"`` (another callback raised, as after Ctrl-C).
        result: What the call returned (a History, evaluate's value, predictions), `None` if interrupted.
        events: Every hook the callback received, in order.
        output: What was printed to stdout and stderr during the call.
    """

    index: int
    method: str
    arguments: dict[str, Any]
    outcome: str = "completed"
    result: Any = None
    events: list[HookCall] = field(default_factory=list)
    output: str = ""

    @property
    def epochs(self) -> list[int]:
        """The epochs whose ``on_epoch_end`` the callback received in this call (not in nested calls)."""
        return [e.index for e in self.events if e.hook == "on_epoch_end" and e.depth == 0]

    def hooks(self, depth: int | None = 0) -> list[str]:
        """The names of the hooks received, at `depth` (`None`: all)."""
        return [e.hook for e in self.events if depth is None or e.depth == depth]


@dataclass
class RunRecord:
    """What a run has done so far, handed to invariants after each call.

    Attributes:
        workdir: The directory the factory was given.
        keras: The Keras-like module.
        model: The model every call of the run uses.
        calls: The calls so far; the last is the one just finished.
    """

    workdir: Path
    keras: ModuleType
    model: Any = None
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def last(self) -> CallRecord:
        return self.calls[-1]


__all__ = ["CallRecord", "HookCall", "RunRecord", "Subject", "TargetError", "load_subject", "resolve_target"]
