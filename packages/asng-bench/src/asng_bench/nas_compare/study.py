"""The study as a whole: every (strategy, seed) not yet saved (in ``jobs`` processes, longest
first), then the report. A rerun continues where the last one stopped."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Optional

from ..report_io import cpu_seconds, load_average, machine_info, read_json, write_json
from .config import STRATEGIES, StudyConfig
from .data import StudyData, load_study_data
from .report import report
from .runs import read_run, run_one, run_path, save_run

__all__ = ["run_study", "OUTPUTS"]

#: what the study writes into its folder
OUTPUTS = ("runs/*.json", "runs.csv", "meta.json", "nas_compare.md", "nas_compare.png")

_DATA: dict[str, StudyData] = {}
_COST = {"darts": 0, "asng": 1, "asng-d0.1": 2, "random-ws": 3}  # longest first


def _init(name: str, data_dir: Optional[str], pool: int) -> None:
    import torch

    torch.set_num_threads(1)
    _DATA["data"] = load_study_data(name, data_dir, pool)


def _task(task: tuple[str, int, StudyConfig, str]) -> str:
    strategy, seed, cfg, out = task
    rec = run_one(strategy, seed, _DATA["data"], cfg)
    save_run(out, rec)
    return f"{strategy} seed {seed}: test error {rec['test_error']:.4f}, search {rec['search_cpu_s']} CPU s"


def pending(
    out: str | Path, strategies: Sequence[str], seeds: Sequence[int], cfg: StudyConfig
) -> list[tuple[str, int]]:
    """The (strategy, seed) pairs without a saved run.

    Raises:
        ValueError: a saved run of another configuration (naming its file)."""
    todo = []
    for s in strategies:
        for seed in seeds:
            path = run_path(out, s, seed)
            if path.exists():
                if read_run(path)["config"] != cfg.as_dict():
                    raise ValueError(f"{path} was run with another configuration; pass --overwrite to start over")
            else:
                todo.append((s, seed))
    return sorted(todo, key=lambda t: (_COST.get(t[0], 9), t[1]))


def run_study(
    out: str | Path,
    cfg: StudyConfig,
    seeds: Sequence[int],
    strategies: Sequence[str] | None = None,
    data_dir: str | None = None,
    jobs: int = 1,
    command: str = "asng_bench.nas_compare.study.run_study",
) -> dict[str, Any]:
    """Run what is missing, then write ``runs.csv``, ``meta.json``, ``nas_compare.md`` and
    ``nas_compare.png`` from every saved run; returns meta.json's data.

    Raises:
        ValueError: an unknown strategy, no seeds, a saved run of another configuration.
    """
    names = list(strategies or STRATEGIES)
    unknown = [n for n in names if n not in STRATEGIES]
    if unknown or not seeds:
        raise ValueError(f"run_study: unknown strategies {unknown} or no seeds")
    out = Path(out)
    todo = pending(out, names, seeds, cfg)
    out.mkdir(parents=True, exist_ok=True)
    load = load_average()
    t0, c0 = time.perf_counter(), cpu_seconds()
    tasks = [(s, seed, cfg, str(out)) for s, seed in todo]
    if tasks:
        if jobs > 1:
            with ProcessPoolExecutor(jobs, initializer=_init, initargs=(cfg.dataset, data_dir, cfg.pool)) as ex:
                for line in ex.map(_task, tasks):
                    print(f"[nas-compare] {line}", flush=True)
        else:
            _init(cfg.dataset, data_dir, cfg.pool)
            for task in tasks:
                print(f"[nas-compare] {_task(task)}", flush=True)
    meta_path = out / "meta.json"
    previous = read_json(meta_path) if meta_path.exists() else {}
    sittings = list(previous.get("sittings", []))
    sittings.append(
        {
            "command": command,
            "runs": len(tasks),
            "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(cpu_seconds() - c0, 1),
            "load_average_before": load,
            "load_average_after": load_average(),
        }
    )
    meta = {
        "config": cfg.as_dict(),
        "strategies": names,
        "seeds": list(seeds),
        "data_dir": data_dir,
        "machine": machine_info(),
        "sittings": sittings,
        "total_cpu_s": round(sum(s["cpu_s"] for s in sittings), 1),
    }
    write_json(meta_path, meta)
    report(out, meta)
    return meta
