"""What the tables of blackbox.md share: the order of optimizers and problems, the formatted
ERT cell ``ERT [CI] (successes/runs)``, the median best gap cell ``gap [CI]``, and the summary
rows of one track and target."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .registry import OPTIMIZERS, PROBLEMS

__all__ = ["optimizer_order", "problem_order", "cell", "gap_cell", "fmt_ert", "track_rows", "target_index", "Row"]

Row = dict[str, Any]  #: a row of summary.csv (:mod:`.summary`)


def optimizer_order(names: Iterable[str]) -> list[str]:
    """Ours first, then the peers, in the order of :data:`.registry.OPTIMIZERS`."""
    rank = {n: i for i, n in enumerate(OPTIMIZERS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def problem_order(names: Iterable[str]) -> list[str]:
    """In the order of :data:`.registry.PROBLEMS` (the untuned ones last), unknown names after."""
    rank = {n: i for i, n in enumerate(PROBLEMS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def fmt_ert(e: float) -> str:
    """An ERT (evaluations): ``∞``, thousands separated from 100 on."""
    if not math.isfinite(e):
        return "∞"
    return f"{e:,.0f}" if e >= 100 else f"{e:.0f}"


def _fmt_ci(c: Row) -> str:
    lo, hi = c.get("ert_ci_low", math.nan), c.get("ert_ci_high", math.nan)
    if lo is None or hi is None or not math.isfinite(c["ert"]) or math.isnan(lo) or math.isnan(hi):
        return ""
    return f" [{fmt_ert(lo)}–{fmt_ert(hi)}]"


def cell(c: Row) -> str:
    """``ERT [CI] (successes/runs)``."""
    return f"{fmt_ert(c['ert'])}{_fmt_ci(c)} ({c['successes']}/{c['runs']})"


def gap_cell(c: Row) -> str:
    """The median best gap at the budget with its bootstrap 95 % CI, ``88 [86–90]`` (3 significant
    digits); the median alone where the row has no finite CI (``gap_ci_low`` / ``gap_ci_high``)."""
    lo, hi = c.get("gap_ci_low", math.nan), c.get("gap_ci_high", math.nan)
    ci = lo is not None and hi is not None and math.isfinite(lo) and math.isfinite(hi)
    return f"{c['median_best_gap']:.3g}" + (f" [{lo:.3g}–{hi:.3g}]" if ci else "")


def track_rows(summary: list[Row], track: str, problems: list[str]) -> list[Row]:
    """The rows of ``track`` on ``problems``."""
    return [r for r in summary if r["track"] == track and r["problem"] in problems]


def target_index(rows: list[Row], p: str, target: str) -> int:
    """The index of ``target`` on problem ``p``: ``"final"`` is its last; an index beyond it is the last."""
    tmax = max(r["target_index"] for r in rows if r["problem"] == p)
    return tmax if target == "final" else min(int(target), tmax)
