"""Runner of the black-box comparison (issue 6): every (track, problem, optimizer, seed) run, in
worker processes, resumable; writes the CSVs and meta.json and then the report (:mod:`.report`).

A run stops at its budget or when it reaches the optimum (the last target). It records, for
each target gap, the evaluation at which it was first reached, its improvement trace (the
evaluations at which the best gap improved) and the optimizer's overhead: the run's wall time
minus the time spent inside the objective, per evaluation. With ``reuse``, the peers' runs of a
previous study are taken from it where nothing that decides them changed (:mod:`.reuse`).

Outputs in ``out``: ``runs.csv`` (one row per run), ``hits.csv`` (one row per run and target),
``traces.csv.gz`` (:mod:`.traces`), ``meta.json`` (command, wall time, versions, machine, what
was reused), then the report's ``summary.csv``, ``blackbox.md``, the ECDF figures and the
IOHanalyzer export ``ioh/`` (:mod:`.report`).
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

from ..report_io import load_average, machine_info, package_versions, write_csv, write_json
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
from .reuse import Result, peer_code_sha256, reusable_runs
from .traces import TRACES, Trace, TraceKey, write_traces

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
VERSIONED = ("asng-opt", "asng-bench", "numpy", "scipy", "cmaes", "optuna", "nevergrad", "ioh")

_Task = tuple[str, str, str, int, int]  #: (track, problem, optimizer, budget, seed)
_Result = Result  #: (runs.csv row, hits.csv rows, improvement trace or None)


def _asng_opt_sha256() -> str:
    """SHA-256 of asng-opt's source files (sorted by name): which state of our code ran (its version
    number does not change with every edit)."""
    import hashlib

    import asng_opt

    h = hashlib.sha256()
    for f in sorted(Path(asng_opt.__file__).parent.rglob("*.py")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _versions() -> dict[str, Optional[str]]:
    """The installed versions; asng-opt's from ``asng_opt.__version__`` (an editable install's
    metadata keeps the version it was installed with)."""
    import asng_opt

    out = package_versions(VERSIONED)
    out["asng-opt"] = getattr(asng_opt, "__version__", None) or out["asng-opt"]
    return out


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
    return row, hits, [tuple(t) for t in r["trace"]]


def plan(
    problems: Sequence[str],
    optimizers: Sequence[str],
    seeds: int,
    budgets: dict[str, int],
    short_budget: Optional[int],
    seeds_by_problem: Optional[dict[str, int]] = None,
) -> list[_Task]:
    """The runs: (track, problem, optimizer, budget, seed), problem by problem (a cut-short study
    has whole problems), the longest runs first inside one; ``seeds`` per problem unless
    ``seeds_by_problem`` names it."""
    tasks: list[_Task] = []
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


def _resumed(partial: Path, resume: bool) -> dict[_Task, _Result]:
    """The runs a stopped study finished (``partial.jsonl``), or none (and a fresh file)."""
    done: dict[_Task, _Result] = {}
    if resume and partial.exists():
        for line in partial.read_text().splitlines():
            if line.strip():
                row, h, *trace = json.loads(line)  # lines before traces were recorded have none
                tr = [(int(e), float(g)) for e, g in trace[0]] if trace and trace[0] is not None else None
                done[(row["track"], row["problem"], row["optimizer"], row["budget"], row["seed"])] = (row, h, tr)
    else:
        partial.write_text("")
    return done


def _execute(
    todo: Sequence[_Task], jobs: int, partial: Path, progress: bool, kept: int = 0, reused: int = 0
) -> list[_Result]:
    """Run the tasks (in ``jobs`` processes), appending each result to ``partial`` as it comes.

    With ``progress``, a line every 50 runs and one at the last, counting the ``kept`` runs of a
    resumed study and the ``reused`` runs of earlier studies too, so the count ends at the total
    it announces."""
    t0 = time.perf_counter()
    results: list[_Result] = []
    total = kept + reused + len(todo)
    if progress and kept:
        print(f"[blackbox] resuming: {kept}/{total} runs kept from {partial.name}", flush=True)
    if progress and reused:
        print(f"[blackbox] reusing: {reused}/{total} peers' runs taken from earlier studies", flush=True)

    def record(i: int, res: _Result) -> None:
        results.append(res)
        with open(partial, "a") as f:
            f.write(json.dumps(res) + "\n")
        done = kept + reused + i + 1
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


def _same_run(a: _Result, b: _Result) -> bool:
    """The same evaluations to every target, evaluations used and best gap (1e-9)."""
    ea = [h["evals"] for h in sorted(a[1], key=lambda h: h["target_index"])]
    eb = [h["evals"] for h in sorted(b[1], key=lambda h: h["target_index"])]
    ga, gb = float(a[0]["best_gap"]), float(b[0]["best_gap"])
    return ea == eb and int(a[0]["n_evals"]) == int(b[0]["n_evals"]) and abs(ga - gb) <= 1e-9


def _spot_check(reused: dict[_Task, _Result], jobs: int) -> dict[str, str]:
    """Run one reused run again per (optimizer, problem) -- the main track's lowest seed if there
    is one -- and drop every reused run of the pair whose check differs (a dependency that the
    recorded versions do not show, for example). The fresh runs replace the checked ones (they
    have traces). Returns ``{"opt on problem": "identical" | "differs: ..."}``."""
    first: dict[tuple[str, str], _Task] = {}
    for t in sorted(reused, key=lambda t: (t[0] != "main", t[4])):
        first.setdefault((t[2], t[1]), t)
    checks = list(first.values())
    if jobs > 1 and len(checks) > 1:
        with ProcessPoolExecutor(jobs) as pool:
            fresh = list(pool.map(_task, checks))
    else:
        fresh = [_task(t) for t in checks]
    out: dict[str, str] = {}
    for t, new in zip(checks, fresh):
        pair = f"{t[2]} on {t[1]}"
        if _same_run(reused[t], new):
            out[pair] = "identical"
            reused[t] = new
        else:
            old = [h["evals"] for h in reused[t][1]]
            out[pair] = f"differs ({t[0]} track, seed {t[4]}: evaluations to the targets {old} before, "
            out[pair] += f"{[h['evals'] for h in new[1]]} now): run again"
            for u in [u for u in reused if (u[2], u[1]) == (t[2], t[1])]:
                del reused[u]
    return out


def _reuse(
    sources: Sequence[str | Path], tasks: Sequence[_Task], jobs: int = 1, check: bool = True
) -> tuple[dict[_Task, _Result], Optional[dict]]:
    """The peers' runs taken from ``sources`` (the first that has a task's run wins), each
    (optimizer, problem) spot-checked by :func:`_spot_check` when ``check``, and the record for
    meta.json: per source what it gave, the spot checks, and why the peers' runs left were run
    again."""
    if not sources:
        return {}, None
    reused: dict[_Task, _Result] = {}
    records: list[dict[str, Any]] = []
    why: dict[str, list[str]] = {}
    origin: dict[_Task, int] = {}
    for i, src in enumerate(sources):
        got, rec = reusable_runs(src, [t for t in tasks if t not in reused])
        reused.update(got)
        origin.update({t: i for t in got})
        records.append({k: v for k, v in rec.items() if k != "rerun"})
        for pair, reason in rec["rerun"].items():
            why.setdefault(pair, []).append(f"{src}: {reason}")
    checks = _spot_check(reused, jobs) if check else {}
    for pair, result in checks.items():
        if result != "identical":
            why.setdefault(pair, []).append("spot check " + result)
    for i, rec in enumerate(records):  # what each source gave in the end
        mine = [r for t, r in reused.items() if origin[t] == i]
        rec["runs"], rec["runs_without_trace"] = len(mine), sum(r[2] is None for r in mine)
        rec["reused"] = {
            o: [p for p in ps if checks.get(f"{o} on {p}", "identical") == "identical"]
            for o, ps in rec["reused"].items()
        }
        rec["reused"] = {o: ps for o, ps in rec["reused"].items() if ps}
    left = {f"{t[2]} on {t[1]}" for t in tasks if not OPTIMIZERS[t[2]].ours and t not in reused}
    record = {
        "sources": records,
        "spot_checks": checks,
        "runs": len(reused),
        "rerun": {pair: "; ".join(why.get(pair, [])) for pair in sorted(left)},
    }
    return reused, record


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
    reuse: Optional[Sequence[str | Path]] = None,
    seeds_by_problem: Optional[dict[str, int]] = None,
) -> dict[str, Any]:
    """Run the comparison and write the CSVs, meta.json, the markdown tables and the figures.

    ``problems`` default to :func:`.registry.default_problems`, ``optimizers`` to every installed
    one; ``budgets`` override the main-track budgets of :data:`.registry.PROBLEMS`; ``resume``
    keeps the runs of a stopped study (``out/partial.jsonl``); ``reuse`` are previous studies'
    folders whose peers' runs are taken where they can be, the first folder first
    (:func:`.reuse.reusable_runs`; ValueError if one is not a study). Returns the metadata.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(problems) if problems else default_problems()
    wanted = list(optimizers or OPTIMIZERS)
    opts = [o for o in wanted if available(o)]
    budgets = {**main_budgets(), **(budgets or {})}
    seeds_by_problem = {p: n for p, n in (seeds_by_problem or {}).items() if p in names}
    tasks = plan(names, opts, seeds, budgets, short_budget, seeds_by_problem)
    partial = out / "partial.jsonl"  # one line per finished run, so that a stopped study can resume
    done = _resumed(partial, resume)
    reused, reuse_record = _reuse(reuse or [], [t for t in tasks if t not in done], jobs)
    load_at_start = load_average()
    t0 = time.perf_counter()
    results = [done[t] for t in tasks if t in done]
    taken = [reused[t] for t in tasks if t in reused and t not in done]
    todo = [t for t in tasks if t not in done and t not in reused]
    results += taken + _execute(todo, jobs, partial, progress, kept=len(results), reused=len(taken))
    rows = [r for r, _, _ in results]
    hits = [h for _, hs, _ in results for h in hs]
    wall = time.perf_counter() - t0
    partial.unlink()
    order = {(t[0], t[1], t[2], t[4]): i for i, t in enumerate(sorted(tasks))}
    rows.sort(key=lambda r: order[(r["track"], r["problem"], r["optimizer"], r["seed"])])
    hits.sort(key=lambda r: (order[(r["track"], r["problem"], r["optimizer"], r["seed"])], r["target_index"]))
    write_csv(out / "runs.csv", rows, RUN_COLUMNS)
    write_csv(out / "hits.csv", hits, HIT_COLUMNS)
    traces: dict[TraceKey, Trace] = {}
    for r, _, tr in sorted(
        results, key=lambda x: order[(x[0]["track"], x[0]["problem"], x[0]["optimizer"], x[0]["seed"])]
    ):
        if tr is not None:
            traces[(r["track"], r["problem"], r["optimizer"], int(r["seed"]))] = tr
    write_traces(out / TRACES, traces)
    meta = {
        "command": command or "asng_bench.blackbox.runner.run_study",
        "wall_s": round(wall, 1),
        "resumed_runs": len(done),
        "run_here": len(todo),
        "reused": reuse_record,
        "jobs": jobs,
        "seeds": seeds,
        "seeds_by_problem": seeds_by_problem,
        "problems": {n: get_problem(n).description for n in names},
        "main_budgets": {n: budgets[n] for n in names},
        "short_budget": short_budget,
        "optimizers": opts,
        "skipped_not_installed": [o for o in wanted if o not in opts],
        "versions": _versions(),
        "peer_code_sha256": peer_code_sha256(),
        "asng_opt_sha256": _asng_opt_sha256(),
        "machine": machine_info(),
        "load_average": {"start": load_at_start, "end": load_average()},
        "pid": os.getpid(),
    }
    write_json(out / "meta.json", meta)
    report(out)
    return meta
