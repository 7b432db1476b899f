"""Known failures per implementation: `conformance/expectations/<impl>.toml`, one `[[expect]]` table each.

Each table has `clause` (a clause id) and `reason` (why the implementation deviates, with evidence). An id
that matches no clause produces a warning, so a file cannot rot silently.

One file can serve a family of releases (`keras3-jax.toml` for Keras 3.0-3.15 on jax): an entry with
`releases = ">=3.0,<3.4"` applies only to the releases that specifier matches (comma-separated `>=`, `>`, `<=`,
`<`, `==`, `!=` on dotted numbers); an entry without `releases` applies to every release. A clause may be listed
once per disjoint range.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DIRECTORY = Path(__file__).parent


class ExpectationsError(ValueError):
    """An expectations file is malformed."""


OPERATORS = {">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
             "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b}


def version_numbers(version: str) -> tuple[int, ...]:
    """`3.0.5` -> (3, 0, 5), which also orders releases (`2.10` after `2.9`); a suffix (`0rc1`, `2.post1`) ends
    the numbers."""
    out = []
    for part in version.strip().split("."):
        m = re.match(r"\d+", part)
        if not m:
            break
        out.append(int(m.group()))
        if m.end() != len(part):
            break
    return tuple(out)


def release_matches(spec: str, version: str) -> bool:
    """Whether `version` (e.g. `3.0.5`) is in the range `spec` (e.g. `>=3.0,<3.4`).

    Raises:
        ValueError: If `spec` is not comma-separated `<operator><dotted number>` items.
    """
    v = version_numbers(version)
    for item in spec.split(","):
        item = item.strip()
        op = next((o for o in (">=", "<=", "==", "!=", ">", "<") if item.startswith(o)), None)
        bound = version_numbers(item[len(op):]) if op else ()
        if op is None or not bound or item[len(op):].strip().rstrip(".0123456789"):
            raise ValueError(f"releases {spec!r}: {item!r} is not <op><version> with op one of "
                             f"{', '.join(OPERATORS)}, e.g. '>=3.0,<3.4'")
        width = max(len(v), len(bound))
        if not OPERATORS[op](v + (0,) * (width - len(v)), bound + (0,) * (width - len(bound))):
            return False
    return True


def load_expectations(impl: str, known_ids: set[str], path: Path | None = None, fallbacks: tuple[str, ...] = (),
                      release: str | None = None) -> tuple[dict[str, str], list[str]]:
    """The known failures of `impl` and warnings about the file.

    Args:
        impl: Implementation id (`keras3-jax`, `refimpl`, ...); `<impl>.toml` is read, else nothing is expected.
        known_ids: Every clause id of the spec (all profiles), to warn about ids that match none.
        path: Read this file instead (a third party's own file, anywhere). Defaults to `None`.
        fallbacks: Files to read when `<impl>.toml` does not exist, first found wins (a release reads its
            family's file: `keras-3.0.5-jax` falls back to `keras3-jax`). Defaults to `()`.
        release: The implementation's version; entries whose `releases` range does not match it are left out
            (with no version, an entry with `releases` is left out). Defaults to `None`.

    Returns:
        `({clause id: reason}, warnings)`.

    Raises:
        ExpectationsError: On unknown keys, a missing reason, a clause listed twice for one release, a bad
            `releases` range, a file that is not TOML, or a `path` that does not exist.
    """
    if path is not None and not Path(path).is_file():
        raise ExpectationsError(f"expectations file {str(path)!r} does not exist")
    if path is None:
        path = next((DIRECTORY / f"{n}.toml" for n in (impl, *fallbacks) if (DIRECTORY / f"{n}.toml").exists()),
                    DIRECTORY / f"{impl}.toml")
    path = Path(path)
    if not path.exists():
        return {}, []
    with path.open("rb") as f:
        try:
            data = tomllib.load(f)
        except tomllib.TOMLDecodeError as e:
            raise ExpectationsError(f"{path.name}: not valid TOML: {e}") from e
    unknown = set(data) - {"expect"}
    if unknown:
        raise ExpectationsError(f"{path.name}: unknown top-level key(s) {sorted(unknown)}; accepted: ['expect']")
    out: dict[str, str] = {}
    warnings = []
    for i, entry in enumerate(data.get("expect", [])):
        extra = set(entry) - {"clause", "reason", "releases"}
        if extra or not entry.get("clause") or not str(entry.get("reason", "")).strip():
            raise ExpectationsError(f"{path.name}: entry #{i + 1} needs 'clause' and a non-empty 'reason' "
                                    f"(and optionally 'releases')"
                                    + (f" (unknown keys {sorted(extra)})" if extra else ""))
        cid = entry["clause"]
        if "releases" in entry:
            try:
                applies = release_matches(str(entry["releases"]), release) if release else False
            except ValueError as e:
                raise ExpectationsError(f"{path.name}: entry #{i + 1} ({cid}): {e}") from e
            if not applies:
                if cid not in known_ids:
                    warnings.append(f"{path.name}: {cid!r} matches no clause of the spec")
                continue
        if cid in out:
            raise ExpectationsError(f"{path.name}: clause {cid!r} listed twice"
                                    + (f" for release {release}" if release else ""))
        if cid not in known_ids:
            warnings.append(f"{path.name}: {cid!r} matches no clause of the spec")
        out[cid] = entry["reason"].strip()
    return out, warnings
