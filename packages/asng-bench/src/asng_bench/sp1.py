"""Performance statistics of the toy study: SP1, success rate, median and quartiles.

SP1 (the paper's measure, section 3.1) = mean iterations of the successful runs / success rate;
``inf`` when no run succeeded (the figures leave such a setting out). The median and quartiles are
taken over *all* runs with a failed run counted as ``inf`` iterations (so a quartile is ``inf``
when more than that fraction of runs failed).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["sp1", "run_statistics", "summarize", "format_summary", "GROUP_COLUMNS"]

GROUP_COLUMNS = ["alg", "eps_x", "delta0", "alpha"]


def sp1(success: np.ndarray, iterations: np.ndarray) -> float:
    """``mean(iterations[success]) / mean(success)``; ``inf`` with no success, ``nan`` with no runs.

    Args:
        success: ``(N,)`` bool, one entry per run.
        iterations: ``(N,)`` iterations each run took (only the successful ones are used).
    """
    s = np.asarray(success, dtype=bool)
    it = np.asarray(iterations, dtype=float)
    if s.size == 0:
        return math.nan
    rate = s.mean()
    if rate == 0:
        return math.inf
    return float(it[s].mean() / rate)


def run_statistics(success: np.ndarray, iterations: np.ndarray) -> dict[str, Any]:
    """Runs, successes, success rate, SP1, and quartiles of the iterations (failures = ``inf``)."""
    s = np.asarray(success, dtype=bool)
    it = np.where(s, np.asarray(iterations, dtype=float), np.inf)
    q1, med, q3 = (_quantile_inf(it, q) for q in (0.25, 0.5, 0.75)) if s.size else (math.nan,) * 3
    return {
        "runs": int(s.size),
        "successes": int(s.sum()),
        "success_rate": float(s.mean()) if s.size else math.nan,
        "sp1": sp1(s, it),
        "mean_success_iterations": float(it[s].mean()) if s.any() else math.nan,
        "median": med,
        "q1": q1,
        "q3": q3,
    }


def _quantile_inf(values: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile, but ``inf`` as soon as it touches a failed run
    (interpolating towards ``inf`` would give ``nan``)."""
    v = np.sort(values)
    pos = q * (v.size - 1)
    lo, hi = int(math.floor(pos)), int(math.ceil(pos))
    if np.isinf(v[hi]):
        return math.inf
    return float(v[lo] + (v[hi] - v[lo]) * (pos - lo))


def summarize(runs: Any) -> Any:
    """One row per setting of a runs table (pandas DataFrame with the runs.csv columns).

    Returns a DataFrame with :data:`GROUP_COLUMNS` and the keys of :func:`run_statistics`.
    """
    import pandas as pd

    rows = []
    for key, g in runs.groupby(GROUP_COLUMNS, dropna=False, sort=True):
        rows.append(dict(zip(GROUP_COLUMNS, key)) | run_statistics(g["success"].to_numpy(), g["iterations"].to_numpy()))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS + list(run_statistics(np.ones(1, bool), np.ones(1)).keys()))


def format_summary(stats: dict[str, Any]) -> str:
    """A one-setting summary for the terminal."""

    def num(x: float) -> str:
        return "inf" if math.isinf(x) else ("nan" if math.isnan(x) else f"{x:,.0f}")

    return (
        f"success {stats['successes']}/{stats['runs']} ({stats['success_rate']:.0%}); "
        f"SP1 = {num(stats['sp1'])} iterations; median {num(stats['median'])} "
        f"(quartiles {num(stats['q1'])} - {num(stats['q3'])}; failures count as inf)"
    )
