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

Releases that run in-process (Keras 3 on jax, tf-keras) use a third layout, "overlay": one shared base virtualenv
per dependency pin (`jax-0.4.23`: jax, jaxlib, numpy and the suite's own dependencies), and the release itself
installed with `pip install --no-deps --target <env>/site`, selected by `PYTHONPATH`. The suite then runs inside
that interpreter (`runner` names the in-process adapter), so no harness protocol is needed for them.
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
DIR_VAR = "KCC_ENV_DIR"
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
        layout: `"venv"`, `"target"` (pip --target, for interpreters without venv) or `"overlay"` (pip --target
            on top of the base environment `base`).
        note: Why these pins.
        base: The shared base environment (a name in `BASES`) of an `"overlay"` recipe. Defaults to `""`.
        runner: `"harness"` (Theano releases, run through the harness protocol) or the in-process adapter that
            runs the suite inside the environment (`"keras3-jax"`, `"tf_keras"`). Defaults to `"harness"`.
        expectations: The expectations file shared by a family of releases (`keras3-jax` reads
            `conformance/expectations/keras3-jax.toml`, filtered by each entry's `releases`), used when the release
            has no file of its own. Defaults to `""`.
        fallback_profile: The profile used while `profile` does not exist yet in the spec. Defaults to `""`.
        extras: Modules whose versions the probe records (besides `module`). Defaults to numpy and theano.
        environ: Extra environment variables of every command in the environment. Defaults to none.
    """

    name: str
    python: str
    steps: tuple[tuple[str, ...], ...]
    module: str
    version: str
    profile: str
    layout: str = "venv"
    note: str = ""
    base: str = ""
    runner: str = "harness"
    expectations: str = ""
    fallback_profile: str = ""
    extras: tuple[str, ...] = ("numpy", "theano")
    environ: tuple[tuple[str, str], ...] = ()

    def digest(self) -> str:
        # fields added after the first environments were built count only when set, so those keep their digest
        fields = {k: v for k, v in asdict(self).items() if k not in LATER_FIELDS or v != LATER_FIELDS[k]}
        own = json.dumps(fields, sort_keys=True)
        if self.base:  # a new base pin rebuilds the releases on top of it
            own += BASES[self.base].digest()
        return hashlib.sha256(own.encode()).hexdigest()[:16]


LATER_FIELDS = {"base": "", "runner": "harness", "expectations": "", "fallback_profile": "",
                "extras": ("numpy", "theano"), "environ": ()}
THEANO_39 = ("theano==1.0.5", "numpy<1.22", "scipy<1.8", "six", "pyyaml", "h5py")
# The versions that wrote the stored reports (hypothesis decides the suite's draws; numpy is part of each report).
CONSTRAINTS = Path(__file__).resolve().parents[1] / "matrix" / "constraints.txt"


def pinned(package: str) -> str:
    """`package==version` as conformance/matrix/constraints.txt pins it."""
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        if line.split("==")[0].strip() == package:
            return line.strip()
    raise KeyError(f"{package} is not pinned in {CONSTRAINTS}")


# What the suite itself needs inside an environment where it runs in-process (the project is on PYTHONPATH).
SUITE = (pinned("hypothesis"), "h5py")
# Keras 3's own dependencies (the union over 3.0-3.15: dm-tree until 3.3, optree after), installed in the base
# because each release goes in with --no-deps.
KERAS3_DEPS = ("absl-py", "rich", "namex", "dm-tree", "optree", "packaging")


def _jax_base(version: str, *pins: str, note: str) -> Recipe:
    return Recipe(f"jax-{version}", "3.11", (("wheel",), (f"jax=={version}", f"jaxlib=={version}", *pins,
                                                           *KERAS3_DEPS, *SUITE)),
                  module="jax", version=version, profile="", extras=("numpy", "jaxlib", "scipy"), note=note)


BASES: dict[str, Recipe] = {r.name: r for r in (
    _jax_base("0.4.23", "numpy<2", "scipy<1.13", "ml-dtypes<0.5",
              note="jax of Keras 3.0's time (December 2023); jaxlib 0.4.23 is built against numpy 1.x, and scipy "
                   "1.13 removed what jax 0.4.23 imports"),
    _jax_base("0.4.31", "numpy<2.1", note="jax of Keras 3.4-3.5's time (July 2024)"),
    # jax 0.4.38 and later accept today's numpy: pinned, so that a rebuild gets the numpy of the stored reports
    _jax_base("0.4.38", pinned("numpy"), note="jax of Keras 3.6-3.8's time (December 2024)"),
    _jax_base("0.6.0", pinned("numpy"), note="jax of Keras 3.9-3.10's time (April 2025)"),
    _jax_base("0.7.2", pinned("numpy"), note="jax of Keras 3.11-3.12's time (September 2025)"),
    _jax_base("0.10.2", pinned("numpy"), note="today's jax, as the CI's live Keras 3.15.1"),
    Recipe("theano-1.0.5", "3.9", (("wheel",), THEANO_39), module="theano", version="1.0.5", profile="",
           extras=("numpy", "scipy"),
           note="Theano 1.0.5 in pure-Python mode, shared by the Keras 1.0-2.3 releases installed on top of it"),
)}

# Keras 3: the last patch of each minor release, on the jax of its time.
KERAS3_JAX = {"3.0.5": "0.4.23", "3.1.1": "0.4.23", "3.2.1": "0.4.23", "3.3.3": "0.4.23", "3.4.1": "0.4.31",
              "3.5.0": "0.4.31", "3.6.0": "0.4.38", "3.7.0": "0.4.38", "3.8.0": "0.4.38", "3.9.2": "0.6.0",
              "3.10.0": "0.6.0", "3.11.3": "0.7.2", "3.12.4": "0.7.2", "3.13.2": "0.10.2", "3.14.1": "0.10.2",
              "3.15.1": "0.10.2"}
# tf-keras 2.15-2.21, each with the TensorFlow of the same minor release.
TF_KERAS = {"2.15.1": "2.15.1", "2.16.0": "2.16.2", "2.17.0": "2.17.1", "2.18.0": "2.18.1", "2.19.0": "2.19.1",
            "2.20.1": "2.20.0", "2.21.0": "2.21.0"}


def _keras3(version: str, jax: str) -> Recipe:
    return Recipe(f"keras-{version}-jax", "3.11", (("--no-deps", f"keras=={version}"),), module="keras",
                  version=version, profile="keras3", layout="overlay", base=f"jax-{jax}", runner="keras3-jax",
                  expectations="keras3-jax", extras=("numpy", "jax"), environ=(("KERAS_BACKEND", "jax"),),
                  note=f"Keras {version} with --no-deps on the shared jax {jax} environment")


def _theano_overlay(version: str, *more: str, profile: str, note: str) -> Recipe:
    return Recipe(f"keras-{version}", "3.9", (("--no-deps", f"keras=={version}", *more),), module="keras",
                  version=version, profile=profile, layout="overlay", base="theano-1.0.5",
                  expectations=f"{profile}-theano", note=note)


def _tf_keras(version: str, tf: str) -> Recipe:
    # TensorFlow 2.20 and later accept today's numpy (earlier ones bound it to a release series that is closed)
    numpy = (pinned("numpy"),) if tuple(int(p) for p in tf.split(".")[:2]) >= (2, 20) else ()
    return Recipe(f"tf_keras-{version}", "3.11", (("wheel",), (f"tensorflow=={tf}", f"tf-keras=={version}",
                                                               *numpy, *SUITE)),
                  module="tf_keras", version=version, profile="tf-keras", fallback_profile="keras2",
                  runner="tf_keras", expectations="tf_keras", extras=("numpy", "tensorflow"),
                  environ=(("TF_CPP_MIN_LOG_LEVEL", "2"), ("CUDA_VISIBLE_DEVICES", "")),
                  note=f"tf-keras {version} with TensorFlow {tf} ")


RECIPES: dict[str, Recipe] = {r.name: r for r in (
    Recipe("keras-0.3.3", "2.7", (("keras==0.3.3", "theano==0.8.2", "numpy==1.16.6", "scipy==1.2.3"),),
           module="keras", version="0.3.3", profile="keras0", layout="target", expectations="keras0-theano",
           note="the last 0.x release on PyPI; Theano 0.8.2 is the release of its time, numpy/scipy the last "
                "for Python 2.7"),
    Recipe("keras-0.2.0", "2.7", (("keras==0.2.0", "theano==0.8.2", "numpy==1.16.6", "scipy==1.2.3"),),
           module="keras", version="0.2.0", profile="keras0", layout="target", expectations="keras0-theano",
           note="the earliest Keras on PyPI (October 2015), with keras-0.3.3's pins"),
    _theano_overlay("1.0.8", "pyyaml", "six", profile="keras1",
                    note="the last Keras 1.0 release; --no-deps on the shared Theano 1.0.5 environment"),
    Recipe("keras-1.2.2", "3.9", (("wheel",), ("keras==1.2.2", *THEANO_39)),
           module="keras", version="1.2.2", profile="keras1",
           note="Theano 1.0.5 runs pure-Python; numpy<1.22 and scipy<1.8 still have what Theano 1.0.5 imports"),
    _theano_overlay("2.0.9", profile="keras2", note="the last Keras 2.0 release, on the shared Theano environment"),
    _theano_overlay("2.1.6", profile="keras2", note="the last Keras 2.1 release, on the shared Theano environment"),
    Recipe("keras-2.2.4", "3.9", (("wheel",), THEANO_39, ("--no-deps", "keras==2.2.4", "keras_applications==1.0.8",
                                               "keras_preprocessing==1.1.2")),
           module="keras", version="2.2.4", profile="keras2",
           note="--no-deps: keras 2.2.4's own pins would pull numpy/scipy releases Theano 1.0.5 cannot import"),
    _theano_overlay("2.3.1", "keras_applications==1.0.8", "keras_preprocessing==1.1.2", profile="keras2",
                    note="the last multi-backend Keras, on the shared Theano environment"),
    *(_keras3(v, j) for v, j in KERAS3_JAX.items()),
    *(_tf_keras(v, tf) for v, tf in TF_KERAS.items()),
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
        if self.recipe.layout in ("target", "overlay"):
            env["PYTHONPATH"] = str(self.path / "site")
        env["PYTHONNOUSERSITE"] = "1"
        if self.recipe.runner == "harness":  # the Theano releases
            env["THEANO_FLAGS"] = f"cxx=,blas.ldflags=,base_compiledir={self.path / 'theano-cache'}"
            env["KERAS_BACKEND"] = "theano"
        env.update(dict(self.recipe.environ))
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
    if name in BASES:
        return BASES[name]
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
    """Import the release in `env` and return what it reports (version, interpreter, the `extras`' versions)."""
    code = ("import sys, json, importlib\n"
            f"m = importlib.import_module({env.recipe.module!r})\n"
            "info = {'version': getattr(m, '__version__', None), 'file': m.__file__, "
            "'python': '%d.%d.%d' % sys.version_info[:3]}\n"
            "if info['version'] is None:  # Keras 0.x has no __version__: ask its installed distribution\n"
            "    try:\n"
            "        import pkg_resources\n"
            f"        info['version'] = pkg_resources.get_distribution({env.recipe.module!r}).version\n"
            "    except Exception:\n"
            "        pass\n"
            f"for x in {list(env.recipe.extras)!r}:\n"
            "    info[x] = getattr(importlib.import_module(x), '__version__', None)\n"
            "print(json.dumps(info))\n")
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
    python = base_python if rec.layout in ("target", "overlay") else str(path / "bin" / "python")
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
    if rec.layout in ("target", "overlay"):
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
    if rec.layout == "overlay":  # the shared base environment first (built once, reused by every release on it)
        base_python = build(rec.base, directory, out=out).python
    else:
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
    extras = ", ".join(f"{x} {env.info.get(x)}" for x in rec.extras)
    print(f"{name}: built in {seconds} s ({rec.module} {env.info.get('version')}, Python {env.info['python']}, "
          f"{extras})", file=out)
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
            for name, rec in sorted(RECIPES.items()) + sorted(BASES.items()):
                stamp = _read_stamp(cache_dir(args.dir) / name)
                state = "built" if stamp and stamp.get("digest") == rec.digest() else "not built"
                steps = " + ".join(" ".join(s) for s in rec.steps) + (f" on {rec.base}" if rec.base else "")
                print(f"{name:<16} python {rec.python:<5} profile {rec.profile or '(base)':<8} {state:<10} {steps}")
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
