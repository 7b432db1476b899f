"""A harness that lies: the real harness script with its output tampered with, for the suite's own tests.

`python lying_harness.py MODE SCENARIO` behaves like conformance/harness/harness_main.py except while running
scenario id SCENARIO, where it: `swap` (reports on_epoch_begin as on_train_begin and back: wrong hook order,
well-formed), `drop` (loses its third event), `drop_end` (loses a call_end), `hang` (stops answering),
`crash` (exits with status 7), `garbage` (writes a line that is not JSON), `wrong_id` (labels an event with
another scenario's id), `bad_field` (an event whose seq is a string).
"""

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "conformance" / "harness"))
import harness_main  # noqa: E402

MODE, TARGET = sys.argv[1], sys.argv[2]
real_send = harness_main.send
state = {"events": 0}
SWAP = {"on_train_begin": "on_epoch_begin", "on_epoch_begin": "on_train_begin"}


def lying_send(msg):
    if msg.get("id") != TARGET:
        return real_send(msg)
    kind = msg["type"]
    if kind == "event":
        state["events"] += 1
        n = state["events"]
        if MODE == "swap" and msg["hook"] in SWAP:
            msg = dict(msg, hook=SWAP[msg["hook"]])
        elif MODE == "drop" and n == 3:
            return None
        elif MODE == "hang" and n == 2:
            time.sleep(3600)
        elif MODE == "crash" and n == 2:
            sys.stderr.write("lying harness: crashing on purpose\n")
            sys.stderr.flush()
            os._exit(7)
        elif MODE == "garbage" and n == 2:
            harness_main.OUT.write("this is not json\n")
            harness_main.OUT.flush()
            return None
        elif MODE == "wrong_id" and n == 2:
            msg = dict(msg, id="somebody-else")
        elif MODE == "bad_field" and n == 2:
            msg = dict(msg, seq=str(msg["seq"]))
    elif kind == "call_end" and MODE == "drop_end":
        return None
    return real_send(msg)


harness_main.send = lying_send
sys.exit(harness_main.main())
