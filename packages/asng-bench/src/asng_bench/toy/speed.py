"""Speed-up of the batched runner over the single-run mode, measured in one process.

Both modes run the same setting with the same seeds (runs ``0..n_single-1`` in both, so their
results are checked equal on the way); throughput is run-iterations per second of wall time
(the sum of the runs' iteration counts divided by the elapsed time). The batched mode runs
``n_batch`` runs in one batch, as the sweep does.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..report_io import load_average, machine_info, write_json
from .problem import T_MAX, cosine_factors
from .runner import run_batched, run_single
from .settings import Setting

__all__ = ["measure_speedup", "DEFAULT_SETTING"]

DEFAULT_SETTING = Setting("asng", 0.05, 1.0, 1.5)  #: the paper's defaults (delta0 = 1, alpha = 1.5), eps_x = 0.05


def measure_speedup(
    setting: Setting = DEFAULT_SETTING,
    n_single: int = 4,
    n_batch: int = 1000,
    t_max: int = T_MAX,
    out: Optional[str | Path] = None,
) -> dict[str, Any]:
    """Time ``n_single`` runs in single-run mode and ``n_batch`` runs batched; optionally write JSON."""
    load_before = load_average()
    factors = cosine_factors(t_max)
    t0 = time.perf_counter()
    single = [run_single(setting, s, t_max=t_max, factors=factors) for s in range(n_single)]
    t_single = time.perf_counter() - t0
    its_single = sum(r.iterations for r in single)

    t0 = time.perf_counter()
    seeds = np.arange(n_batch)
    batch = run_batched(setting.alg, setting.eps_x, setting.delta0, seeds, alpha=setting.alpha, t_max=t_max)
    t_batch = time.perf_counter() - t0
    its_batch = int(batch.iterations.sum())
    same_iterations = batch.iterations[:n_single].tolist() == [r.iterations for r in single]
    same_success = batch.success[:n_single].tolist() == [r.success for r in single]
    res = {
        "setting": {"alg": setting.alg, "eps_x": setting.eps_x, "delta0": setting.delta0, "alpha": setting.alpha},
        "t_max": t_max,
        "single": {"runs": n_single, "run_iterations": its_single, "seconds": round(t_single, 2)},
        "batched": {"runs": n_batch, "run_iterations": its_batch, "seconds": round(t_batch, 2)},
        "single_iterations_per_second": round(its_single / t_single, 1),
        "batched_run_iterations_per_second": round(its_batch / t_batch, 1),
        "speedup": round((its_batch / t_batch) / (its_single / t_single), 2),
        "first_runs_identical": bool(same_iterations and same_success),
        "loadavg_before": load_before,
        "loadavg_after": load_average(),
        "machine": machine_info(),
    }
    if out is not None:
        path = Path(out)
        path.mkdir(parents=True, exist_ok=True)
        write_json(path / "speedup.json", res)
    return res
