"""Dialect parity: refimpl's dialect against the real release it describes, scenario by scenario.

Both sides run the same concrete scenarios through the same harness script (refimpl in this interpreter, the
release in its environment), so the comparison is of raw observations: which hooks ran in which order with which
`logs` keys and values, the `params` at begin hooks, History, return values, errors and the final weights. Values
are compared within `RTOL` relative (`ATOL` absolute near zero). Known differences, each with its reason, are
listed in `conformance/harness/known_differences.toml` and reported as such, never hidden.

`python -m conformance.harness.parity keras-1.2.2` runs one release and prints every difference.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from conformance.harness import envs
from conformance.harness.client import HARNESS_SCRIPT, HarnessProcess, RunResult, local_harness, run_scenarios
from conformance.harness.scenarios import concrete, parity_scenarios, untag

RTOL, ATOL = 1e-5, 1e-6
DIALECTS = {"keras-0.3.3": ("keras0", "refimpl.dialects.keras0"), "keras-1.2.2": ("keras1", "refimpl.dialects.keras1"),
            "keras-2.2.4": ("keras2", "refimpl.dialects.keras2")}


def _close(a: Any, b: Any) -> bool:
    a, b = untag(a), untag(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list) and not all(isinstance(v, (int, float)) for v in a + b):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    if isinstance(a, (list, np.ndarray)) or isinstance(b, (list, np.ndarray)):
        try:
            x, y = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
        except (TypeError, ValueError):
            return False
        return x.shape == y.shape and bool(np.allclose(x, y, rtol=RTOL, atol=ATOL, equal_nan=True))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return bool(np.isclose(a, b, rtol=RTOL, atol=ATOL, equal_nan=True))
    return a == b


def compare(ref: RunResult, real: RunResult) -> list[str]:
    """Every difference between a dialect's run (`ref`) and the real release's (`real`), as readable lines."""
    where = real.scenario
    if ref.status != real.status:
        return [f"{where}: status {ref.status} (refimpl) vs {real.status} (real): {real.error or ref.error}"]
    if real.status != "ok":
        return []
    diffs: list[str] = []
    for c, (rc, kc) in enumerate(zip(ref.calls, real.calls)):
        rev, kev = rc["events"], kc["events"]
        rhooks = [(e["recorder"], e["hook"], e["index"], e["depth"]) for e in rev]
        khooks = [(e["recorder"], e["hook"], e["index"], e["depth"]) for e in kev]
        if rhooks != khooks:
            first = next((i for i, (a, b) in enumerate(zip(rhooks, khooks)) if a != b), min(len(rhooks), len(khooks)))
            diffs.append(f"{where} call {c}: hook sequences differ at event {first}: refimpl "
                         f"{rhooks[first:first + 3]} vs real {khooks[first:first + 3]} "
                         f"({len(rhooks)} vs {len(khooks)} events)")
            continue
        for i, (a, b) in enumerate(zip(rev, kev)):
            tag = f"{where} call {c} event {i} {b['hook']}({b['index']})"
            if a["arg_count"] != b["arg_count"]:
                diffs.append(f"{tag}: called with {a['arg_count']} vs {b['arg_count']} arguments")
            la, lb = a["logs"], b["logs"]
            if (la is None) != (lb is None):
                diffs.append(f"{tag}: logs {la!r} (refimpl) vs {lb!r} (real)")
            elif la is not None:
                if sorted(la) != sorted(lb):
                    diffs.append(f"{tag}: logs keys {sorted(la)} (refimpl) vs {sorted(lb)} (real)")
                for k in sorted(set(la) & set(lb)):
                    if not _close(la[k], lb[k]):
                        diffs.append(f"{tag}: logs[{k!r}] {la[k]!r} (refimpl) vs {lb[k]!r} (real)")
            pa, pb = a.get("params"), b.get("params")
            if pa is not None or pb is not None:
                if not _close(pa, pb):
                    diffs.append(f"{tag}: params {pa!r} (refimpl) vs {pb!r} (real)")
        ea, eb = rc["end"], kc["end"]
        tag = f"{where} call {c} ({eb and 'end'})"
        if (ea["error"] is None) != (eb["error"] is None):
            diffs.append(f"{tag}: error {ea['error'] and ea['error']['message']!r} (refimpl) vs "
                         f"{eb['error'] and eb['error']['message']!r} (real)")
            continue
        ha, hb = ea.get("history") or {}, eb.get("history") or {}
        if ha.get("is_model_history") != hb.get("is_model_history"):
            diffs.append(f"{tag}: fit() returned model.history: {ha.get('is_model_history')} (refimpl) vs "
                         f"{hb.get('is_model_history')} (real)")
        for part in ("history", "epoch"):
            if not _close(ha.get(part), hb.get(part)):
                diffs.append(f"{tag}: History.{part} {_short(ha.get(part))} (refimpl) vs {_short(hb.get(part))} "
                             f"(real)")
        for name in ("returned", "weights"):
            if not _close(ea.get(name), eb.get(name)):
                diffs.append(f"{tag}: {name} {_short(ea.get(name))} (refimpl) vs {_short(eb.get(name))} (real)")
    return diffs


def _short(v: Any) -> str:
    return json.dumps(v)[:300]


KNOWN_DIFFERENCES = Path(__file__).with_name("known_differences.toml")


def load_known_differences(release: str) -> list[dict[str, str]]:
    """The known differences of `release`: each with `id`, `pattern` (a regex on a difference line), `reason`
    and `evidence`."""
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    data = tomllib.loads(KNOWN_DIFFERENCES.read_text(encoding="utf-8"))
    out = [d for d in data.get("difference", []) if release in d["releases"]]
    for d in out:
        missing = [k for k in ("id", "pattern", "reason", "evidence") if not d.get(k)]
        if missing:
            raise ValueError(f"{KNOWN_DIFFERENCES.name}: difference {d.get('id')!r} lacks {', '.join(missing)}")
    return out


def release_harness(release: str, directory: str | None = None, timeout: float = 300.0):
    """A factory of harness processes inside the built environment of `release`."""
    env = envs.get(release, directory)
    return lambda: HarnessProcess(env.command(str(HARNESS_SCRIPT)), env=env.environ(), timeout=timeout)


def run_parity(release: str, directory: str | None = None, progress=None, jobs: int = 1) -> dict[str, Any]:
    """Run the parity scenarios on refimpl's dialect and on `release`; returns the figures and differences."""
    api, module = DIALECTS[release]
    items = [(name, concrete(s, api)) for name, s in parity_scenarios()]
    t0 = time.monotonic()
    ref_hello, ref = run_scenarios(local_harness, module, items, name=f"refimpl ({api})")
    t1 = time.monotonic()
    real_hello, real = run_scenarios(release_harness(release, directory), "keras", items, name="keras",
                                     dependencies=("theano",), progress=progress, jobs=jobs)
    t2 = time.monotonic()
    per_scenario = {}
    for a, b in zip(ref, real):
        per_scenario[b.scenario] = compare(a, b)
    return {"release": release, "dialect": api, "refimpl": ref_hello, "real": real_hello,
            "scenarios": len(items), "events": sum(len(c["events"]) for r in real for c in r.calls),
            "identical": sum(1 for d in per_scenario.values() if not d),
            "protocol_errors": [r.to_dict()["error"] for r in ref + real if r.status == "protocol_error"],
            "differences": per_scenario, "seconds": {"refimpl": round(t1 - t0, 1), "real": round(t2 - t1, 1)}}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m conformance.harness.parity", description=__doc__.splitlines()[0])
    p.add_argument("release", choices=sorted(DIALECTS))
    p.add_argument("--dir", default=None, help="environments' directory (default $KCC_ENV_DIR or ~/.cache/kcc-envs)")
    p.add_argument("--json", metavar="FILE", help="also write the figures and differences as JSON")
    p.add_argument("-j", "--jobs", type=int, default=1, help="harness processes at once (default 1)")
    args = p.parse_args(argv)
    try:
        out = run_parity(args.release, args.dir, progress=sys.stderr, jobs=args.jobs)
    except envs.EnvError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    known = load_known_differences(args.release)
    counts = {k["id"]: set() for k in known}
    unexpected = []
    for name, diffs in out["differences"].items():
        for d in diffs:
            hits = [k["id"] for k in known if re.search(k["pattern"], d)]
            for h in hits:
                counts[h].add(name)
            if not hits:
                unexpected.append(d)
    for d in unexpected[:20]:
        print(d)
    for kid, names in counts.items():
        print(f"known difference {kid}: {len(names)} scenarios")
    only_known = sum(1 for d in out["differences"].values() if d and all(x not in unexpected for x in d))
    print(f"\n{args.release} vs refimpl.dialects.{out['dialect']}: {out['scenarios']} scenarios, {out['events']} hook "
          f"events; {out['identical']} identical, {only_known} differing only in known ways, "
          f"{len(unexpected)} unexpected differences; {len(out['protocol_errors'])} protocol errors; "
          f"{out['seconds']}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0 if not unexpected and not out["protocol_errors"] else 1


if __name__ == "__main__":
    sys.exit(main())
