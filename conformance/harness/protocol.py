"""The harness protocol, version 1, as data: message types, their required fields, and a checker.

Suite to harness: `start`, then `run` per scenario, then `stop`. Harness to suite: `hello` after `start`;
for each `run`, `event` messages (one per hook call, numbered by `seq` from 0 across the process), one
`call_end` per call, then `done` (or a single `setup_error` if the model could not be built); `bye` after
`stop`; `fatal` when it cannot go on. The documentation page docs/harness-protocol is written from this module.
"""

from __future__ import annotations

from typing import Any

PROTOCOL_VERSION = 1

HOOKS = (
    "on_train_begin", "on_train_end", "on_test_begin", "on_test_end", "on_predict_begin", "on_predict_end",
    "on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_batch_begin",
    "on_train_batch_end", "on_test_batch_begin", "on_test_batch_end", "on_predict_batch_begin",
    "on_predict_batch_end",
)

# type -> {field: accepted Python types}; every message also has "type".
TO_SUITE: dict[str, dict[str, tuple[type, ...]]] = {
    "hello": {"protocol": (int,), "implementation": (dict,)},
    "event": {"id": (str,), "call": (int,), "recorder": (int,), "seq": (int,), "hook": (str,),
              "index": (int, type(None)), "depth": (int,), "arg_count": (int,), "logs": (dict, type(None))},
    "call_end": {"id": (str,), "call": (int,), "error": (dict, type(None)), "weights": (list,)},
    "done": {"id": (str,), "calls": (int,)},
    "setup_error": {"id": (str,), "error": (dict,)},
    "bye": {},
    "fatal": {"message": (str,)},
}
TO_HARNESS: dict[str, dict[str, tuple[type, ...]]] = {
    "start": {"protocol": (int,), "module": (str,)},
    "run": {"id": (str,), "scenario": (dict,)},
    "stop": {},
}
IMPLEMENTATION_FIELDS = ("name", "version", "language", "language_version")


def check_message(msg: Any, direction: dict[str, dict[str, tuple[type, ...]]] = TO_SUITE) -> str | None:
    """Why `msg` is not a well-formed message of `direction`, or `None` when it is."""
    if not isinstance(msg, dict):
        return f"a message is a JSON object, not {type(msg).__name__}"
    kind = msg.get("type")
    if kind not in direction:
        return f"unknown type {kind!r}; known: {', '.join(direction)}"
    for name, types in direction[kind].items():
        if name not in msg:
            return f"{kind} without {name!r}"
        value = msg[name]
        if isinstance(value, bool) and bool not in types:
            return f"{kind}.{name} is a boolean"
        if not isinstance(value, types):
            return f"{kind}.{name} is {type(value).__name__}, not {' or '.join(t.__name__ for t in types)}"
    if kind == "event" and msg["hook"] not in HOOKS:
        return f"event for unknown hook {msg['hook']!r}"
    if kind == "hello":
        missing = [f for f in IMPLEMENTATION_FIELDS if f not in msg["implementation"]]
        if missing:
            return f"hello.implementation without {', '.join(missing)}"
    return None
