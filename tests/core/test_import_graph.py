"""refimpl's import graph (every ``import`` in every module, at any depth): the layering holds.

Built from the source with ``ast``, so an import inside a function counts as much as one at the top: a
loop hidden in a function is still a loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import refimpl

ROOT = Path(refimpl.__file__).parent


def _module_name(path: Path) -> str:
    parts = ["refimpl", *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """``{module: {refimpl modules it imports}}``; ``from pkg import name`` counts as importing ``pkg.name``
    when that is a module, else ``pkg``."""
    modules = {_module_name(p): p for p in ROOT.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, *([base] if base else [])])
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                           for alias in node.names]
            else:
                continue
            edges.update(t for t in targets if t in modules and t != name)
        graph[name] = edges
    return graph


def _reaches(graph, start: str, goal_prefix: str) -> list[str] | None:
    """A path of imports from ``start`` to any module under ``goal_prefix``, or None."""
    seen = {start}
    frontier = [[start]]
    while frontier:
        path = frontier.pop()
        for nxt in sorted(graph[path[-1]]):
            if nxt.startswith(goal_prefix):
                return [*path, nxt]
            if nxt not in seen and nxt.startswith("refimpl.") and not _is_package_root(nxt):
                seen.add(nxt)
                frontier.append([*path, nxt])
    return None


def _is_package_root(name: str) -> bool:
    return name == "refimpl"


GRAPH = import_graph()


def test_the_graph_sees_imports_inside_functions():
    # refimpl.models.model imports refimpl.saving only inside Model.save(): the graph must still have it.
    assert any(target.startswith("refimpl.saving") for target in GRAPH["refimpl.models.model"])


@pytest.mark.parametrize("source, forbidden", [
    ("refimpl.saving", "refimpl.models"),       # saving serializes models; it never builds them by import
    ("refimpl.callbacks", "refimpl.trainer"),   # callbacks see the loop only through FitState, never import it
    ("refimpl.profiles", "refimpl.callbacks"),  # a profile is settings, not callbacks
])
def test_no_module_imports_across_a_forbidden_edge(source, forbidden):
    offenders = {module: sorted(t for t in targets if t.startswith(forbidden))
                 for module, targets in GRAPH.items() if module.startswith(source)}
    offenders = {module: targets for module, targets in offenders.items() if targets}
    assert not offenders, f"{source} must not import {forbidden}; found {offenders}"


def test_models_and_saving_form_no_loop():
    for module in sorted(m for m in GRAPH if m.startswith("refimpl.saving")):
        path = _reaches(GRAPH, module, "refimpl.models")
        assert path is None, f"import loop between saving and models: {' -> '.join(path)}"


def test_callbacks_do_not_reach_the_trainer_through_other_modules():
    for module in sorted(m for m in GRAPH if m.startswith("refimpl.callbacks")):
        path = _reaches(GRAPH, module, "refimpl.trainer")
        assert path is None, f"callbacks reach the training loop by import: {' -> '.join(path)}"
