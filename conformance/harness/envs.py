"""Isolated environments for real Keras releases, built by one command from the machine's interpreters.

`python -m conformance env build keras-1.2.2` makes (or reuses) `<cache>/keras-1.2.2` with a pinned dependency
set known to install here, then imports Keras in it to prove it works. The cache is `--dir`, else
`$KCC_ENV_DIR`, else `~/.cache/kcc-envs`. Keras runs on Theano in pure-Python mode (no C compiler, no BLAS):
every command the suite starts in an environment gets `THEANO_FLAGS="cxx=,blas.ldflags=,base_compiledir=..."`
and `KERAS_BACKEND=theano`.

Two layouts: a virtualenv (Python 3) or, for Python 2.7 whose standard library has no `venv`,
`pip install --target <env>/site` run with the interpreter itself; `Env.command()` and `Env.environ()` hide the
difference. A finished environment carries `kcc-env.json` (its recipe and what was installed); a build that
fails leaves nothing behind but its log.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

STAMP = "kcc-env.json"
PYENV_HINT = "pyenv install {version}  (or put python{short} on PATH, or set {var}=/path/to/python{short})"


class EnvError(RuntimeError):
    """An environment cannot be built or used; the message says what to install or do."""


@dataclass(frozen=True)
class Recipe:
    """How to build the environment of one release.

    Args:
        name: The release's name on the command line, e.g. `keras-1.2.2`.
        python: The interpreter's `major.minor`, e.g. `"3.9"`.
        steps: pip argument lists, run in order (each is `pip install <args>`).
        module: What to import to prove the environment works.
        version: The version that import must report.
        profile: The contract profile whose dialect describes this release.
        layout: `"venv"` or `"target"` (pip --target, for interpreters without venv).
        note: Why these pins.
    """

    name: str
    python: str
    steps: tuple[tuple[str, ...], ...]
    module: str
    version: str
    profile: str
    layout: str = "venv"
    note: str = ""

    def digest(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:16]


THEANO_39 = ("theano==1.0.5", "numpy<1.22", "scipy<1.8", "six", "pyyaml", "h5py")

RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("keras-0.3.3", "2.7", (("keras==0.3.3", "theano==0.8.2", "numpy==1.16.6", "scipy==1.2.3"),),
           module="keras", version="0.3.3", profile="keras0", layout="target",
           note="the last 0.x release on PyPI; Theano 0.8.2 is the release of its time, numpy/scipy the last "
                "for Python 2.7"),
    Recipe("keras-1.2.2", "3.9", (("wheel",), ("keras==1.2.2", *THEANO_39)),
           module="keras", version="1.2.2", profile="keras1",
           note="Theano 1.0.5 runs pure-Python; numpy<1.22 and scipy<1.8 still have what Theano 1.0.5 imports"),
    Recipe("keras-2.2.4", "3.9", (("wheel",), THEANO_39, ("--no-deps", "keras==2.2.4", "keras_applications==1.0.8",
                                               "keras_preprocessing==1.1.2")),
           module="keras", version="2.2.4", profile="keras2",
           note="--no-deps: keras 2.2.4's own pins would pull numpy/scipy releases Theano 1.0.5 cannot import"),
)}


@dataclass
class Env:
    """A built environment: where it is and how to run its interpreter."""

    recipe: Recipe
    path: Path
    python: str  # the interpreter that runs it (the venv's, or the base one for "target")
    info: dict = field(default_factory=dict)

    def command(self, *args: str) -> list[str]:
        """argv that runs `python args...` inside the environment."""
        return [self.python, *args]

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """The process environment for commands in this environment (pure-Python Theano, its own cache)."""
        env = dict(os.environ if base is None else base)
        for var in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"):
            env.pop(var, None)
        if self.recipe.layout == "target":
            env["PYTHONPATH"] = str(self.path / "site")
        env["PYTHONNOUSERSITE"] = "1"
        env["THEANO_FLAGS"] = f"cxx=,blas.ldflags=,base_compiledir={self.path / 'theano-cache'}"
        env["KERAS_BACKEND"] = "theano"
        env["PYTHONIOENCODING"] = "utf-8"
        env["HOME"] = env.get("HOME", str(Path.home()))
        return env


def cache_dir(directory: str | os.PathLike | None = None) -> Path:
    """The environments' directory: `directory`, else `$KCC_ENV_DIR`, else `~/.cache/kcc-envs`."""
    if directory:
        return Path(directory).expanduser().resolve()
    if os.environ.get("KCC_ENV_DIR"):
        return Path(os.environ["KCC_ENV_DIR"]).expanduser().resolve()
    return Path.home() / ".cache" / "kcc-envs"


def recipe(name: str) -> Recipe:
    """The recipe of release `name`.

    Raises:
        EnvError: If no recipe has that name; the message lists the known ones.
    """
    if name not in RECIPES:
        raise EnvError(f"unknown release {name!r}; known releases: {', '.join(sorted(RECIPES))} "
                       f"(python -m conformance env list)")
    return RECIPES[name]


def find_interpreter(version: str) -> str:
    """A Python `major.minor` interpreter: `$KCC_PYTHON<MAJOR><MINOR>`, pyenv's versions, then PATH.

    Raises:
        EnvError: If none is found, with how to install one.
    """
    var = "KCC_PYTHON" + version.replace(".", "")
    candidates = [os.environ[var]] if os.environ.get(var) else []
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    found = sorted(glob.glob(os.path.join(root, "versions", f"{version}.*", "bin", "python")),
                   key=lambda p: [int(x) for x in Path(p).parents[1].name.split(".") if x.isdigit()])
    candidates += found[::-1]
    on_path = shutil.which(f"python{version}")
    if on_path:
        candidates.append(on_path)
    for c in candidates:
        try:
            out = subprocess.run([c, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == version:
            return c
    looked = f"${var}, {root}/versions/{version}.*/bin/python, python{version} on PATH"
    latest = {"2.7": "2.7.18", "3.6": "3.6.15", "3.9": "3.9.18"}.get(version, version)
    raise EnvError(f"no Python {version} interpreter found (looked at {looked}); install one: "
                   + PYENV_HINT.format(version=latest, short=version, var=var))


def _read_stamp(path: Path) -> dict | None:
    try:
        return json.loads((path / STAMP).read_text())
    except (OSError, ValueError):
        return None


def _probe(env: Env, timeout: float = 300) -> dict:
    """Import the release in `env` and return what it reports (version, interpreter, numpy, theano)."""
    code = ("import sys, json\n"
            f"import {env.recipe.module} as m\n"
            "import numpy, theano\n"
            "print(json.dumps({'version': getattr(m, '__version__', None), 'file': m.__file__, "
            "'python': '%d.%d.%d' % sys.version_info[:3], 'numpy': numpy.__version__, "
            "'theano': theano.__version__}))\n")
    try:
        out = subprocess.run(env.command("-c", code), env=env.environ(), capture_output=True, text=True,
                             timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise EnvError(f"{env.recipe.name}: importing {env.recipe.module} took over {timeout:.0f} s") from e
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-6:])
        raise EnvError(f"{env.recipe.name}: `import {env.recipe.module}` fails in {env.path}:\n{tail}")
    info = json.loads(out.stdout.strip().splitlines()[-1])
    if not os.path.realpath(info["file"]).startswith(os.path.realpath(env.path)):
        raise EnvError(f"{env.recipe.name}: {env.recipe.module} was imported from {info['file']}, "
                       f"not from the environment {env.path}")
    if info["version"] not in (None, env.recipe.version):
        raise EnvError(f"{env.recipe.name}: the environment has {env.recipe.module} {info['version']}, "
                       f"not {env.recipe.version}; remove {env.path} and build again")
    return info


def _env_for(rec: Recipe, path: Path, base_python: str) -> Env:
    python = base_python if rec.layout == "target" else str(path / "bin" / "python")
    return Env(rec, path, python)


def get(name: str, directory: str | os.PathLike | None = None) -> Env:
    """The already built environment of `name` (no building, no probing).

    Raises:
        EnvError: If it is not built, with the command that builds it.
    """
    rec = recipe(name)
    path = cache_dir(directory) / name
    stamp = _read_stamp(path)
    if stamp is None or stamp.get("digest") != rec.digest():
        raise EnvError(f"{name} is not built in {path.parent}; build it with: python -m conformance env build "
                       f"{name}" + (f" --dir {directory}" if directory else ""))
    return Env(rec, path, stamp["python"], stamp.get("probe", {}))


def _pip(base_python: str, rec: Recipe, build: Path, args: tuple[str, ...], log) -> None:
    if rec.layout == "target":
        cmd = [base_python, "-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
               "--target", str(build / "site"), *args]
    else:
        cmd = [str(build / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check", *args]
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    res = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT)
    if res.returncode != 0:
        raise EnvError(f"{rec.name}: `pip install {' '.join(args)}` failed (exit {res.returncode})")


def build(name: str, directory: str | os.PathLike | None = None, rebuild: bool = False,
          out=None) -> Env:
    """Build the environment of release `name`, or reuse it when it is already built from the same recipe.

    Args:
        name: A release, e.g. `keras-1.2.2` (see `RECIPES`).
        directory: The cache directory. Defaults to `None` (`$KCC_ENV_DIR` or `~/.cache/kcc-envs`).
        rebuild: Build again even when a finished environment exists. Defaults to `False`.
        out: Where progress lines go. Defaults to `None` (stderr).

    Returns:
        The environment, probed: `import keras` works in it and reports the pinned version.

    Raises:
        EnvError: On an unknown release, a missing interpreter or a failed install; the message says what to
            install or where the log is.
    """
    out = out or sys.stderr
    rec = recipe(name)
    root = cache_dir(directory)
    path = root / name
    stamp = _read_stamp(path)
    if stamp and stamp.get("digest") == rec.digest() and not rebuild and Path(stamp["python"]).exists():
        env = Env(rec, path, stamp["python"], stamp.get("probe", {}))
        try:
            env.info = _probe(env)
            print(f"{name}: reusing {path}", file=out)
            return env
        except EnvError as e:
            print(f"{name}: the cached environment is broken ({e}); building it again", file=out)
    base_python = find_interpreter(rec.python)
    root.mkdir(parents=True, exist_ok=True)
    build_dir = root / f".{name}.build-{os.getpid()}"
    log_path = root / f"{name}.log"
    shutil.rmtree(build_dir, ignore_errors=True)
    started = time.monotonic()
    print(f"{name}: building with {base_python} in {path} (log: {log_path})", file=out)
    try:
        with open(log_path, "w") as log:
            if rec.layout == "venv":
                res = subprocess.run([base_python, "-m", "venv", str(build_dir)], stdout=log,
                                     stderr=subprocess.STDOUT)
                if res.returncode != 0:
                    raise EnvError(f"{name}: `{base_python} -m venv` failed; install the interpreter's venv "
                                   f"module (e.g. rebuild it with pyenv)")
            else:
                (build_dir / "site").mkdir(parents=True)
                res = subprocess.run([base_python, "-m", "pip", "--version"], stdout=log, stderr=subprocess.STDOUT)
                if res.returncode != 0:
                    raise EnvError(f"{name}: Python {rec.python} at {base_python} has no pip; install it with: "
                                   f"{base_python} -m ensurepip")
            for step in rec.steps:
                _pip(base_python, rec, build_dir, step, log)
    except EnvError as e:
        shutil.rmtree(build_dir, ignore_errors=True)
        tail = "\n".join("    " + s for s in log_path.read_text().splitlines()[-8:])
        raise EnvError(f"{e}\n  last lines of {log_path}:\n{tail}\n  the pins are in "
                       f"conformance/harness/envs.py ({name}); check the network or the package index") from e
    # a moved venv still works through bin/python (pyvenv.cfg sits beside it); only bin/ scripts' shebangs keep
    # the old path, and nothing here runs them
    shutil.rmtree(path, ignore_errors=True)
    build_dir.rename(path)
    env = _env_for(rec, path, base_python)
    env.info = _probe(env)
    seconds = round(time.monotonic() - started, 1)
    (path / STAMP).write_text(json.dumps({"name": name, "digest": rec.digest(), "python": env.python,
                                          "recipe": asdict(rec), "probe": env.info, "build_seconds": seconds},
                                         indent=1))
    print(f"{name}: built in {seconds} s ({rec.module} {env.info.get('version')}, Python {env.info['python']}, "
          f"numpy {env.info['numpy']}, theano {env.info['theano']})", file=out)
    return env


def main(argv: list[str] | None = None) -> int:
    """`python -m conformance env {list,build,path}`."""
    p = argparse.ArgumentParser(prog="python -m conformance env", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="action", required=True)
    sub.add_parser("list", help="the known releases, their interpreter and whether they are built")
    b = sub.add_parser("build", help="build or reuse the environments of RELEASE...")
    b.add_argument("releases", nargs="+", metavar="RELEASE")
    b.add_argument("--rebuild", action="store_true", help="build again even when already built")
    pp = sub.add_parser("path", help="print the interpreter command and environment variables of RELEASE")
    pp.add_argument("release")
    for s in (b, pp, sub.choices["list"]):
        s.add_argument("--dir", default=None, help="cache directory (default $KCC_ENV_DIR or ~/.cache/kcc-envs)")
    args = p.parse_args(argv)
    try:
        if args.action == "list":
            for name, rec in sorted(RECIPES.items()):
                stamp = _read_stamp(cache_dir(args.dir) / name)
                state = "built" if stamp and stamp.get("digest") == rec.digest() else "not built"
                print(f"{name:<14} python {rec.python:<5} profile {rec.profile:<7} {state:<10} "
                      f"{' + '.join(' '.join(s) for s in rec.steps)}")
            return 0
        if args.action == "path":
            env = get(args.release, args.dir)
            extra = {k: v for k, v in env.environ({}).items() if k != "HOME"}
            print(" ".join(f"{k}={v}" for k, v in sorted(extra.items())) + " " + env.python)
            return 0
        failed = 0
        for name in args.releases:
            try:
                build(name, args.dir, rebuild=args.rebuild)
            except EnvError as e:
                print(f"error: {e}", file=sys.stderr)
                failed += 1
        return 1 if failed else 0
    except EnvError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
