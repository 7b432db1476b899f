"""Keras's own distribution under the suite: the probes, the harness that runs them, the kill trials, the reports.

`probe.py` (Keras 3, jax) and `tf_probe.py` (tf-keras) run in the Keras interpreter, one process per role;
`harness.py` runs in the project's interpreter, starts the probes on 127.0.0.1 in their own process groups,
bounds them in time, kills whatever is left, and returns what every process recorded. `kill.py` runs the kill
trials (`kill_probe.py`, `tf_kill_probe.py`: a worker killed with SIGKILL inside a BackupAndRestore write, then
every worker restarted). `report.py` and `python -m conformance.distributed --report DIR` turn the measurements
into conformance reports. `conformance/spec/distribution.toml` states the facts; `conformance.checks.distribution`
judges a measurement against those clauses.
"""
