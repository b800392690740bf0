"""The ablation figure of the black-box comparison (ablation.png): one cell per (ablation,
problem), coloured by how much the ECDF's area changes when that ingredient of the main entry is
switched off or changed, a panel per track.

The area of an ECDF (:func:`ecdf_area`) is the mean, over evaluation counts spaced evenly on a log
scale from 10 to the budget, of the fraction of (run, target) pairs reached by then: 1 when every
target is reached by the 10th evaluation, 0 when none is reached within the budget (IOHanalyzer's
area under the ECDF, normalised). A cell shows the ablation's area minus the main entry's over the
seeds both ran (the mean of the per-seed differences: the runs are paired by seed): blue where the
ablation does better (the ingredient cost something there), red where it does worse (the
ingredient paid), grey where the ablation did not run (it would change nothing there:
``needs_ints``, ``needs_reals``, ``short_only`` ...). A dot marks a cell whose bootstrap 95 %
interval of that mean (:func:`asng_bench.stats.bootstrap_mean_ci`, the study's resamples and seed)
excludes 0; the others are within the noise of 12-25 seeds. Twenty-odd curves per problem in one
ECDF panel could not be told apart; one cell per pair can."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..report_io import pyplot, save_figure
from ..stats import bootstrap_mean_ci
from .cells import optimizer_order, problem_order
from .ecdf import GRID_POINTS, ecdf_grid, fraction_reached
from .registry import ABLATIONS, MAIN
from .summary import BOOTSTRAP, BOOTSTRAP_SEED, evals_or_none

__all__ = ["ecdf_area", "area_changes", "AreaChanges", "ablation_figure", "GRID_POINTS", "COLOR_STEP"]

#: the colour scale's ends are the largest change in the figure rounded up to a multiple of this
COLOR_STEP = 0.05


def ecdf_area(evals: Sequence[float | None], budget: float) -> float:
    """The normalised area under the ECDF of ``evals`` (evaluations to each (run, target) pair, None
    where it was not reached) on :data:`~.ecdf.GRID_POINTS` counts log-spaced from 10 to ``budget``
    (:func:`~.ecdf.ecdf_grid`, the ECDF figures' grid before they round it to whole counts): in
    [0, 1]. Raises ValueError without any pair or with a budget below 10."""
    if not len(evals):
        raise ValueError("ecdf_area: no (run, target) pair")
    if not budget >= 10:
        raise ValueError(f"ecdf_area: the budget must be >= 10 evaluations, got {budget}")
    return _area(evals, ecdf_grid(budget))


def _area(evals: Sequence[float | None], x: np.ndarray) -> float:
    """:func:`ecdf_area` on the grid ``x`` (checked by the caller)."""
    return float(fraction_reached(evals, x).mean())


class AreaChanges(NamedTuple):
    """:func:`area_changes`' result: ``change``, ``low`` and ``high`` are ``(len(ablations),
    len(problems))``, NaN where the ablation has no run of the problem."""

    ablations: list[str]
    problems: list[str]
    change: np.ndarray  #: the ablation's ECDF area minus the main entry's (mean of the per-seed differences)
    low: np.ndarray  #: the bootstrap 95 % interval of that mean, lower end
    high: np.ndarray  #: and upper end


def area_changes(hits: list[dict[str, Any]], track: str) -> AreaChanges:
    """Each ablation's change of the ECDF area against the main entry on each problem of ``track``,
    over the seeds both ran (a seed's area: :func:`ecdf_area` of its run's targets), with its
    bootstrap interval. Only ablations with a run on the track are listed."""
    hs = [h for h in hits if h["track"] == track and (h["optimizer"] == MAIN or h["optimizer"] in ABLATIONS)]
    problems = problem_order(h["problem"] for h in hs if h["optimizer"] == MAIN)
    ablations = [o for o in optimizer_order(h["optimizer"] for h in hs) if o != MAIN]
    by: dict[tuple[str, str], dict[int, list[float | None]]] = {}
    budget: dict[str, float] = {}
    for h in hs:
        seeds = by.setdefault((h["optimizer"], h["problem"]), {})
        seeds.setdefault(int(float(h["seed"])), []).append(evals_or_none(h["evals"]))
        budget[h["problem"]] = max(budget.get(h["problem"], 0.0), float(h["budget"]))
    change, low, high = (np.full((len(ablations), len(problems)), np.nan) for _ in range(3))
    for j, p in enumerate(problems):
        x = ecdf_grid(budget[p])
        main = {s: _area(evals, x) for s, evals in by.get((MAIN, p), {}).items()}  # once per problem
        for i, a in enumerate(ablations):
            abl = by.get((a, p), {})
            common = sorted(set(main) & set(abl))
            if not common:
                continue
            diff = [_area(abl[s], x) - main[s] for s in common]
            change[i, j] = float(np.mean(diff))
            low[i, j], high[i, j] = bootstrap_mean_ci(diff, BOOTSTRAP, 0.95, BOOTSTRAP_SEED)
    return AreaChanges(ablations, problems, change, low, high)


def ablation_figure(hits: list[dict[str, Any]], path: str | Path, tracks: Sequence[str] = ("main", "short")) -> bool:
    """Write the figure (a panel per track with ablation runs); False, writing nothing, when no
    track has any."""
    panels = [(t, area_changes(hits, t)) for t in tracks]
    panels = [(t, a) for t, a in panels if a.ablations and a.problems]
    if not panels:
        return False
    largest = max((float(np.nanmax(np.abs(a.change))) for _, a in panels if np.any(np.isfinite(a.change))), default=0.0)
    limit = max(COLOR_STEP, math.ceil(largest / COLOR_STEP - 1e-9) * COLOR_STEP)
    plt = pyplot()
    heights = [len(a.ablations) for _, a in panels]  # each >= 1: panels without ablations were left out
    width = max(10.0, 0.32 * max(len(a.problems) for _, a in panels) + 3.5)
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(width, 0.26 * sum(heights) + 3.2 * len(panels)), squeeze=False,
        gridspec_kw={"height_ratios": heights}, layout="constrained",
    )  # fmt: skip
    cmap = plt.get_cmap("RdBu").with_extremes(bad="#d9d9d9")
    for ax, (track, a) in zip(axes[:, 0], panels):
        image = ax.imshow(
            np.ma.masked_invalid(a.change), cmap=cmap, vmin=-limit, vmax=limit, aspect="auto", interpolation="nearest"
        )
        clear = np.argwhere((a.low > 0) | (a.high < 0))  # NaN compares False: not run, no dot
        ax.scatter(clear[:, 1], clear[:, 0], s=5, c="black", marker="o", linewidths=0)
        ax.set_yticks(range(len(a.ablations)), a.ablations, fontsize=8)
        ax.set_xticks(range(len(a.problems)), a.problems, rotation=60, ha="right", fontsize=8)
        ax.set_xticks(np.arange(-0.5, len(a.problems)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(a.ablations)), minor=True)
        ax.set_xlim(-0.5, len(a.problems) - 0.5)
        ax.set_ylim(len(a.ablations) - 0.5, -0.5)
        ax.grid(which="minor", color="white", linewidth=0.6)
        ax.tick_params(which="minor", length=0)
        ax.set_title(f"{track} track", fontsize=10)
    bar = fig.colorbar(image, ax=axes[:, 0].tolist(), fraction=0.025, pad=0.01)
    bar.set_label(f"ECDF area: ablation − {MAIN}", fontsize=9)
    fig.suptitle(
        f"Black-box ablation of {MAIN}: change of the ECDF's area when one ingredient is switched off or changed\n"
        "blue: the ablation does better, red: worse (the ingredient paid); grey: not run (it changes nothing there); "
        "dot: the bootstrap 95 % interval over the seeds excludes 0",
        fontsize=10,
    )
    save_figure(fig, path, dpi=110)
    return True
