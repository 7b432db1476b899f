"""What a run program (`conformance.callback_check.program`) uses: the callback, a hook recorder, the checks.

`start()` makes a fresh working directory and the callback under test; `Run.call()` wraps one
fit/evaluate/predict call: it records what the callback receives and prints, lets an interruption by the other
callback end the call, and afterwards reads back every file in the working directory and checks the declared
invariants, raising `Finding` on the first problem. A crash of the callback propagates unchanged, with the
hook it happened in remembered in `Run.crash`.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import traceback
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

from conformance.callback_check.readers import check_files
from conformance.callback_check.subject import CallRecord, HookCall, RunRecord, load_subject

# Where working directories are made (None: the system's temporary directory), and whether what the calls
# print is echoed: the worker sets both; a replayed snippet keeps the defaults.
WORKDIR_BASE: str | None = None
ECHO = True
HOOK_PREFIX = "on_"


class RunInterrupted(Exception):
    """Raised by the other callback's ``interrupt`` action: the run ends there, as after Ctrl-C."""


class Finding(AssertionError):
    """The check found a problem after a call: a file that does not read back, or a broken invariant.

    Attributes:
        kind: ``"file"`` or ``"invariant"`` (crashes and hangs are found by the worker).
        where: The file (relative to the working directory) or the invariant's name.
        message: What went wrong.
    """

    def __init__(self, kind: str, where: str, message: str):
        super().__init__(f"{kind} {where}: {message}")
        self.kind, self.where, self.message = kind, where, message


class _Tee(io.TextIOBase):
    def __init__(self, buffer: io.StringIO, echo: Any):
        self.buffer_, self.echo = buffer, echo

    def write(self, s: str) -> int:
        self.buffer_.write(s)
        if self.echo is not None:
            self.echo.write(s)
        return len(s)

    def flush(self) -> None:
        if self.echo is not None:
            self.echo.flush()

    def isatty(self) -> bool:
        return False


def _witness_class(keras: ModuleType) -> type:
    class Witness(keras.callbacks.Callback):
        """Listed just before the callback under test: records every hook call it receives, and its logs."""

        def __init__(self, run: Run):
            super().__init__()
            self.run, self.depth, self.current = run, 0, None

        def _seen(self, hook: str, index: int | None, logs: Any) -> None:
            if self.current is not None:
                self.current.events.append(HookCall(hook, index, None if logs is None else dict(logs), self.depth))

    for hook in ("on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin",
                 "on_predict_end"):
        setattr(Witness, hook, lambda self, logs=None, _h=hook: self._seen(_h, None, logs))
    for hook in ("on_epoch_begin", "on_epoch_end", "on_train_batch_begin", "on_train_batch_end",
                 "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin", "on_predict_batch_end"):
        setattr(Witness, hook, lambda self, index, logs=None, _h=hook: self._seen(_h, index, logs))
    return Witness


def crash_site(exc: BaseException, callback: Any) -> str:
    """The callback's method the exception came from (its hook), or where else it came from."""
    tb, hook, method = exc.__traceback__, None, None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_locals.get("self") is callback:
            method = frame.f_code.co_name
            if method.startswith(HOOK_PREFIX) or method in ("set_model", "set_params"):
                hook = method
        tb = tb.tb_next
    if hook:
        return hook
    if method:
        return f"{method} (a method of the callback)"
    return "outside the callback"


class Run:
    """One run of the callback under test: its working directory, the callback, the record, the checks."""

    def __init__(self, target: str, keras: ModuleType, workdir: Path):
        self.target, self.keras, self.workdir = target, keras, workdir
        self.subject = load_subject(target, workdir, keras)
        self.callback = self.subject.callback
        self.invariants = self.subject.all_invariants()
        self.witness = _witness_class(keras)(self)
        self.record = RunRecord(workdir, keras)
        self.crash: dict[str, Any] | None = None
        self.unchecked: set[str] = set()

    @contextlib.contextmanager
    def nested(self) -> Iterator[None]:
        """Mark the hooks received meanwhile as those of a call nested in the current one."""
        self.witness.depth += 1
        try:
            yield
        finally:
            self.witness.depth -= 1

    @contextlib.contextmanager
    def call(self, method: str, **arguments: Any) -> Iterator[CallRecord]:
        """Wrap one fit/evaluate/predict call; see the module docstring."""
        rec = CallRecord(len(self.record.calls), method, arguments)
        self.record.calls.append(rec)
        self.witness.current = rec
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(_Tee(buffer, sys.stdout if ECHO else None)), \
                    contextlib.redirect_stderr(_Tee(buffer, sys.stderr if ECHO else None)):
                yield rec
        except RunInterrupted:
            rec.outcome, rec.result = "interrupted", None
        except BaseException as e:
            self.crash = {"where": crash_site(e, self.callback), "call": rec.index, "method": method,
                          "depth": self.witness.depth, "type": type(e).__name__,
                          "message": (str(e).splitlines() or [""])[0][:300],
                          "traceback": "".join(traceback.format_exception(type(e), e, e.__traceback__))[-6000:]}
            raise
        finally:
            rec.output = buffer.getvalue()
            self.witness.depth = 0
        self.verify()

    def verify(self) -> None:
        """Read back every file and check every invariant; raise `Finding` on the first problem."""
        problems, unchecked = check_files(self.workdir, self.subject.readers)
        self.unchecked.update(unchecked)
        if problems:
            raise Finding("file", problems[0].split(": ", 1)[0], "\n".join(problems))
        for name, check in self.invariants:
            try:
                ok = check(self.record)
            except AssertionError as e:
                raise Finding("invariant", name, str(e) or "assertion failed") from e
            except Exception as e:
                raise Finding("invariant", name, f"the invariant raised {type(e).__name__}: {e}") from e
            if ok is False:
                raise Finding("invariant", name, "returned False")

    def finish(self) -> None:
        """The end of the run (nothing left to check: every call was checked when it returned)."""
        self.witness.current = None


def start(target: str, keras: ModuleType, workdir: str | Path | None = None) -> Run:
    """Make a fresh working directory and the callback of `target` (``"module:factory"``) for one run."""
    path = Path(workdir) if workdir is not None else Path(tempfile.mkdtemp(prefix="callback-check-",
                                                                             dir=WORKDIR_BASE))
    path.mkdir(parents=True, exist_ok=True)
    return Run(target, keras, path)


__all__ = ["Finding", "Run", "RunInterrupted", "crash_site", "start"]
