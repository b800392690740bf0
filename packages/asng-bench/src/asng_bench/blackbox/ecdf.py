"""ECDF figures of the black-box comparison (ecdf.png, ecdf_short.png): per problem, the fraction
of (run, target) pairs reached within x evaluations, one curve per optimizer (solid: ours)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..report_io import pyplot, save_figure
from .cells import optimizer_order, problem_order
from .registry import ABLATIONS, MAIN, OURS, PROBLEMS
from .summary import evals_or_none

__all__ = ["ecdf_figure"]


def ecdf_figure(hits: list[dict[str, Any]], path: str | Path, track: str = "main", ablation: bool = False) -> None:
    """ECDF of runtimes: per problem, the fraction of (run, target) pairs reached within x evaluations.

    ``ablation``: only ``asng-bb`` and its ablations (else every optimizer but the ablations)."""
    keep = (lambda o: o == MAIN or o in ABLATIONS) if ablation else (lambda o: o not in ABLATIONS)
    hs = [h for h in hits if h["track"] == track and keep(h["optimizer"])]
    if not hs or (ablation and not any(h["optimizer"] in ABLATIONS for h in hs)):
        return
    plt = pyplot()
    problems = problem_order(h["problem"] for h in hs)
    opts = optimizer_order(h["optimizer"] for h in hs)
    ncol = min(4, len(problems))
    nrow = math.ceil(len(problems) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.3 * nrow), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, p in zip(axes.flat, problems):
        budget = max(float(h["budget"]) for h in hs if h["problem"] == p)
        x = np.unique(np.round(np.logspace(1, math.log10(budget), 200)))
        for i, o in enumerate(opts):
            ev = [evals_or_none(h["evals"]) for h in hs if h["problem"] == p and h["optimizer"] == o]
            if not ev:
                continue
            arr = np.array([e if e is not None else np.inf for e in ev])
            y = (arr[None, :] <= x[:, None]).mean(axis=1)
            # past ten optimizers the colours repeat: the next ten of ours dash-dotted, the peers dotted
            style = ("-" if o in OURS else "--") if i < 10 else ("-." if o in OURS else ":")
            lw = 2.4 if o == MAIN else (1.5 if o in OURS else 1.2)
            z = 5 if o == MAIN else 2  # the main entry on top (an ablation can coincide with it)
            ax.step(x, y, where="post", label=o, color=colors(i % 10), linestyle=style, lw=lw, zorder=z)
        ax.set_xscale("log")
        ax.set_xlim(10, budget)
        ax.set_ylim(0, 1.02)
        ax.set_title(p + (" (untuned)" if p in PROBLEMS and PROBLEMS[p].untuned else ""), fontsize=10)
        ax.set_xlabel("evaluations")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(problems) :]:
        ax.axis("off")
    axes[0, 0].set_ylabel("fraction of (run, target) reached")
    legend: dict[str, Any] = {}  # every optimizer once (optuna-cmaes runs on one problem only)
    for ax in axes.flat:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(lab, h)
    labels = optimizer_order(legend)
    handles = [legend[lab] for lab in labels]
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 10), fontsize=9)
    what = f"ablation of {MAIN}" if ablation else "comparison"
    fig.suptitle(f"Black-box {what}, {track} track: ECDF of evaluations to the targets (solid: ours)")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    save_figure(fig, path, dpi=110)
