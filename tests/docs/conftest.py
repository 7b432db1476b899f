"""Shared fixtures for the docs tests: the build script, the catalog tools, and one three-language build."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCS_DIR = REPO_ROOT / "docs"


def _load(name: str, path: Path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# docs/ is not a package (it is Sphinx's source directory); load its scripts by path.
docs_build = _load("kcc_docs_build", DOCS_DIR / "build.py")
catalogs = _load("kcc_docs_catalogs", DOCS_DIR / "catalogs.py")
sys.path.insert(0, str(DOCS_DIR / "_ext"))
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """All three languages built with warnings as errors, once per session; returns the html root."""
    out_root = tmp_path_factory.mktemp("docs-build")
    results = docs_build.build_languages(list(docs_build.LANGUAGES), out_root=out_root)
    failures = {
        lang: (r.stdout + r.stderr)[-4000:] for lang, r in results.items() if r.returncode != 0
    }
    assert not failures, "the docs build failed with -W:\n" + "\n".join(
        f"--- {lang} ---\n{output}" for lang, output in failures.items()
    )
    return out_root / "html"


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser screenshots are kept: $KCC_DOCS_ARTIFACTS, else docs/_build/screenshots."""
    path = Path(os.environ.get("KCC_DOCS_ARTIFACTS") or DOCS_DIR / "_build" / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
