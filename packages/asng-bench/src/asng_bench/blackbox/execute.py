"""Running a black-box study's runs: in worker processes or in this one, each finished run
appended to the study's ``partial.jsonl`` as it comes (:mod:`.partial`), with progress lines."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Optional

from .partial import append_partial
from .reuse import Result, Task
from .runs import run_task

__all__ = ["execute"]


def execute(
    todo: Sequence[Task],
    jobs: int,
    partial: Path,
    progress: bool,
    kept: int = 0,
    reused: int = 0,
    wall_before: float = 0.0,
    started: Optional[float] = None,
) -> list[Result]:
    """Run the tasks (in ``jobs`` processes), appending each result to ``partial`` as it comes
    (:func:`.partial.append_partial`), with the study's wall time so far: ``wall_before`` (s, the
    earlier passes of a resumed study) plus the time since ``started`` (``time.perf_counter()``
    at this pass's start; default: now).

    With ``progress``, a line every 50 runs and one at the last, counting the ``kept`` runs of a
    resumed study and the ``reused`` runs of earlier studies too, so the count ends at the total
    it announces."""
    t0 = time.perf_counter()
    start = t0 if started is None else started
    results: list[Result] = []
    total = kept + reused + len(todo)
    if progress and kept:
        print(f"[blackbox] resuming: {kept}/{total} runs kept from {partial.name}", flush=True)
    if progress and reused:
        print(f"[blackbox] reusing: {reused} peers' runs taken from earlier studies ({total} runs in all)", flush=True)

    def record(i: int, res: Result) -> None:
        results.append(res)
        append_partial(partial, res, wall_before + time.perf_counter() - start)
        done = kept + reused + i + 1
        row = res[0]
        if progress and row.get("error"):
            print(
                f"[blackbox] {row['optimizer']} on {row['problem']} ({row['track']} track, seed {row['seed']}) "
                f"ended at an exception of the optimizer: {row['error']}",
                flush=True,
            )
        if progress and (done % 50 == 0 or done == total):
            print(f"[blackbox] {done}/{total} runs, {time.perf_counter() - t0:.0f} s", flush=True)

    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            futures = [pool.submit(run_task, t) for t in todo]
            for i, fut in enumerate(as_completed(futures)):
                record(i, fut.result())
    else:
        for i, t in enumerate(todo):
            record(i, run_task(t))
    return results
