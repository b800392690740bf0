"""Runner of the black-box comparison (issue 6): every (track, problem, optimizer, seed) run, in
worker processes, resumable; writes the CSVs and meta.json and then the report (:mod:`.report`).

A run stops at its budget or when it reaches the optimum (the last target). It records, for
each target gap, the evaluation at which it was first reached, and the optimizer's overhead:
the run's wall time minus the time spent inside the objective, per evaluation.

Outputs in ``out``: ``runs.csv`` (one row per run), ``hits.csv`` (one row per run and target),
``meta.json`` (command, wall time, versions, machine), then the report's ``summary.csv``,
``blackbox.md``, ``ecdf.png`` / ``ecdf_short.png``.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any, Optional

from ..report_io import machine_info, package_versions, write_csv, write_json
from .problems import Problem
from .registry import (
    OPTIMIZERS,
    SHORT_BUDGET,
    applies,
    available,
    default_problems,
    get_problem,
    main_budgets,
    make_searcher,
)
from .report import report

__all__ = ["run_one", "plan", "run_study", "RUN_COLUMNS", "HIT_COLUMNS"]

RUN_COLUMNS = [
    "track",
    "problem",
    "optimizer",
    "seed",
    "budget",
    "n_evals",
    "best_gap",
    "solved",
    "restarts",
    "wall_s",
    "objective_s",
    "overhead_us_per_eval",
]
HIT_COLUMNS = ["track", "problem", "optimizer", "seed", "budget", "target_index", "target_gap", "evals", "n_evals"]
VERSIONED = ("asng-opt", "asng-bench", "numpy", "cmaes", "optuna", "nevergrad", "ioh")

_Task = tuple[str, str, str, int, int]  #: (track, problem, optimizer, budget, seed)
_Result = tuple[dict[str, Any], list[dict[str, Any]]]  #: (runs.csv row, hits.csv rows)


def run_one(problem: Problem, optimizer: str, budget: int, seed: int) -> dict[str, Any]:
    """One run: evaluations to each target gap (None if not reached), best gap, timings."""
    gaps = problem.gaps
    hits: list[Optional[int]] = [None] * len(gaps)
    gi = 0
    n = 0
    best = math.inf
    fun_s = 0.0
    t0 = time.perf_counter()
    searcher = make_searcher(optimizer, problem, budget, seed)
    while n < budget and gi < len(gaps):
        cands = searcher.ask()
        values: list[float] = []
        for c, z in cands:
            if n >= budget or gi == len(gaps):  # budget spent or optimum found: stop mid-batch
                break
            t = time.perf_counter()
            f = problem(c, z)
            fun_s += time.perf_counter() - t
            n += 1
            values.append(f)
            gap = f - problem.f_opt
            best = min(best, gap)
            while gi < len(gaps) and gap <= gaps[gi] + 1e-9:
                hits[gi] = n
                gi += 1
        if len(values) < len(cands) or gi == len(gaps):
            break
        searcher.tell(values)
    wall = time.perf_counter() - t0
    return {
        "hits": hits,
        "n_evals": n,
        "best_gap": best,
        "solved": hits[-1] is not None,
        "restarts": searcher.restarts,
        "wall_s": wall,
        "objective_s": fun_s,
        "overhead_us_per_eval": (wall - fun_s) / max(n, 1) * 1e6,
    }


def _task(task: _Task) -> _Result:
    import warnings

    warnings.filterwarnings("ignore")
    track, pname, opt, budget, seed = task
    prob = get_problem(pname)
    r = run_one(prob, opt, budget, seed)
    key = {"track": track, "problem": pname, "optimizer": opt, "seed": seed, "budget": budget}
    row = {**key, **{k: r[k] for k in RUN_COLUMNS if k in r}}
    hits = [
        {**key, "target_index": i, "target_gap": g, "evals": h, "n_evals": r["n_evals"]}
        for i, (g, h) in enumerate(zip(prob.gaps, r["hits"]))
    ]
    return row, hits


def plan(
    problems: Sequence[str], optimizers: Sequence[str], seeds: int, budgets: dict[str, int], short_budget: Optional[int]
) -> list[_Task]:
    """The runs: (track, problem, optimizer, budget, seed), problem by problem (a cut-short study
    has whole problems), the longest runs first inside one."""
    tasks: list[_Task] = []
    for pname in problems:
        prob = get_problem(pname)
        for opt in optimizers:
            if not applies(opt, prob):
                continue
            if not OPTIMIZERS[opt].short_only:
                tasks += [("main", pname, opt, budgets[pname], s) for s in range(seeds)]
            if short_budget:
                tasks += [("short", pname, opt, short_budget, s) for s in range(seeds)]
    rank = {p: i for i, p in enumerate(problems)}
    tasks.sort(key=lambda t: (rank[t[1]], -t[3] * OPTIMIZERS[t[2]].cost))
    return tasks


def _resumed(partial: Path, resume: bool) -> dict[_Task, _Result]:
    """The runs a stopped study finished (``partial.jsonl``), or none (and a fresh file)."""
    done: dict[_Task, _Result] = {}
    if resume and partial.exists():
        for line in partial.read_text().splitlines():
            if line.strip():
                row, h = json.loads(line)
                done[(row["track"], row["problem"], row["optimizer"], row["budget"], row["seed"])] = (row, h)
    else:
        partial.write_text("")
    return done


def _execute(todo: Sequence[_Task], jobs: int, partial: Path, progress: bool, kept: int = 0) -> list[_Result]:
    """Run the tasks (in ``jobs`` processes), appending each result to ``partial`` as it comes.

    With ``progress``, a line every 50 runs and one at the last, counting the ``kept`` runs of a
    resumed study too, so the count ends at the total it announces."""
    t0 = time.perf_counter()
    results: list[_Result] = []
    total = kept + len(todo)
    if progress and kept:
        print(f"[blackbox] resuming: {kept}/{total} runs kept from {partial.name}", flush=True)

    def record(i: int, res: _Result) -> None:
        results.append(res)
        with open(partial, "a") as f:
            f.write(json.dumps(res) + "\n")
        done = kept + i + 1
        if progress and (done % 50 == 0 or done == total):
            print(f"[blackbox] {done}/{total} runs, {time.perf_counter() - t0:.0f} s", flush=True)

    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            futures = [pool.submit(_task, t) for t in todo]
            for i, fut in enumerate(as_completed(futures)):
                record(i, fut.result())
    else:
        for i, t in enumerate(todo):
            record(i, _task(t))
    return results


def run_study(
    out: str | Path,
    problems: Optional[Sequence[str]] = None,
    optimizers: Optional[Sequence[str]] = None,
    seeds: int = 25,
    budgets: Optional[dict[str, int]] = None,
    short_budget: Optional[int] = SHORT_BUDGET,
    jobs: int = 1,
    command: Optional[str] = None,
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Run the comparison and write the CSVs, meta.json, the markdown tables and the figures.

    ``problems`` default to :func:`.registry.default_problems`, ``optimizers`` to every installed
    one; ``budgets`` override the main-track budgets of :data:`.registry.PROBLEMS`; ``resume``
    keeps the runs of a stopped study (``out/partial.jsonl``). Returns the metadata.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(problems) if problems else default_problems()
    wanted = list(optimizers or OPTIMIZERS)
    opts = [o for o in wanted if available(o)]
    budgets = {**main_budgets(), **(budgets or {})}
    tasks = plan(names, opts, seeds, budgets, short_budget)
    partial = out / "partial.jsonl"  # one line per finished run, so that a stopped study can resume
    done = _resumed(partial, resume)
    t0 = time.perf_counter()
    results = [done[t] for t in tasks if t in done]
    results += _execute([t for t in tasks if t not in done], jobs, partial, progress, kept=len(results))
    rows = [r for r, _ in results]
    hits = [h for _, hs in results for h in hs]
    wall = time.perf_counter() - t0
    partial.unlink()
    order = {(t[0], t[1], t[2], t[4]): i for i, t in enumerate(sorted(tasks))}
    rows.sort(key=lambda r: order[(r["track"], r["problem"], r["optimizer"], r["seed"])])
    hits.sort(key=lambda r: (order[(r["track"], r["problem"], r["optimizer"], r["seed"])], r["target_index"]))
    write_csv(out / "runs.csv", rows, RUN_COLUMNS)
    write_csv(out / "hits.csv", hits, HIT_COLUMNS)
    meta = {
        "command": command or "asng_bench.blackbox.runner.run_study",
        "wall_s": round(wall, 1),
        "resumed_runs": len(done),
        "jobs": jobs,
        "seeds": seeds,
        "problems": {n: get_problem(n).description for n in names},
        "main_budgets": {n: budgets[n] for n in names},
        "short_budget": short_budget,
        "optimizers": opts,
        "skipped_not_installed": [o for o in wanted if o not in opts],
        "versions": package_versions(VERSIONED),
        "machine": machine_info(),
        "pid": os.getpid(),
    }
    write_json(out / "meta.json", meta)
    report(out)
    return meta
