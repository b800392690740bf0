"""Ranking-based utility of section 2.4: losses -> weights, invariant to increasing transforms."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["ranking_utility", "log_rank_weights"]


def _base_weights(lam: int) -> np.ndarray:
    """(lam,) weights by rank, best first: +1 for the best ceil(lam/4), -1 for the worst."""
    mu = math.ceil(lam / 4)
    w = np.zeros(lam)
    w[:mu] = 1.0
    w[lam - mu :] = -1.0
    return w


def ranking_utility(losses: np.ndarray, maximize: bool = False) -> np.ndarray:
    """Utility weights of the ranking transform of section 2.4.

    Args:
        losses: (..., lam) objective values, lam >= 2; the last axis holds the samples of one
            update and any leading axes are independent batches. Lower is better unless
            ``maximize``.
        maximize: rank higher values as better.

    Returns:
        (..., lam) float weights: +1 for the best ceil(lam/4) samples, -1 for the worst
        ceil(lam/4), 0 otherwise. Tied values share the mean of the weights of the ranks they
        occupy, so with lam = 2 a tie gives (0, 0) and the step is skipped. The weights sum to 0.
        NaN is not ranked: pass finite values.
    """
    f = np.asarray(losses, dtype=float)
    if f.shape == (2,):  # one update of the paper's lam = 2, in plain Python for speed
        a, b = float(f[0]), float(f[1])
        if maximize:
            a, b = -a, -b
        w0 = float((b > a) - (b < a))
        return np.array([w0, -w0])
    if f.ndim == 0 or f.shape[-1] < 2:
        raise ValueError(f"ranking_utility needs at least 2 values on the last axis, got shape {f.shape}")
    if maximize:
        f = -f
    lam = f.shape[-1]
    if lam == 2:  # the paper's case: (+1, -1) for the better / worse, (0, 0) on a tie
        w0 = np.sign(f[..., 1] - f[..., 0])
        return np.stack([w0, -w0], axis=-1)
    # cumulative base weights with a leading 0: a value occupying ranks [lo, lo + eq) gets
    # (cw[lo + eq] - cw[lo]) / eq, the mean weight of its ranks.
    cw = np.concatenate([[0.0], np.cumsum(_base_weights(lam))])
    lt = (f[..., None, :] < f[..., :, None]).sum(axis=-1)  # how many are strictly better
    eq = (f[..., None, :] == f[..., :, None]).sum(axis=-1)  # how many tie (itself included)
    return (cw[lt + eq] - cw[lt]) / eq


def log_rank_weights(losses: np.ndarray, maximize: bool = False) -> np.ndarray:
    """Positive log-rank weights on the better half (the recombination weights of CMA-ES and CatCMA).

    Args:
        losses: ``(lam,)`` finite objective values, lam >= 2; lower is better unless ``maximize``.
        maximize: rank higher values as better.

    Returns:
        ``(lam,)`` float weights summing to 1: the sample of rank i (1 = best) gets
        ``w_i = ln((lam + 1) / 2) - ln i`` for ``i <= floor(lam / 2)`` and 0 otherwise, then
        normalised (Hansen 2016, "The CMA Evolution Strategy: a tutorial", eq. 49 without the negative
        weights). Tied values share the mean weight of the ranks they occupy.

    With positive weights summing to 1, a natural-gradient step of learning rate ``eta <= 1`` on a
    Gaussian in expectation parameters is the convex combination ``(1 - eta) theta + eta sum_i w_i
    T(x_i)``, which keeps ``E[x^2] >= E[x]^2``: the variance cannot be driven below zero (and then
    clamped at sigma_min) as sum-zero weights can.
    """
    f = np.asarray(losses, dtype=float)
    if f.ndim != 1 or f.size < 2:
        raise ValueError(f"log_rank_weights needs a (lam,) array with lam >= 2, got shape {f.shape}")
    if maximize:
        f = -f
    lam = f.size
    ranks = np.arange(1, lam + 1)
    base = np.where(ranks <= lam // 2, math.log((lam + 1) / 2) - np.log(ranks), 0.0)
    base /= base.sum()
    cw = np.concatenate([[0.0], np.cumsum(base)])
    lt = (f[None, :] < f[:, None]).sum(axis=-1)  # how many are strictly better
    eq = (f[None, :] == f[:, None]).sum(axis=-1)  # how many tie (itself included)
    return (cw[lt + eq] - cw[lt]) / eq
