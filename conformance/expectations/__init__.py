"""Known failures per implementation: `conformance/expectations/<impl>.toml`, one `[[expect]]` table each.

Each table has `clause` (a clause id) and `reason` (why the implementation deviates, with evidence). An id
that matches no clause produces a warning, so a file cannot rot silently.
"""

from __future__ import annotations

import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DIRECTORY = Path(__file__).parent


class ExpectationsError(ValueError):
    """An expectations file is malformed."""


def load_expectations(impl: str, known_ids: set[str], path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The known failures of `impl` and warnings about the file.

    Args:
        impl: Implementation id (`keras3-jax`, `refimpl`, ...); `<impl>.toml` is read, else nothing is expected.
        known_ids: Every clause id of the spec (all profiles), to warn about ids that match none.
        path: Read this file instead (a third party's own file, anywhere). Defaults to `None`.

    Returns:
        `({clause id: reason}, warnings)`.

    Raises:
        ExpectationsError: On unknown keys, a missing reason or a clause listed twice, a file that is not TOML, or
            a `path` that does not exist.
    """
    if path is not None and not Path(path).is_file():
        raise ExpectationsError(f"expectations file {str(path)!r} does not exist")
    path = Path(path) if path is not None else DIRECTORY / f"{impl}.toml"
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
        extra = set(entry) - {"clause", "reason"}
        if extra or not entry.get("clause") or not str(entry.get("reason", "")).strip():
            raise ExpectationsError(f"{path.name}: entry #{i + 1} needs exactly 'clause' and a non-empty 'reason'"
                                    + (f" (unknown keys {sorted(extra)})" if extra else ""))
        cid = entry["clause"]
        if cid in out:
            raise ExpectationsError(f"{path.name}: clause {cid!r} listed twice")
        if cid not in known_ids:
            warnings.append(f"{path.name}: {cid!r} matches no clause of the spec")
        out[cid] = entry["reason"].strip()
    return out, warnings
