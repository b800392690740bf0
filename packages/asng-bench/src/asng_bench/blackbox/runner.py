"""Runner of the black-box comparison (issue 6): every (track, problem, optimizer, seed) run, in
worker processes, resumable; writes the CSVs and meta.json and then the report (:mod:`.report`).

The parts: one run and the list of runs (:mod:`.runs`), running them (:mod:`.execute`), the
file a stopped study resumes from (:mod:`.partial`), the peers' runs taken from previous studies
with ``reuse`` (:mod:`.reuse_peers`, :mod:`.reuse`), meta.json (:mod:`.meta`).

Outputs in ``out``: ``runs.csv`` (one row per run), ``hits.csv`` (one row per run and target),
``traces.csv.gz`` (:mod:`.traces`), ``meta.json`` (command, wall time, versions, machine, what
was reused: :mod:`.meta`), then the report's ``summary.csv``, ``blackbox.md``, the ECDF figures,
the ablation figure ``ablation.png`` and the IOHanalyzer export ``ioh/`` (:mod:`.report`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ..report_io import load_average, write_csv, write_json
from .execute import execute
from .meta import study_meta
from .partial import PARTIAL, read_partial
from .registry import OPTIMIZERS, SHORT_BUDGET, available, default_problems, main_budgets
from .report import report
from .reuse_peers import reuse_peers
from .runs import HIT_COLUMNS, RUN_COLUMNS, plan, run_one, run_task
from .traces import TRACES, Trace, TraceKey, write_traces

__all__ = ["run_one", "plan", "run_study", "RUN_COLUMNS", "HIT_COLUMNS"]

_task = run_task  #: the former name (tests run one task with it)


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
    keeps the runs of a stopped study (``out/partial.jsonl``, :mod:`.partial`); ``reuse`` are previous studies'
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
    partial = out / PARTIAL  # one line per finished run, so that a stopped study can resume
    done, wall_before = read_partial(partial, resume)
    reused, reuse_record = reuse_peers(reuse or [], [t for t in tasks if t not in done], jobs)
    load_at_start = load_average()
    t0 = time.perf_counter()
    results = [done[t] for t in tasks if t in done]
    taken = [reused[t] for t in tasks if t in reused and t not in done]
    todo = [t for t in tasks if t not in done and t not in reused]
    results += taken + execute(
        todo, jobs, partial, progress, kept=len(results), reused=len(taken), wall_before=wall_before or 0.0, started=t0
    )
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
    meta = study_meta(
        command=command,
        wall_s=wall,
        wall_s_total=wall_before + wall if done and wall_before is not None else None,
        resumed_runs=len(done),
        run_here=len(todo),
        reused=reuse_record,
        jobs=jobs,
        seeds=seeds,
        seeds_by_problem=seeds_by_problem,
        problems=names,
        budgets=budgets,
        short_budget=short_budget,
        optimizers=opts,
        wanted=wanted,
        load_at_start=load_at_start,
    )
    write_json(out / "meta.json", meta)
    report(out)
    return meta
