"""One run of the black-box comparison (:func:`run_one`), its rows of runs.csv and hits.csv
(:func:`run_task`, what a worker process computes) and the list of a study's runs (:func:`plan`).

A run stops at its budget or when it reaches the optimum (the last target). It records, for
each target gap, the evaluation at which it was first reached, its improvement trace (the
evaluations at which the best gap improved) and the optimizer's overhead: the run's wall time
minus the time spent inside the objective, per evaluation.

With the optimizer's :attr:`.registry.OptimizerSpec.cache` (asng-bb and its ablations, as
``asng_opt.minimize`` by default), a candidate equal to one already evaluated in the run (or
earlier in the same round) is not evaluated again: it gets the known value and costs nothing (it
counts neither in the budget nor in the evaluations to a target); ``cached`` counts them. Equal
candidates (:func:`candidate_key`) are equal samples of minimize, and no study's budget reaches
minimize's cache size (100,000), so the values the searcher is told and the points evaluated are
minimize's. Two optional parts of a searcher take part: a searcher with ``counts_new = True`` is
told ``tell(values, n_new=k)``, ``k`` the round's new evaluations (ours: minimize's stale-round
restart rule), and one that sets ``stopped = True`` ends the run (ours: minimize's "converged"
stop). Whatever the searcher, :data:`FREE_ROUNDS` rounds in a row without a new evaluation end the
run. A run that ends before its budget records what it has (``n_evals`` below the budget); so does
a peer's run whose searcher raised in ``ask`` or ``tell`` (a numerical breakdown, say): it ends
there, its ``error`` column names the exception, and the study goes on. Our own rows (asng-opt)
raise instead: an exception there is a bug to fix, not a result.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any, Optional

from asng_opt._cache import EvaluationCache, sample_key

from .problems import Problem
from .registry import OPTIMIZERS, applies, get_problem, make_searcher
from .reuse import Result, Task
from .searcher import Candidate, Searcher
from .traces import Trace

__all__ = ["run_one", "run_task", "plan", "candidate_key", "RUN_COLUMNS", "HIT_COLUMNS", "FREE_ROUNDS"]

#: rounds in a row without a new evaluation (all cached, or none asked) that end a run whatever
#: the searcher; far above what asng-bb's own rule allows (``STALE_ROUNDS`` free rounds end an
#: optimizer, ``STALE_ROUNDS`` optimizers in a row without a new evaluation end the run: at most
#: ``STALE_ROUNDS * (STALE_ROUNDS + 1)`` = 110), so that it never cuts asng-bb short
FREE_ROUNDS = 1000

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
    "cached",
    "wall_s",
    "objective_s",
    "overhead_us_per_eval",
    "error",
]
HIT_COLUMNS = ["track", "problem", "optimizer", "seed", "budget", "target_index", "target_gap", "evals", "n_evals"]


def candidate_key(cand: Candidate) -> bytes:
    """The key of a candidate ``(c, z, r)`` in minimize's cache (``asng_opt._cache.sample_key`` of
    the tuple: each part's dtype, shape and data, ``None`` apart): equal keys if and only if the
    parts are equal arrays of the same dtypes and shapes."""
    return sample_key(tuple(cand))


def _tell(searcher: Searcher, values: list[float], n_new: int) -> None:
    if getattr(searcher, "counts_new", False):
        searcher.tell(values, n_new=n_new)  # type: ignore[call-arg]
    else:
        searcher.tell(values)


def run_one(problem: Problem, optimizer: str, budget: int, seed: int) -> dict[str, Any]:
    """One run: evaluations to each target gap (None if not reached), best gap, the improvement
    trace ``[(evaluation, best gap), ...]`` (an entry whenever the best gap decreased), timings,
    ``n_evals`` (at most ``budget``), ``cached`` (candidates answered by the cache, 0 without it)
    and ``error`` ("" or ``"<exception type>: <message>"`` when a peer's ``ask`` or ``tell``
    raised: the run ends there with what it had found; ours raise)."""
    gaps = problem.gaps
    hits: list[Optional[int]] = [None] * len(gaps)
    gi = 0
    n = 0
    best = math.inf
    trace: Trace = []
    fun_s = 0.0
    cache = EvaluationCache() if OPTIMIZERS[optimizer].cache else None  # minimize's, same bound
    n_cached = free = 0
    error = ""
    t0 = time.perf_counter()
    searcher = make_searcher(optimizer, problem, budget, seed)
    while n < budget and gi < len(gaps):
        try:
            cands = searcher.ask()
        except Exception as e:  # a peer's failure ends its run, not the study (ours: a bug, raised)
            if OPTIMIZERS[optimizer].ours:
                raise
            error = _error(e)
            break
        values: list[float] = []
        n_new = 0
        for cand in cands:
            key = candidate_key(cand) if cache is not None else b""
            known = cache.get(key) if cache is not None else None
            if known is not None:
                values.append(known)
                n_cached += 1
                continue
            if n >= budget or gi == len(gaps):  # budget spent or optimum found: stop mid-batch
                break
            t = time.perf_counter()
            f = problem(*cand)
            fun_s += time.perf_counter() - t
            n += 1
            n_new += 1
            values.append(f)
            if cache is not None and math.isfinite(f):  # as minimize: a failure is not remembered
                cache.put(key, f)
            gap = f - problem.f_opt
            if gap < best:
                best = gap
                trace.append((n, gap))
            while gi < len(gaps) and gap <= gaps[gi] + 1e-9:
                hits[gi] = n
                gi += 1
        if len(values) < len(cands) or gi == len(gaps):
            break
        free = 0 if n_new else free + 1
        if free >= FREE_ROUNDS:
            break
        try:
            _tell(searcher, values, n_new)
        except Exception as e:
            if OPTIMIZERS[optimizer].ours:
                raise
            error = _error(e)
            break
        if getattr(searcher, "stopped", False):
            break
    wall = time.perf_counter() - t0
    return {
        "hits": hits,
        "n_evals": n,
        "best_gap": best,
        "trace": trace,
        "solved": hits[-1] is not None,
        "restarts": searcher.restarts,
        "cached": n_cached,
        "wall_s": wall,
        "objective_s": fun_s,
        "overhead_us_per_eval": (wall - fun_s) / max(n, 1) * 1e6,
        "error": error,
    }


def _error(e: Exception) -> str:
    """``"<type>: <message>"`` on one line, at most 200 characters."""
    text = f"{type(e).__name__}: {e}".replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."


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
    has whole problems), the longest runs first inside one; ``seeds`` per problem, on the main
    track the number ``seeds_by_problem`` gives where it names the problem (the short track's
    runs cost seconds: it always has ``seeds``)."""
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
                tasks += [("short", pname, opt, short_budget, s) for s in range(seeds)]
    rank = {p: i for i, p in enumerate(problems)}
    tasks.sort(key=lambda t: (rank[t[1]], -t[3] * OPTIMIZERS[t[2]].cost))
    return tasks
