"""The optuna-sampler comparison as a whole: every run (in ``jobs`` processes), then ``runs.csv``,
``hits.csv``, ``meta.json`` and the report (:mod:`.report`) in the output folder."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..report_io import cpu_seconds, load_average, machine_info, package_versions, write_csv, write_json
from .report import report
from .runs import HIT_COLUMNS, PROBLEMS, RUN_COLUMNS, SAMPLERS, plan, run_one

__all__ = ["run_study", "OUTPUTS"]

#: what a study writes into its folder
OUTPUTS = ("runs.csv", "hits.csv", "meta.json", "summary.csv", "samplers.md")
VERSIONED = ("asng-opt", "asng-bench", "optuna", "cmaes", "numpy")


def _task(task: tuple[str, str, int, int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    problem, sampler, seed, budget = task
    return run_one(problem, sampler, seed, budget)


def run_study(
    out: str | Path,
    problems: Sequence[str] | None = None,
    samplers: Sequence[str] | None = None,
    seeds: int = 10,
    budget: int = 250,
    jobs: int = 1,
    command: str = "asng_bench.samplers.study.run_study",
    progress: bool = True,
) -> dict[str, Any]:
    """Run every (problem, sampler, seed) for ``budget`` trials and write the outputs; returns meta.json's data.

    Raises:
        ValueError: for an unknown problem or sampler name, ``seeds`` or ``budget`` < 1.
    """
    names = list(problems or PROBLEMS)
    smps = list(samplers or SAMPLERS)
    unknown = [n for n in names if n not in PROBLEMS] + [s for s in smps if s not in SAMPLERS]
    if unknown:
        raise ValueError(f"run_study: unknown problem or sampler {unknown}")
    if seeds < 1 or budget < 1:
        raise ValueError(f"run_study: seeds and budget must be >= 1, got {seeds} and {budget}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    tasks = [(p, s, seed, budget) for p, s, seed in plan(names, smps, seeds)]
    load = load_average()
    t0, c0 = time.perf_counter(), cpu_seconds()
    results = []
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_task, tasks))
    else:
        for i, task in enumerate(tasks):
            results.append(_task(task))
            if progress and ((i + 1) % 25 == 0 or i + 1 == len(tasks)):
                print(f"[samplers] {i + 1}/{len(tasks)} runs, {time.perf_counter() - t0:.0f} s", flush=True)
    wall = time.perf_counter() - t0
    write_csv(out / "runs.csv", [r for r, _ in results], RUN_COLUMNS)
    write_csv(out / "hits.csv", [h for _, hs in results for h in hs], HIT_COLUMNS)
    meta = {
        "command": command,
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu_seconds() - c0, 1),  # this process and its finished workers
        "jobs": jobs,
        "seeds": seeds,
        "budget": budget,
        "problems": {n: PROBLEMS[n][0]().description for n in names},
        "target_gaps": {n: list(PROBLEMS[n][1]) for n in names},
        "samplers": smps,
        "versions": package_versions(VERSIONED),
        "machine": machine_info(),
        "load_average": load,
    }
    write_json(out / "meta.json", meta)
    report(out)
    return meta
