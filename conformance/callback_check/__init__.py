"""Callback conformance: is a callback robust to every run the contract allows?

``python -m conformance --callback module:factory`` (or ``pytest --conformance-callback module:factory``)
drives one callback through runs that obey the contract (fit with and without validation, validation_freq,
stop_training at any hook, evaluate and predict alone, an evaluate nested in fit, steps_per_execution,
epochs=0, keys added and values changed in logs by another callback, generators without a length and
generators that run dry, interrupted runs, several calls on one instance) and reports crashes (with the hook
and the traceback), hangs, files left half-written and broken invariants, each with the smallest run that
shows it as a replayable snippet. See `subject` for the factory API and `checker.check_callback` for the
Python entry point.
"""

from conformance.callback_check.checker import CallbackFinding, CallbackReport, check_callback
from conformance.callback_check.replay import Finding, RunInterrupted
from conformance.callback_check.subject import CallRecord, HookCall, RunRecord, Subject, TargetError
from conformance.callback_check.worker import Worker

__all__ = ["CallRecord", "CallbackFinding", "CallbackReport", "Finding", "HookCall", "RunInterrupted", "RunRecord",
           "Subject", "TargetError", "Worker", "check_callback"]
