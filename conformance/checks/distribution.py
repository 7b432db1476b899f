"""Checks of the clauses in conformance/spec/distribution.toml: what every process of a data-parallel fit sees.

These checks judge a *measurement*, not a scenario call: the dict `conformance.distributed.harness.measure`
returns (or `refimpl.testing.measure_simulated` builds), with a single-device `reference` trace and, per
distributed run, one trace per process. `judge(measurement)` runs them all: {clause id: violations}.
"""

from __future__ import annotations

import math
from typing import Any

from conformance.checks import CHECKS, Result, check
from conformance.spec import load_clauses

REL = 1e-5
WHEN = ("distributed-measurement",)
WRITTEN = ("ckpt.keras", "log.csv")


def _processes(m: dict[str, Any]):
    for name, trace, _ in _processes_and_files(m):
        yield name, trace


def _processes_and_files(m: dict[str, Any]):
    """Each process of each run: its name, its trace and what the measurement read back from its directory."""
    for run, traces in m["runs"].items():
        for i, trace in enumerate(traces):
            entry = m["files"].get(trace.get("dir", run if len(traces) == 1 else f"{run}{i}"), {})
            yield f"{run} process {trace.get('process_index', i)}", trace, entry


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=1e-7)


def _logs_diff(got: dict | None, want: dict | None) -> str | None:
    if (got is None) != (want is None) or (got is not None and set(got) != set(want)):
        return f"keys {sorted(got or {})}, reference {sorted(want or {})}"
    for k in sorted(want or {}):
        if not _close(got[k], want[k]):
            return f"{k}={got[k]!r}, reference {want[k]!r}"
    return None


@check("dist.hooks.every-process", when=WHEN)
def _every_process(m: dict[str, Any]) -> Result:
    want = [c[:2] for c in m["reference"]["calls"]]
    out = []
    for name, trace in _processes(m):
        got = [c[:2] for c in trace["calls"]]
        if got != want:
            first = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            out.append(f"{name}: call {first} is {got[first] if first < len(got) else 'missing'}, reference "
                       f"{want[first] if first < len(want) else 'none'} ({len(got)} calls, reference {len(want)})")
    return out


@check("dist.logs.global", when=WHEN)
def _logs_global(m: dict[str, Any]) -> Result:
    out = []
    ref = m["reference"]["calls"]
    for name, trace in _processes(m):
        for got, want in zip(trace["calls"], ref):
            if got[:2] == want[:2] and (diff := _logs_diff(got[2], want[2])):
                out.append(f"{name}: {got[0]}({got[1]}) logs {diff}")
                break
    return out


@check("dist.batch.global-steps", when=WHEN)
def _global_steps(m: dict[str, Any]) -> Result:
    steps, out = m["global_steps"], []
    for name, trace in [("reference", m["reference"]), *_processes(m)]:
        epoch, seen = None, {}
        for hook, index, _ in trace["calls"]:
            if hook == "on_epoch_begin":
                epoch = index
            elif hook == "on_train_batch_begin":
                seen.setdefault(epoch, []).append(index)
        bad = {e: idx for e, idx in seen.items() if idx != list(range(steps))}
        if bad or len(seen) != m["epochs"]:
            out.append(f"{name}: training batch indices per epoch {seen}, expected 0..{steps - 1} in each of "
                       f"{m['epochs']} epochs")
    return out


@check("dist.files.every-process-writes", when=WHEN)
def _every_process_writes(m: dict[str, Any]) -> Result:
    out = []
    for name, trace in _processes(m):
        missing = [f for f in WRITTEN if f not in trace["files"]]
        if missing:
            out.append(f"{name} wrote {trace['files']}; missing {missing}")
    return out


@check("dist.files.load", when=WHEN)
def _files_load(m: dict[str, Any]) -> Result:
    out = []
    for name, trace, entry in _processes_and_files(m):
        if "ckpt.keras" not in trace["files"]:
            pass  # nothing written: the file clauses of the run judge that, this one judges what was written
        elif not entry.get("checkpoint_loads"):
            out.append(f"{name}: the checkpoint does not load: {entry.get('checkpoint_error', 'no file')}")
        elif entry["checkpoint_max_abs_diff"] > 1e-6:
            out.append(f"{name}: the loaded weights differ from the final ones by "
                       f"{entry['checkpoint_max_abs_diff']}")
        rows, history = entry.get("csv_rows"), trace["history"] or {}
        if rows is None:
            out.append(f"{name}: no CSVLogger file")
            continue
        for key, values in history.items():
            got = [r.get(key) for r in rows]
            if len(got) != len(values) or not all(g is not None and _close(g, v) for g, v in zip(got, values)):
                out.append(f"{name}: CSVLogger column {key} is {got}, the epoch logs say {values}")
    return out


@check("dist.seed.same-on-every-process", when=WHEN)
def _same_seed(m: dict[str, Any]) -> Result:
    if "refused" not in m:
        return None  # a simulation in one process has no seeds to disagree
    out = []
    for i, trace in enumerate(m["refused"]["seeds"]):
        said = " ".join(trace["errors"])
        if "AssertionError" not in said or "not the same on each process" not in said:
            out.append(f"process {i} with its own seed: errors {trace['errors']!r}, expected an AssertionError "
                       "saying the values are not the same on each process")
        if trace["calls"]:
            out.append(f"process {i} with its own seed called {len(trace['calls'])} hooks before the error, "
                       f"first {trace['calls'][0][:2]}")
    return out


@check("dist.files.tf-chief-checkpoint", when=WHEN)
def _tf_chief_checkpoint(m: dict[str, Any]) -> Result:
    workers = [t for t in m["runs"].get("mwms", []) if t.get("mode") == "mwms"]
    if not workers:
        return None  # only tf-keras's MultiWorkerMirroredStrategy has a chief
    out = []
    for trace in workers:
        want_ckpt = trace["process_index"] == 0
        if ("ckpt.keras" in trace["files"]) != want_ckpt or "log.csv" not in trace["files"]:
            out.append(f"worker {trace['process_index']} wrote {trace['files']}; expected ckpt.keras "
                       f"{'there' if want_ckpt else 'absent'} and log.csv")
    return out


@check("dist.files.tf-chief-backup", when=WHEN)
def _tf_chief_backup(m: dict[str, Any]) -> Result:
    workers = [t for t in m["runs"].get("mwms", []) if t.get("mode") == "mwms"]
    if not workers:
        return None  # only tf-keras's MultiWorkerMirroredStrategy has a chief
    out = []
    for trace in workers:
        chief = trace["process_index"] == 0
        has = "backup/chief/checkpoint" in trace.get("backup_files", [])
        if has != chief or (not chief and trace.get("backup_files")):
            out.append(f"worker {trace['process_index']} left {trace.get('backup_files')} in its backup directory; "
                       f"expected {'a checkpoint in backup/chief/' if chief else 'nothing'}")
        diff = m["files"].get(trace.get("dir", ""), {}).get("backup_max_abs_diff")
        if chief and (diff is None or diff > 1e-6):
            out.append(f"the chief's backup (tf.train.load_checkpoint) differs from the final weights by {diff}")
    return out


@check("dist.files.backup-every-process", when=WHEN)
def _backup_every_process(m: dict[str, Any]) -> Result:
    out = []
    for name, trace, entry in _processes_and_files(m):
        if "backup/latest.weights.h5" not in trace.get("backup_files", []):
            out.append(f"{name}: BackupAndRestore wrote {trace.get('backup_files')}, no backup/latest.weights.h5")
        elif "backup_max_abs_diff" not in entry:
            out.append(f"{name}: the backup does not load: {entry.get('backup_error', 'not read')}")
        elif entry["backup_max_abs_diff"] > 1e-6:
            out.append(f"{name}: the backup's weights differ from the final ones by {entry['backup_max_abs_diff']}")
        elif entry.get("backup_metadata", {"epoch": m["epochs"]}).get("epoch") != m["epochs"]:
            out.append(f"{name}: the backup's metadata says {entry['backup_metadata']}, expected epoch "
                       f"{m['epochs']} (the next epoch to run)")
    return out


@check("dist.early-stopping.same-epoch", when=WHEN)
def _early_stopping(m: dict[str, Any]) -> Result:
    want = m["reference"].get("early_stopping")
    if not want:
        return ["the single-device run recorded no EarlyStopping fit"]
    out = []
    for name, trace in _processes(m):
        got = trace.get("early_stopping")
        if not got or (got["stopped_epoch"], got["epochs_run"]) != (want["stopped_epoch"], want["epochs_run"]):
            out.append(f"{name}: EarlyStopping {got}, the single-device run stopped at epoch {want['stopped_epoch']} "
                       f"after {want['epochs_run']} epochs")
    return out


def _kill_trial_violations(t: dict[str, Any], ref: dict[str, Any], kill_epoch: int) -> list[str]:
    """What went wrong in one kill trial, against the uninterrupted run `ref`."""
    what = f"trial {t['point']} on process {t['victim']}" + (" (double_checkpoint)" if t["double_checkpoint"] else "")
    out = []
    for i, state in enumerate(t["at_kill"]):
        if not _readable(state):  # the uninterrupted run had a readable backup here at every moment
            out.append(f"{what}: the kill left process {i}'s backup unreadable: metadata {state.get('metadata')!r}, "
                       f"weights {state.get('weights_error') or 'open'} ({state.get('weights_bytes')} bytes); the "
                       f"uninterrupted run's backup of epoch {kill_epoch - 1} was readable there")
    for i, (code, trace) in enumerate(zip(t["restart_codes"], t["restart"])):
        if code != 0 or trace is None or trace["errors"]:
            out.append(f"{what}: restarted process {i} "
                       + (f"raised {trace['errors']}" if trace and trace["errors"] else f"exited with {code}")
                       + (f" after beginning epochs {trace['epochs_begun']}" if trace else ""))
    done = [tr for tr in t["restart"] if tr and not tr["errors"]]
    if len(done) != len(t["restart"]):
        return out
    starts = [tr["epochs_begun"][:1] for tr in done]
    if len({tuple(s) for s in starts}) != 1:
        out.append(f"{what}: the restarted processes resumed at different epochs {starts}")
    if not all(s and s[0] in (kill_epoch, kill_epoch + 1) for s in starts):
        out.append(f"{what}: resumed at {starts}; the last complete backups are of epochs {kill_epoch - 1} and "
                   f"{kill_epoch}")
    want_weights = ref["weights"][0]
    for i, (tr, w) in enumerate(zip(done, t["weights"])):
        diff = None if w is None else max(abs(a - b) for x, y in zip(w, want_weights)
                                          for a, b in zip(_flat(x), _flat(y)))
        if diff is None or diff > REL * max(1.0, max(abs(v) for y in want_weights for v in _flat(y))):
            out.append(f"{what}: process {i}'s final weights differ from the uninterrupted run's by {diff}")
        first = tr["epochs_begun"][0] if tr["epochs_begun"] else None
        for key, values in (ref["traces"][0]["history"] or {}).items():
            got = (tr["history"] or {}).get(key)
            if first is None or got is None or len(got) != len(values) - first or not all(
                    _close(a, b) for a, b in zip(got, values[first:])):
                out.append(f"{what}: process {i}'s History {key} {got}, the uninterrupted run's epochs {first}.. "
                           f"are {values[first:] if first is not None else values}")
                break
    for i, (state, want) in enumerate(zip(t["backups"], ref["backups"])):
        if _backup_key(state) != _backup_key(want):
            out.append(f"{what}: process {i}'s final backup has metadata {state.get('metadata')!r}, weights "
                       f"{state.get('weights_error') or 'open'}; the uninterrupted run's: {want.get('metadata')!r}")
    return out


def _readable(state: dict[str, Any]) -> bool:
    """A backup that BackupAndRestore can restore: Keras 3's HDF5 file opens and its metadata is not empty;
    tf-keras's `checkpoint` state file exists (it names only checkpoints whose files are complete)."""
    if "weights_opens" in state or "weights_bytes" in state:
        return bool(state.get("weights_opens")) and state.get("metadata") not in (None, "")
    return state.get("metadata") is not None


def _backup_key(state: dict[str, Any]):
    """What must be equal between two final backups: Keras 3's metadata and readability; the checkpoint tf-keras's
    state file names (its first line; the rest holds timestamps)."""
    if "weights_opens" in state or "weights_bytes" in state:
        return state.get("metadata"), state.get("weights_opens")
    return (state.get("metadata") or "").split("\n", 1)[0]


def _flat(x) -> list[float]:
    return [v for item in x for v in _flat(item)] if isinstance(x, list) else [float(x)]


@check("dist.backup.kill-resume", when=WHEN)
def _kill_resume(m: dict[str, Any]) -> Result:
    return [v for t in m["trials"] for v in _kill_trial_violations(t, m["uninterrupted"], m["kill_epoch"])]


KILL_CLAUSES = frozenset({"dist.backup.kill-resume"})


def judge(measurement: dict[str, Any], profile: str | None = None) -> dict[str, list[str] | None]:
    """The distribution clauses' violations on `measurement`: [] where one held, None where it does not apply.

    Args:
        measurement: What `conformance.distributed.harness.measure` (or `measure_tf_keras`, or
            `conformance.distributed.simulated.measure_simulated`) returns, or the kill trials'
            `conformance.distributed.kill.kill_trials`: each clause applies to one of the two kinds.
        profile: Judge only the clauses of this profile. Defaults to `None` (every distribution clause).
    """
    wanted = {c.id for c in load_clauses(profile) if c.kind == "distribution"}
    kill = "trials" in measurement  # a kill-trial measurement (conformance.distributed.kill.kill_trials)
    verdicts = {cid: c.fn(measurement) if (cid in KILL_CLAUSES) == kill else None
                for cid, c in CHECKS.items() if c.module == "distribution" and cid in wanted}
    return {cid: None if v is None else list(v) for cid, v in verdicts.items()}
