"""The callback contract as data: clauses and hooks read from the TOML files beside this module.

Each `*.toml` file here holds `[[clause]]` tables (one rule each) and, in `hooks.toml`, `[[hook]]` tables
(one hook each). The files are validated when loaded: an unknown key, kind or profile, a duplicate id or a
missing field raises `SpecError` naming the file and the entry.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SPEC_DIR = Path(__file__).parent
# Where the suite reads the spec from: `use_spec()` (the CLI's --spec) or this variable, else SPEC_DIR.
SPEC_ENV = "KCC_CONFORMANCE_SPEC"
_active: Path | None = None

KINDS: tuple[str, ...] = ("order", "logs-keys", "logs-values", "params", "state", "errors", "distribution")
# Kinds judged on a distributed measurement (conformance/distributed/), not on the scenario suite's calls.
MEASURED_KINDS: tuple[str, ...] = ("distribution",)
PROFILES: tuple[str, ...] = ("keras3", "tf-keras", "keras2", "keras1", "keras0")

_CLAUSE_REQUIRED = ("id", "kind", "profiles", "statement", "source")
_CLAUSE_OPTIONAL = ("hooks", "since", "notes")
_HOOK_REQUIRED = ("name", "args", "phase", "statement", "logs", "clauses")
_HOOK_OPTIONAL = ("no_logs", "alias_of")
_PHASES = ("fit", "evaluate", "predict")


class SpecError(ValueError):
    """A spec file is malformed: the message names the file, the entry and what is wrong."""


@dataclass(frozen=True)
class Clause:
    """One rule of the contract.

    Args:
        id: Stable dotted identifier, e.g. `fit.order.epoch-brackets-batches`.
        kind: One of `KINDS`.
        profiles: The profiles (subset of `PROFILES`) the rule belongs to.
        statement: The rule in one English sentence.
        source: Where the fact comes from (a seed page, observed Keras behaviour, the reference README).
        hooks: The hooks the rule concerns. Defaults to `()`.
        since: The version that introduced the rule, if known. Defaults to `None`.
        notes: Free text for readers. Defaults to `None`.
        file: The spec file the clause was read from. Defaults to `""`.
    """

    id: str
    kind: str
    profiles: tuple[str, ...]
    statement: str
    source: str
    hooks: tuple[str, ...] = ()
    since: str | None = None
    notes: str | None = None
    file: str = field(default="", compare=False)


@dataclass(frozen=True)
class Hook:
    """One hook of the `Callback` interface as the spec describes it (see `hook_table`)."""

    name: str
    args: tuple[str, ...]
    phase: str
    statement: str
    logs: dict[str, tuple[str, ...]]
    clauses: tuple[str, ...]
    no_logs: tuple[str, ...] = ()
    alias_of: str | None = None


def _check_keys(where: str, table: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    unknown = sorted(set(table) - set(required) - set(optional))
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; accepted keys: {sorted(required + optional)}")
    missing = [k for k in required if k not in table]
    if missing:
        raise SpecError(f"{where}: missing key(s) {missing}")


def _check_profiles(where: str, profiles: Any) -> tuple[str, ...]:
    if not isinstance(profiles, list) or not profiles:
        raise SpecError(f"{where}: profiles must be a non-empty list of {list(PROFILES)}")
    bad = [p for p in profiles if p not in PROFILES]
    if bad:
        raise SpecError(f"{where}: unknown profile(s) {bad}; known profiles: {list(PROFILES)}")
    return tuple(profiles)


def _parse_clause(path: Path, i: int, table: dict[str, Any]) -> Clause:
    where = f"{path.name}: clause #{i + 1} ({table.get('id', '?')})"
    _check_keys(where, table, _CLAUSE_REQUIRED, _CLAUSE_OPTIONAL)
    if table["kind"] not in KINDS:
        raise SpecError(f"{where}: unknown kind {table['kind']!r}; known kinds: {list(KINDS)}")
    for key in ("id", "statement", "source"):
        if not isinstance(table[key], str) or not table[key].strip():
            raise SpecError(f"{where}: {key} must be a non-empty string")
    return Clause(
        id=table["id"],
        kind=table["kind"],
        profiles=_check_profiles(where, table["profiles"]),
        statement=table["statement"],
        source=table["source"],
        hooks=tuple(table.get("hooks", ())),
        since=table.get("since"),
        notes=table.get("notes"),
        file=path.name,
    )


def _parse_hook(path: Path, i: int, table: dict[str, Any]) -> Hook:
    where = f"{path.name}: hook #{i + 1} ({table.get('name', '?')})"
    _check_keys(where, table, _HOOK_REQUIRED, _HOOK_OPTIONAL)
    if table["phase"] not in _PHASES:
        raise SpecError(f"{where}: unknown phase {table['phase']!r}; known phases: {list(_PHASES)}")
    logs = table["logs"]
    _check_profiles(where, list(logs) or ["?"])
    return Hook(
        name=table["name"],
        args=tuple(table["args"]),
        phase=table["phase"],
        statement=table["statement"],
        logs={p: tuple(keys) for p, keys in logs.items()},
        clauses=tuple(table["clauses"]),
        no_logs=_check_profiles(where, table["no_logs"]) if "no_logs" in table else (),
        alias_of=table.get("alias_of"),
    )


def load_spec(directory: Path | str = SPEC_DIR) -> tuple[list[Clause], list[Hook]]:
    """Read and validate every spec file in `directory`.

    Args:
        directory: Where the `*.toml` files are. Defaults to `conformance/spec/`.

    Returns:
        `(clauses, hooks)`, clauses sorted by file then position, hooks in file order.

    Raises:
        SpecError: On an unknown top-level table, key, kind or profile, a duplicate clause id or hook name,
            or a hook citing a clause that does not exist.
    """
    clauses: list[Clause] = []
    hooks: list[Hook] = []
    seen: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.toml")):
        with path.open("rb") as f:
            try:
                data = tomllib.load(f)
            except tomllib.TOMLDecodeError as e:
                raise SpecError(f"{path.name}: not valid TOML: {e}") from e
        unknown = sorted(set(data) - {"clause", "hook"})
        if unknown:
            raise SpecError(f"{path.name}: unknown top-level table(s) {unknown}; accepted: ['clause', 'hook']")
        for i, table in enumerate(data.get("clause", [])):
            clause = _parse_clause(path, i, table)
            if clause.id in seen:
                raise SpecError(f"{path.name}: duplicate clause id {clause.id!r} (first in {seen[clause.id]})")
            seen[clause.id] = path.name
            clauses.append(clause)
        for i, table in enumerate(data.get("hook", [])):
            hooks.append(_parse_hook(path, i, table))
    names = [h.name for h in hooks]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise SpecError(f"duplicate hook name(s) {dupes}")
    for hook in hooks:
        missing = [c for c in hook.clauses if c not in seen]
        if missing:
            raise SpecError(f"hook {hook.name}: cites unknown clause(s) {missing}")
        if hook.alias_of is not None and hook.alias_of not in names:
            raise SpecError(f"hook {hook.name}: alias_of names unknown hook {hook.alias_of!r}")
    return clauses, hooks


def use_spec(directory: Path | str | None) -> Path:
    """Make the suite read its spec from `directory` (`None`: back to the default); returns the directory.

    The suite's model, checks and clause list all read the spec through this one setting, so a run on an edited
    copy of the spec judges implementations by the edited data.

    Raises:
        SpecError: If `directory` does not exist or its files are malformed.
    """
    global _active
    if directory is None:
        _active = None
        return spec_dir()
    path = Path(directory).resolve()
    if not path.is_dir():
        raise SpecError(f"spec directory {str(directory)!r} does not exist")
    _cached(path)  # validate now, before anything runs
    _active = path
    return path


def spec_dir() -> Path:
    """The directory the suite reads the spec from (see `use_spec`; `KCC_CONFORMANCE_SPEC` also sets it)."""
    if _active is not None:
        return _active
    env = os.environ.get(SPEC_ENV)
    return Path(env).resolve() if env else SPEC_DIR


@lru_cache(maxsize=4)
def _cached(directory: Path | None = None) -> tuple[tuple[Clause, ...], tuple[Hook, ...]]:
    clauses, hooks = load_spec(directory or spec_dir())
    return tuple(clauses), tuple(hooks)


def load_hooks() -> dict[str, Hook]:
    """The hooks of the active spec (`hooks.toml`), by name, in file order."""
    return {h.name: h for h in _cached(spec_dir())[1]}


def _check_profile_name(profile: str | None) -> None:
    if profile is not None and profile not in PROFILES:
        raise SpecError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}")


def load_clauses(profile: str | None = None) -> list[Clause]:
    """The contract's clauses, optionally only those of one profile.

    Args:
        profile: One of `PROFILES`, or `None` for every clause. Defaults to `None`.

    Returns:
        The clauses in spec order.

    Raises:
        SpecError: If `profile` is unknown or a spec file is malformed.

    Example:
        >>> from conformance.spec import load_clauses
        >>> clause = next(c for c in load_clauses("keras3") if c.id == "fit.order.epoch-brackets-batches")
        >>> clause.kind
        'order'
    """
    _check_profile_name(profile)
    clauses = _cached(spec_dir())[0]
    return [c for c in clauses if profile is None or profile in c.profiles]


def scenario_clauses(profile: str | None = None) -> list[Clause]:
    """The clauses the scenario suite checks: `load_clauses(profile)` without the `MEASURED_KINDS`."""
    return [c for c in load_clauses(profile) if c.kind not in MEASURED_KINDS]


def clause_ids(profile: str | None = None) -> set[str]:
    """The ids of `load_clauses(profile)`."""
    return {c.id for c in load_clauses(profile)}


def hook_table(profile: str = "keras3") -> list[dict[str, Any]]:
    """Per hook, what the contract of `profile` says it receives: for the docs' contract tables.

    Each row is a dict with:

    - `hook`: the method name, e.g. `"on_epoch_end"`;
    - `phase`: `"fit"`, `"evaluate"` or `"predict"`;
    - `args`: the positional arguments in order, e.g. `["epoch", "logs"]` (without `"logs"` where the
      profile's hooks take none, as in keras0);
    - `logs`: the keys the hook receives; `"<metrics>"` stands for one key per compiled metric and
      `"val_<metrics>"` for the same keys prefixed with `val_`; `[]` means an empty dict;
    - `statement`: one sentence on when the hook fires;
    - `clauses`: ids of the clauses of this profile that test the hook.

    Hooks that `profile` does not have are left out; rows come in the order of `hooks.toml`.

    Args:
        profile: One of `PROFILES`. Defaults to `"keras3"`.

    Returns:
        A list of rows as described above.

    Raises:
        SpecError: If `profile` is unknown.

    Example:
        >>> from conformance.spec import hook_table
        >>> row = next(r for r in hook_table("keras3") if r["hook"] == "on_epoch_end")
        >>> row["args"], row["logs"]
        (['epoch', 'logs'], ['loss', '<metrics>', 'val_loss', 'val_<metrics>'])
    """
    if profile is None:
        raise SpecError(f"hook_table needs a profile; known profiles: {', '.join(PROFILES)}")
    _check_profile_name(profile)
    ids = clause_ids(profile)
    rows = []
    for hook in _cached(spec_dir())[1]:
        if profile not in hook.logs:
            continue
        args = [a for a in hook.args if not (a == "logs" and profile in hook.no_logs)]
        rows.append({
            "hook": hook.name,
            "phase": hook.phase,
            "args": args,
            "logs": list(hook.logs[profile]),
            "statement": hook.statement,
            "clauses": [c for c in hook.clauses if c in ids],
        })
    return rows


__all__ = [
    "KINDS", "PROFILES", "Clause", "Hook", "SpecError", "clause_ids", "hook_table", "load_clauses", "load_hooks",
    "load_spec", "spec_dir", "use_spec",
]
