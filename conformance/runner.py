"""Run the suite against one implementation: explore scenarios with hypothesis, check every clause, shrink.

Three phases: (1) the hand-picked examples (conformance.examples) and, per scenario family, hypothesis-drawn
scenarios; every call is checked against every clause of the profile and the verdicts are tallied per clause;
(2) a hypothesis state machine makes sequences of fit/evaluate/predict calls on one model, up to the first failing
call (never shrunk: shrinking would record more sequences, as many as time allowed, and the verdicts would depend
on the machine's speed); (3) for each failing clause, `hypothesis.find` looks for a minimal failing scenario within
a time budget, recording nothing. So a run with and without shrinking gives the same verdicts and counts.

With `jobs` > 1 the scenarios run in that many worker processes (conformance.parallel): the main process draws
them exactly as a serial run does (the draws never depend on the verdicts), the workers run and check them, and
the main process records their outcomes in drawing order, so the report is the serial run's apart from timings.
The state machine of phase (2) runs whole in one worker, alongside the scenarios; phase (3) shrinks one clause
per worker.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from conformance import hypothesis_profiles
from conformance.adapters import Adapter, Unexpressible
from conformance.checks import CheckContext, CheckError, run_checks
from conformance.model import expect_call
from conformance.profiles import facts
from conformance.scenario import Scenario, to_snippet
from conformance.spec import Clause, scenario_clauses
from conformance.strategies import any_call, expressible, scenarios, setups
from conformance.strategies import families as profile_families

if TYPE_CHECKING:
    from conformance.parallel import WorkerPool


@dataclass
class ClauseTally:
    """What the run found out about one clause."""

    clause: Clause
    checked: int = 0
    failed: int = 0
    check_errors: int = 0  # calls on which the clause's check raised (see SuiteError)
    messages: list[str] = field(default_factory=list)
    scenario: Scenario | None = None
    family: str | None = None
    shrunk: bool = False

    @property
    def status(self) -> str:
        if self.failed:
            return "fail"
        if self.check_errors:
            return "error"
        return "pass" if self.checked else "unchecked"


@dataclass
class Outcome:
    """What running and checking one scenario gave, before it is recorded (it crosses process boundaries).

    `ran` is False when the scenario was not expressible or the adapter raised (then `adapter_error` holds the
    traceback).
    """

    verdicts: dict[str, list[str]] = field(default_factory=dict)
    check_errors: list[CheckError] = field(default_factory=list)
    adapter_error: str | None = None
    ran: bool = False
    seconds: float = 0.0  # running and checking it took


@dataclass
class AdapterError:
    """The adapter or the suite's own harness raised: not a verdict on the implementation."""

    family: str
    scenario: Scenario
    traceback: str


@dataclass
class SuiteError:
    """A check (or the model) raised on one call: the suite could not judge `clause` there.

    Not a verdict on the implementation and not an adapter error: it points at the suite, or at a trace the
    suite cannot read. `clause` is `None` when the model itself raised (then no clause was judged).
    """

    family: str
    scenario: Scenario
    clause: str | None
    traceback: str


class ClauseViolation(AssertionError):
    """Raised inside the state machine at the first failing call: it ends the sequence phase."""


class Run:
    """One implementation, one profile, one hypothesis settings profile.

    Args:
        adapter: The implementation's adapter.
        profile: The contract profile to check. Defaults to `"keras3"`.
        hypothesis_profile: `ci`, `dev` or `thorough`. Defaults to `"ci"`.
        shrink: Whether to look for minimal failing scenarios. Defaults to `True`.
        progress: Where progress lines go (`None`: silent). Defaults to `None`.
        examples_scale: Multiplies every family's number of examples. Defaults to `1.0`.
        jobs: Worker processes that run the scenarios (1: all in this process). Defaults to `1`.
    """

    def __init__(self, adapter: Adapter, profile: str = "keras3", hypothesis_profile: str = "ci",
                 shrink: bool = True, progress: Any = None, examples_scale: float = 1.0, jobs: int = 1):
        if jobs < 1:
            raise ValueError(f"jobs must be at least 1, not {jobs}")
        self.adapter, self.profile = adapter, profile
        self.hyp_name = hypothesis_profile
        self.settings = hypothesis_profiles.get(hypothesis_profile)
        self.shrink_enabled, self.progress, self.scale = shrink, progress, examples_scale
        self.clauses = scenario_clauses(profile)
        self.ids = [c.id for c in self.clauses]
        self.tallies = {c.id: ClauseTally(c) for c in self.clauses}
        self.errors: list[AdapterError] = []
        self.check_errors: list[SuiteError] = []
        self.families: dict[str, dict[str, float]] = {}
        self.scenarios_run = 0
        self.seconds = 0.0
        self.worker_restarts = 0  # new pools of workers started because a worker died (conformance.parallel)
        self.jobs = jobs
        self.pool: WorkerPool | None = None  # while run() runs with jobs > 1
        self.journal: list[tuple] | None = None  # in a worker: what record() was given, for the main process
        self.pending: list[tuple[Scenario, str, Future]] = []  # checks handed to workers, not yet recorded
        # (len(pending) when the phase was drawn, phase, its start, its count if fixed)
        self.phase_ends: list[tuple[int, str, float, int | None]] = []

    # ------------------------------------------------------------------------------------------- checks
    def check_scenario(self, scenario: Scenario, family: str, record: bool = True) -> dict[str, list[str]]:
        """Run `scenario` and check it: {clause id: violations} over all its calls (merged).

        With worker processes a recorded check goes to a worker instead and returns `{}`: `_collect` records
        its verdicts, in the order of the calls.
        """
        if record and self.pool is not None:
            self.pending.append((scenario, family, self.pool.submit_outcome(scenario)))
            return {}
        outcome = self.outcome(scenario)
        if record:
            self.apply(outcome, scenario, family)
        return outcome.verdicts

    def outcome(self, scenario: Scenario) -> Outcome:
        """Run `scenario` and check every call; nothing is recorded (see `apply`)."""
        t0 = time.monotonic()
        outcome = self._outcome(scenario)
        outcome.seconds = time.monotonic() - t0
        return outcome

    def _outcome(self, scenario: Scenario) -> Outcome:
        session = None
        try:
            session = self.adapter.start(scenario, self.profile)
            state = {"lr_changed": False, "previous_stop": False}
            traces = []
            for call in scenario.calls:  # an exception here is the adapter's (or its recorders')
                trace = session.call(call)
                if trace.harness_errors:
                    raise RuntimeError("the recorder failed:\n" + trace.harness_errors[0])
                traces.append(trace)
        except Unexpressible:  # the implementation's API cannot run this scenario: not checked, not an error
            return Outcome()
        except Exception:
            return Outcome(adapter_error=traceback.format_exc(limit=12)[-4000:])
        finally:  # a session may hand its model back for the next scenario with the same setup
            if session is not None and hasattr(session, "close"):
                session.close()
        outcome = Outcome(ran=True)
        for call, trace in zip(scenario.calls, traces):  # an exception here is the suite's: a check error
            for cid, msgs in self.check_call(scenario, call, trace, state, outcome.check_errors).items():
                outcome.verdicts.setdefault(cid, []).extend(msgs)
        return outcome

    def apply(self, outcome: Outcome, scenario: Scenario, family: str) -> None:
        """Record what `outcome` says about `scenario` (an adapter error, or the verdicts of a run scenario)."""
        if outcome.adapter_error is not None:
            self.errors.append(AdapterError(family, scenario, outcome.adapter_error))
        elif outcome.ran:
            self.scenarios_run += 1
            self.record(outcome.verdicts, scenario, family, outcome.check_errors)

    def check_call(self, scenario: Scenario, call, trace, state: dict[str, bool],
                   check_errors: list[CheckError] | None = None) -> dict[str, list[str]]:
        """Check one call's trace against every clause of the profile: {clause id: violations}.

        Checks that raise are appended to `check_errors` (if given; the model raising is one with clause
        `None`), and left out of the verdicts.
        """
        try:
            exp = expect_call(scenario, call, self.profile)
        except Exception:
            if check_errors is None:
                raise
            check_errors.append(CheckError(None, traceback.format_exc(limit=8)[-3000:]))
            return {}
        ctx = CheckContext(scenario, call, exp, trace, self.profile, lr_changed=state["lr_changed"],
                           previous_stop=state["previous_stop"])
        verdicts = run_checks(ctx, self.ids, check_errors)
        state["lr_changed"] = state["lr_changed"] or call.lr_schedule
        state["previous_stop"] = exp.stop_set is not None or call.stop_preset
        return verdicts

    def record(self, verdicts: dict[str, list[str]], scenario: Scenario, family: str,
               check_errors: list[CheckError] = ()) -> None:
        if self.journal is not None:
            self.journal.append((verdicts, scenario, family, list(check_errors)))
        for err in check_errors:
            if err.clause in self.tallies:
                self.tallies[err.clause].check_errors += 1
            if len(self.check_errors) < 50:
                self.check_errors.append(SuiteError(family, scenario, err.clause, err.traceback))
        for cid, msgs in verdicts.items():
            tally = self.tallies[cid]
            tally.checked += 1
            if msgs:
                tally.failed += 1
                if tally.scenario is None or (family == "sequence" and tally.family == "sequence"):
                    tally.scenario, tally.family, tally.messages = scenario, family, msgs[:5]

    # ---------------------------------------------------------------------------------------- phases
    def _say(self, text: str) -> None:
        if self.progress is not None:
            print(text, file=self.progress, flush=True)

    def _budget(self, family: str) -> int:
        return max(3, int(self.settings.max_examples * hypothesis_profiles.FAMILY_SHARE[family] * self.scale))

    def run_examples(self) -> None:
        from conformance.examples import examples

        t0 = time.monotonic()
        chosen = [s for s in examples(self.profile) if expressible(s, self.profile)]
        for s in chosen:
            self.check_scenario(s, "examples")
        self._phase_drawn("examples", self.scenarios_run, t0, count=len(chosen))

    def _phase_drawn(self, name: str, before: int, t0: float, count: int | None = None) -> None:
        """Every scenario of phase `name` is drawn: with workers, its outcomes are recorded later (`_collect`).

        The phase's count is the scenarios that ran since `before`, or `count` if given."""
        if self.pool is None:
            self._done(name, self.scenarios_run - before if count is None else count, t0)
        else:
            self.phase_ends.append((len(self.pending), name, t0, count))

    def _collect(self) -> None:
        """Record the outcomes of the checks handed to workers, in the order they were handed over.

        Phases are not waited for one by one (a worker would idle at the end of each while the other finishes):
        the draws never depend on the verdicts, so every phase is handed over first and recorded here after,
        in the serial run's order. A phase's time is then the time the workers spent on its scenarios.
        """
        pending, self.pending = self.pending, []
        ends, self.phase_ends = self.phase_ends, []
        before, seconds = self.scenarios_run, 0.0
        for recorded in range(len(pending) + 1):
            while ends and ends[0][0] == recorded:  # every scenario of this phase is recorded
                _, name, t0, count = ends.pop(0)
                self._done(name, self.scenarios_run - before if count is None else count, t0, seconds)
                before, seconds = self.scenarios_run, 0.0
            if recorded < len(pending):
                scenario, family, future = pending[recorded]
                if self.pool.may_run_again(future):
                    self._say(f"  a worker process died; the {len(pending) - recorded} scenarios not yet recorded "
                              f"run again in new worker processes")
                    pending[recorded:] = [(s, f, old if old.exception() is None else self.pool.submit_outcome(s))
                                          for s, f, old in pending[recorded:]]
                    future = pending[recorded][2]
                outcome = self.pool.outcome_of(future)
                seconds += outcome.seconds
                self.apply(outcome, scenario, family)

    def explore(self, family: str) -> None:
        t0, before = time.monotonic(), self.scenarios_run
        strategy = scenarios(family, self.profile)

        # Hypothesis seeds a derandomized run from this function's source: keep it as it is, or the draws change.
        @settings(self.settings, max_examples=self._budget(family), phases=[Phase.explicit, Phase.generate])
        @given(strategy)
        def explore_family(scenario: Scenario) -> None:
            self.check_scenario(scenario, family)

        try:
            explore_family()
        except Unsatisfiable:
            pass
        self._phase_drawn(family, before, t0)

    def sequences(self, future: Future | None = None) -> None:
        """Phase (2), here; or, given the `future` of a worker running it (`WorkerPool.submit_sequences`), what
        that worker recorded, recorded here in the same order."""
        t0, before = time.monotonic(), self.scenarios_run
        if future is not None:
            if self.pool.may_run_again(future):
                self._say("  a worker process died; the state machine runs again in a new worker process")
                future = self.pool.submit_sequences()
            error = future.exception()
            if error is not None:
                self.errors.append(AdapterError("sequence", Scenario(calls=()),
                                                self.pool.outcome_of(future).adapter_error))
                self._done("sequence", 0, t0)
                return
            done = future.result()
            for verdicts, scenario, family, check_errors in done["journal"]:
                self.record(verdicts, scenario, family, check_errors)
            self.errors.extend(done["errors"])
            self.scenarios_run += done["count"]
            self._done("sequence", done["count"], time.monotonic() - done["seconds"])
            return
        run = self

        class CallSequences(RuleBasedStateMachine):
            """fit/evaluate/predict calls in any order on one model, every call checked."""

            def __init__(self):
                super().__init__()
                self.setup: Scenario | None = None
                self.calls: list = []
                self.state = {"lr_changed": False, "previous_stop": False}

            @initialize(setup=setups(run.profile))
            def build(self, setup: Scenario) -> None:
                self.setup = setup
                self.session = run.adapter.start(setup, run.profile)

            @rule(call=any_call(run.profile))
            def make_call(self, call) -> None:
                self.calls.append(call)
                scenario = self.setup.replace(calls=tuple(self.calls))
                try:
                    trace = self.session.call(call)
                except Unexpressible:
                    self.calls.pop()
                    return
                if trace.harness_errors:
                    raise RuntimeError("the recorder failed:\n" + trace.harness_errors[0])
                check_errors: list[CheckError] = []
                verdicts = run.check_call(self.setup, call, trace, self.state, check_errors)
                run.scenarios_run += 1
                run.record(verdicts, scenario, "sequence", check_errors)
                failing = sorted(cid for cid, msgs in verdicts.items() if msgs)
                if failing:
                    raise ClauseViolation(f"{failing[0]}: {verdicts[failing[0]][0]}")

        machine_settings = settings(self.settings, max_examples=self._budget("sequence"), stateful_step_count=4,
                                    phases=[Phase.explicit, Phase.generate])
        try:
            run_state_machine_as_test(CallSequences, settings=machine_settings)
        except ClauseViolation:
            pass  # recorded: the failing sequence is the tally's scenario
        except Exception:
            self.errors.append(AdapterError("sequence", Scenario(calls=()), traceback.format_exc(limit=12)[-4000:]))
        self._done("sequence", self.scenarios_run - before, t0)

    def shrink(self) -> None:
        """For each failing clause found by exploration, look for a smaller failing scenario."""
        t0 = time.monotonic()
        failing = [(tally.clause.id, tally.family) for tally in self.tallies.values()
                   if tally.failed and tally.family in profile_families(self.profile)]
        if self.pool is None:
            found = [self.shrink_clause(cid, family) for cid, family in failing]
        else:
            futures = [self.pool.submit_shrink(cid, family) for cid, family in failing]
            found = [f.result() if f.exception() is None else None for f in futures]
        for (cid, _), result in zip(failing, found):
            if result is not None:
                tally = self.tallies[cid]
                tally.scenario, tally.messages, tally.shrunk = result[0], result[1][:5], True
        self._done("shrink", 0, t0)

    def shrink_clause(self, cid: str, family: str) -> tuple[Scenario, list[str]] | None:
        """A smaller scenario of `family` on which `cid` fails, with its violations (`None`: none found in time)."""
        deadline = time.monotonic() + hypothesis_profiles.SHRINK_SECONDS[self.hyp_name]

        def fails(s: Scenario) -> bool:
            if time.monotonic() > deadline:
                return False
            return bool(self.check_scenario(s, family, record=False).get(cid))

        try:
            minimal = find(scenarios(family, self.profile), fails,
                           settings=settings(self.settings, database=None, max_examples=self._budget(family),
                                             phases=[Phase.generate, Phase.shrink]))
        except (NoSuchExample, Unsatisfiable):
            return None
        except Exception:  # e.g. FlakyFailure when the time budget ran out mid-replay: keep the first example
            return None
        msgs = self.check_scenario(minimal, family, record=False).get(cid)
        return (minimal, msgs) if msgs else None

    def _done(self, name: str, count: int, t0: float, seconds: float | None = None) -> None:
        """Phase `name` is over: `count` scenarios in `seconds` (default: since `t0`)."""
        secs = time.monotonic() - t0 if seconds is None else seconds
        self.families[name] = {"scenarios": count, "seconds": round(secs, 3)}
        failing = sorted(cid for cid, t in self.tallies.items() if t.failed)
        self._say(f"  {name:<13} {count:>5} scenarios {secs:7.1f} s   failing so far: {len(failing)}"
                  + (f"  errors: {len(self.errors)}" if self.errors else ""))

    def run(self, families: tuple[str, ...] | None = None, with_sequences: bool = True) -> Run:
        """All phases (`families`: the scenario families, default every one the profile has); returns self."""
        t0 = time.monotonic()
        self._say(f"conformance: {self.adapter.id} {self.adapter.version()} against profile {self.profile} "
                  f"(hypothesis profile {self.hyp_name}, {len(self.ids)} clauses"
                  + (f", {self.jobs} worker processes)" if self.jobs > 1 else ")"))
        if self.jobs > 1:
            from conformance.parallel import WorkerPool

            with WorkerPool(self, self.jobs) as self.pool:
                try:
                    self._phases(families, with_sequences)
                finally:
                    self.worker_restarts, self.pool = self.pool.restarts, None
        else:
            self._phases(families, with_sequences)
        self.seconds = time.monotonic() - t0
        return self

    def _phases(self, families: tuple[str, ...] | None, with_sequences: bool) -> None:
        # The state machine is one long task: a worker starts on it first, the others take the scenarios.
        machine = self.pool.submit_sequences() if self.pool is not None and with_sequences else None
        self.run_examples()
        for family in families if families is not None else profile_families(self.profile):
            self.explore(family)
        if self.pool is not None:
            self._collect()
        if with_sequences:
            self.sequences(machine)
        if self.shrink_enabled:
            self.shrink()

    def snippet(self, scenario: Scenario) -> str:
        return to_snippet(scenario, eval_callbacks=facts(self.profile).eval_callbacks,
                          **self.adapter.snippet_setup(self.profile))


def run_suite(adapter: Adapter, profile: str = "keras3", hypothesis_profile: str = "ci", *,
              shrink: bool = True, progress: Any = sys.stderr, examples_scale: float = 1.0,
              families: tuple[str, ...] | None = None, with_sequences: bool = True,
              on_run: Callable[[Run], None] | None = None, jobs: int = 1) -> Run:
    """Run the whole suite and return the finished `Run` (see conformance.report for its JSON form); `jobs`
    worker processes run the scenarios (see `Run`)."""
    run = Run(adapter, profile, hypothesis_profile, shrink, progress, examples_scale, jobs)
    if on_run:
        on_run(run)
    return run.run(families, with_sequences)


__all__ = ["AdapterError", "ClauseTally", "Run", "SuiteError", "run_suite", "st"]
