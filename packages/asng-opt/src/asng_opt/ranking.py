"""Ranking-based utility of section 2.4: losses -> weights, invariant to increasing transforms.

Both utilities give a value occupying the ranks ``[lo, hi)`` of its batch (``lo`` values strictly
better, ``hi - lo`` tied with it, itself included) the mean ``(cw[hi] - cw[lo]) / (hi - lo)`` of the
base weights of those ranks (``cw``: their cumulative sums with a leading 0). ``lo`` and ``hi`` come
from one sort of the batch, O(lam log lam) time and O(lam) memory.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from . import _checks

__all__ = ["ranking_utility", "log_rank_weights", "negative_log_rank_weights"]


def _base_weights(lam: int) -> np.ndarray:
    """(lam,) weights by rank, best first: +1 for the best ceil(lam/4), -1 for the worst."""
    mu = math.ceil(lam / 4)
    w = np.zeros(lam)
    w[:mu] = 1.0
    w[lam - mu :] = -1.0
    return w


@functools.lru_cache(maxsize=64)
def _cum_weights(lam: int) -> tuple[np.ndarray, np.ndarray]:
    """The cumulative base weights with a leading 0, ``(lam + 1,)`` each (read-only, computed once
    per lam): ranking_utility's (+-1 by quantile) and log_rank_weights' (normalised log ranks)."""
    quantile = np.concatenate([[0.0], np.cumsum(_base_weights(lam))])
    ranks = np.arange(1, lam + 1)
    base = np.where(ranks <= lam // 2, math.log((lam + 1) / 2) - np.log(ranks), 0.0)
    base /= base.sum()
    log = np.concatenate([[0.0], np.cumsum(base)])
    quantile.flags.writeable = log.flags.writeable = False
    return quantile, log


def quantile_and_log(f: np.ndarray, maximize: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(ranking_utility(f, maximize), log_rank_weights(f, maximize))`` (bit for bit) of a float
    ``(lam,)`` array, lam >= 3, without NaN, from one sort and without the input checks: for arrays
    the library made itself (:class:`~asng_opt.blackbox.BlackBoxASNG`'s checked losses)."""
    if maximize:
        f = -f
    quantile, log = _cum_weights(f.size)
    lo, hi = _rank_spans(f)
    n = hi - lo
    return (quantile[hi] - quantile[lo]) / n + 0.0, (log[hi] - log[lo]) / n


def _rank_spans(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each value of ``f`` (..., lam), along the last axis: ``lo``, how many values are strictly
    smaller, and ``hi = lo + (how many equal it, itself included)``; both ``(..., lam)`` int arrays.

    One sort: a single batch looks each value up in the sorted values (``searchsorted``'s left and
    right insertion points); a stack of batches is sorted row by row, where a run of equal values
    starts at its first position (``lo``) and ends after its last (``hi``), and each value gets its
    run's ``lo`` and ``hi`` back in place.
    """
    if f.ndim == 1:  # one batch: two binary searches in the sorted values
        s = np.sort(f)
        return np.searchsorted(s, f, side="left"), np.searchsorted(s, f, side="right")
    lam = f.shape[-1]
    order = np.argsort(f, axis=-1, kind="stable")
    s = np.take_along_axis(f, order, axis=-1)
    pos = np.broadcast_to(np.arange(lam), s.shape)
    new_run = np.ones(s.shape, dtype=bool)
    new_run[..., 1:] = s[..., 1:] != s[..., :-1]  # == semantics: -0.0 ties with 0.0
    lo_sorted = np.maximum.accumulate(np.where(new_run, pos, 0), axis=-1)
    run_end = np.ones(s.shape, dtype=bool)
    run_end[..., :-1] = new_run[..., 1:]
    hi_rev = np.minimum.accumulate(np.where(run_end, pos + 1, lam)[..., ::-1], axis=-1)
    hi_sorted = hi_rev[..., ::-1]
    lo = np.empty_like(lo_sorted)
    hi = np.empty_like(hi_sorted)
    np.put_along_axis(lo, order, lo_sorted, axis=-1)
    np.put_along_axis(hi, order, hi_sorted, axis=-1)
    return lo, hi


def _checked(losses: np.ndarray, maximize: object, where: str) -> tuple[np.ndarray, bool]:
    """``losses`` as a float array and ``maximize`` as a bool; NaN and non-bool flags refused."""
    flag = _checks.flag("maximize", maximize, where)
    if _has_bools(losses):  # as tell refuses them: a flag is no objective value
        raise ValueError(f"{where}: losses must be real numbers, not bools")
    try:
        raw = np.asarray(losses)
    except (TypeError, ValueError) as e:  # ragged nestings
        raise ValueError(f"{where}: losses must be real numbers ({e})") from None
    if raw.dtype.kind not in "iuf":  # as tell: strings, None, objects (ints beyond float64 too) refused
        raise ValueError(f"{where}: losses must be real numbers, got dtype {raw.dtype}")
    f = raw.astype(float)
    if np.isnan(f).any():
        nan = np.isnan(f)
        bad = np.flatnonzero(nan).tolist() if f.ndim <= 1 else np.argwhere(nan).tolist()
        raise ValueError(f"{where}: losses contain NaN (at {bad[:5]}); NaN has no rank")
    return f, flag


def _has_bools(losses: object) -> bool:
    """A bool array, or a (nested) list / tuple holding a bool."""
    if isinstance(losses, (bool, np.bool_)):
        return True
    if isinstance(losses, np.ndarray):
        return losses.dtype.kind == "b"
    if isinstance(losses, (list, tuple)):
        return any(_has_bools(v) for v in losses)
    return False


def ranking_utility(losses: np.ndarray, maximize: bool = False) -> np.ndarray:
    """Utility weights of the ranking transform of section 2.4.

    Args:
        losses: (..., lam) objective values, lam >= 2; the last axis holds the samples of one
            update and any leading axes are independent batches. Lower is better unless
            ``maximize``. +-inf are ranked (below / above every finite value).
        maximize: rank higher values as better (a bool).

    Returns:
        (..., lam) float weights: +1 for the best ceil(lam/4) samples, -1 for the worst
        ceil(lam/4), 0 otherwise (never a negative zero). Tied values share the mean of the weights of the ranks they
        occupy, so with lam = 2 a tie gives (0, 0) and the step is skipped. The weights sum to 0.

    Raises:
        ValueError: fewer than 2 values on the last axis, a NaN (it has no rank; the message
            gives its index), non-numeric or bool losses, ``maximize`` not a bool.

    Cost: one sort per batch, O(lam log lam) time, O(lam) memory.
    """
    if type(losses) is np.ndarray and losses.shape == (2,) and losses.dtype.kind == "f" and type(maximize) is bool:
        a, b = float(losses[0]), float(losses[1])  # one update of the paper's lam = 2, in plain Python for speed
        if a == a and b == b:  # no NaN (NaN != NaN): the checks below would pass
            if maximize:
                a, b = -a, -b
            w0 = float((b > a) - (b < a))
            return np.array([w0, 0.0 - w0])  # 0.0 - w0: no negative zero on a tie
    f, maximize = _checked(losses, maximize, "ranking_utility")
    if f.ndim == 0 or f.shape[-1] < 2:
        raise ValueError(f"ranking_utility needs at least 2 values on the last axis, got shape {f.shape}")
    if maximize:
        f = -f
    lam = f.shape[-1]
    if lam == 2:  # the paper's case: (+1, -1) for the better / worse, (0, 0) on a tie (inf too)
        wb = (f[..., 1] > f[..., 0]).astype(float) - (f[..., 1] < f[..., 0])
        return np.stack([wb, 0.0 - wb], axis=-1)  # 0.0 - wb: no negative zero on a tie
    cw = _cum_weights(lam)[0]
    lo, hi = _rank_spans(f)
    return (cw[hi] - cw[lo]) / (hi - lo) + 0.0  # + 0.0: no negative zero


def log_rank_weights(losses: np.ndarray, maximize: bool = False) -> np.ndarray:
    """Positive log-rank weights on the better half (the recombination weights of CMA-ES and CatCMA).

    Args:
        losses: ``(lam,)`` objective values, lam >= 2; lower is better unless ``maximize``; +-inf
            are ranked.
        maximize: rank higher values as better (a bool).

    Returns:
        ``(lam,)`` float weights summing to 1: the sample of rank i (1 = best) gets
        ``w_i = ln((lam + 1) / 2) - ln i`` for ``i <= floor(lam / 2)`` and 0 otherwise, then
        normalised (Hansen 2016, "The CMA Evolution Strategy: a tutorial", eq. 49 without the negative
        weights). Tied values share the mean weight of the ranks they occupy.

    Raises:
        ValueError: another shape, a NaN (it has no rank), non-numeric losses, ``maximize`` not a
            bool.

    With positive weights summing to 1, a natural-gradient step of learning rate ``eta <= 1`` on a
    Gaussian in expectation parameters is the convex combination ``(1 - eta) theta + eta sum_i w_i
    T(x_i)``, which keeps ``E[x^2] >= E[x]^2``: the variance cannot be driven below zero (and then
    clamped at sigma_min) as sum-zero weights can. Cost: one sort, O(lam log lam) time, O(lam) memory.
    """
    return _by_rank(losses, maximize, "log_rank_weights", lambda lam: _cum_weights(lam)[1])


def _by_rank(losses: np.ndarray, maximize: object, where: str, cumulative: Any) -> np.ndarray:
    """The weights ``cumulative(lam)`` (``(lam + 1,)``, by rank, with a leading 0) give the checked
    ``(lam,)`` losses, tied values sharing the mean weight of the ranks they occupy."""
    f, flag = _checked(losses, maximize, where)
    if f.ndim != 1 or f.size < 2:
        raise ValueError(f"{where} needs a (lam,) array with lam >= 2, got shape {f.shape}")
    if flag:
        f = -f
    cw = cumulative(f.size)
    lo, hi = _rank_spans(f)
    return (cw[hi] - cw[lo]) / (hi - lo)


@functools.lru_cache(maxsize=64)
def _cum_negative(lam: int) -> np.ndarray:
    """The cumulative negative log-rank weights with a leading 0, ``(lam + 1,)`` (read-only)."""
    ranks = np.arange(1, lam + 1)
    base = np.minimum(math.log((lam + 1) / 2) - np.log(ranks), 0.0)
    total = -base.sum()
    if total > 0:
        base /= total
    out = np.concatenate([[0.0], np.cumsum(base)])
    out.flags.writeable = False
    return out


def negative_log_rank_weights(losses: np.ndarray, maximize: bool = False) -> np.ndarray:
    """The negative recombination weights of active CMA-ES on the worse half.

    Args:
        losses: ``(lam,)`` objective values, lam >= 2; lower is better unless ``maximize``; +-inf
            are ranked.
        maximize: rank higher values as better (a bool).

    Returns:
        ``(lam,)`` float weights summing to -1: the sample of rank i (1 = best) gets
        ``w_i = ln((lam + 1) / 2) - ln i`` where that is negative (``i > (lam + 1) / 2``) and 0
        otherwise, then scaled so that they sum to -1 (Hansen 2016, "The CMA Evolution Strategy: a
        tutorial", eq. 49, before its scaling by alpha_min of eq. 53, which depends on the
        covariance's learning rates). Tied values share the mean weight of the ranks they occupy.

    Raises:
        ValueError: another shape, a NaN (it has no rank), non-numeric losses, ``maximize`` not a
            bool.
    """
    return _by_rank(losses, maximize, "negative_log_rank_weights", _cum_negative) + 0.0  # no negative zero


def negative_log_ranks(f: np.ndarray, maximize: bool) -> np.ndarray:
    """:func:`negative_log_rank_weights` (bit for bit) of a float ``(lam,)`` array, lam >= 2, without
    NaN, without the input checks: for arrays the library made itself (as :func:`quantile_and_log`;
    :class:`~asng_opt.blackbox.BlackBoxASNG`'s checked losses, every tell)."""
    cw = _cum_negative(f.size)
    lo, hi = _rank_spans(-f if maximize else f)
    return (cw[hi] - cw[lo]) / (hi - lo) + 0.0
