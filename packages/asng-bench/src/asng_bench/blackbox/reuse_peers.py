"""Taking the peers' runs of previous studies into a black-box study (``--reuse``): what
:func:`.reuse.reusable_runs` finds in each folder, each (optimizer, problem) spot-checked by
running one of its runs again (:func:`spot_check`), and the record of it all for meta.json."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Optional

from .registry import OPTIMIZERS
from .reuse import Result, Task, rerun_key, reusable_runs
from .runs import run_task

__all__ = ["reuse_peers", "same_run", "spot_check"]


def same_run(a: Result, b: Result) -> bool:
    """The same evaluations to every target, evaluations used and best gap (1e-9)."""
    ea = [h["evals"] for h in sorted(a[1], key=lambda h: h["target_index"])]
    eb = [h["evals"] for h in sorted(b[1], key=lambda h: h["target_index"])]
    ga, gb = float(a[0]["best_gap"]), float(b[0]["best_gap"])
    return ea == eb and int(a[0]["n_evals"]) == int(b[0]["n_evals"]) and abs(ga - gb) <= 1e-9


def spot_check(reused: dict[Task, Result], jobs: int, origin: Optional[dict[Task, int]] = None) -> dict[str, str]:
    """Run one reused run again per (optimizer, problem) and source folder (``origin``: the task's
    source index; all one source without it) -- the main track's lowest seed if there is one -- and
    drop every reused run of the pair if a check differs (a dependency that the recorded versions
    do not show, for example). The fresh runs replace the checked ones (they have traces). Returns
    ``{"opt on problem": "identical" | "differs: ..."}``."""
    first: dict[tuple[str, str, int], Task] = {}
    for t in sorted(reused, key=lambda t: (t[0] != "main", t[4])):
        first.setdefault((t[2], t[1], (origin or {}).get(t, 0)), t)
    checks = list(first.values())
    if jobs > 1 and len(checks) > 1:
        with ProcessPoolExecutor(jobs) as pool:
            fresh = list(pool.map(run_task, checks))
    else:
        fresh = [run_task(t) for t in checks]
    out: dict[str, str] = {}
    for t, new in zip(checks, fresh):
        pair = f"{t[2]} on {t[1]}"
        if pair in out and out[pair] != "identical":
            continue  # another source's check of the pair differed: its runs are gone
        if same_run(reused[t], new):
            out[pair] = "identical"
            reused[t] = new
        else:
            old = [h["evals"] for h in reused[t][1]]
            out[pair] = f"differs ({t[0]} track, seed {t[4]}: evaluations to the targets {old} before, "
            out[pair] += f"{[h['evals'] for h in new[1]]} now): run again"
            for u in [u for u in reused if (u[2], u[1]) == (t[2], t[1])]:
                del reused[u]
    return out


def reuse_peers(
    sources: Sequence[str | Path], tasks: Sequence[Task], jobs: int = 1, check: bool = True
) -> tuple[dict[Task, Result], Optional[dict]]:
    """The peers' runs taken from ``sources`` (the first that has a task's run wins), each
    (optimizer, problem) spot-checked by :func:`spot_check` when ``check``, and the record for
    meta.json: per source what it gave, the spot checks, and why the peers' runs left were run
    again."""
    if not sources:
        return {}, None
    reused: dict[Task, Result] = {}
    records: list[dict[str, Any]] = []
    why: dict[str, list[str]] = {}
    origin: dict[Task, int] = {}
    for i, src in enumerate(sources):
        got, rec = reusable_runs(src, [t for t in tasks if t not in reused])
        reused.update(got)
        origin.update({t: i for t in got})
        records.append({k: v for k, v in rec.items() if k != "rerun"})
        for pair, reason in rec["rerun"].items():
            why.setdefault(pair, []).append(f"{src}: {reason}")
    checks = spot_check(reused, jobs, origin) if check else {}
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
    partly = {(t[2], t[1]) for t in reused}  # pairs with some run reused: the rest named by track
    left = {
        rerun_key(t[2], t[1], t[0], (t[2], t[1]) in partly)
        for t in tasks
        if OPTIMIZERS[t[2]].reusable and t not in reused
    }
    record = {
        "sources": records,
        "spot_checks": checks,
        "runs": len(reused),
        "rerun": {pair: "; ".join(why.get(pair, [])) for pair in sorted(left)},
    }
    return reused, record
