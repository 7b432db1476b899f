"""``python -m refimpl run script.py [args]``: run a script with refimpl standing in for ``keras``.

The script runs as ``__main__`` with ``sys.argv`` set to ``[script.py, *args]``, after
``refimpl.install_as_keras()``, so its ``import keras`` (and that of every package it uses) gets refimpl.
"""

from __future__ import annotations

import argparse
import runpy
import sys

from .as_keras import install_as_keras


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refimpl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a Python script with `import keras` resolving to refimpl")
    run.add_argument("script", help="path of the script to run")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments passed to the script")
    ns = parser.parse_args(argv)
    install_as_keras()
    sys.argv = [ns.script, *ns.args]
    try:
        runpy.run_path(ns.script, run_name="__main__")
    except FileNotFoundError as error:
        if error.filename == ns.script:
            parser.error(f"script not found: {ns.script}")
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
