"""The runs table of the toy study (runs.csv, runs_fig1.csv, runs_fig3.csv): one row per run."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .settings import ALGS, Setting

__all__ = ["RUN_COLUMNS", "run_row", "runs_table"]

RUN_COLUMNS = ["alg", "eps_x", "delta0", "alpha", "run", "seed", "success", "iterations"]


def run_row(setting: Setting, run: int, seed: int, success: bool, iterations: int) -> dict[str, Any]:
    """One row with :data:`RUN_COLUMNS`."""
    return {
        "alg": setting.alg,
        "eps_x": setting.eps_x,
        "delta0": setting.delta0,
        "alpha": setting.alpha,
        "run": run,
        "seed": seed,
        "success": success,
        "iterations": iterations,
    }


def runs_table(rows: Iterable[dict[str, Any]]) -> Any:
    """Rows -> pandas DataFrame with :data:`RUN_COLUMNS`, sorted by setting and run."""
    import pandas as pd

    df = pd.DataFrame(list(rows), columns=RUN_COLUMNS)
    order = {alg: i for i, alg in enumerate(ALGS)}
    df = df.assign(_o=df["alg"].map(order)).sort_values(
        ["_o", "eps_x", "alpha", "delta0", "run"], ascending=[True, False, True, False, True]
    )
    return df.drop(columns="_o").reset_index(drop=True)
