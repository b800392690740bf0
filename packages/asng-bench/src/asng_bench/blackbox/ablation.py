"""The ablation table of blackbox.md: ``asng-bb`` and each ingredient switched off."""

from __future__ import annotations

import math

from ..report_io import md_table
from .cells import Row, cell, optimizer_order, problem_order, target_index, track_rows
from .registry import ABLATIONS, MAIN

__all__ = ["ablation_table"]


def ablation_table(summary: list[Row], problems: list[str], target: str, track: str = "main") -> list[str]:
    """``asng-bb`` and each ablation, ERT [CI] (successes/runs) and the ratio to asng-bb's ERT;
    where the ERT is infinite, the median best gap."""
    rows = [r for r in track_rows(summary, track, problems) if r["optimizer"] == MAIN or r["optimizer"] in ABLATIONS]
    opts = optimizer_order(r["optimizer"] for r in rows)
    if MAIN not in opts or len(opts) < 2:
        return []
    by = {(r["problem"], r["optimizer"], r["target_index"]): r for r in rows}
    body = []
    for p in problem_order(r["problem"] for r in rows):
        ti = target_index(rows, p, target)
        ref = by.get((p, MAIN, ti))
        line = [p, f"{ref['target_gap']:g}" if ref else "–"]
        for o in opts:
            c = by.get((p, o, ti))
            if c is None:
                line.append("–")
                continue
            s = cell(c)
            if not math.isfinite(c["ert"]):
                s += f", gap {c['median_best_gap']:.3g}"
            elif o != MAIN and ref is not None and math.isfinite(ref["ert"]):
                s += f" ×{c['ert'] / ref['ert']:.2f}"
            line.append(s)
        body.append(line)
    return md_table(["problem", "target gap", *opts], "lr" + "r" * len(opts), body)
