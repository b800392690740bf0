"""The ablation figure of the black-box comparison (ablation.png): one cell per (ablation,
problem), coloured by how much the ECDF's area changes when that ingredient of the main entry is
switched off or changed, a panel per track.

The area of an ECDF (:func:`ecdf_area`) is the mean, over evaluation counts spaced evenly on a log
scale from 10 to the budget, of the fraction of (run, target) pairs reached by then: 1 when every
target is reached by the 10th evaluation, 0 when none is reached within the budget (IOHanalyzer's
area under the ECDF, normalised). A cell shows the ablation's area minus the main entry's over the
seeds both ran: blue where the ablation does better (the ingredient cost something there), red
where it does worse (the ingredient paid), grey where the ablation did not run (it would change
nothing there: ``needs_ints``, ``needs_reals``, ``short_only`` ...). Twenty-odd curves per problem
in one ECDF panel could not be told apart; one cell per pair can."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..report_io import pyplot, save_figure
from .cells import optimizer_order, problem_order
from .registry import ABLATIONS, MAIN
from .summary import evals_or_none

__all__ = ["ecdf_area", "area_changes", "ablation_figure", "GRID_POINTS", "COLOR_LIMIT"]

#: evaluation counts on the log grid of :func:`ecdf_area` (as the ECDF figures draw them)
GRID_POINTS = 200
#: the colour scale's ends (an area change of -COLOR_LIMIT and +COLOR_LIMIT), larger changes saturate
COLOR_LIMIT = 0.25


def ecdf_area(evals: Sequence[float | None], budget: float) -> float:
    """The normalised area under the ECDF of ``evals`` (evaluations to each (run, target) pair, None
    where it was not reached) on :data:`GRID_POINTS` counts log-spaced from 10 to ``budget``: in
    [0, 1]. Raises ValueError without any pair or with a budget below 10."""
    if not len(evals):
        raise ValueError("ecdf_area: no (run, target) pair")
    if not budget >= 10:
        raise ValueError(f"ecdf_area: the budget must be >= 10 evaluations, got {budget}")
    x = np.logspace(1, math.log10(budget), GRID_POINTS)
    arr = np.array([np.inf if e is None else float(e) for e in evals])
    return float((arr[None, :] <= x[:, None]).mean())


def area_changes(hits: list[dict[str, Any]], track: str) -> tuple[list[str], list[str], np.ndarray]:
    """``(ablations, problems, change)``: ``change[i, j]`` the ablation ``i``'s ECDF area minus the
    main entry's on problem ``j`` (both over the seeds both ran), NaN where the ablation has no run
    of that problem on ``track``. Only ablations with a run on the track are listed."""
    hs = [h for h in hits if h["track"] == track and (h["optimizer"] == MAIN or h["optimizer"] in ABLATIONS)]
    problems = problem_order(h["problem"] for h in hs if h["optimizer"] == MAIN)
    ablations = [o for o in optimizer_order(h["optimizer"] for h in hs) if o != MAIN]
    by: dict[tuple[str, str], dict[int, list[float | None]]] = {}
    budget: dict[str, float] = {}
    for h in hs:
        seeds = by.setdefault((h["optimizer"], h["problem"]), {})
        seeds.setdefault(int(float(h["seed"])), []).append(evals_or_none(h["evals"]))
        budget[h["problem"]] = max(budget.get(h["problem"], 0.0), float(h["budget"]))
    change = np.full((len(ablations), len(problems)), np.nan)
    for j, p in enumerate(problems):
        main = by.get((MAIN, p), {})
        for i, a in enumerate(ablations):
            abl = by.get((a, p), {})
            common = sorted(set(main) & set(abl))
            if not common:
                continue
            ours = [e for s in common for e in main[s]]
            theirs = [e for s in common for e in abl[s]]
            change[i, j] = ecdf_area(theirs, budget[p]) - ecdf_area(ours, budget[p])
    return ablations, problems, change


def ablation_figure(hits: list[dict[str, Any]], path: str | Path, tracks: Sequence[str] = ("main", "short")) -> bool:
    """Write the figure (a panel per track with ablation runs); False, writing nothing, when no
    track has any."""
    panels = [(t, *area_changes(hits, t)) for t in tracks]
    panels = [p for p in panels if p[1] and p[2]]
    if not panels:
        return False
    plt = pyplot()
    heights = [max(len(p[1]), 1) for p in panels]
    width = max(10.0, 0.32 * max(len(p[2]) for p in panels) + 3.5)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(width, 0.26 * sum(heights) + 3.2 * len(panels)), squeeze=False,
        gridspec_kw={"height_ratios": heights}, layout="constrained",
    )  # fmt: skip
    cmap = plt.get_cmap("RdBu").with_extremes(bad="#d9d9d9")
    image = None
    for ax, (track, ablations, problems, change) in zip(axes[:, 0], panels):
        image = ax.imshow(
            np.ma.masked_invalid(change), cmap=cmap, vmin=-COLOR_LIMIT, vmax=COLOR_LIMIT, aspect="auto",
            interpolation="nearest",
        )  # fmt: skip
        ax.set_yticks(range(len(ablations)), ablations, fontsize=8)
        ax.set_xticks(range(len(problems)), problems, rotation=60, ha="right", fontsize=8)
        ax.set_xticks(np.arange(-0.5, len(problems)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(ablations)), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.6)
        ax.tick_params(which="minor", length=0)
        ax.set_title(f"{track} track", fontsize=10)
    assert image is not None
    bar = fig.colorbar(image, ax=axes[:, 0].tolist(), fraction=0.025, pad=0.01, extend="both")
    bar.set_label(f"ECDF area: ablation − {MAIN}", fontsize=9)
    fig.suptitle(
        f"Black-box ablation of {MAIN}: change of the ECDF's area when one ingredient is switched off or changed\n"
        "blue: the ablation does better, red: worse (the ingredient paid); grey: not run (it changes nothing there)",
        fontsize=10,
    )
    save_figure(fig, path, dpi=110)
    return True
