"""Keras's own distribution under the suite: Keras 3 (jax) data-parallel probes and the harness that runs them.

`probe.py` runs in the Keras interpreter (one process per role); `harness.py` runs in the project's interpreter,
starts the probes on 127.0.0.1 in their own process groups, bounds them in time, kills whatever is left, and
returns what every process recorded. `conformance/spec/distribution.toml` states the facts; `checks.py` judges a
measurement against those clauses.
"""
