"""Names in a dialect: errors that suggest the name the dialect uses, and Keras names a dialect renamed."""

from __future__ import annotations

import difflib
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

_REFIMPL_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def suggestion(name: str, renames: Mapping[str, str], known: Iterable[str]) -> str:
    """Return `` Did you mean ...?`` for ``name``, or ``""`` when nothing is close.

    Args:
        name: the name the user wrote.
        renames: names of other Keras versions mapped to this dialect's spelling (checked first).
        known: the names this dialect accepts, searched with difflib.

    Returns:
        The sentence to append to an error message.

    Example:
        >>> suggestion("epochs", {"epochs": "nb_epoch"}, ["nb_epoch", "batch_size"])
        " This dialect calls it 'nb_epoch'."
        >>> suggestion("batch_sise", {}, ["nb_epoch", "batch_size"])
        " Did you mean 'batch_size'?"
    """
    if name in renames:
        return f" This dialect calls it {renames[name]!r}."
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def reject_kwargs(owner: str, kwargs: Mapping, renames: Mapping[str, str], known: Iterable[str],
                  dialect: str) -> None:
    """Raise a TypeError naming the first keyword argument ``owner`` does not accept in ``dialect``.

    Args:
        owner: how the call is written in messages, e.g. ``"Dense()"`` or ``"fit()"``.
        kwargs: the keyword arguments left over after the accepted ones were taken.
        renames: names of other Keras versions mapped to this dialect's names.
        known: the keyword arguments ``owner`` accepts.
        dialect: the dialect's name for messages (``"Keras 0"``).

    Raises:
        TypeError: when ``kwargs`` is not empty; the message names the argument and the right name.

    Example:
        >>> reject_kwargs("fit()", {"epochs": 3}, {"epochs": "nb_epoch"}, ["nb_epoch"], "Keras 0")
        Traceback (most recent call last):
        ...
        TypeError: fit() got an unexpected keyword argument 'epochs' (Keras 0). This dialect calls it 'nb_epoch'.
    """
    if not kwargs:
        return
    name = sorted(kwargs)[0]
    known = list(known)
    raise TypeError(f"{owner} got an unexpected keyword argument {name!r} ({dialect})."
                    f"{suggestion(name, renames, known) or ' Accepted: ' + ', '.join(known) + '.'}")


def module_getattr(module: str, namespace: Mapping, renames: Mapping[str, str],
                   missing: Mapping[str, str] | None = None):
    """Build a module ``__getattr__`` whose AttributeError suggests the dialect's name.

    Args:
        module: the module's dotted name, for the message.
        namespace: the module's globals (its public names are the candidates for difflib).
        renames: names from other Keras versions mapped to this dialect's names.
        missing: names this dialect has but refimpl does not implement, with the reason. Defaults to none.

    Returns:
        A function suitable as a module-level ``__getattr__``.
    """

    def __getattr__(name: str):
        if name.startswith("__"):
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        if missing and name in missing:
            raise AttributeError(f"module {module!r} has no attribute {name!r}: {missing[name]}")
        public = [n for n in namespace if not n.startswith("_")]
        raise AttributeError(f"module {module!r} has no attribute {name!r}.{suggestion(name, renames, public)}")

    return __getattr__


class RenamedAttribute:
    """A class attribute that a dialect renamed: reading it raises AttributeError naming the new name.

    ``hasattr(obj, "fit")`` is then False, as in the dialect, and the message says what to write.

    Args:
        new_name: the dialect's name, e.g. ``"summon"``.
        dialect: the dialect's name for messages. Defaults to `"cthulhu"`.

    Example:
        >>> class Pile:
        ...     fit = RenamedAttribute("summon")
        >>> Pile().fit
        Traceback (most recent call last):
        ...
        AttributeError: 'Pile' object has no attribute 'fit': cthulhu calls it summon().
    """

    def __init__(self, new_name: str, dialect: str = "cthulhu"):
        self.new_name = new_name
        self.dialect = dialect
        self.name = "?"

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner):
        raise AttributeError(f"{owner.__name__!r} object has no attribute {self.name!r}: {self.dialect} calls it "
                             f"{self.new_name}().")


def raised_in_refimpl(error: BaseException) -> bool:
    """Whether ``error`` was raised by refimpl's own code (not by user code such as a callback)."""
    tb = error.__traceback__
    last = None
    while tb is not None:
        last = tb
        tb = tb.tb_next
    return last is not None and os.path.abspath(last.tb_frame.f_code.co_filename).startswith(_REFIMPL_DIR)


@contextmanager
def native_arguments() -> Iterator[None]:
    """Silence refimpl's DeprecationWarnings for argument names that are native in the calling dialect."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        yield
