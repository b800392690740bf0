"""The toy study's outputs: the sweep over the grids of figures 1 and 3 (runs_fig{N}.csv and the
sweep's JSON) and the runs of one setting (runs.csv).

Run ``r`` of every setting uses seed ``seed + r`` (common random numbers: the same x0 and the same
random streams across settings), so figure 3's alpha = 1.5 runs are figure 1's ASNG runs; when
both figures are requested together they are computed once.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional

from ..report_io import cpu_seconds, load_average, machine_info, write_json
from .batches import run_settings
from .grids import figure_settings
from .problem import T_MAX
from .runner import run_single
from .settings import Setting
from .tables import run_row, runs_table

__all__ = ["sweep", "one_setting"]


def sweep(
    figures: Sequence[int],
    runs: int,
    out: str | Path,
    seed: int = 0,
    t_max: int = T_MAX,
    jobs: int = 1,
    chunk: int = 32,
    progress: Optional[Callable[[int, int], None]] = None,
    command: str = "",
) -> dict[str, Any]:
    """Run the grids of ``figures`` and write ``out/runs_fig{N}.csv`` and ``out/sweep_fig{...}.json``.

    Finished batches are kept in ``out/.parts`` until the sweep completes, so rerunning an
    interrupted sweep resumes it (the JSON then says how many batches were reused).

    Returns the metadata written to the JSON file (wall time, machine, load, counts).
    """
    figures = sorted(set(int(f) for f in figures))
    per_fig = {f: figure_settings(f) for f in figures}
    all_settings = [s for f in figures for s in per_fig[f]]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / ".parts"
    reused = len(list(cache.glob("*.npz"))) if cache.exists() else 0
    load_before = load_average()
    cpu0 = cpu_seconds()
    t0 = time.perf_counter()
    rows = run_settings(
        all_settings, runs, seed=seed, t_max=t_max, jobs=jobs, chunk=chunk, progress=progress, cache=cache
    )
    wall = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    load_after = load_average()
    by_setting: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        key = Setting(row["alg"], row["eps_x"], row["delta0"], row["alpha"]).key
        by_setting.setdefault(key, []).append(row)
    for f in figures:
        table = runs_table(r for s in per_fig[f] for r in by_setting[s.key])
        table.to_csv(out / f"runs_fig{f}.csv", index=False)
    run_iterations = int(sum(r["iterations"] for r in rows))
    meta = {
        "figures": figures,
        "runs_per_setting": runs,
        "settings": len(set(all_settings)),
        "runs": len(rows),
        "run_iterations": run_iterations,
        "t_max": t_max,
        "seed": seed,
        "jobs": jobs,
        "chunk": chunk,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "batches_reused_from_interrupted_run": reused,
        "run_iterations_per_second": round(run_iterations / wall, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "command": command,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - wall)),
        "machine": machine_info(),
    }
    write_json(out / ("sweep_fig" + "_".join(str(f) for f in figures) + ".json"), meta)
    shutil.rmtree(cache, ignore_errors=True)  # complete: a rerun starts from scratch
    return meta


def one_setting(
    setting: Setting,
    runs: int,
    out: str | Path,
    seed: int = 0,
    t_max: int = T_MAX,
    single: bool = False,
    progress: Optional[Callable[[int, int], None]] = None,
) -> tuple[Any, float]:
    """Runs of one setting -> ``out/runs.csv``; returns ``(runs DataFrame, wall seconds)``.

    ``single`` drives every run through the asng-opt classes (:func:`.runner.run_single`), one
    after the other; otherwise they share a batch. Both give the same result for the same seeds.
    """
    t0 = time.perf_counter()
    if single:
        rows = []
        for r in range(runs):
            res = run_single(setting, seed + r, t_max=t_max)
            rows.append(run_row(setting, r, seed + r, res.success, res.iterations))
            if progress is not None:
                progress(r + 1, runs)
    else:
        rows = run_settings([setting], runs, seed=seed, t_max=t_max, progress=progress)
    wall = time.perf_counter() - t0
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    table = runs_table(rows)
    table.to_csv(out / "runs.csv", index=False)
    return table, wall
