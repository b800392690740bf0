"""Runner of the black-box comparison (issue 6): ``asng-bench blackbox``.

Two tracks, each with the same budget and the same seeds (0, 1, ...) for every optimizer of a
problem:

* ``main``: every optimizer except optuna's samplers, with a per-problem budget
  (:data:`MAIN_BUDGETS`).
* ``short``: every optimizer including optuna's TPE (and CmaEsSampler on the mixed problem) with
  a small budget (:data:`SHORT_BUDGET`), because optuna costs 10-50 ms per ask at a few hundred
  trials on 100 variables (4 ms for CmaEsSampler) and would not finish the main budgets in time.

A run stops at its budget or when it reaches the optimum (the last target). It records, for
each target gap, the evaluation at which it was first reached, and the optimizer's overhead:
the run's wall time minus the time spent inside the objective, per evaluation.

Outputs in ``--out`` (default ``results/blackbox``): ``runs.csv`` (one row per run),
``hits.csv`` (one row per run and target), ``summary.csv`` (ERT / SP1 / success rate per
problem, optimizer and target), ``meta.json`` (command, wall time, versions, machine),
``blackbox.md`` (the tables), ``ecdf.png`` / ``ecdf_short.png`` (the figures, one per track).
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from . import blackbox_problems as bp
from .blackbox_peers import ALL_OPTIMIZERS, applies, available, make_searcher

__all__ = ["run_one", "run_study", "get_problem", "MAIN_BUDGETS", "SHORT_BUDGET", "RUN_COLUMNS", "HIT_COLUMNS", "main"]

MAIN_BUDGETS: dict[str, int] = {
    "onemax": 3000,
    "leadingones": 6000,
    "catsphere-K5": 3000,
    "catellipsoid-K10": 4000,
    "mixed": 3000,
    "toy-fixed-x": 3000,
    "ioh-f19-isingring": 3000,
    "ioh-f22-mis": 3000,
}
SHORT_BUDGET = 150
SHORT_ONLY = ("optuna-tpe", "optuna-cmaes")

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


def get_problem(name: str) -> bp.Problem:
    factories = {
        "onemax": bp.onemax,
        "leadingones": bp.leadingones,
        "catsphere-K5": bp.categorical_sphere,
        "catellipsoid-K10": bp.categorical_ellipsoid,
        "mixed": bp.mixed,
        "toy-fixed-x": bp.toy_fixed_x,
        "ioh-f19-isingring": lambda: bp.ioh_problem(19),
        "ioh-f22-mis": lambda: bp.ioh_problem(22),
    }
    return factories[name]()


def run_one(problem: bp.Problem, optimizer: str, budget: int, seed: int) -> dict[str, Any]:
    """One run: evaluations to each target gap (None if not reached), best gap, timings."""
    gaps = problem.gaps
    hits: list[int | None] = [None] * len(gaps)
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
        "restarts": getattr(searcher, "restarts", 0),
        "wall_s": wall,
        "objective_s": fun_s,
        "overhead_us_per_eval": (wall - fun_s) / max(n, 1) * 1e6,
    }


def _task(args: tuple[str, str, str, int, int]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import warnings

    warnings.filterwarnings("ignore")
    track, pname, opt, budget, seed = args
    prob = get_problem(pname)
    r = run_one(prob, opt, budget, seed)
    key = {"track": track, "problem": pname, "optimizer": opt, "seed": seed, "budget": budget}
    row = {**key, **{k: r[k] for k in RUN_COLUMNS if k in r}}
    hits = [
        {**key, "target_index": i, "target_gap": g, "evals": h, "n_evals": r["n_evals"]}
        for i, (g, h) in enumerate(zip(prob.gaps, r["hits"]))
    ]
    return row, hits


def _versions() -> dict[str, str | None]:
    import importlib.metadata as md

    out: dict[str, str | None] = {}
    for pkg in ("asng-opt", "asng-bench", "numpy", "cmaes", "optuna", "nevergrad", "ioh"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    return out


def _write_csv(path: Path, rows: list[dict[str, Any]], columns: Sequence[str]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(columns), extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r[k]) for k in columns})


def plan(
    problems: Sequence[str],
    optimizers: Sequence[str],
    seeds: int,
    budgets: dict[str, int],
    short_budget: int | None,
) -> list[tuple[str, str, str, int, int]]:
    """The runs: (track, problem, optimizer, budget, seed)."""
    tasks = []
    for pname in problems:
        prob = get_problem(pname)
        for opt in optimizers:
            if not applies(opt, prob):
                continue
            if opt not in SHORT_ONLY:
                tasks += [("main", pname, opt, budgets[pname], s) for s in range(seeds)]
            if short_budget:
                tasks += [("short", pname, opt, short_budget, s) for s in range(seeds)]
    # problem by problem (a cut-short study has whole problems), the longest runs first inside one
    cost = {"ng-": 1000.0, "optuna-tpe": 20000.0, "optuna-cmaes": 4000.0, "cmaes": 100.0}
    rank = {p: i for i, p in enumerate(problems)}
    tasks.sort(key=lambda t: (rank[t[1]], -t[3] * next((v for k, v in cost.items() if t[2].startswith(k)), 30.0)))
    return tasks


def run_study(
    out: str | Path,
    problems: Sequence[str] | None = None,
    optimizers: Sequence[str] | None = None,
    seeds: int = 25,
    budgets: dict[str, int] | None = None,
    short_budget: int | None = SHORT_BUDGET,
    jobs: int = 1,
    command: str | None = None,
    progress: bool = True,
    resume: bool = False,
) -> dict[str, Any]:
    """Run the comparison and write the CSVs, meta.json, the markdown tables and the figure."""
    from .machine import machine_info

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = list(problems) if problems else [p.name for p in bp.all_problems()]
    opts = [o for o in (optimizers or list(ALL_OPTIMIZERS)) if available(o)]
    skipped = [o for o in (optimizers or list(ALL_OPTIMIZERS)) if o not in opts]
    budgets = {**MAIN_BUDGETS, **(budgets or {})}
    tasks = plan(names, opts, seeds, budgets, short_budget)
    partial = out / "partial.jsonl"  # one line per finished run, so that a stopped study can resume
    done: dict[tuple, tuple[dict[str, Any], list[dict[str, Any]]]] = {}
    if resume and partial.exists():
        for line in partial.read_text().splitlines():
            if line.strip():
                row, h = json.loads(line)
                done[(row["track"], row["problem"], row["optimizer"], row["budget"], row["seed"])] = (row, h)
    else:
        partial.write_text("")
    todo = [t for t in tasks if t not in done]
    t0 = time.perf_counter()
    results = [done[t] for t in tasks if t in done]

    def _record(i: int, res: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
        results.append(res)
        with open(partial, "a") as f:
            f.write(json.dumps(res) + "\n")
        if progress and (i + 1) % 50 == 0:
            print(f"[blackbox] {i + 1}/{len(todo)} runs, {time.perf_counter() - t0:.0f} s", flush=True)

    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            futures = [pool.submit(_task, t) for t in todo]
            for i, fut in enumerate(as_completed(futures)):
                _record(i, fut.result())
    else:
        for i, t in enumerate(todo):
            _record(i, _task(t))
    rows = [r for r, _ in results]
    hits = [h for _, hs in results for h in hs]
    wall = time.perf_counter() - t0
    partial.unlink()
    order = {(t[0], t[1], t[2], t[4]): i for i, t in enumerate(sorted(tasks))}
    rows.sort(key=lambda r: order[(r["track"], r["problem"], r["optimizer"], r["seed"])])
    hits.sort(key=lambda r: (order[(r["track"], r["problem"], r["optimizer"], r["seed"])], r["target_index"]))
    _write_csv(out / "runs.csv", rows, RUN_COLUMNS)
    _write_csv(out / "hits.csv", hits, HIT_COLUMNS)
    meta = {
        "command": command or "asng_bench.blackbox.run_study",
        "wall_s": round(wall, 1),
        "resumed_runs": len(done),
        "jobs": jobs,
        "seeds": seeds,
        "problems": {n: get_problem(n).description for n in names},
        "main_budgets": {n: budgets[n] for n in names},
        "short_budget": short_budget,
        "optimizers": opts,
        "skipped_not_installed": skipped,
        "versions": _versions(),
        "machine": machine_info(),
        "pid": os.getpid(),
    }
    (out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
    report(out)
    return meta


def report(out: str | Path) -> None:
    """(Re)write summary.csv, blackbox.md and the figures from runs.csv, hits.csv and meta.json."""
    from . import blackbox_report

    out = Path(out)
    meta = json.loads((out / "meta.json").read_text())
    rows = blackbox_report.read_csv(out / "runs.csv")
    hits = blackbox_report.read_csv(out / "hits.csv")
    summary = blackbox_report.summarize(hits, rows)
    blackbox_report.write_summary(out / "summary.csv", summary)
    (out / "blackbox.md").write_text(blackbox_report.markdown(summary, meta))
    try:
        blackbox_report.ecdf_figure(hits, out / "ecdf.png")
        blackbox_report.ecdf_figure(hits, out / "ecdf_short.png", track="short")
    except ImportError:  # matplotlib is a dependency, but keep the data if it is broken
        pass


def main(args: Any) -> None:
    """Entry point of ``asng-bench blackbox`` (parsed arguments from :mod:`asng_bench.cli`)."""
    if args.report_only:
        report(args.out)
        if args.readme:
            from .blackbox_report import update_readme

            update_readme(args.readme, Path(args.out))
        return
    if args.quick:
        seeds = args.seeds or 3
        budgets = {n: min(b, 400) for n, b in MAIN_BUDGETS.items()}
        short = 50
        problems = args.problems or ["onemax", "catsphere-K5", "mixed", "toy-fixed-x"]
    else:
        seeds = args.seeds or 25
        budgets = dict(MAIN_BUDGETS)
        short = args.short_budget
        problems = args.problems
    cmd = f"asng-bench blackbox --out {args.out} --jobs {args.jobs}" + (" --quick" if args.quick else "")
    if args.seeds:
        cmd += f" --seeds {args.seeds}"
    if args.problems:
        cmd += " --problems " + " ".join(args.problems)
    if args.optimizers:
        cmd += " --optimizers " + " ".join(args.optimizers)
    meta = run_study(
        args.out,
        problems=problems,
        optimizers=args.optimizers,
        seeds=seeds,
        budgets=budgets,
        short_budget=short or None,
        jobs=args.jobs,
        command=cmd,
        resume=args.resume,
    )
    print(f"[blackbox] done in {meta['wall_s']} s -> {args.out}")
    if args.readme:
        from .blackbox_report import update_readme

        update_readme(args.readme, Path(args.out))
