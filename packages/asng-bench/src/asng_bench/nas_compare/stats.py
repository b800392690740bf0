"""Who wins: a Friedman rank test over the strategies, blocked by seed (every seed starts all
strategies from the same supernet and data split), and the mean rank of each strategy
(``scipy.stats.friedmanchisquare``; Friedman 1937). With only a few seeds per strategy the test
has little power: the report states the p-value, not a verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["rank_test"]


def rank_test(errors: Mapping[str, Mapping[int, float]]) -> dict[str, Any]:
    """``errors[strategy][seed]`` -> ``{"seeds": the seeds every strategy has, "mean_rank":
    {strategy: mean rank, 1 = lowest error, ties averaged}, "statistic", "p_value"}``.

    The test needs >= 3 strategies and >= 2 common seeds; otherwise ``statistic`` and ``p_value``
    are None (the ranks are still given when there is one common seed)."""
    from scipy import stats

    names = list(errors)
    common = sorted(set.intersection(*(set(errors[n]) for n in names))) if names else []
    out: dict[str, Any] = {"seeds": common, "mean_rank": {}, "statistic": None, "p_value": None}
    if not common or len(names) < 2:
        return out
    table = np.array([[errors[n][s] for n in names] for s in common])  # (seeds, strategies)
    ranks = np.array([stats.rankdata(row) for row in table])
    out["mean_rank"] = {n: float(r) for n, r in zip(names, ranks.mean(axis=0))}
    if len(names) >= 3 and len(common) >= 2 and np.ptp(table) > 0:
        res = stats.friedmanchisquare(*(table[:, j] for j in range(len(names))))
        out["statistic"], out["p_value"] = float(res.statistic), float(res.pvalue)
    return out


def pairwise(errors: Mapping[str, Mapping[int, float]], a: str, others: Sequence[str]) -> dict[str, float]:
    """Two-sided exact Wilcoxon signed-rank p-values of ``a`` against each of ``others`` on their
    common seeds (paired by seed); NaN with fewer than 2 common seeds or no difference. With n
    pairs the smallest possible p is ``2 / 2**n`` (0.25 for 3 seeds)."""
    from scipy import stats

    out = {}
    for b in others:
        seeds = sorted(set(errors[a]) & set(errors[b]))
        d = np.array([errors[a][s] - errors[b][s] for s in seeds])
        if len(d) < 2 or not np.any(d):
            out[b] = float("nan")
            continue
        out[b] = float(stats.wilcoxon(d, method="exact" if np.all(d) else "auto").pvalue)
    return out
