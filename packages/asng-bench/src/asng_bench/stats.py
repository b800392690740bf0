"""Performance measures over runs, shared by the studies: SP1, ERT, success rate, quantiles.

SP1 (Auger & Hansen 2005; the paper's measure, section 3.1) = mean iterations (evaluations) of
the successful runs / success rate; ``inf`` when no run succeeded, ``nan`` without runs.
ERT (expected running time, Hansen et al., COCO) = the evaluations spent by all runs until they
reached the target (successful runs) or stopped (unsuccessful ones, their whole budget), divided
by the number of successful runs; ``inf`` without a success. Both agree when every run succeeds.

The quartiles of :func:`run_statistics` are taken over *all* runs with a failed run counted as
``inf`` iterations (so a quartile is ``inf`` when more than that fraction of runs failed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Optional

import numpy as np

__all__ = ["sp1", "sp1_of_hits", "ert", "run_statistics", "quantile_inf", "median_or_nan"]


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


def sp1_of_hits(evals: Sequence[Optional[float]]) -> float:
    """:func:`sp1` of per-run evaluations to a target, ``None`` for a run that did not reach it."""
    success = np.array([e is not None for e in evals], dtype=bool)
    return sp1(success, np.array([math.nan if e is None else e for e in evals], dtype=float))


def ert(evals: Sequence[Optional[float]], used: Sequence[float]) -> float:
    """ERT from per-run evaluations to the target (None: not reached) and evaluations used."""
    if len(evals) != len(used):
        raise ValueError("ert: evals and used must have the same length")
    succ = sum(e is not None for e in evals)
    if succ == 0:
        return math.inf
    return float(sum(e if e is not None else u for e, u in zip(evals, used))) / succ


def quantile_inf(values: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile, but ``inf`` as soon as it touches a failed run
    (interpolating towards ``inf`` would give ``nan``)."""
    v = np.sort(values)
    pos = q * (v.size - 1)
    lo, hi = int(math.floor(pos)), int(math.ceil(pos))
    if np.isinf(v[hi]):
        return math.inf
    return float(v[lo] + (v[hi] - v[lo]) * (pos - lo))


def median_or_nan(values: Sequence[float]) -> float:
    """The median, or ``nan`` for no values."""
    return float(np.median(values)) if len(values) else math.nan


def run_statistics(success: np.ndarray, iterations: np.ndarray) -> dict[str, Any]:
    """Runs, successes, success rate, SP1, and quartiles of the iterations (failures = ``inf``)."""
    s = np.asarray(success, dtype=bool)
    it = np.where(s, np.asarray(iterations, dtype=float), np.inf)
    q1, med, q3 = (quantile_inf(it, q) for q in (0.25, 0.5, 0.75)) if s.size else (math.nan,) * 3
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
