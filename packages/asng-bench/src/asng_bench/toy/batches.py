"""Execution of many settings with the batched runner: grouping runs into batches, worker
processes, progress, and the cache of finished batches that lets an interrupted sweep resume.

The runs of one algorithm share batches, grouped by (algorithm, eps_x, alpha) in the order in
which the groups first appear; groups of fewer than :data:`MIN_BATCH` runs are merged into one
batch per algorithm. Results do not depend on the batch a run is in.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional, Union

import numpy as np

from .problem import T_MAX
from .runner import run_batched
from .settings import Setting
from .tables import run_row

__all__ = ["MIN_BATCH", "run_settings"]

MIN_BATCH = 300  #: smaller groups of runs are merged so that batches amortise numpy's per-call cost

#: a batch: algorithm, settings and seeds (one per run), t_max, chunk, cache folder
_Task = tuple[str, list[Setting], list[int], int, int, Optional[Union[str, Path]]]
_Outcome = dict[str, np.ndarray]


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


def _task(args: tuple[Any, ...]) -> tuple[int, _Outcome]:
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


def _batches(settings: Sequence[Setting], runs: int) -> list[tuple[str, list[tuple[Setting, int]]]]:
    """The algorithm and the members (setting, run index) of each batch; see the module docstring."""
    groups: dict[tuple, list[Setting]] = {}
    for s in settings:
        groups.setdefault((s.alg, s.eps_x, s.key[3]), []).append(s)
    merged: dict[tuple, list[Setting]] = {}  # small groups (few runs) share one batch per algorithm
    for key, group in groups.items():
        merged.setdefault(key if len(group) * runs >= MIN_BATCH else (key[0],), []).extend(group)
    return [(group[0].alg, [(s, r) for s in group for r in range(runs)]) for group in merged.values()]


def _execute(tasks: Sequence[_Task], jobs: int, report: Callable[[int, int], None]) -> dict[int, _Outcome]:
    """Run the tasks here (one job) or in ``jobs`` spawned processes; ``report(task, finished runs)``."""
    results: dict[int, _Outcome] = {}
    if jobs == 1 or len(tasks) == 1:
        local = _LocalQueue(report)
        for i, task in enumerate(tasks):
            task_id, res = _task(task + (local, i))
            results[task_id] = res
        return results
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
    return results


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
    """Run ``runs`` runs of every setting; returns one dict per run with :data:`.tables.RUN_COLUMNS`.

    Run ``r`` of every setting has seed ``seed + r``. ``jobs`` worker processes take the batches in
    turn. ``progress(finished_runs, total_runs)`` is called as runs finish. ``cache``: folder where
    finished batches are kept, so that an interrupted sweep resumes where it stopped.
    """
    unique = list({s.key: s for s in settings}.values())  # in order
    batches = _batches(unique, runs)
    members = [part for _, part in batches]
    tasks: list[_Task] = [
        (alg, [s for s, _ in part], [seed + r for _, r in part], t_max, chunk, cache) for alg, part in batches
    ]
    total = sum(len(m) for m in members)
    done_per_task = [0] * len(tasks)

    def report(task_id: int, finished: int) -> None:
        done_per_task[task_id] = finished
        if progress is not None:
            progress(sum(done_per_task), total)

    results = _execute(tasks, max(1, int(jobs)), report)
    return [
        run_row(s, r, seed + r, bool(results[i]["success"][k]), int(results[i]["iterations"][k]))
        for i, part in enumerate(members)
        for k, (s, r) in enumerate(part)
    ]
