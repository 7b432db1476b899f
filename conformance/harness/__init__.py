"""Implementations in another interpreter: environments of real releases and the JSON-lines harness protocol.

`envs` builds the environments (`python -m conformance env build keras-1.2.2`); `protocol` defines the
messages; `harness_main.py` is the script that runs inside an environment; `client` starts it and checks what it
says; `adapter` plugs a harness into the suite like any in-process adapter.
"""
