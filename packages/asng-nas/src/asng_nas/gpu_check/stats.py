"""The GPU check's statistics: the accepted bf16 loss difference (:func:`loss_tolerance`) and
rank correlations (:func:`rank_correlations`), with numpy only."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["BF16_UNIT_ROUNDOFF", "loss_tolerance", "rank_correlations"]

BF16_UNIT_ROUNDOFF = 2.0**-8  # bf16 keeps 8 significant bits: relative rounding error <= 2^-8 (round to nearest)


def loss_tolerance(loss: float) -> float:
    """Largest accepted ``|bf16 loss - fp32 loss|`` for a cross-entropy ``loss``: 0.02 + 0.02 x loss.

    Why: bf16 rounds every stored activation with a relative error of at most
    u = 2^-8 ~ 0.39 %. The supernet's logits pass through a few dozen such roundings, but batch
    normalisation rescales after every cell, so the errors do not compound multiplicatively;
    allowing about 5u (2 %) relative error on the logits and using
    ``|CE(z') - CE(z)| <= 2 max_i |z'_i - z_i|`` (the gradient of cross-entropy in the logits is
    softmax - one-hot, whose L1 norm is at most 2), with logits of the size of the loss, gives
    a bound of about 2 % of the loss; the absolute 0.02 covers losses near 0 and the different
    summation orders of the two devices' kernels. Measured on the CPU (bf16 autocast there, the
    ``--tiny`` network after one search epoch): differences below 0.001 on losses near 2.3.
    """
    return 0.02 + 0.02 * abs(loss)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` (ties get their mean rank)."""
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x), dtype=float)
    r[order] = np.arange(1, len(x) + 1)
    for v in np.unique(x):
        tie = x == v
        r[tie] = r[tie].mean()
    return r


def rank_correlations(a: Sequence[float], b: Sequence[float]) -> dict[str, float]:
    """Spearman's rho (Pearson correlation of the ranks) and Kendall's tau-b (concordant minus
    discordant pairs over the square root of the untied pair counts) of two equal-length
    sequences; numpy only. NaN where a sequence is constant."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"need two 1-d sequences of the same length >= 2, got {x.shape} and {y.shape}")
    rx, ry = _ranks(x), _ranks(y)
    sx, sy = rx.std(), ry.std()
    rho = float(((rx - rx.mean()) * (ry - ry.mean())).mean() / (sx * sy)) if sx > 0 and sy > 0 else math.nan
    i, j = np.triu_indices(len(x), 1)
    dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    n1, n2 = np.count_nonzero(dx), np.count_nonzero(dy)
    tau = float((dx * dy).sum() / math.sqrt(n1 * n2)) if n1 and n2 else math.nan
    return {"spearman": rho, "kendall": tau}
