"""What ``asng-bench figures`` makes of a folder written by ``asng-bench toy`` (its ``runs.csv``,
the runs of one setting): ``runs_summary.csv`` / ``runs_summary.md`` (one row per setting: SP1,
success rate, median and quartiles with failures as ``inf``) next to the runs table, and
``runs_ecdf.png`` in the figures folder: the fraction of runs that had succeeded against the
iteration count, one curve per setting (log iteration axis).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..report_io import md_table, pyplot, save_figure
from ..stats import run_statistics
from .summary import GROUP_COLUMNS, summarize_settings

__all__ = [
    "RUNS_TABLE",
    "SUMMARY_FILES",
    "FIGURE_FILE",
    "setting_label",
    "markdown_summary",
    "plot_ecdf",
    "render_runs",
]

RUNS_TABLE = "runs.csv"  #: written by ``asng-bench toy``
SUMMARY_FILES = ("runs_summary.csv", "runs_summary.md")  #: written next to the runs table
FIGURE_FILE = "runs_ecdf.png"  #: written into the figures folder


def setting_label(row: Any) -> str:
    """``asng (α = 1.5, δ0 = 1, ε_x = 0.05)``: the algorithm and its hyper-parameters."""
    alpha = f"α = {row['alpha']:g}, " if row["alg"] == "asng" else ""
    return f"{row['alg']} ({alpha}δ0 = {row['delta0']:g}, ε_x = {row['eps_x']:g})"


def _num(x: float) -> str:
    return "∞" if math.isinf(x) else ("–" if math.isnan(x) else f"{x:,.0f}")


def markdown_summary(summary: Any) -> str:
    """The rows of :func:`.summary.summarize_settings` as a markdown table with a one-line legend."""
    rows = [
        [setting_label(r), r["runs"], f"{r['successes']} ({r['success_rate']:.0%})", _num(r["sp1"]), _num(r["median"]),
         f"{_num(r['q1'])} – {_num(r['q3'])}"]
        for _, r in summary.iterrows()
    ]  # fmt: skip
    legend = "SP1 = mean iterations of the successful runs / success rate; failures count as ∞ in the quantiles.\n\n"
    header = ["setting", "runs", "successes", "SP1", "median", "quartiles"]
    return legend + "\n".join(md_table(header, "lrrrrr", rows)) + "\n"


def plot_ecdf(runs: Any, path: str | Path) -> Path:
    """Fraction of the runs of each setting that had succeeded by iteration t, against t (log axis)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    x_min = 10.0 ** math.floor(math.log10(max(float(runs["iterations"].min()), 1.0)))
    x_max = max(float(runs["iterations"].max()), 10 * x_min)
    groups = runs.groupby(GROUP_COLUMNS, dropna=False, sort=True)
    for i, (key, g) in enumerate(groups):
        row = dict(zip(GROUP_COLUMNS, key)) | run_statistics(g["success"].to_numpy(), g["iterations"].to_numpy())
        hits = np.sort(g.loc[g["success"].astype(bool), "iterations"].to_numpy(dtype=float))
        t = np.concatenate([[x_min], hits, [x_max]])
        frac = np.concatenate([[0.0], np.arange(1, hits.size + 1), [hits.size]]) / len(g)
        label = f"{setting_label(row)}: SP1 {_num(row['sp1'])}, {row['successes']}/{row['runs']} succeeded"
        ax.step(t, frac, where="post", color=f"C{i % 10}", lw=1.5, label=label)
    ax.set_xscale("log")
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("iterations")
    ax.set_ylabel("fraction of runs that succeeded")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    n = len(runs)
    ax.set_title(f"Selective squared error (D = 30, K = 5): {n} runs of asng-bench toy", fontsize=10)
    fig.tight_layout()
    return save_figure(fig, path, dpi=130)


def render_runs(toy_dir: str | Path, fig_dir: str | Path) -> list[Path]:
    """``toy_dir/runs.csv`` -> ``toy_dir/runs_summary.csv``, ``runs_summary.md`` and ``fig_dir/runs_ecdf.png``."""
    import pandas as pd

    runs = pd.read_csv(Path(toy_dir) / RUNS_TABLE)
    summary = summarize_settings(runs)
    out = [Path(toy_dir) / name for name in SUMMARY_FILES]
    summary.to_csv(out[0], index=False)
    out[1].write_text(markdown_summary(summary))
    out.append(plot_ecdf(runs, Path(fig_dir) / FIGURE_FILE))
    return out
