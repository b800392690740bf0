"""One run of the black-box comparison (:func:`run_one`), its rows of runs.csv and hits.csv
(:func:`run_task`, what a worker process computes) and the list of a study's runs (:func:`plan`).

A run stops at its budget or when it reaches the optimum (the last target). It records, for
each target gap, the evaluation at which it was first reached, its improvement trace (the
evaluations at which the best gap improved) and the optimizer's overhead: the run's wall time
minus the time spent inside the objective, per evaluation.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, Optional

from .problems import Problem
from .registry import OPTIMIZERS, applies, get_problem, make_searcher
from .reuse import Result, Task
from .traces import Trace

__all__ = ["run_one", "run_task", "plan", "RUN_COLUMNS", "HIT_COLUMNS"]

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


def run_one(problem: Problem, optimizer: str, budget: int, seed: int) -> dict[str, Any]:
    """One run: evaluations to each target gap (None if not reached), best gap, the improvement
    trace ``[(evaluation, best gap), ...]`` (an entry whenever the best gap decreased), timings."""
    gaps = problem.gaps
    hits: list[Optional[int]] = [None] * len(gaps)
    gi = 0
    n = 0
    best = math.inf
    trace: Trace = []
    fun_s = 0.0
    t0 = time.perf_counter()
    searcher = make_searcher(optimizer, problem, budget, seed)
    while n < budget and gi < len(gaps):
        cands = searcher.ask()
        values: list[float] = []
        for c, z, r in cands:
            if n >= budget or gi == len(gaps):  # budget spent or optimum found: stop mid-batch
                break
            t = time.perf_counter()
            f = problem(c, z, r)
            fun_s += time.perf_counter() - t
            n += 1
            values.append(f)
            gap = f - problem.f_opt
            if gap < best:
                best = gap
                trace.append((n, gap))
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
        "trace": trace,
        "solved": hits[-1] is not None,
        "restarts": searcher.restarts,
        "wall_s": wall,
        "objective_s": fun_s,
        "overhead_us_per_eval": (wall - fun_s) / max(n, 1) * 1e6,
    }


def run_task(task: Task) -> Result:
    """The run ``task`` = (track, problem, optimizer, budget, seed), warnings silenced: its runs.csv row
    (:data:`RUN_COLUMNS`), its hits.csv rows (:data:`HIT_COLUMNS`, one per target) and its trace."""
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
    return row, hits, [tuple(t) for t in r["trace"]]


def plan(
    problems: Sequence[str],
    optimizers: Sequence[str],
    seeds: int,
    budgets: dict[str, int],
    short_budget: Optional[int],
    seeds_by_problem: Optional[dict[str, int]] = None,
) -> list[Task]:
    """The runs: (track, problem, optimizer, budget, seed), problem by problem (a cut-short study
    has whole problems), the longest runs first inside one; ``seeds`` per problem unless
    ``seeds_by_problem`` names it."""
    tasks: list[Task] = []
    for pname in problems:
        prob = get_problem(pname)
        n_seeds = (seeds_by_problem or {}).get(pname, seeds)
        for opt in optimizers:
            if not applies(opt, prob):
                continue
            if not OPTIMIZERS[opt].short_only:
                tasks += [("main", pname, opt, budgets[pname], s) for s in range(n_seeds)]
            if short_budget:
                tasks += [("short", pname, opt, short_budget, s) for s in range(n_seeds)]
    rank = {p: i for i, p in enumerate(problems)}
    tasks.sort(key=lambda t: (rank[t[1]], -t[3] * OPTIMIZERS[t[2]].cost))
    return tasks
