"""Figures 1 and 3 of the paper from the toy sweep's runs tables, and the summary tables
(``asng-bench figures``).

Reads ``results/toy/runs_fig1.csv`` / ``runs_fig3.csv`` (whichever exist), writes
``results/toy/summary.csv`` (one row per figure and setting, :func:`.summary.summarize_settings`),
``summary.md`` and ``results/figures/fig1_toy.png`` / ``fig3_alpha.png``: one panel per eps_x, SP1
against delta0 on log-log axes, a missing point where a setting never succeeded. A ``runs.csv``
written by ``asng-bench toy`` in the same folder is rendered by :mod:`.runs_figure`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..report_io import md_row, md_table, pyplot, save_figure
from . import runs_figure
from .settings import ALGS
from .summary import summarize_settings

__all__ = ["load_summary", "plot_figure", "markdown_table", "outputs", "render", "FIGURE_FILES", "NO_RUNS_TABLES"]

FIGURE_FILES = {1: "fig1_toy.png", 3: "fig3_alpha.png"}
SUMMARY_FILES = ("summary.csv", "summary.md")
NO_RUNS_TABLES = (
    "no runs tables in {}: it needs runs_fig1.csv / runs_fig3.csv (written by `asng-bench toy-sweep`) "
    "or runs.csv (written by `asng-bench toy`)"
)
_LABELS = {"asng": "ASNG (α = 1.5)", "sng": "SNG", "adam": "Adam"}
_STYLE = {"asng": ("C0", "o", "-"), "sng": ("C1", "s", "--"), "adam": ("C2", "^", ":")}


def load_summary(toy_dir: str | Path) -> Any:
    """Summary DataFrame over the figures whose runs tables exist in ``toy_dir`` (column ``figure``)."""
    import pandas as pd

    parts = []
    for fig in FIGURE_FILES:
        path = Path(toy_dir) / f"runs_fig{fig}.csv"
        if path.exists():
            parts.append(summarize_settings(pd.read_csv(path)).assign(figure=fig))
    if not parts:
        raise FileNotFoundError(f"no runs_fig1.csv / runs_fig3.csv in {toy_dir}; run `asng-bench toy-sweep` first")
    df = pd.concat(parts, ignore_index=True)
    return df[["figure"] + [c for c in df.columns if c != "figure"]]


def _series(summary: Any, fig: int) -> list[tuple[str, Any, tuple[str, str, str]]]:
    """(label, rows, (colour, marker, line style)) per curve of a figure."""
    out = []
    if fig == 1:
        for alg in ALGS:
            out.append((_LABELS[alg], summary[summary["alg"] == alg], _STYLE[alg]))
    else:
        alphas = sorted(summary["alpha"].dropna().unique())
        markers = "ovs^Dp"
        for i, a in enumerate(alphas):
            out.append((f"α = {a:g}", summary[summary["alpha"] == a], (f"C{i}", markers[i % 6], "-")))
    return out


def _style_panel(ax: Any, xlim: tuple[float, float], ylim: tuple[float, float], eps: float) -> None:
    from matplotlib.ticker import NullFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*xlim)
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_ylim(*ylim)
    ax.axhline(1e5, color="0.6", lw=0.8, ls=(0, (4, 4)))
    ax.set_xlabel("initial step size δ⁰ (Adam: learning rate)")
    ax.set_ylabel("SP1 (mean iterations of successes / success rate)")
    ax.set_title(f"ε_x = {eps:g}")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def plot_figure(summary: Any, fig: int, path: str | Path, runs: Optional[int] = None) -> Path:
    """Render one figure: a panel per eps_x, SP1 vs delta0 (log-log), settings with no success left out."""
    plt = pyplot()
    s = summary[summary["figure"] == fig]
    eps_values = sorted(s["eps_x"].unique(), reverse=True)
    fig_obj, axes = plt.subplots(1, len(eps_values), figsize=(5.2 * len(eps_values), 4.2), squeeze=False)
    xlo, xhi = float(s["delta0"].min()), float(s["delta0"].max())
    finite = s["sp1"].replace([np.inf], np.nan).dropna()
    ylo = 10 ** math.floor(math.log10(finite.min())) if len(finite) else 1e3
    yhi = 10 ** math.ceil(math.log10(max(finite.max(), 1.01e5))) if len(finite) else 1e6
    for ax, eps in zip(axes[0], eps_values):
        for label, rows, (color, marker, ls) in _series(s[s["eps_x"] == eps], fig):
            rows = rows.sort_values("delta0")
            y = rows["sp1"].replace([np.inf], np.nan).to_numpy(dtype=float)
            never = int(np.isnan(y).sum())
            lab = label + (f" ({never} never succeeded)" if never else "")
            ax.plot(rows["delta0"], y, color=color, marker=marker, ls=ls, label=lab, ms=6, lw=1.5)
        _style_panel(ax, (xlo / 1.6, xhi * 1.6), (ylo, yhi), eps)
    n = f", {runs} runs per setting" if runs else ""
    what = "ASNG, SNG and Adam" if fig == 1 else "ASNG with different α"
    fig_obj.suptitle(f"Selective squared error (D = 30, K = 5): {what}{n}; dashed grey line = budget 10⁵", fontsize=10)
    fig_obj.tight_layout()
    return save_figure(fig_obj, path, dpi=130)


def _cell(row: Any) -> str:
    sp = row["sp1"]
    rate = f"{row['success_rate']:.0%}"
    if math.isinf(sp):
        return f"— ({rate})"
    return f"{sp:,.0f} ({rate})"


def markdown_table(summary: Any, fig: int) -> str:
    """SP1 (success rate) per delta0 (rows) and curve x eps_x (columns), as a markdown table."""
    s = summary[summary["figure"] == fig]
    eps_values = sorted(s["eps_x"].unique(), reverse=True)
    curves = []
    for eps in eps_values:
        for label, rows, _ in _series(s[s["eps_x"] == eps], fig):
            curves.append((f"{label}, ε_x = {eps:g}", rows.set_index("delta0")))
    lines = md_table(["δ0"] + [c[0] for c in curves], "r" * (len(curves) + 1), [])
    for d in sorted(s["delta0"].unique(), reverse=True):
        f = -math.log(d) / math.log(120) if d < 1 else 0.0
        cells = [_cell(rows.loc[d]) if d in rows.index else "" for _, rows in curves]
        lines.append(md_row([f"120^-{f:g} = {d:.3g}"] + cells))
    return "\n".join(lines) + "\n"


def _sweep_figures(toy_dir: str | Path) -> list[int]:
    return [fig for fig in FIGURE_FILES if (Path(toy_dir) / f"runs_fig{fig}.csv").exists()]


def outputs(toy_dir: str | Path = "results/toy", fig_dir: str | Path = "results/figures") -> list[Path]:
    """The files :func:`render` would write for the runs tables in ``toy_dir`` (none: no tables)."""
    out: list[Path] = []
    figs = _sweep_figures(toy_dir)
    if figs:
        out += [Path(toy_dir) / name for name in SUMMARY_FILES] + [Path(fig_dir) / FIGURE_FILES[f] for f in figs]
    if (Path(toy_dir) / runs_figure.RUNS_TABLE).exists():
        out += [Path(toy_dir) / name for name in runs_figure.SUMMARY_FILES]
        out.append(Path(fig_dir) / runs_figure.FIGURE_FILE)
    return out


def _render_sweep(toy_dir: str | Path, fig_dir: str | Path) -> list[Path]:
    summary = load_summary(toy_dir)
    out = [Path(toy_dir) / name for name in SUMMARY_FILES]
    summary.to_csv(out[0], index=False)
    md = ["SP1 = mean iterations of the successful runs / success rate; (success rate); — = never succeeded.\n"]
    for fig in FIGURE_FILES:
        if (summary["figure"] == fig).any():
            md += [f"\n### Figure {fig}\n\n", markdown_table(summary, fig)]
    out[1].write_text("".join(md))
    for fig, name in FIGURE_FILES.items():
        part = summary[summary["figure"] == fig]
        if len(part):
            runs = int(part["runs"].max())
            out.append(plot_figure(summary, fig, Path(fig_dir) / name, runs=runs))
    return out


def render(toy_dir: str | Path = "results/toy", fig_dir: str | Path = "results/figures") -> list[Path]:
    """Render every runs table in ``toy_dir``; returns the paths written.

    The sweep's tables (``runs_fig*.csv``): ``toy_dir/summary.csv``, ``summary.md`` and the PNG of
    every figure with data. A ``runs.csv`` of ``asng-bench toy``: :func:`.runs_figure.render_runs`.
    """
    if not outputs(toy_dir, fig_dir):
        raise FileNotFoundError(NO_RUNS_TABLES.format(toy_dir))
    out = _render_sweep(toy_dir, fig_dir) if _sweep_figures(toy_dir) else []
    if (Path(toy_dir) / runs_figure.RUNS_TABLE).exists():
        out += runs_figure.render_runs(toy_dir, fig_dir)
    return out
