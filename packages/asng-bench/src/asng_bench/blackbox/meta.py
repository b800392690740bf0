"""meta.json of a black-box study: what ran (command, problems, budgets, seeds, optimizers), how
long, and on what (versions, code fingerprints, machine, load).

Its fields of time: ``wall_s`` is this pass's wall time (s) from the first run (after the peers'
runs of ``--reuse`` were taken and spot-checked) to the last; a study resumed with ``--resume``
also has ``wall_s_total``: the earlier passes' wall time (up to each one's last finished run, as
``partial.jsonl`` recorded it) plus this pass's; it is absent from a study run in one pass, or
where the stopped study's file did not record the time (studies before it did)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ..report_io import load_average, machine_info, package_versions
from .registry import get_problem
from .reuse import peer_code_sha256

__all__ = ["study_meta", "asng_opt_sha256", "versions", "VERSIONED"]

VERSIONED = ("asng-opt", "asng-bench", "numpy", "scipy", "cmaes", "optuna", "nevergrad", "ioh")


def asng_opt_sha256() -> str:
    """SHA-256 of asng-opt's source files (sorted by name): which state of our code ran (its version
    number does not change with every edit)."""
    import hashlib

    import asng_opt

    h = hashlib.sha256()
    for f in sorted(Path(asng_opt.__file__).parent.rglob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def versions() -> dict[str, Optional[str]]:
    """The installed versions; asng-opt's from ``asng_opt.__version__`` (an editable install's
    metadata keeps the version it was installed with)."""
    import asng_opt

    out = package_versions(VERSIONED)
    out["asng-opt"] = getattr(asng_opt, "__version__", None) or out["asng-opt"]
    return out


def study_meta(
    *,
    command: Optional[str],
    wall_s: float,
    wall_s_total: Optional[float],
    resumed_runs: int,
    run_here: int,
    reused: Optional[dict],
    jobs: int,
    seeds: int,
    seeds_by_problem: dict[str, int],
    problems: Sequence[str],
    budgets: dict[str, int],
    short_budget: Optional[int],
    optimizers: Sequence[str],
    wanted: Sequence[str],
    load_at_start: Any,
) -> dict[str, Any]:
    """The study's meta.json (a dict, in the order it is written): the arguments as given, times
    in s rounded to 0.1 (``wall_s_total`` only where not None), then the versions, fingerprints,
    machine, load average at the start and now, and this process's id."""
    meta: dict[str, Any] = {"command": command or "asng_bench.blackbox.runner.run_study", "wall_s": round(wall_s, 1)}
    if wall_s_total is not None:
        meta["wall_s_total"] = round(wall_s_total, 1)
    meta |= {
        "resumed_runs": resumed_runs,
        "run_here": run_here,
        "reused": reused,
        "jobs": jobs,
        "seeds": seeds,
        "seeds_by_problem": seeds_by_problem,
        "short_seeds_full": True,  # seeds_by_problem is the main track's; the short track has seeds (0.7)
        "problems": {n: get_problem(n).description for n in problems},
        "main_budgets": {n: budgets[n] for n in problems},
        "short_budget": short_budget,
        "optimizers": list(optimizers),
        "skipped_not_installed": [o for o in wanted if o not in optimizers],
        "versions": versions(),
        "peer_code_sha256": peer_code_sha256(),
        "asng_opt_sha256": asng_opt_sha256(),
        "machine": machine_info(),
        "load_average": {"start": load_at_start, "end": load_average()},
        "pid": os.getpid(),
    }
    return meta
