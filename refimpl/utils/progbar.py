"""A terminal progress bar in the style Keras prints during ``fit``."""

from __future__ import annotations

import sys
import time


def _format_value(value) -> str:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{v:.4f}" if 1e-3 <= abs(v) < 1e4 or v == 0 else f"{v:.4e}"


def _format_time(seconds: float) -> str:
    if seconds >= 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds >= 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _format_rate(seconds_per_step: float, unit: str) -> str:
    if seconds_per_step >= 1:
        return f"{seconds_per_step:.0f}s/{unit}"
    if seconds_per_step >= 1e-3:
        return f"{seconds_per_step * 1e3:.0f}ms/{unit}"
    return f"{seconds_per_step * 1e6:.0f}us/{unit}"


class Progbar:
    """Displays progress towards ``target`` steps.

    Args:
        target: total number of steps, or None when unknown.
        width: width of the bar in characters. Defaults to 20.
        verbose: 1 redraws one line in place (a bar on a terminal), 2 prints one line when done,
            0 prints nothing. Defaults to 1.
        unit_name: what a step is called in the rate. Defaults to ``"step"``.
        stream: where to write. Defaults to ``sys.stdout`` at the time of writing.
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, unit_name: str = "step",
                 stream=None):
        self.target, self.width, self.verbose, self.unit_name = target, width, verbose, unit_name
        self._stream = stream
        self._start = time.monotonic()
        self._last_len = 0
        self._values: dict = {}

    @property
    def stream(self):
        return self._stream or sys.stdout

    def _interactive(self) -> bool:
        isatty = getattr(self.stream, "isatty", None)
        return bool(isatty and isatty())

    def update(self, current: int, values: dict | None = None, finalize: bool | None = None) -> None:
        """Show ``current`` steps done and the latest ``values`` (already averaged by the caller)."""
        if values:
            self._values = dict(values)
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 0 or (self.verbose == 2 and not finalize):
            return
        elapsed = time.monotonic() - self._start
        per_step = elapsed / current if current else 0.0
        metrics = "".join(f" - {k}: {_format_value(v)}" for k, v in self._values.items())
        if self.verbose == 2:
            line = f"{current}/{self.target} - {_format_time(elapsed)} - {_format_rate(per_step, self.unit_name)}"
            self.stream.write(line + metrics + "\n")
            self.stream.flush()
            return
        if self.target is not None:
            digits = len(str(self.target))
            done = int(self.width * min(current, self.target) / self.target) if self.target else self.width
            bar = "━" * done + "─" * (self.width - done)
            head = f"{current:>{digits}}/{self.target} {bar}"
        else:
            head = f"{current:>7}/Unknown"
        if finalize:
            tail = f" {_format_time(elapsed)} {_format_rate(per_step, self.unit_name)}"
        else:
            eta = per_step * (self.target - current) if self.target else 0.0
            tail = f" {_format_time(eta)} {_format_rate(per_step, self.unit_name)}" if self.target else ""
        line = head + tail + metrics
        if self._interactive():
            pad = " " * max(self._last_len - len(line), 0)
            self.stream.write("\r" + line + pad + ("\n" if finalize else ""))
        elif finalize:
            # Not a terminal: write only the final state, one line, so logs stay readable.
            self.stream.write(line + "\n")
        self._last_len = len(line)
        self.stream.flush()
