"""blackbox.md: the tables of the black-box comparison from the rows of summary.csv and meta.json
(also pasted into results/README.md), the tuned suite first, then the untuned problems apart:

* ERT per target with its bootstrap 95 % CI, ours (main entry and references) and the peers (a
  peer variant -- a peer with the runner's cache -- has its column but is never the "best peer");
* who wins each problem by issue 12's rule (:func:`.verdicts.verdict`);
* the ablation: ``asng-bb`` and each ingredient switched off (:mod:`.ablation`);
* overhead per evaluation and median best gap at the budget.

The cells and orders the tables share are in :mod:`.cells`, the opening lines in :mod:`.preamble`.
"""

from __future__ import annotations

import math
from typing import Any

from ..report_io import md_row, md_table
from .ablation import ablation_table
from .cells import Row, cell, optimizer_order, problem_order, target_index, track_rows
from .preamble import preamble
from .registry import ABLATIONS, MAIN, OURS, PROBLEMS, untuned_label
from .verdicts import GAP_CIS_OVERLAP, NO_ONE, TIE_FACTOR, best, peers_as_users, verdict, verdict_rows, verdict_table

__all__ = ["markdown", "optimizer_order", "problem_order", "verdict", "TIE_FACTOR"]


def _best_cells(cells: dict[str, Row], ours: dict[str, Row], peers: dict[str, Row]) -> list[str]:
    """The "best of ours" and "best peer" cells: a name, or who did not reach the target."""
    if not any(math.isfinite(c["ert"]) for c in cells.values()):
        return [NO_ONE, NO_ONE]
    bo, bp = best(ours), best(peers)
    return [
        bo or ("none of ours reached it" if ours else "–"),
        bp or ("no peer reached it" if peers else "–"),
    ]


def _table(summary: list[Row], track: str, target: str, problems: list[str]) -> list[str]:
    """Rows: problems; cells: ERT [CI] (successes/runs) at the final target (or the given index),
    ours (no ablation) and the peers, then the best of ours and the best peer."""
    rows = [r for r in track_rows(summary, track, problems) if r["optimizer"] not in ABLATIONS]
    if not rows:
        return []
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"], r["target_index"]): r for r in rows}
    lines = md_table(
        ["problem", "target gap", "budget", *opts, "best of ours", "best peer"], "lrr" + "r" * len(opts) + "ll", []
    )
    for p in problem_order(r["problem"] for r in rows):
        ti = target_index(rows, p, target)
        cells = {o: by.get((p, o, ti)) for o in opts}
        present = {o: c for o, c in cells.items() if c is not None}
        ours = {o: c for o, c in present.items() if o in OURS}
        peers = peers_as_users(present)  # a peer variant (with the cache) has a column, not "best peer"
        best_e = min(c["ert"] for c in present.values())
        txt = []
        for c in cells.values():
            s = "–" if c is None else cell(c)
            txt.append(f"**{s}**" if c is not None and math.isfinite(best_e) and c["ert"] == best_e else s)
        any_c = next(iter(present.values()))
        lines.append(
            md_row([p, f"{any_c['target_gap']:g}", f"{any_c['budget']:,}", *txt, *_best_cells(present, ours, peers)])
        )
    return lines


def _per_problem_table(summary: list[Row], track: str, column: str, problems: list[str]) -> list[str]:
    """One number per problem and optimizer (overhead or median best gap, the same for every target)."""
    rows = [
        r for r in track_rows(summary, track, problems) if r["target_index"] == 0 and r["optimizer"] not in ABLATIONS
    ]
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"]): r[column] for r in rows}
    fmt = "{:,.0f}" if column == "median_overhead_us_per_eval" else "{:.3g}"
    body = []
    for p in problem_order(r["problem"] for r in rows):
        values = [by.get((p, o)) for o in opts]
        body.append([p] + ["–" if v is None or not math.isfinite(v) else fmt.format(v) for v in values])
    return md_table(["problem", *opts], "l" + "r" * len(opts), body)


#: the last target, as the headings name it
LAST = "the last target (the optimum: gap 0; 1e-6 with reals)"


def _group(summary: list[Row], meta: dict[str, Any], problems: list[str], suffix: str) -> tuple[list[str], list[Row]]:
    """Every table for one group of problems (tuned or untuned), and its verdict rows."""
    out: list[str] = []
    verdicts: list[Row] = []
    for track, title in (("main", "Main track (per-problem budget)"), ("short", "Short track (budget ")):
        targets: tuple[tuple[str, str], ...] = (("final", LAST), ("1", "the second target"))
        if track == "short":
            title += f"{meta.get('short_budget')} evaluations, optuna included)"
            targets = (("0", "the first target"),)
        for target, what in targets:
            lines = _table(summary, track, target, problems)
            if not lines:
                continue
            out += ["", f"### {title}{suffix}: ERT to {what} [bootstrap 95 % CI] (successes / runs)", "", *lines]
            if target != "1":
                verdicts += verdict_rows(summary, track, target, what, problems)
        if any(r["track"] == track for r in track_rows(summary, track, problems)):
            out += ["", f"### {title}{suffix}: optimizer overhead, median µs per evaluation (objective excluded)", ""]
            out += _per_problem_table(summary, track, "median_overhead_us_per_eval", problems)
            out += [
                "",
                f"### {title}{suffix}: median best gap f - f_opt at the end of the runs (fixed-budget view)",
                "",
            ]
            out += _per_problem_table(summary, track, "median_best_gap", problems)
    for track, target, what in (
        ("main", "final", LAST),
        ("main", "1", "the second target"),
        ("short", "0", "the first target"),
    ):
        abl = ablation_table(summary, problems, target, track)
        if abl:
            out += ["", f"### Ablation{suffix}, {track} track: ERT to {what} [95 % CI] (successes / runs), ×: ERT / "
                    f"{MAIN}'s; where no run reached it, the median best gap", "", *abl]  # fmt: skip
    if verdicts:
        won = sum(v["outcome"] != "lost" for v in verdicts)
        out += ["", f"### Who wins{suffix} (our entry vs the best peer; issue 12's rule: won or tied when our ERT "
                f"<= {TIE_FACTOR}× the best peer's or the bootstrap 95 % CIs overlap, by the median best gap at the "
                f"budget where nobody reached the target, \"{GAP_CIS_OVERLAP.strip()}\" where their bootstrap 95 % CIs "
                f"share a point): won or tied {won} of {len(verdicts)}", ""]  # fmt: skip
        out += verdict_table(verdicts)
    return out, verdicts


def markdown(summary: list[Row], meta: dict[str, Any]) -> str:
    """The tables of blackbox.md (also pasted into results/README.md): the tuned problems, then
    the untuned ones (:attr:`.registry.ProblemSpec.untuned`) under their own headings."""
    out = preamble(meta)
    problems = problem_order(r["problem"] for r in summary)
    untuned = [p for p in problems if p in PROBLEMS and PROBLEMS[p].untuned]
    tuned = [p for p in problems if p not in untuned]
    since: dict[str, list[str]] = {}  # label -> the untuned problems tuned on since (see untuned_label)
    for p in untuned:
        if untuned_label(p) != "untuned":
            since.setdefault(untuned_label(p), []).append(p)
    notes = "; ".join(f"{', '.join(names)}: {label}" for label, names in since.items())
    heading = " — untuned problems" + (f" ({notes})" if notes else "")
    for group, suffix in ((tuned, ""), (untuned, heading)):
        if group:
            lines, _ = _group(summary, meta, group, suffix)
            out += lines
    return "\n".join(out) + "\n"
