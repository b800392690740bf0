"""ECDF figures of the black-box comparison (ecdf.png, ecdf_short.png): per problem, the fraction
of (run, target) pairs reached within x evaluations, one curve per optimizer (solid: ours).

Each row of a figure has its own line (:func:`line_styles`): a colour of :data:`PALETTE` in the
order of the registry's rows that the figure can show (so the same optimizer has the same line in
ecdf.png and ecdf_short.png, whichever rows ran), solid for ours and dashed for the peers;
``random`` grey and dotted (a baseline, not a rival); a peer variant (:data:`.registry.PEER_VARIANTS`,
e.g. ``cmaes-catcmawm-cache``) its base peer's colour with a dash-dot-dot line, so that it reads as
that peer run otherwise. Past the nine colours they repeat with the next line pattern of the group
(:data:`OUR_LINES`, :data:`PEER_LINES`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..report_io import pyplot, save_figure
from .cells import optimizer_order, problem_order
from .registry import ABLATIONS, MAIN, OPTIMIZERS, OURS, PEER_VARIANTS, untuned_label
from .summary import evals_or_none

__all__ = [
    *("ecdf_figure", "ecdf_grid", "fraction_reached", "GRID_POINTS", "line_styles", "Line"),
    *("PALETTE", "OUR_LINES", "PEER_LINES", "BASELINE", "GREY"),
]

#: evaluation counts on the log grid of :func:`ecdf_grid` (the ECDF figures and the ablation figure's areas)
GRID_POINTS = 200

#: matplotlib's tab10 without its grey (kept for :data:`BASELINE`) and its brown (dashed brown was
#: read as the dashed red beside it), black in its place: nine colours no two of which look alike
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#17becf", "#e377c2", "#bcbd22", "#000000")
GREY = "#7f7f7f"  #: the baseline's colour, in no other row
BASELINE = "random"  #: drawn grey and dotted
#: the line patterns (matplotlib linestyles) of ours and of the peers, one per round of :data:`PALETTE`
OUR_LINES: tuple[Any, ...] = ("-", "-.", (0, (8, 2)), (0, (3, 1, 1, 1, 1, 1)))
PEER_LINES: tuple[Any, ...] = ("--", ":", (0, (4, 1, 1, 1)), (0, (1, 3)))
_BASELINE_LINE = (0, (1, 1.5))  # dotted, denser than ":"
_VARIANT_LINE = (0, (6, 1.5, 1, 1.5, 1, 1.5))  # dash-dot-dot, no other row's


class Line(NamedTuple):
    """How a row is drawn: a colour, a matplotlib linestyle and a width in points."""

    color: str
    style: Any
    width: float


def _base(variant: str, names: Sequence[str]) -> str | None:
    """The peer a variant is a run of: the longest other name that ``variant`` extends by ``-...``."""
    bases = [n for n in names if n != variant and variant.startswith(n + "-")]
    return max(bases, key=len) if bases else None


def line_styles(names: Sequence[str]) -> dict[str, Line]:
    """The line of each of ``names`` (in that order, ours first) by the module docstring's rule.

    Every row gets a distinct (colour, linestyle) pair while there are at most
    ``len(PALETTE) * len(OUR_LINES)`` (36) rows besides the baseline and one variant per peer
    (past that the patterns repeat). A variant whose base peer is not among ``names`` is a peer
    row of its own."""
    out: dict[str, Line] = {}
    coloured = [n for n in names if n != BASELINE and not (n in PEER_VARIANTS and _base(n, names))]
    for k, n in enumerate(coloured):
        ours = n in OURS
        lines = OUR_LINES if ours else PEER_LINES
        style = lines[(k // len(PALETTE)) % len(lines)]
        out[n] = Line(PALETTE[k % len(PALETTE)], style, 2.4 if n == MAIN else (1.5 if ours else 1.2))
    for n in names:
        base = _base(n, names)
        if n == BASELINE:
            out[n] = Line(GREY, _BASELINE_LINE, 1.4)
        elif n in PEER_VARIANTS and base:
            out[n] = Line(out[base].color, _VARIANT_LINE, 1.2)
    return {n: out[n] for n in names}


def ecdf_grid(budget: float, points: int = GRID_POINTS) -> np.ndarray:
    """``(points,)`` evaluation counts log-spaced from 10 to ``budget`` (floats): where the ECDF
    figures and :func:`.ablation_map.ecdf_area` read the ECDF."""
    return np.logspace(1, math.log10(budget), points)


def fraction_reached(evals: Sequence[float | None], x: np.ndarray) -> np.ndarray:
    """The ECDF of ``evals`` (evaluations to each (run, target) pair, None where it was not
    reached) at the counts ``x`` ``(m,)``: ``(m,)`` fractions of the pairs reached by then."""
    arr = np.array([np.inf if e is None else float(e) for e in evals])
    return (arr[None, :] <= np.asarray(x)[:, None]).mean(axis=1)


def ecdf_figure(hits: list[dict[str, Any]], path: str | Path, track: str = "main") -> None:
    """ECDF of runtimes: per problem, the fraction of (run, target) pairs reached within x evaluations,
    every optimizer but the ablations (their figure: :mod:`.ablation_map`)."""
    hs = [h for h in hits if h["track"] == track and h["optimizer"] not in ABLATIONS]
    if not hs:
        return
    plt = pyplot()
    problems = problem_order(h["problem"] for h in hs)
    opts = optimizer_order(h["optimizer"] for h in hs)
    ncol = min(4, len(problems))
    nrow = math.ceil(len(problems) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.3 * nrow), squeeze=False)
    # every row the registry can put in this figure, so that a row keeps its line across figures
    styles = line_styles(optimizer_order([*opts, *(o for o in OPTIMIZERS if o not in ABLATIONS)]))
    for ax, p in zip(axes.flat, problems):
        budget = max(float(h["budget"]) for h in hs if h["problem"] == p)
        x = np.unique(np.round(ecdf_grid(budget)))  # whole evaluation counts, each once
        for o in opts:
            ev = [evals_or_none(h["evals"]) for h in hs if h["problem"] == p and h["optimizer"] == o]
            if not ev:
                continue
            y = fraction_reached(ev, x)
            line = styles[o]
            z = 5 if o == MAIN else 2  # the main entry on top
            ax.step(x, y, where="post", label=o, color=line.color, linestyle=line.style, lw=line.width, zorder=z)
        ax.set_xscale("log")
        ax.set_xlim(10, budget)
        ax.set_ylim(0, 1.02)
        label = untuned_label(p)
        ax.set_title(p + (f" ({label})" if label else ""), fontsize=10)
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
    # as many columns as the figure's width holds at the longest label (about 0.075 in a character at
    # fontsize 9, plus the line sample), at most 10
    width = fig.get_size_inches()[0]
    fit = int(width // (0.075 * max(map(len, labels), default=1) + 0.7))
    fig.legend(handles, labels, loc="lower center", ncol=max(1, min(len(labels), 10, fit)), fontsize=9)
    fig.suptitle(f"Black-box comparison, {track} track: ECDF of evaluations to the targets (solid: ours)")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    save_figure(fig, path, dpi=110)
