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

__all__ = [
    "sp1",
    "sp1_of_hits",
    "ert",
    "bootstrap_ert_ci",
    "bootstrap_median_ci",
    "bootstrap_mean_ci",
    "run_statistics",
    "quantile_inf",
    "median_or_nan",
]


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


def _resamples(n: int, n_resamples: int, level: float, seed: int, where: str) -> np.ndarray:
    """``(n_resamples, n)`` indices of ``n`` runs drawn with replacement (a generator seeded
    ``seed``), after checking ``n_resamples >= 1`` and ``0 < level < 1``."""
    if int(n_resamples) < 1:
        raise ValueError(f"{where}: n_resamples must be >= 1, got {n_resamples}")
    if not 0 < level < 1:
        raise ValueError(f"{where}: level must be in (0, 1), got {level}")
    return np.random.default_rng(seed).integers(0, n, size=(int(n_resamples), n))


def _percentile_bounds(statistics: np.ndarray, level: float) -> tuple[float, float]:
    """The ``(1 - level) / 2`` and ``(1 + level) / 2`` order statistics of the resampled
    ``statistics`` (no interpolation, so that infinite values give infinite bounds, never NaN)."""
    s = np.sort(statistics)
    lo = int(math.floor((1 - level) / 2 * (s.size - 1)))
    hi = int(math.ceil((1 + level) / 2 * (s.size - 1)))
    return float(s[lo]), float(s[hi])


def bootstrap_ert_ci(
    evals: Sequence[Optional[float]],
    used: Sequence[float],
    n_resamples: int = 2000,
    level: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of :func:`ert` (Efron & Tibshirani 1993, ch. 13).

    The runs are resampled with replacement ``n_resamples`` times (a generator seeded ``seed``,
    so the interval is reproducible); the bounds are the ``(1 - level) / 2`` and
    ``(1 + level) / 2`` order statistics of the resampled ERTs (no interpolation, so that an
    infinite ERT -- a resample without a success -- gives an infinite bound, never NaN).

    Args:
        evals: ``(N,)`` evaluations to the target per run, None where it was not reached.
        used: ``(N,)`` evaluations each run spent.
        n_resamples: bootstrap resamples, >= 1.
        level: the confidence level, in (0, 1).
        seed: the resampling generator's seed.

    Returns:
        ``(low, high)`` in evaluations; ``(inf, inf)`` without a success, ``(nan, nan)`` without runs.

    Raises:
        ValueError: if ``evals`` and ``used`` differ in length, ``n_resamples < 1`` or ``level``
            is outside (0, 1).
    """
    if len(evals) != len(used):
        raise ValueError("bootstrap_ert_ci: evals and used must have the same length")
    n = len(evals)
    idx = _resamples(max(n, 1), n_resamples, level, seed, "bootstrap_ert_ci")
    if n == 0:
        return math.nan, math.nan
    success = np.array([e is not None for e in evals], dtype=float)
    if not success.any():
        return math.inf, math.inf
    spent = np.array([e if e is not None else u for e, u in zip(evals, used)], dtype=float)
    succ = success[idx].sum(axis=1)
    with np.errstate(divide="ignore"):
        erts = np.where(succ > 0, spent[idx].sum(axis=1) / np.maximum(succ, 1), np.inf)
    return _percentile_bounds(erts, level)


def bootstrap_median_ci(
    values: Sequence[float], n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the median, drawn as :func:`bootstrap_ert_ci`
    draws the ERT's (the runs resampled with replacement, the same order statistics).

    Args:
        values: ``(N,)`` one value per run (e.g. the best gap f - f_opt at the budget).
        n_resamples: bootstrap resamples, >= 1.
        level: the confidence level, in (0, 1).
        seed: the resampling generator's seed.

    Returns:
        ``(low, high)`` in the unit of ``values``; ``(nan, nan)`` without values; ``(v, v)`` when
        every value is ``v``.

    Raises:
        ValueError: if ``n_resamples < 1`` or ``level`` is outside (0, 1).
    """
    return _bootstrap_statistic_ci(values, np.median, n_resamples, level, seed, "bootstrap_median_ci")


def bootstrap_mean_ci(
    values: Sequence[float], n_resamples: int = 2000, level: float = 0.95, seed: int = 0
) -> tuple[float, float]:
    """Percentile-bootstrap confidence interval of the mean, drawn as :func:`bootstrap_median_ci`
    draws the median's (e.g. of paired per-seed differences: the interval of a mean difference).

    Args:
        values: ``(N,)`` finite values, one per run or pair.
        n_resamples: bootstrap resamples, >= 1.
        level: the confidence level, in (0, 1).
        seed: the resampling generator's seed.

    Returns:
        ``(low, high)`` in the unit of ``values``; ``(nan, nan)`` without values.

    Raises:
        ValueError: if ``n_resamples < 1``, ``level`` is outside (0, 1) or a value is not finite.
    """
    v = np.asarray(values, dtype=float)
    if not np.all(np.isfinite(v)):
        raise ValueError(f"bootstrap_mean_ci: every value must be finite, got {v}")
    return _bootstrap_statistic_ci(v, np.mean, n_resamples, level, seed, "bootstrap_mean_ci")


def _bootstrap_statistic_ci(
    values: Sequence[float] | np.ndarray, statistic: Any, n_resamples: int, level: float, seed: int, where: str
) -> tuple[float, float]:
    """The percentile-bootstrap interval of ``statistic`` (a numpy reduction taking ``axis=1``)
    over the resampled runs of ``values``; ``(nan, nan)`` without values (the arguments checked
    first, naming ``where``)."""
    v = np.asarray(values, dtype=float)
    idx = _resamples(max(v.size, 1), n_resamples, level, seed, where)
    if v.size == 0:
        return math.nan, math.nan
    return _percentile_bounds(statistic(v[idx], axis=1), level)


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
