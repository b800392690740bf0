"""One (strategy, seed): search on a fresh supernet, retrain the found architecture, and the record
saved as ``runs/<strategy>-seed<seed>.json`` (what makes the study resumable)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import torch

from .config import StudyConfig
from .data import StudyData
from .retrain import retrain
from .space import ENASCellNet, count_parameters
from .strategies import search

__all__ = ["run_one", "run_path", "read_run", "RUN_COLUMNS"]

RUN_COLUMNS = (
    "strategy", "seed", "test_error", "params", "search_cpu_s", "search_wall_s", "retrain_cpu_s",
    "iterations", "supernet_params",
)  # fmt: skip


def run_path(folder: str | Path, strategy: str, seed: int) -> Path:
    return Path(folder) / "runs" / f"{strategy}-seed{seed}.json"


def read_run(path: str | Path) -> dict[str, Any]:
    """A saved run record. Raises ``ValueError`` naming the file when it is not one."""
    try:
        rec = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ValueError(f"{path}: not a readable run record ({e})") from None
    if not isinstance(rec, dict) or not all(k in rec for k in RUN_COLUMNS + ("config",)):
        raise ValueError(f"{path}: not a nas-compare run record (missing fields)")
    return rec


def run_one(strategy: str, seed: int, data: StudyData, cfg: StudyConfig) -> dict[str, Any]:
    """Search with ``strategy`` from the supernet initialised by ``seed`` (the same start for every
    strategy), retrain, and return the record (CPU seconds of this process, ``time.process_time``)."""
    torch.manual_seed(seed)
    model = ENASCellNet(cfg.n_cells, cfg.channels, data.n_classes, data.in_channels, cfg.n_nodes)
    supernet_params = count_parameters(model)
    c0, t0 = time.process_time(), time.perf_counter()
    choices, history = search(strategy, model, data, cfg, seed)
    c1, t1 = time.process_time(), time.perf_counter()
    result = retrain(choices, data, cfg, seed)
    c2 = time.process_time()
    return {
        "strategy": strategy,
        "seed": seed,
        "test_error": result["test_error"],
        "params": result["params"],
        "search_cpu_s": round(c1 - c0, 2),
        "search_wall_s": round(t1 - t0, 2),
        "retrain_cpu_s": round(c2 - c1, 2),
        "iterations": cfg.iterations,
        "supernet_params": supernet_params,
        "choices": {k: (list(v) if isinstance(v, tuple) else v) for k, v in choices.items()},
        "history": history,
        "config": cfg.as_dict(),
    }


def save_run(folder: str | Path, rec: dict[str, Any]) -> Path:
    """Write ``rec`` atomically to its :func:`run_path`."""
    path = run_path(folder, rec["strategy"], rec["seed"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    tmp.write_text(json.dumps(rec, indent=1) + "\n")
    os.replace(tmp, path)
    return path
