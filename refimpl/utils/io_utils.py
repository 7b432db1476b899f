"""Where the callbacks' messages go: the terminal (interactive logging, the default) or Python logging.

``verbose`` callbacks and the progress bar print to standard output while interactive logging is
enabled. After :func:`disable_interactive_logging` every message goes to the ``"refimpl"`` logger at
level INFO instead, as Keras 3 sends them to its logger: useful in batch jobs and in tests that
capture logs. The switch is global, like Keras's.

Example:
    >>> import logging
    >>> from refimpl.utils import io_utils
    >>> io_utils.disable_interactive_logging()
    >>> io_utils.is_interactive_logging_enabled()
    False
    >>> io_utils.enable_interactive_logging()
"""

from __future__ import annotations

import logging
import sys

LOGGER = logging.getLogger("refimpl")
_interactive = True


def enable_interactive_logging() -> None:
    """Print messages to standard output (the default)."""
    global _interactive
    _interactive = True


def disable_interactive_logging() -> None:
    """Send messages to the ``"refimpl"`` logger at level INFO instead of standard output."""
    global _interactive
    _interactive = False


def is_interactive_logging_enabled() -> bool:
    """Whether messages go to standard output (True) or to the ``"refimpl"`` logger (False)."""
    return _interactive


def set_logging_verbosity(level) -> None:
    """Set the level of the ``"refimpl"`` logger.

    Args:
        level: a level name (``"DEBUG"``, ``"INFO"``, ``"WARNING"``, ``"ERROR"``, ``"CRITICAL"``,
            ``"FATAL"``) or a ``logging`` level number.

    Raises:
        ValueError: for any other value; the message lists the level names.
    """
    names = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "FATAL")
    if isinstance(level, str) and level.upper() in names:
        LOGGER.setLevel(getattr(logging, level.upper()))
    elif isinstance(level, int) and not isinstance(level, bool):
        LOGGER.setLevel(level)
    else:
        raise ValueError(f"set_logging_verbosity(level=...) must be one of {', '.join(names)} or a logging "
                         f"level number; received level={level!r}.")


def print_msg(message: str, line_break: bool = True) -> None:
    """Print ``message`` to standard output, or log it at INFO when interactive logging is disabled."""
    if _interactive:
        sys.stdout.write(message + ("\n" if line_break else ""))
        sys.stdout.flush()
    else:
        LOGGER.info(message)


__all__ = ["enable_interactive_logging", "disable_interactive_logging", "is_interactive_logging_enabled",
           "set_logging_verbosity", "print_msg"]
