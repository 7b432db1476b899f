"""Sphinx configuration for the Keras callback contract docs (English source, zh_CN and ko catalogs).

Build all three languages with ``python docs/build.py``; see ``docs/translating.rst``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
REPO_ROOT = DOCS_DIR.parent
# refimpl and conformance are imported from the working tree, so the docs describe the code beside them.
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(DOCS_DIR / "_ext"))

project = "Keras callback contract"
author = "The keras-callback-contract authors"
# The year of the build (Sphinx puts SOURCE_DATE_EPOCH's year there when that is set, for reproducible builds).
copyright = f"2025–{time.gmtime().tm_year}, the keras-callback-contract authors"
release = "0.1.0"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
    "contract_tables",
    "glossary_terms",
    "korean_search",
    "chinese_search",
    "language_switcher",
    "conformance_matrix",
    "distribution_reports",
    "search_count",
]

root_doc = "index"
exclude_patterns = ["_build", "_ext", "_templates", "README.md"]
templates_path = ["_templates"]
nitpicky = False

# --- translations -------------------------------------------------------------------------------------------
language = "en"
locale_dirs = ["../locale/"]
gettext_compact = False  # one catalog per page, as CPython's translations do
gettext_uuid = False
gettext_location = False  # line numbers in .pot would make every edit look like drift
gettext_last_translator = "keras-callback-contract translators"
gettext_language_team = "keras-callback-contract translators"
# The languages the site is built in, with the names the switcher shows (each in its own language).
site_languages = {"en": "English", "zh_CN": "简体中文", "ko": "한국어"}
# The site's title in each language (config values do not go through the catalogs).
site_titles = {"en": "Keras callback contract", "zh_CN": "Keras 回调函数契约", "ko": "Keras 콜백 계약"}

# jieba reports its dictionary loading on stderr in every Chinese build; only its warnings matter here.
try:
    import logging as _logging

    import jieba as _jieba

    _jieba.setLogLevel(_logging.WARNING)
except ImportError:  # without jieba Sphinx cannot index Chinese; tests/docs fail loudly on that
    pass

# --- HTML ---------------------------------------------------------------------------------------------------
html_theme = "furo"
html_title = "Keras callback contract"
html_static_path = ["_static"]
html_css_files = ["languages.css"]
html_sidebars = {
    "**": [
        "sidebar/scroll-start.html",
        "sidebar/brand.html",
        "sidebar/languages.html",
        "sidebar/search.html",
        "sidebar/navigation.html",
        "sidebar/scroll-end.html",
    ]
}
html_last_updated_fmt = None
html_copy_source = False
html_show_sourcelink = False

# --- autodoc ------------------------------------------------------------------------------------------------
autodoc_member_order = "bysource"
# Types go in the signature: in the description they made a second, bare "Parameters" list after the
# described one (napoleon's Args) on every page whose docstring has more than one section.
autodoc_typehints = "signature"
autoclass_content = "class"
autodoc_inherit_docstrings = False
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

# --- doctest: every example on every page runs against refimpl ------------------------------------------------
# Every group of examples starts as a reader's fresh script would: in an empty working directory (examples
# write checkpoints and logs), with refimpl's layer-name counters reset (examples show names like "dense").
doctest_global_setup = """
import os as _os, tempfile as _tempfile
_os.chdir(_tempfile.mkdtemp(prefix="kcc-doctest-"))
import atexit as _atexit, shutil as _shutil
_atexit.register(_shutil.rmtree, _os.getcwd(), True)
_tempfile.tempdir = _os.getcwd()  # folders the examples make with tempfile go in it too, and are removed with it
import refimpl as _refimpl
_refimpl.utils.clear_session()
"""
doctest_test_doctest_blocks = "default"

# The conformance matrix page reads this report when it exists (written by ``python -m conformance --report``).
conformance_report_path = str(REPO_ROOT / "conformance-report" / "report.json")
# The stored compatibility matrix (python -m conformance matrix build), shown on every build.
conformance_matrix_reports = str(REPO_ROOT / "conformance" / "matrix" / "reports")
