"""Sessions for the asng monorepo: tests, lint, demo (the main job), benchmarks and figures.

Every session builds a fresh virtualenv and installs the packages from their folders, so what
passes here passes on a clean machine. torch is pinned to 2.13.0 in the sessions that need it
(the packages themselves accept a range); nox's default pip/venv backend finds the local wheel.
"""

from __future__ import annotations

import json
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.sessions = ["tests", "lint"]

ROOT = Path(__file__).parent
OPT = "./packages/asng-opt"
NAS = "./packages/asng-nas"
BENCH = "./packages/asng-bench"
TORCH = "torch==2.13.0"
BASE_PACKAGES = {"pip", "setuptools", "wheel"}


def _installed(session: nox.Session) -> set[str]:
    out = session.run("python", "-m", "pip", "--disable-pip-version-check", "list", "--format=json", silent=True)
    # nox returns stdout and stderr together: pip's warnings may surround the one JSON line
    listing = next(line for line in str(out).splitlines() if line.startswith("["))
    return {p["name"].lower().replace("_", "-") for p in json.loads(listing)}


def _pytest(session: nox.Session, *paths: str) -> None:
    session.run("python", "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths, *session.posargs)


@nox.session(venv_backend="none")
def tests(session: nox.Session) -> None:
    """The whole test suite: each package in its own fresh virtualenv, then lint and typecheck."""
    for name in ("tests_opt", "tests_opt_extras", "tests_bench", "tests_nas", "lint", "typecheck"):
        session.notify(name)


@nox.session
def tests_opt(session: nox.Session) -> None:
    """asng-opt alone: its only runtime dependency must be numpy."""
    session.install(OPT)
    extra = _installed(session) - BASE_PACKAGES - {"asng-opt", "numpy"}
    if extra:
        session.error(f"asng-opt pulled in runtime dependencies besides numpy: {sorted(extra)}")
    session.install(f"{OPT}[test]")  # the test extra after the check: pytest, hypothesis, threadpoolctl
    _pytest(session, "packages/asng-opt/tests")


@nox.session
def tests_opt_extras(session: nox.Session) -> None:
    """asng-opt with its optional extras (dask, optuna), so the distributed-evaluation tests, the optuna
    sampler's tests and the README examples that import them run too."""
    session.install(f"{OPT}[dask,optuna]", "pytest", "hypothesis")
    tests = "packages/asng-opt/tests"
    _pytest(session, f"{tests}/test_minimize_parallel.py", f"{tests}/test_optuna_sampler.py", f"{tests}/test_readme.py")


@nox.session
def tests_bench(session: nox.Session) -> None:
    """asng-bench with the peers (cmaes, optuna, nevergrad, ioh) installed, so their tests run."""
    session.install(OPT, f"{BENCH}[test,peers]")
    _pytest(session, "packages/asng-bench/tests")


@nox.session
def tests_nas(session: nox.Session) -> None:
    session.install(TORCH)
    session.install(OPT, f"{NAS}[test]", f"{BENCH}[nas]")
    _pytest(session, "packages/asng-nas/tests", "packages/asng-bench/tests/test_nas_compare.py")


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy over the three packages (configuration in pyproject.toml)."""
    session.install(TORCH)
    session.install("mypy", f"{OPT}[optuna]", NAS, BENCH)  # optuna: the sampler's types are checked against it
    session.run("mypy", "packages/asng-opt/src", "packages/asng-nas/src", "packages/asng-bench/src")


@nox.session
def demo(session: nox.Session) -> None:
    """The main job on embedded data, about 5 minutes on 2 CPU cores: a black-box ASNG run, a quick
    toy study, a short cell search on the bundled digits, a short inpainting search on the bundled
    faces and a short retraining of the autoencoder it found, each printing its progress; it ends
    with `asng-nas summary`: every output under runs/demo/ and what its numbers mean. Reruns
    replace runs/demo/ (--overwrite)."""
    session.install(TORCH)
    session.install(OPT, BENCH, f"{NAS}[plot,inpainting]")
    session.run("python", "packages/asng-opt/examples/blackbox.py")
    session.run(
        "asng-bench", "toy", "--alg", "asng", "--delta0", "1", "--eps-x", "0.05", "--runs", "20",
        "--seed", "0", "--out", "runs/demo/toy", "--overwrite",
    )  # fmt: skip
    session.run(
        "asng-nas", "search", "--epochs", "10", "--cells", "3", "--channels", "8", "--batch-size", "32",
        "--threads", "1", "--out", "runs/demo/digits-search", "--overwrite",
    )  # fmt: skip
    session.run(
        "asng-nas", "inpaint-search", "--iterations", "300", "--batch-size", "8", "--eval-every", "20",
        "--nodes", "10", "--channels", "16,32,64", "--image-size", "32", "--threads", "1",
        "--out", "runs/demo/inpaint-search", "--overwrite",
    )  # fmt: skip
    # the supernet's shared weights after 300 SGD steps only sketch the faces: the found
    # architecture retrained alone with Adam shows what it restores
    session.run(
        "asng-nas", "inpaint-retrain", "--arch", "runs/demo/inpaint-search", "--iterations", "500",
        "--eval-every", "100", "--checkpoint-every", "0", "--image-size", "32", "--threads", "1",
        "--out", "runs/demo/inpaint-retrain", "--overwrite",
    )  # fmt: skip
    session.run(
        "asng-nas", "summary", "runs/demo/toy", "runs/demo/digits-search", "runs/demo/inpaint-search",
        "runs/demo/inpaint-retrain",
    )  # fmt: skip


@nox.session
def bench_opt(session: nox.Session) -> None:
    """Overhead of one ask()+tell() pair -> results/opt/."""
    session.install(OPT, BENCH)
    session.run("asng-bench", "overhead", "--out", "results/opt", "--overwrite", *session.posargs)


@nox.session
def bench_nas(session: nox.Session) -> None:
    """One ASNG-NAS search iteration vs one DARTS-style iteration, and 1 vs 2 processes -> results/nas/."""
    session.install(TORCH)
    session.install(OPT, f"{NAS}[inpainting]")
    session.run(
        "python", "-m", "asng_nas.bench", "--out", "results/nas", "--threads", "1", "--cells", "5",
        "--channels", "8", "--batch-size", "16", "--image-size", "32", "--repeats", "5", *session.posargs,
    )  # fmt: skip  # posargs: e.g. --against <a worktree's packages/asng-nas/src> (old vs new in one run)
    session.run("python", "-m", "asng_nas.bench.distributed", "--out", "results/nas")


@nox.session
def blackbox(session: nox.Session) -> None:
    """Black-box comparison with cmaes, optuna, nevergrad (and ioh) -> results/blackbox/ and results/README.md.

    ``nox -s blackbox -- --quick --out /tmp/bb --overwrite`` is the < 2 min smoke run.
    """
    session.install(OPT, f"{BENCH}[peers]")
    args = session.posargs or [
        "--out", "results/blackbox", "--jobs", "2", "--readme", "results/README.md", "--overwrite",
    ]  # fmt: skip
    session.run("asng-bench", "blackbox", *args)


@nox.session
def bench_blackbox_overhead(session: nox.Session) -> None:
    """asng-bb against CatCMAwM, overhead per evaluation, back to back in one process -> results/blackbox/overhead/."""
    session.install(OPT, f"{BENCH}[peers]")
    args = session.posargs or ["--out", "results/blackbox/overhead", "--overwrite"]
    session.run("asng-bench", "blackbox-overhead", *args)


@nox.session
def samplers(session: nox.Session) -> None:
    """asng-opt's optuna ASNGSampler against optuna's samplers -> results/samplers/ (~8 CPU-minutes)."""
    session.install(f"{OPT}[optuna]", BENCH)
    args = session.posargs or ["--out", "results/samplers", "--seeds", "10", "--budget", "250", "--overwrite"]
    session.run("asng-bench", "samplers", *args)


@nox.session
def toy(session: nox.Session) -> None:
    """The toy study (figures 1 and 3) at 100 runs per setting -> results/toy/ (then run `figures`)."""
    session.install(OPT, BENCH)
    args = session.posargs or [
        "--figure", "1", "3", "--runs", "100", "--jobs", "2", "--out", "results/toy", "--overwrite",
    ]  # fmt: skip
    session.run("asng-bench", "toy-sweep", *args)


@nox.session(name="toy-quick")
def toy_quick(session: nox.Session) -> None:
    """Smoke run of the toy study: the whole grid at 2 runs per setting and both figures, in a temp folder."""
    session.install(OPT, BENCH)
    tmp = session.create_tmp()
    session.run(
        "asng-bench", "toy-sweep", "--figure", "1", "3", "--runs", "2", "--jobs", "2",
        "--out", f"{tmp}/toy", "--overwrite",
    )  # fmt: skip
    session.run("asng-bench", "figures", "--toy", f"{tmp}/toy", "--out", f"{tmp}/figures", "--overwrite")


@nox.session
def figures(session: nox.Session) -> None:
    """Figures 1 and 3 and results/toy/summary.csv from the toy sweep's runs tables."""
    session.install(OPT, BENCH)
    session.run(
        "asng-bench", "figures", "--toy", "results/toy", "--out", "results/figures", "--overwrite", *session.posargs
    )


@nox.session
def nas_compare(session: nox.Session) -> None:
    """One-shot NAS strategies on Fashion-MNIST (asng-bench nas-compare) -> results/nas_compare/; continues a
    previous sitting (--resume). Needs Debian's dataset-fashion-mnist (or pass --data-dir DIR after --)."""
    session.install(TORCH)
    session.install(OPT, NAS, f"{BENCH}[nas]")
    args = session.posargs or ["--out", "results/nas_compare", "--jobs", "2", "--resume"]
    session.run("asng-bench", "nas-compare", *args)
