"""Compare two parity recordings: same hooks in the same order, same logs keys, numbers within rtol."""

from __future__ import annotations

RTOL = 1e-5
ATOL = 1e-7


def _numbers_differ(a, b, path: str, out: list[str]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        if sorted(a) != sorted(b):
            out.append(f"{path}: keys {sorted(a)} != {sorted(b)}")
            return
        for key in a:
            _numbers_differ(a[key], b[key], f"{path}.{key}", out)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append(f"{path}: length {len(a)} != {len(b)}")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _numbers_differ(x, y, f"{path}[{i}]", out)
    elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if abs(a - b) > RTOL * max(abs(a), abs(b)) + ATOL:
            out.append(f"{path}: {a!r} != {b!r} (rel {abs(a - b) / max(abs(a), abs(b), 1e-30):.1e})")
    elif a != b:
        out.append(f"{path}: {a!r} != {b!r}")


def compare_scenario(keras_result: dict, refimpl_result: dict, allowed: dict | None = None) -> list[str]:
    """Differences between Keras's and refimpl's recordings of one scenario (empty when they agree).

    ``allowed`` maps ``"call N key"`` (e.g. ``"call 1 history"``) to the reason refimpl deliberately
    differs there; those entries are not compared.
    """
    allowed = allowed or {}
    problems: list[str] = []
    for side, res in (("keras", keras_result), ("refimpl", refimpl_result)):
        if "error" in res:
            problems.append(f"{side} raised {res['error']}")
    if problems:
        return problems
    if len(keras_result["calls"]) != len(refimpl_result["calls"]):
        return [f"calls: {len(keras_result['calls'])} != {len(refimpl_result['calls'])}"]
    for i, (k, r) in enumerate(zip(keras_result["calls"], refimpl_result["calls"])):
        if f"call {i} events" in allowed:
            k = {key: value for key, value in k.items() if key != "events"}
            r = {key: value for key, value in r.items() if key != "events"}
            k["events"] = r["events"] = []
        k_hooks = [(e[0], e[1]) for e in k["events"]]
        r_hooks = [(e[0], e[1]) for e in r["events"]]
        if k_hooks != r_hooks:
            first = next((j for j, (a, b) in enumerate(zip(k_hooks, r_hooks)) if a != b),
                         min(len(k_hooks), len(r_hooks)))
            problems.append(f"call {i} ({k['method']}): hook sequence differs at event {first}: keras "
                            f"{k_hooks[first:first + 2]} vs refimpl {r_hooks[first:first + 2]}")
            continue
        for j, (ke, re) in enumerate(zip(k["events"], r["events"])):
            _numbers_differ(ke[2], re[2], f"call {i} event {j} {ke[0]}({ke[1]}) logs", problems)
        for key in ("params", "probes", "history", "epoch", "return", "lr_after", "builtins", "interrupted",
                    "raised", "log_messages"):
            if (key in k or key in r) and f"call {i} {key}" not in allowed:
                _numbers_differ(k.get(key), r.get(key), f"call {i} {key}", problems)
    if "final_weights" not in allowed:
        _numbers_differ(keras_result["final_weights"], refimpl_result["final_weights"], "final_weights", problems)
    _numbers_differ(keras_result.get("http_payloads"), refimpl_result.get("http_payloads"), "http_payloads", problems)
    return problems
