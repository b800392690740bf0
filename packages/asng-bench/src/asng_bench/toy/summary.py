"""Per-setting statistics of the toy study's runs tables (summary.csv) and the terminal summary.

The measures (SP1, success rate, median and quartiles with failures counted as ``inf``) are
:func:`asng_bench.stats.run_statistics`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..stats import run_statistics

__all__ = ["GROUP_COLUMNS", "summarize_settings", "format_summary"]

GROUP_COLUMNS = ["alg", "eps_x", "delta0", "alpha"]


def summarize_settings(runs: Any) -> Any:
    """One row per setting of a runs table (pandas DataFrame with the runs.csv columns).

    Returns a DataFrame with :data:`GROUP_COLUMNS` and the keys of :func:`run_statistics`.
    """
    import pandas as pd

    rows = []
    for key, g in runs.groupby(GROUP_COLUMNS, dropna=False, sort=True):
        rows.append(dict(zip(GROUP_COLUMNS, key)) | run_statistics(g["success"].to_numpy(), g["iterations"].to_numpy()))
    return pd.DataFrame(rows, columns=GROUP_COLUMNS + list(run_statistics(np.ones(1, bool), np.ones(1)).keys()))


def format_summary(stats: dict[str, Any]) -> str:
    """A one-setting summary (a dict of :func:`run_statistics`) for the terminal."""

    def num(x: float) -> str:
        return "inf" if math.isinf(x) else ("nan" if math.isnan(x) else f"{x:,.0f}")

    return (
        f"success {stats['successes']}/{stats['runs']} ({stats['success_rate']:.0%}); "
        f"SP1 = {num(stats['sp1'])} iterations; median {num(stats['median'])} "
        f"(quartiles {num(stats['q1'])} - {num(stats['q3'])}; failures count as inf)"
    )
