"""The compatibility matrix: clause x implementation x release, from small stored reports kept in the repository.

`rows.toml` (beside this file) lists the rows: one implementation release each, the profiles to check it
against, and how to run it. `python -m conformance matrix build` runs them (conformance.matrix.build) and
writes one stored report per row and profile into `reports/`: the verdict of every clause and no timing, so a
rebuild reproduces it byte for byte, or `matrix build --check` names the row and clause that changed.

This module reads rows and stored reports, turns a full run report (REPORT_SCHEMA.md) into a stored one,
compares two stored reports, and finds the clauses whose verdict changes between consecutive releases of a
family (the docs' "What changed when" page). It imports nothing heavy: the docs build uses it.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.expectations import version_numbers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
ROWS_FILE = HERE / "rows.toml"
REPORTS_DIR = HERE / "reports"
STORED_SCHEMA = 1

# The implementation families, in the order the docs show them.
FAMILIES = ("refimpl", "keras-standalone", "tf-keras", "keras3-jax", "keras3-torch", "keras3-tensorflow",
            "distributed")
# The distributed runs (conformance/distributed: several devices or processes) store their own reports; the
# matrix shows them as one more family. They are set-ups of one release, not a release series, so the
# "What changed when" page does not compare them with each other.
DISTRIBUTED_FAMILY = "distributed"
DISTRIBUTED_REPORTS_DIR = HERE.parent / "distributed" / "reports"
ROW_KEYS = {"id", "family", "release", "profiles", "era", "env", "impl", "python", "python_var", "environ",
            "packages", "args", "note"}

# Verdicts of a clause on a release, from its status in the run (REPORT_SCHEMA.md): whether the clause holds,
# whatever the expectations file says about it.
VERDICT = {"pass": "holds", "fail": "fails", "unchecked": "unchecked", "error": "error"}


class MatrixError(ValueError):
    """rows.toml or a stored report is malformed; the message names the file, the row and the key."""


@dataclass(frozen=True)
class Row:
    """One implementation release in the matrix.

    Args:
        id: Unique name, used in report file names and on the command line (`--rows ID`).
        family: One of `FAMILIES`.
        release: The release's version, e.g. `"1.2.2"` (orders the family's releases).
        profiles: The contract profiles it is checked against.
        era: Short name of its era (rows of one era are alike; CI runs one row per era).
        env: A harness environment (`python -m conformance env build ENV`), or `None` for in-process rows.
        impl: The `--impl` argument. Defaults to `env`, else `id`.
        python: The interpreter that runs the suite in-process (`None`: the one running the matrix).
        python_var: An environment variable that, when set, names the interpreter instead of `python`.
        environ: Extra environment variables for the run (e.g. `KERAS_BACKEND`).
        packages: Distributions whose installed versions the stored report records (in-process rows).
        args: Extra arguments for `python -m conformance`.
        note: Free text.
    """

    id: str
    family: str
    release: str
    profiles: tuple[str, ...]
    era: str
    env: str | None = None
    impl: str = ""
    python: str | None = None
    python_var: str | None = None
    environ: dict[str, str] = field(default_factory=dict)
    packages: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    note: str = ""

    @property
    def run_impl(self) -> str:
        return self.impl or self.env or self.id


def load_rows(path: Path | str = ROWS_FILE) -> list[Row]:
    """The rows of `path`, validated.

    Raises:
        MatrixError: On a malformed file, a missing or unknown key, an unknown family or a repeated id.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise MatrixError(f"{path}: {e}") from e
    unknown_top = set(data) - {"row"}
    if unknown_top:
        raise MatrixError(f"{path}: unknown top-level keys {sorted(unknown_top)}; rows are [[row]] tables")
    rows, seen = [], set()
    for i, raw in enumerate(data.get("row", [])):
        where = f"{path}: row {i + 1} ({raw.get('id', 'no id')})"
        unknown = set(raw) - ROW_KEYS
        if unknown:
            raise MatrixError(f"{where}: unknown keys {sorted(unknown)}; accepted: {', '.join(sorted(ROW_KEYS))}")
        for key in ("id", "family", "release", "profiles", "era"):
            if key not in raw:
                raise MatrixError(f"{where}: missing key {key!r}")
        if raw["family"] not in FAMILIES:
            raise MatrixError(f"{where}: family {raw['family']!r} is not one of {', '.join(FAMILIES)}")
        profiles = raw["profiles"]
        if isinstance(profiles, str):
            profiles = [profiles]
        if not profiles or not all(isinstance(p, str) and p for p in profiles):
            raise MatrixError(f"{where}: profiles must be a non-empty list of profile names")
        if raw.get("env") and raw.get("python"):
            raise MatrixError(f"{where}: give either env (a harness environment) or python (in-process), not both")
        if raw["id"] in seen:
            raise MatrixError(f"{where}: id {raw['id']!r} is used by an earlier row")
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", raw["id"]):
            raise MatrixError(f"{where}: id {raw['id']!r} may contain only letters, digits, '.', '_' and '-'")
        seen.add(raw["id"])
        rows.append(Row(id=raw["id"], family=raw["family"], release=str(raw["release"]), profiles=tuple(profiles),
                        era=raw["era"], env=raw.get("env"), impl=raw.get("impl", ""), python=raw.get("python"),
                        python_var=raw.get("python_var"), environ=dict(raw.get("environ", {})),
                        packages=tuple(raw.get("packages", ())), args=tuple(raw.get("args", ())),
                        note=raw.get("note", "")))
    return rows


def select(rows: list[Row], ids: Iterable[str] | None) -> list[Row]:
    """The rows named by `ids` (all when `None`), in file order.

    Raises:
        MatrixError: If an id names no row; the message lists the known ids.
    """
    if not ids:
        return rows
    wanted = list(ids)
    known = {r.id for r in rows}
    missing = [i for i in wanted if i not in known]
    if missing:
        raise MatrixError(f"--rows: unknown row(s) {', '.join(missing)}; known rows: {', '.join(r.id for r in rows)}")
    return [r for r in rows if r.id in wanted]


# Sort key of a release: its version numbers (`2.10` after `2.9`).
release_key = version_numbers


def report_name(row_id: str, profile: str) -> str:
    return f"{row_id}--{profile}.json"


# ------------------------------------------------------------------------------------------ stored reports
_FLOAT = re.compile(r"(?<![\w.])-?\d+\.\d{7,}(?:e[-+]?\d+)?")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def one_line(text: str | None, limit: int = 300) -> str | None:
    """The first non-empty line of `text`, with long floats at 6 significant digits and no object addresses."""
    if not text:
        return None
    line = next((s.strip() for s in text.splitlines() if s.strip()), "")
    line = _FLOAT.sub(lambda m: f"{float(m.group(0)):.6g}", line)
    line = _ADDRESS.sub("0x…", line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _last_line(text: str) -> str:
    lines = [s.strip() for s in text.splitlines() if s.strip()]
    return one_line(lines[-1] if lines else "") or ""


def stored_report(report: dict[str, Any], row: Row, profile: str, versions: dict[str, str]) -> dict[str, Any]:
    """The stored form of a full run report: per clause its outcome, counts, reason and evidence; no timing."""
    clauses = []
    for c in report["clauses"]:
        evidence = one_line(c["messages"][0]) if c.get("messages") and c["status"] == "fail" else None
        clauses.append({"id": c["id"], "status": c["status"], "outcome": c["outcome"], "checked": c["checked"],
                        "failed": c["failed"], "check_errors": c.get("check_errors", 0),
                        "reason": c.get("expected_reason"), "evidence": evidence})
    errors = [{"kind": e.get("kind", "adapter"), "family": e.get("family"), "clause": e.get("clause"),
               "message": _last_line(e.get("traceback", ""))} for e in report.get("errors", [])]
    return {
        "schema": STORED_SCHEMA,
        "row": row.id, "family": row.family, "release": row.release, "era": row.era, "profile": profile,
        "impl": report["impl"]["impl"], "hypothesis_profile": report["hypothesis_profile"],
        "versions": dict(sorted(versions.items())),
        "scenarios": report["scenarios"],
        "summary": report["summary"], "ok": report["ok"],
        "clauses": clauses, "errors": errors, "warnings": list(report.get("warnings", [])),
    }


def dumps(stored: dict[str, Any]) -> str:
    """The stored report's file content: sorted keys, one clause per line, a final newline."""
    head = {k: v for k, v in stored.items() if k != "clauses"}
    lines = ["{"]
    for k in sorted(head):
        lines.append(f" {json.dumps(k)}: {json.dumps(head[k], sort_keys=True, ensure_ascii=False)},")
    lines.append(' "clauses": [')
    body = [f"  {json.dumps(c, sort_keys=True, ensure_ascii=False)}" for c in stored["clauses"]]
    lines.append(",\n".join(body))
    lines.append(" ]")
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_reports(directory: Path | str = REPORTS_DIR) -> list[dict[str, Any]]:
    """Every stored report in `directory`, ordered by family, release and profile.

    Raises:
        MatrixError: If a file is not a stored report of this schema.
    """
    reports = []
    for p in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise MatrixError(f"{p}: not a readable JSON file: {e}") from e
        if not isinstance(data, dict) or data.get("schema") != STORED_SCHEMA or "clauses" not in data:
            raise MatrixError(f"{p}: not a stored matrix report (schema {STORED_SCHEMA})")
        data["_file"] = p.name
        reports.append(data)
    return sorted(reports, key=order_key)


def distributed_reports(directory: Path | str = DISTRIBUTED_REPORTS_DIR) -> list[dict[str, Any]]:
    """The distributed runs' reports (`python -m conformance.distributed --report DIR`) in the stored form.

    Each becomes a report of the `distributed` family whose release names the implementation's version and
    set-up (its `impl` id), e.g. `3.15.1 keras3-jax-2proc`.

    Raises:
        MatrixError: If a file is not a conformance report (REPORT_SCHEMA.md).
    """
    reports = []
    for p in sorted(Path(directory).glob("*.json")):
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
            impl = data["impl"]
            release = " ".join(str(part) for part in (impl.get("version"), impl["impl"]) if part)
            row = Row(id=impl["impl"], family=DISTRIBUTED_FAMILY, release=release,
                      profiles=(data["profile"],), era=data["profile"])
            package = "tf-keras" if impl["impl"].startswith("tf_keras") else "keras"
            versions = {package: impl["version"]} if impl.get("version") else {}
            stored = stored_report(data, row, data["profile"], versions)
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise MatrixError(f"{p}: not a distributed conformance report: {e}") from e
        stored["_file"] = p.name
        reports.append(stored)
    return sorted(reports, key=order_key)


def order_key(report: dict[str, Any]) -> tuple:
    family = report["family"]
    rank = FAMILIES.index(family) if family in FAMILIES else len(FAMILIES)
    return rank, family, release_key(report["release"]), report["row"], report["profile"]


# ------------------------------------------------------------------------------------------- comparison
def compare(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What differs between two stored reports of one row and profile, one line per field or clause field."""
    diffs = []
    for key in sorted((set(old) | set(new)) - {"clauses", "_file"}):
        if old.get(key) != new.get(key):
            a, b = (json.dumps(d.get(key), sort_keys=True) for d in (old, new))
            diffs.append(f"{key}: {a} -> {b}")
    before = {c["id"]: c for c in old.get("clauses", [])}
    after = {c["id"]: c for c in new.get("clauses", [])}
    for cid in [c["id"] for c in old.get("clauses", [])] + [c for c in after if c not in before]:
        if cid not in after:
            diffs.append(f"clause {cid}: missing from the rebuilt report")
        elif cid not in before:
            diffs.append(f"clause {cid}: not in the stored report")
        else:
            for key in sorted(set(before[cid]) | set(after[cid])):
                a, b = before[cid].get(key), after[cid].get(key)
                if a != b:
                    diffs.append(f"clause {cid}: {key} {json.dumps(a)} -> {json.dumps(b)}")
    return diffs


# ------------------------------------------------------------------------------------------ what changed
def verdict(clause: dict[str, Any]) -> str:
    return VERDICT.get(clause["status"], clause["status"])


def evidence(clause: dict[str, Any]) -> str:
    """The reason (expectations file) and the first violation seen, for a clause that fails; else ''."""
    parts = [p for p in (clause.get("reason"), clause.get("evidence")) if p]
    return " — ".join(parts)


@dataclass
class Change:
    """A clause whose verdict differs between two consecutive releases of a family."""

    family: str
    clause: str
    before: dict[str, Any]  # the earlier release's stored report
    after: dict[str, Any]
    verdict_before: str
    verdict_after: str
    evidence_before: str
    evidence_after: str

    @property
    def profile_boundary(self) -> bool:
        return self.before["profile"] != self.after["profile"]


@dataclass
class Step:
    """Two consecutive releases of a family and what changed between them."""

    family: str
    before: dict[str, Any]
    after: dict[str, Any]
    changes: list[Change]
    only_before: list[str]  # clauses of the earlier profile only (at a profile boundary)
    only_after: list[str]


def steps(reports: list[dict[str, Any]]) -> list[Step]:
    """For each family, each pair of consecutive releases and the clauses whose verdict changes between them.

    A release checked against several profiles is compared, profile by profile, with the previous release
    checked against the same profile; a release with no earlier release in its profile is compared with the
    previous release's last profile, as a profile boundary (only the clauses both profiles have).
    """
    result: list[Step] = []
    by_family: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for r in sorted(reports, key=order_key):
        by_family.setdefault(r["family"], {}).setdefault(r["release"], []).append(r)
    for family, releases in by_family.items():
        if family == DISTRIBUTED_FAMILY:
            continue
        ordered = sorted(releases, key=release_key)
        for prev, cur in zip(ordered, ordered[1:]):
            prev_by_profile = {r["profile"]: r for r in releases[prev]}
            same = [r for r in releases[cur] if r["profile"] in prev_by_profile]
            pairs = [(prev_by_profile[r["profile"]], r) for r in same]
            if not pairs:  # a profile boundary: the first profile of the later release against the earlier one's
                pairs = [(releases[prev][-1], releases[cur][0])]
            for before, after in pairs:
                result.append(_step(family, before, after))
    return result


def _step(family: str, before: dict[str, Any], after: dict[str, Any]) -> Step:
    a = {c["id"]: c for c in before["clauses"]}
    b = {c["id"]: c for c in after["clauses"]}
    changes = []
    for c in after["clauses"]:
        cid = c["id"]
        if cid in a and verdict(a[cid]) != verdict(c):
            changes.append(Change(family, cid, before, after, verdict(a[cid]), verdict(c), evidence(a[cid]),
                                  evidence(c)))
    return Step(family, before, after, changes, [c for c in a if c not in b], [c for c in b if c not in a])


__all__ = [
    "DISTRIBUTED_FAMILY",
    "DISTRIBUTED_REPORTS_DIR",
    "FAMILIES",
    "REPORTS_DIR",
    "ROWS_FILE",
    "Change",
    "MatrixError",
    "Row",
    "Step",
    "compare",
    "distributed_reports",
    "dumps",
    "load_rows",
    "read_reports",
    "release_key",
    "report_name",
    "select",
    "steps",
    "stored_report",
]
