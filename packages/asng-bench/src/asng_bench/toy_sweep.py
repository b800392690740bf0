"""The grids of figures 1 and 3 and their execution with the batched runner.

* figure 1: ASNG (alpha = 1.5), SNG and Adam, delta0 (Adam's learning rate) in
  ``{120^-f : f = 0, 0.25, ..., 1.5}``, eps_x in ``{0.05, 0.0005}``;
* figure 3: ASNG with alpha in ``{1.1, 1.5, 2, 3, 5}`` on the same grid.

Run ``r`` of every setting uses seed ``seed + r`` (common random numbers: the same x0 and the same
random streams across settings), so figure 3's alpha = 1.5 runs are figure 1's ASNG runs; when
both figures are requested together they are computed once.

The runs of one algorithm share batches: all its settings and runs advance together, split into
``jobs`` interleaved shards that run in separate processes.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from .machine import machine_info
from .toy_problem import T_MAX
from .toy_runner import Setting, run_batched, run_single

__all__ = [
    "N_C",
    "F_EXPONENTS",
    "EPS_X",
    "ALPHAS",
    "delta0_grid",
    "figure_settings",
    "run_settings",
    "runs_table",
    "sweep",
    "one_setting",
    "RUN_COLUMNS",
]

N_C = 120  #: (K - 1) D, the base of the delta0 grid
F_EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)
EPS_X = (0.05, 0.0005)
ALPHAS = (1.1, 1.5, 2.0, 3.0, 5.0)
MIN_BATCH = 300  #: smaller groups of runs are merged so that batches amortise numpy's per-call cost
RUN_COLUMNS = ["alg", "eps_x", "delta0", "alpha", "run", "seed", "success", "iterations"]


def delta0_grid() -> list[float]:
    """``120^-f`` for ``f = 0, 0.25, ..., 1.5`` (7 values, 1 down to 7.6e-4)."""
    return [float(N_C**-f) for f in F_EXPONENTS]


def figure_settings(figure: int) -> list[Setting]:
    """The settings of figure 1 (42) or figure 3 (70)."""
    out = []
    for eps in EPS_X:
        for d0 in delta0_grid():
            if figure == 1:
                out += [Setting("asng", eps, d0, 1.5), Setting("sng", eps, d0), Setting("adam", eps, d0)]
            elif figure == 3:
                out += [Setting("asng", eps, d0, a) for a in ALPHAS]
            else:
                raise ValueError(f"figure must be 1 or 3, got {figure!r}")
    return out


class _LocalQueue:
    """In-process stand-in for the progress queue: forwards ``put`` to a callback."""

    def __init__(self, callback: Callable[[int, int], None]) -> None:
        self.callback = callback

    def put(self, item: tuple[int, int]) -> None:
        self.callback(*item)


def _task_key(alg: str, settings: Sequence[Setting], seeds: Sequence[int], t_max: int) -> str:
    """Content hash of a task (results do not depend on ``chunk`` or on the batch they run in)."""
    blob = json.dumps([alg, [list(s.key) for s in settings], [int(x) for x in seeds], int(t_max)])
    return hashlib.sha1(blob.encode()).hexdigest()[:20]


def _task(args: tuple[Any, ...]) -> tuple[int, dict[str, np.ndarray]]:
    """Worker: one batch of runs of one algorithm; reports progress through ``queue``.

    With a ``cache`` folder the result is saved there (``<task hash>.npz``) and reused by a rerun.
    """
    alg, settings, seeds, t_max, chunk, cache, queue, task_id = args
    n = len(settings)
    path = Path(cache) / f"{_task_key(alg, settings, seeds, t_max)}.npz" if cache else None
    if path is not None and path.exists():
        with np.load(path) as f:
            out = {"success": f["success"], "iterations": f["iterations"]}
        queue.put((task_id, n))
        return task_id, out

    def progress(t: int, active: int) -> None:
        queue.put((task_id, n - active))

    res = run_batched(
        alg,
        np.array([s.eps_x for s in settings]),
        np.array([s.delta0 for s in settings]),
        seeds,
        alpha=np.array([s.alpha if s.alg == "asng" else 1.5 for s in settings]),
        t_max=t_max,
        chunk=chunk,
        progress=progress,
    )
    out = {"success": res.success, "iterations": res.iterations}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.npz")
        np.savez(tmp, **out)
        tmp.replace(path)
    return task_id, out


def run_settings(
    settings: Sequence[Setting],
    runs: int,
    seed: int = 0,
    t_max: int = T_MAX,
    jobs: int = 1,
    chunk: int = 32,
    progress: Optional[Callable[[int, int], None]] = None,
    cache: Optional[str | Path] = None,
) -> list[dict[str, Any]]:
    """Run ``runs`` runs of every setting; returns one dict per run with :data:`RUN_COLUMNS`.

    The runs are grouped into batches by (algorithm, eps_x, alpha), in the order in which the
    groups first appear in ``settings``; each batch holds that group's delta0 values x ``runs``
    (groups of fewer than :data:`MIN_BATCH` runs are merged into one batch per algorithm).
    ``jobs`` worker processes take the batches in turn. ``progress(finished_runs, total_runs)``
    is called as runs finish. ``cache``: folder where finished batches are kept, so that an
    interrupted sweep resumes where it stopped.
    """
    settings = list({s.key: s for s in settings}.values())  # unique, in order
    jobs = max(1, int(jobs))
    groups: dict[tuple, list[Setting]] = {}
    for s in settings:
        groups.setdefault((s.alg, s.eps_x, s.key[3]), []).append(s)
    merged: dict[tuple, list[Setting]] = {}  # small groups (few runs) share one batch per algorithm
    for key, group in groups.items():
        merged.setdefault(key if len(group) * runs >= MIN_BATCH else (key[0],), []).extend(group)
    groups = merged
    tasks = []
    members = []  # per task: list of (setting, run index)
    for group in groups.values():
        part = [(s, r) for s in group for r in range(runs)]
        members.append(part)
        tasks.append((group[0].alg, [p[0] for p in part], [seed + p[1] for p in part], t_max, chunk, cache))
    total = sum(len(m) for m in members)
    done_per_task = [0] * len(tasks)

    def report(task_id: int, finished: int) -> None:
        done_per_task[task_id] = finished
        if progress is not None:
            progress(sum(done_per_task), total)

    results: dict[int, dict[str, np.ndarray]] = {}
    if jobs == 1 or len(tasks) == 1:
        local = _LocalQueue(report)
        for i, task in enumerate(tasks):
            task_id, res = _task(task + (local, i))
            results[task_id] = res
    else:
        ctx = mp.get_context("spawn")
        with ctx.Manager() as manager:
            queue = manager.Queue()
            with ctx.Pool(min(jobs, len(tasks))) as pool:
                pending = pool.map_async(_task, [t + (queue, i) for i, t in enumerate(tasks)], chunksize=1)
                while not pending.ready() or not queue.empty():
                    try:
                        report(*queue.get(timeout=0.5))
                    except Exception:  # queue.Empty from the manager proxy
                        pass
                for task_id, res in pending.get():
                    results[task_id] = res
    rows = []
    for i, part in enumerate(members):
        res = results[i]
        for k, (s, r) in enumerate(part):
            rows.append(
                {
                    "alg": s.alg,
                    "eps_x": s.eps_x,
                    "delta0": s.delta0,
                    "alpha": s.alpha,
                    "run": r,
                    "seed": seed + r,
                    "success": bool(res["success"][k]),
                    "iterations": int(res["iterations"][k]),
                }
            )
    return rows


def runs_table(rows: Iterable[dict[str, Any]]) -> Any:
    """Rows -> pandas DataFrame with :data:`RUN_COLUMNS`, sorted by setting and run."""
    import pandas as pd

    df = pd.DataFrame(list(rows), columns=RUN_COLUMNS)
    order = {"asng": 0, "sng": 1, "adam": 2}
    df = df.assign(_o=df["alg"].map(order)).sort_values(
        ["_o", "eps_x", "alpha", "delta0", "run"], ascending=[True, False, True, False, True]
    )
    return df.drop(columns="_o").reset_index(drop=True)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the worker processes)."""
    try:
        import resource
    except ImportError:  # not on Unix
        return time.process_time()
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _load() -> Optional[list[float]]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


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
    load_before = _load()
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    rows = run_settings(
        all_settings, runs, seed=seed, t_max=t_max, jobs=jobs, chunk=chunk, progress=progress, cache=cache
    )
    wall = time.perf_counter() - t0
    cpu = _cpu_seconds() - cpu0
    load_after = _load()
    by_setting: dict[tuple, list[dict[str, Any]]] = {}
    for row in rows:
        key = Setting(row["alg"], row["eps_x"], row["delta0"], row["alpha"]).key
        by_setting.setdefault(key, []).append(row)
    for f in figures:
        table = runs_table(r for s in per_fig[f] for r in by_setting[s.key])
        table.to_csv(out / f"runs_fig{f}.csv", index=False)
    meta = {
        "figures": figures,
        "runs_per_setting": runs,
        "settings": len(set(all_settings)),
        "runs": len(rows),
        "run_iterations": int(sum(r["iterations"] for r in rows)),
        "t_max": t_max,
        "seed": seed,
        "jobs": jobs,
        "chunk": chunk,
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu, 1),
        "batches_reused_from_interrupted_run": reused,
        "run_iterations_per_second": round(sum(r["iterations"] for r in rows) / wall, 1),
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "command": command,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - wall)),
        "machine": machine_info(),
    }
    name = "sweep_fig" + "_".join(str(f) for f in figures) + ".json"
    (out / name).write_text(json.dumps(meta, indent=2) + "\n")
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

    ``single`` drives every run through the asng-opt classes (:func:`run_single`), one after the
    other; otherwise they share a batch. Both give the same result for the same seeds.
    """
    t0 = time.perf_counter()
    if single:
        rows = []
        for r in range(runs):
            res = run_single(setting, seed + r, t_max=t_max)
            rows.append(
                {
                    "alg": setting.alg,
                    "eps_x": setting.eps_x,
                    "delta0": setting.delta0,
                    "alpha": setting.alpha,
                    "run": r,
                    "seed": seed + r,
                    "success": res.success,
                    "iterations": res.iterations,
                }
            )
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
