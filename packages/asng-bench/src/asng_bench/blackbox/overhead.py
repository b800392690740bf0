"""The optimizers' overhead per evaluation on the black-box problems, ours against a peer, in one
process (``asng-bench blackbox-overhead``).

The study (:mod:`.runner`) records every run's overhead, but its runs share two worker processes
and its peers' runs are often reused from earlier studies that ran under other loads, so its
overhead columns compare numbers taken at different times. Here every (track, problem, seed) runs
each optimizer back to back in this one process (:func:`.runs.run_one`, the study's runs, with the
same cache, budgets and stops), the order alternating from seed to seed so that a drift of the
machine's speed falls on both alike. A run's overhead is its wall time less the time inside the
objective, per evaluation (µs), set-up included, as in the study.

Each (track, problem) gets every optimizer's median overhead and, against the reference optimizer
(the first one: ours), the median over seeds of the paired ratio ``other / reference`` with its
percentile-bootstrap 95 % interval (:func:`asng_bench.stats.bootstrap_median_ci`): above 1 the
reference is cheaper per evaluation. Outputs: ``overhead.csv`` (one row per run) and
``overhead.md`` (the table, a line per track counting the problems where the reference is cheaper,
the machine and its load).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..report_io import load_average, machine_info, md_table, package_versions, write_csv
from ..stats import bootstrap_median_ci
from .registry import OPTIMIZERS, SHORT_BUDGET, applies, get_problem, main_budgets
from .runs import run_one

__all__ = ["measure_overhead", "overhead_markdown", "write_overhead", "COLUMNS", "OUTPUTS"]

#: the columns of overhead.csv
COLUMNS = [
    *("track", "problem", "optimizer", "seed", "budget"),
    *("n_evals", "wall_s", "objective_s", "overhead_us_per_eval"),
]
#: the files the command writes
OUTPUTS = ("overhead.csv", "overhead.md")


def measure_overhead(
    problems: Sequence[str], optimizers: Sequence[str], tracks: Sequence[str], seeds: int, progress: bool = False
) -> list[dict[str, Any]]:
    """One row per run (:data:`COLUMNS`): every optimizer on every (track, problem, seed), back to
    back in this process, in the order ``optimizers`` for even seeds and reversed for odd ones
    (an optimizer that does not apply to a problem, :func:`.registry.applies`, is left out there).
    ``tracks``: ``"main"`` (each problem's own budget) and / or ``"short"`` (:data:`.registry.SHORT_BUDGET`)."""
    budgets = main_budgets()
    rows = []
    for track in tracks:
        for p in problems:
            problem = get_problem(p)
            budget = SHORT_BUDGET if track == "short" else budgets[p]
            here = [o for o in optimizers if applies(o, problem)]
            for seed in range(seeds):
                for opt in here if seed % 2 == 0 else list(reversed(here)):
                    r = run_one(problem, opt, budget, seed)
                    rows.append({"track": track, "problem": p, "optimizer": opt, "seed": seed, "budget": budget, **r})
            if progress:
                print(f"[blackbox-overhead] {track} {p}: done", flush=True)
    return rows


def _ratios(rows: list[dict[str, Any]], reference: str, other: str) -> list[float]:
    """The paired ratios ``other / reference`` of the overheads of the same seeds."""
    ref = {r["seed"]: float(r["overhead_us_per_eval"]) for r in rows if r["optimizer"] == reference}
    oth = {r["seed"]: float(r["overhead_us_per_eval"]) for r in rows if r["optimizer"] == other}
    return [oth[s] / ref[s] for s in sorted(ref.keys() & oth.keys()) if ref[s] > 0]


def overhead_markdown(rows: list[dict[str, Any]], optimizers: Sequence[str], meta: dict[str, Any]) -> str:
    """overhead.md: per track a table (each optimizer's median µs per evaluation; each other
    optimizer's median paired ratio to the first, with its bootstrap 95 % interval) and the count
    of problems where the first is cheaper (interval above 1) or dearer (below 1)."""
    reference, others = optimizers[0], list(optimizers[1:])
    lines = [
        f"Overhead per evaluation (µs; wall time less the objective's, set-up included), the study's runs "
        f"back to back in one process, {meta['seeds']} seeds; ratio: the other optimizer's overhead over "
        f"{reference}'s, paired by seed (median, bootstrap 95 % interval): above 1, {reference} is cheaper.",
        "",
        f"Machine: {meta['machine'].get('cpu')}, {meta['machine'].get('cores')} cores, BLAS kernels "
        f"{meta['machine'].get('blas_kernel')}; load average (1 min) {meta['load_average'][0]} at the start, "
        f"{meta['load_average'][1]} at the end; {meta['wall_s']} s in all. Command: `{meta['command']}`.",
    ]
    for track in dict.fromkeys(r["track"] for r in rows):
        tr = [r for r in rows if r["track"] == track]
        problems = list(dict.fromkeys(r["problem"] for r in tr))
        header = ["problem", *(f"{o} µs" for o in optimizers), *(f"{o} / {reference}" for o in others)]
        table: list[list[Any]] = []
        cheaper, dearer = dict.fromkeys(others, 0), dict.fromkeys(others, 0)
        medians: dict[str, list[float]] = {o: [] for o in others}
        for p in problems:
            pr = [r for r in tr if r["problem"] == p]
            cells: list[Any] = [p]
            for o in optimizers:
                us = [float(r["overhead_us_per_eval"]) for r in pr if r["optimizer"] == o]
                cells.append(f"{statistics.median(us):,.0f}" if us else "–")
            for o in others:
                ratios = _ratios(pr, reference, o)
                if not ratios:
                    cells.append("–")
                    continue
                lo, hi = bootstrap_median_ci(ratios)
                med = statistics.median(ratios)
                medians[o].append(med)
                cheaper[o] += lo > 1
                dearer[o] += hi < 1
                cells.append(f"{med:.2f} [{lo:.2f}–{hi:.2f}]")
            table.append(cells)
        lines += ["", f"## {track} track", "", *md_table(header, "l" + "r" * (len(header) - 1), table), ""]
        for o in others:
            if medians[o]:
                lines.append(
                    f"* {reference} against {o}: cheaper on {cheaper[o]} of {len(medians[o])} problems, dearer on "
                    f"{dearer[o]} (intervals excluding 1), median ratio {statistics.median(medians[o]):.2f}."
                )
    return "\n".join(lines) + "\n"


def _load1() -> float | None:
    """The 1-minute load average now, if the OS reports it."""
    load = load_average()
    return load[0] if load else None


def write_overhead(
    out: str | Path,
    problems: Sequence[str],
    optimizers: Sequence[str],
    tracks: Sequence[str],
    seeds: int,
    command: str = "",
) -> dict[str, Any]:
    """Measure (:func:`measure_overhead`), write ``out/overhead.csv`` and ``out/overhead.md``
    (printed too); returns the run's metadata (machine, versions, load, wall time)."""
    import time

    load0, t0 = _load1(), time.perf_counter()
    peers = [o for o in optimizers if OPTIMIZERS[o].package]
    rows = measure_overhead(problems, optimizers, tracks, seeds, progress=True)
    meta = {
        "seeds": seeds,
        "command": command,
        "machine": machine_info(),
        "versions": package_versions(["asng-opt", *(str(OPTIMIZERS[o].package) for o in peers)]),
        "load_average": [load0, _load1()],
        "wall_s": round(time.perf_counter() - t0, 1),
    }
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    write_csv(path / "overhead.csv", rows, COLUMNS)
    md = overhead_markdown(rows, optimizers, meta)
    (path / "overhead.md").write_text(md)
    print(md)
    return meta
