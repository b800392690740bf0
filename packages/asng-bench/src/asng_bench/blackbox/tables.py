"""blackbox.md: the tables of the black-box comparison (ERT per target, overhead, median best gap,
who wins) from the rows of summary.csv and meta.json; also pasted into results/README.md."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Optional

from ..report_io import md_row, md_table
from .registry import OPTIMIZERS, OURS

__all__ = ["markdown", "optimizer_order"]

_Row = dict[str, Any]


def optimizer_order(names: Iterable[str]) -> list[str]:
    """Ours first, then the peers, in the order of :data:`.registry.OPTIMIZERS`."""
    rank = {n: i for i, n in enumerate(OPTIMIZERS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def _fmt_ert(e: float) -> str:
    if not math.isfinite(e):
        return "∞"
    return f"{e:,.0f}" if e >= 100 else f"{e:.0f}"


NO_ONE = "no one reached the target"


def _best(cells: dict[str, _Row]) -> Optional[str]:
    """The optimizer with the lowest ERT (then the highest success rate); None if none reached the target."""
    reached = {o: c for o, c in cells.items() if math.isfinite(c["ert"])}
    return min(reached, key=lambda o: (reached[o]["ert"], -reached[o]["success_rate"])) if reached else None


def _best_cells(cells: dict[str, _Row], ours: dict[str, _Row], peers: dict[str, _Row]) -> list[str]:
    """The "best of ours" and "best peer" cells: a name, or who did not reach the target."""
    if not any(math.isfinite(c["ert"]) for c in cells.values()):
        return [NO_ONE, NO_ONE]
    bo, bp = _best(ours), _best(peers)
    return [
        bo or ("none of ours reached it" if ours else "–"),
        bp or ("no peer reached it" if peers else "–"),
    ]


def _ert_winner(bo: Optional[str], bp: Optional[str], eo: float, ep: float) -> str:
    if not math.isfinite(eo) and not math.isfinite(ep):
        return NO_ONE
    if eo < ep:
        return f"ours ({bo})" + (f", {ep / eo:.1f}× fewer evaluations" if math.isfinite(ep) else "")
    if ep < eo:
        return f"**peer ({bp})**" + (f", {eo / ep:.1f}× fewer evaluations" if math.isfinite(eo) else "")
    return "tie"


def _ert_cells(cells: dict[str, Optional[_Row]]) -> list[str]:
    """``ERT (successes/runs)`` per optimizer, the lowest ERT in bold, ``–`` where it did not run."""
    best_e = min(c["ert"] for c in cells.values() if c is not None)
    txt = []
    for c in cells.values():
        if c is None:
            txt.append("–")
            continue
        s = f"{_fmt_ert(c['ert'])} ({c['successes']}/{c['runs']})"
        txt.append(f"**{s}**" if math.isfinite(best_e) and c["ert"] == best_e else s)
    return txt


def _table(summary: list[_Row], track: str, target: str) -> tuple[list[str], list[_Row]]:
    """Rows: problems; cells: ERT (successes/runs) at the final target (or the given index)."""
    rows = [r for r in summary if r["track"] == track]
    if not rows:
        return [], []
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"], r["target_index"]): r for r in rows}
    lines = md_table(
        ["problem", "target gap", "budget", *opts, "best of ours", "best peer"], "lrr" + "r" * len(opts) + "ll", []
    )
    verdicts = []
    for p in dict.fromkeys(r["problem"] for r in rows):
        tmax = max(r["target_index"] for r in rows if r["problem"] == p)
        ti = tmax if target == "final" else min(int(target), tmax)
        cells = {o: by.get((p, o, ti)) for o in opts}
        present = {o: c for o, c in cells.items() if c is not None}
        ours = {o: c for o, c in present.items() if o in OURS}
        peers = {o: c for o, c in present.items() if o not in OURS}
        bo, bp = _best(ours), _best(peers)
        any_c = next(iter(present.values()))
        best = _best_cells(present, ours, peers)
        lines.append(md_row([p, f"{any_c['target_gap']:g}", f"{any_c['budget']:,}", *_ert_cells(cells), *best]))
        if ours and peers:
            eo = ours[bo]["ert"] if bo else math.inf
            ep = peers[bp]["ert"] if bp else math.inf
            winner = _ert_winner(bo, bp, eo, ep)
            verdicts.append({"problem": p, "ours": bo, "peer": bp, "ert_ours": eo, "ert_peer": ep, "winner": winner})
    return lines, verdicts


def _per_problem_table(summary: list[_Row], track: str, column: str) -> list[str]:
    """One number per problem and optimizer (overhead or median best gap, the same for every target)."""
    rows = [r for r in summary if r["track"] == track and r["target_index"] == 0]
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"]): r[column] for r in rows}
    fmt = "{:,.0f}" if column == "median_overhead_us_per_eval" else "{:.3g}"
    body = []
    for p in dict.fromkeys(r["problem"] for r in rows):
        values = [by.get((p, o)) for o in opts]
        body.append([p] + ["–" if v is None or not math.isfinite(v) else fmt.format(v) for v in values])
    return md_table(["problem", *opts], "l" + "r" * len(opts), body)


def _fixed_budget_verdicts(summary: list[_Row], track: str) -> list[_Row]:
    rows = [r for r in summary if r["track"] == track and r["target_index"] == 0]
    out = []
    for p in dict.fromkeys(r["problem"] for r in rows):
        gaps = {r["optimizer"]: r["median_best_gap"] for r in rows if r["problem"] == p}
        ours = {o: g for o, g in gaps.items() if o in OURS}
        peers = {o: g for o, g in gaps.items() if o not in OURS}
        if not ours or not peers:
            continue
        bo, bp = min(ours, key=lambda o: ours[o]), min(peers, key=lambda o: peers[o])
        go, gp = ours[bo], peers[bp]
        if go < gp:
            winner = f"ours ({bo}): median gap {go:.3g} vs {gp:.3g}"
        elif gp < go:
            winner = f"**peer ({bp})**: median gap {gp:.3g} vs {go:.3g}"
        else:
            winner = f"tie ({bo} and {bp}: {go:.3g})"
        out.append({"track": track, "target": "median best gap at the budget", "problem": p, "winner": winner})
    return out


def _preamble(meta: dict[str, Any]) -> list[str]:
    machine = ("cpu", "cores", "memory_gib", "python")
    out = [
        f"Command: `{meta['command']}` — wall time {meta['wall_s']:.0f} s with {meta['jobs']} worker process(es), "
        f"{meta['seeds']} seeds (0–{meta['seeds'] - 1}) per optimizer and problem.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in meta["machine"].items() if k in machine) + ".",
    ]
    for prob, info in (meta.get("rerun") or {}).items():
        out.append(
            f"Rerun of {prob}: `{info['command']}` ({info['wall_s']:.0f} s), merged into the CSVs: {info['why']}."
        )
    if meta.get("skipped_not_installed"):
        out.append(f"Not installed, skipped: {', '.join(meta['skipped_not_installed'])}.")
    return out


def markdown(summary: list[_Row], meta: dict[str, Any]) -> str:
    """The tables of blackbox.md (also pasted into results/README.md)."""
    out = _preamble(meta)
    verdict_rows = []
    for track, title in (("main", "Main track (per-problem budget)"), ("short", "Short track (budget ")):
        targets: tuple[tuple[str, str], ...] = (("final", "the optimum (gap 0)"), ("1", "the second target"))
        if track == "short":
            title += f"{meta.get('short_budget')} evaluations, optuna included)"
            targets = (("0", "the first target"),)
        for target, what in targets:
            lines, verdicts = _table(summary, track, target)
            if not lines:
                continue
            out += ["", f"### {title}: ERT to {what} (successes / runs)", "", *lines]
            verdict_rows += [{**v, "track": track, "target": what} for v in verdicts]
        if any(r["track"] == track for r in summary):
            out += ["", f"### {title}: optimizer overhead, median µs per evaluation (objective excluded)", ""]
            out += _per_problem_table(summary, track, "median_overhead_us_per_eval")
            out += ["", f"### {title}: median best gap f - f_opt at the end of the runs (fixed-budget view)", ""]
            out += _per_problem_table(summary, track, "median_best_gap")
    verdict_rows += _fixed_budget_verdicts(summary, "short")
    if verdict_rows:
        out += ["", "### Who wins (best of ours vs best peer; by ERT, or by median best gap at the budget)", ""]
        out += md_table(["track", "target", "problem", "winner"], "llll", [])
        out += [md_row([v["track"], v["target"], v["problem"], v["winner"]]) for v in verdict_rows]
    return "\n".join(out) + "\n"
