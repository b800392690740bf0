"""blackbox.md: the tables of the black-box comparison from the rows of summary.csv and meta.json
(also pasted into results/README.md), the tuned suite first, then the untuned problems apart:

* ERT per target with its bootstrap 95 % CI, ours (main entry and references) and the peers;
* who wins each problem by issue 12's rule (:func:`verdict`);
* the ablation: ``asng-bb`` and each ingredient switched off;
* overhead per evaluation and median best gap at the budget.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Optional

from ..report_io import md_row, md_table
from .registry import ABLATIONS, MAIN, OPTIMIZERS, OURS, PROBLEMS

__all__ = ["markdown", "optimizer_order", "problem_order", "verdict", "TIE_FACTOR"]

_Row = dict[str, Any]
TIE_FACTOR = 1.1  #: our ERT at most this times the best peer's is a tie (issue 12)
NO_ONE = "no one reached the target"


def optimizer_order(names: Iterable[str]) -> list[str]:
    """Ours first, then the peers, in the order of :data:`.registry.OPTIMIZERS`."""
    rank = {n: i for i, n in enumerate(OPTIMIZERS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def problem_order(names: Iterable[str]) -> list[str]:
    """In the order of :data:`.registry.PROBLEMS` (the untuned ones last), unknown names after."""
    rank = {n: i for i, n in enumerate(PROBLEMS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def _fmt_ert(e: float) -> str:
    if not math.isfinite(e):
        return "∞"
    return f"{e:,.0f}" if e >= 100 else f"{e:.0f}"


def _fmt_ci(c: _Row) -> str:
    lo, hi = c.get("ert_ci_low", math.nan), c.get("ert_ci_high", math.nan)
    if lo is None or hi is None or not math.isfinite(c["ert"]) or math.isnan(lo) or math.isnan(hi):
        return ""
    return f" [{_fmt_ert(lo)}–{_fmt_ert(hi)}]"


def _cell(c: _Row) -> str:
    """``ERT [CI] (successes/runs)``."""
    return f"{_fmt_ert(c['ert'])}{_fmt_ci(c)} ({c['successes']}/{c['runs']})"


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


def _overlap(a: _Row, b: _Row) -> bool:
    """Whether the two bootstrap CIs share a finite point (an interval [inf, inf] -- no success --
    overlaps nothing)."""
    la, ha = a.get("ert_ci_low", math.nan), a.get("ert_ci_high", math.nan)
    lb, hb = b.get("ert_ci_low", math.nan), b.get("ert_ci_high", math.nan)
    if any(v is None or math.isnan(v) for v in (la, ha, lb, hb)):
        return False
    return bool(max(la, lb) <= min(ha, hb) and math.isfinite(max(la, lb)))


def verdict(ours: _Row, peer: _Row, gap_ours: float, gap_peer: float) -> tuple[str, str]:
    """Issue 12's rule for one problem: ``(outcome, reason)``, outcome ``won`` / ``tied`` / ``lost``.

    ``ours`` / ``peer``: summary rows (``ert``, ``ert_ci_low``, ``ert_ci_high``) of our entry and of
    the best peer. Won when our ERT <= the peer's; tied when it is at most :data:`TIE_FACTOR` times
    the peer's or the bootstrap 95 % CIs overlap (share a finite point: without a success our
    interval is [inf, inf] and overlaps nothing); lost otherwise. Where neither reached the target
    the median best gaps at the budget (``gap_ours``, ``gap_peer``) decide: lower wins, equal ties.
    """
    eo, ep = ours["ert"], peer["ert"]
    if not math.isfinite(eo) and not math.isfinite(ep):
        if gap_ours < gap_peer:
            return "won", f"median gap {gap_ours:.3g} < {gap_peer:.3g}"
        if gap_ours == gap_peer:
            return "tied", f"median gap {gap_ours:.3g} = {gap_peer:.3g}"
        return "lost", f"median gap {gap_ours:.3g} > {gap_peer:.3g}"
    if eo <= ep:
        return "won", "ERT " + (f"{ep / eo:.2f}× lower" if math.isfinite(ep) else "finite, the peer's ∞")
    if eo <= TIE_FACTOR * ep:
        return "tied", f"ERT {eo / ep:.2f}× the peer's (<= {TIE_FACTOR})"
    if _overlap(ours, peer):
        return "tied", ("ERT " + (f"{eo / ep:.2f}×" if math.isfinite(eo) else "∞ vs finite")) + ", CIs overlap"
    return "lost", "ERT " + (f"{eo / ep:.2f}× the peer's" if math.isfinite(eo) else "∞ (the peer's finite)")


def _rows(summary: list[_Row], track: str, problems: list[str]) -> list[_Row]:
    return [r for r in summary if r["track"] == track and r["problem"] in problems]


def _target_index(rows: list[_Row], p: str, target: str) -> int:
    tmax = max(r["target_index"] for r in rows if r["problem"] == p)
    return tmax if target == "final" else min(int(target), tmax)


def _table(summary: list[_Row], track: str, target: str, problems: list[str]) -> list[str]:
    """Rows: problems; cells: ERT [CI] (successes/runs) at the final target (or the given index),
    ours (no ablation) and the peers, then the best of ours and the best peer."""
    rows = [r for r in _rows(summary, track, problems) if r["optimizer"] not in ABLATIONS]
    if not rows:
        return []
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"], r["target_index"]): r for r in rows}
    lines = md_table(
        ["problem", "target gap", "budget", *opts, "best of ours", "best peer"], "lrr" + "r" * len(opts) + "ll", []
    )
    for p in problem_order(r["problem"] for r in rows):
        ti = _target_index(rows, p, target)
        cells = {o: by.get((p, o, ti)) for o in opts}
        present = {o: c for o, c in cells.items() if c is not None}
        ours = {o: c for o, c in present.items() if o in OURS}
        peers = {o: c for o, c in present.items() if o not in OURS}
        best_e = min(c["ert"] for c in present.values())
        txt = []
        for c in cells.values():
            s = "–" if c is None else _cell(c)
            txt.append(f"**{s}**" if c is not None and math.isfinite(best_e) and c["ert"] == best_e else s)
        any_c = next(iter(present.values()))
        lines.append(
            md_row([p, f"{any_c['target_gap']:g}", f"{any_c['budget']:,}", *txt, *_best_cells(present, ours, peers)])
        )
    return lines


def _our_entry(names: Iterable[str]) -> Optional[str]:
    """Our main entry (``asng-bb``) if it ran, else the first of ours in the registry's order."""
    present = [n for n in optimizer_order(names) if n in OURS]
    return MAIN if MAIN in present else (present[0] if present else None)


def _verdict_rows(summary: list[_Row], track: str, target: str, what: str, problems: list[str]) -> list[_Row]:
    rows = _rows(summary, track, problems)
    out = []
    for p in problem_order(r["problem"] for r in rows):
        ti = _target_index(rows, p, target)
        cells = {r["optimizer"]: r for r in rows if r["problem"] == p and r["target_index"] == ti}
        me = _our_entry(cells)
        peers = {o: c for o, c in cells.items() if o not in OURS}
        if me is None or not peers:
            continue
        bp = _best(peers)
        gap_peer_name = min(peers, key=lambda o: peers[o]["median_best_gap"])
        peer = peers[bp] if bp else peers[gap_peer_name]
        bo = _best({o: c for o, c in cells.items() if o in OURS and o not in ABLATIONS})
        eo_best = cells[bo]["ert"] if bo else math.inf
        by_ert = _ert_winner(bo, bp, eo_best, peer["ert"] if bp else math.inf)
        g_o, g_p = cells[me]["median_best_gap"], peers[gap_peer_name]["median_best_gap"]
        outcome, why = verdict(cells[me], peer, g_o, g_p)
        both_inf = not math.isfinite(cells[me]["ert"]) and not math.isfinite(peer["ert"])
        rival = gap_peer_name if both_inf else (bp or gap_peer_name)
        who = {"won": me, "tied": f"tie ({me}, {rival})", "lost": f"**{rival}**"}[outcome]
        out.append(
            {
                "track": track,
                "target": what,
                "problem": p,
                "by_ert": by_ert,
                "ours": f"{me}: {_cell(cells[me])}",
                "peer": f"{bp}: {_cell(peer)}" if bp else "no peer reached it",
                "gaps": f"{g_o:.3g} / {g_p:.3g} ({gap_peer_name})" if both_inf else "–",
                "outcome": outcome,
                "who": f"{who} — {why}",
            }
        )
    return out


def _verdict_table(rows: list[_Row]) -> list[str]:
    head = [
        "track",
        "target",
        "problem",
        "by ERT (best of ours vs best peer)",
        "our entry: ERT [95 % CI]",
        "best peer: ERT [95 % CI]",
        "median best gap: ours / best peer (where no one reached it)",
        "who wins (issue 12's rule)",
    ]
    keys = ("track", "target", "problem", "by_ert", "ours", "peer", "gaps", "who")
    return md_table(head, "l" * len(head), [[r[k] for k in keys] for r in rows])


def _ablation_table(summary: list[_Row], problems: list[str], target: str, track: str = "main") -> list[str]:
    """``asng-bb`` and each ablation, ERT [CI] (successes/runs) and the ratio to asng-bb's ERT;
    where the ERT is infinite, the median best gap."""
    rows = [r for r in _rows(summary, track, problems) if r["optimizer"] == MAIN or r["optimizer"] in ABLATIONS]
    opts = optimizer_order(r["optimizer"] for r in rows)
    if MAIN not in opts or len(opts) < 2:
        return []
    by = {(r["problem"], r["optimizer"], r["target_index"]): r for r in rows}
    body = []
    for p in problem_order(r["problem"] for r in rows):
        ti = _target_index(rows, p, target)
        ref = by.get((p, MAIN, ti))
        line = [p, f"{ref['target_gap']:g}" if ref else "–"]
        for o in opts:
            c = by.get((p, o, ti))
            if c is None:
                line.append("–")
                continue
            s = _cell(c)
            if not math.isfinite(c["ert"]):
                s += f", gap {c['median_best_gap']:.3g}"
            elif o != MAIN and ref is not None and math.isfinite(ref["ert"]):
                s += f" ×{c['ert'] / ref['ert']:.2f}"
            line.append(s)
        body.append(line)
    return md_table(["problem", "target gap", *opts], "lr" + "r" * len(opts), body)


def _per_problem_table(summary: list[_Row], track: str, column: str, problems: list[str]) -> list[str]:
    """One number per problem and optimizer (overhead or median best gap, the same for every target)."""
    rows = [r for r in _rows(summary, track, problems) if r["target_index"] == 0 and r["optimizer"] not in ABLATIONS]
    opts = optimizer_order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"]): r[column] for r in rows}
    fmt = "{:,.0f}" if column == "median_overhead_us_per_eval" else "{:.3g}"
    body = []
    for p in problem_order(r["problem"] for r in rows):
        values = [by.get((p, o)) for o in opts]
        body.append([p] + ["–" if v is None or not math.isfinite(v) else fmt.format(v) for v in values])
    return md_table(["problem", *opts], "l" + "r" * len(opts), body)


def _reuse_lines(meta: dict[str, Any]) -> list[str]:
    rec = meta.get("reused")
    if not rec:
        return []
    out = []
    for src in rec["sources"]:
        if not src["runs"]:
            continue
        out.append(
            f"Reused peers' runs: {src['runs']} runs taken from `{src['source']}` (written by `{src['command']}`; "
            f"versions and problems compared, peers' code fingerprint {src['code_fingerprint']}; "
            f"{src['runs_without_trace']} of them without an improvement trace, the spot-checked ones have one): "
            + "; ".join(f"{o} on {', '.join(ps)}" for o, ps in src["reused"].items())
            + "."
        )
    checks = rec.get("spot_checks") or {}
    if checks:
        same = sum(v == "identical" for v in checks.values())
        out.append(
            f"Spot checks (one reused run per optimizer and problem run again and compared): {same} of {len(checks)} "
            "identical" + ("; the others' runs were all run again (below)." if same < len(checks) else ".")
        )
    if rec.get("rerun"):
        out.append("Peers' runs made here: " + "; ".join(f"{k} ({v})" for k, v in rec["rerun"].items()) + ".")
    return out


def _preamble(meta: dict[str, Any]) -> list[str]:
    machine = ("cpu", "cores", "memory_gib", "python")
    out = [
        f"Command: `{meta['command']}` — wall time {meta['wall_s']:.0f} s with {meta['jobs']} worker process(es), "
        f"{meta['seeds']} seeds (0–{meta['seeds'] - 1}) per optimizer and problem"
        + "".join(
            f"; {n} (0–{n - 1}) on {', '.join(p for p, m in (meta.get('seeds_by_problem') or {}).items() if m == n)}"
            for n in sorted(set((meta.get("seeds_by_problem") or {}).values()))
        )
        + ".",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".",
        "Machine: " + ", ".join(f"{k} {v}" for k, v in meta["machine"].items() if k in machine) + ".",
    ]
    load = meta.get("load_average")
    if load and load.get("start"):
        out.append(
            f"Load average (1, 5, 15 min) at the start {load['start']}, at the end {load.get('end')}: the overhead "
            "columns are wall-clock times, comparable only between runs made under the same load."
        )
    for prob, info in (meta.get("rerun") or {}).items():
        out.append(
            f"Rerun of {prob}: `{info['command']}` ({info['wall_s']:.0f} s), merged into the CSVs: {info['why']}."
        )
    out += _reuse_lines(meta)
    if meta.get("skipped_not_installed"):
        out.append(f"Not installed, skipped: {', '.join(meta['skipped_not_installed'])}.")
    return out


#: the last target, as the headings name it
LAST = "the last target (the optimum: gap 0; 1e-6 with reals)"


def _group(summary: list[_Row], meta: dict[str, Any], problems: list[str], suffix: str) -> tuple[list[str], list[_Row]]:
    """Every table for one group of problems (tuned or untuned), and its verdict rows."""
    out: list[str] = []
    verdicts: list[_Row] = []
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
                verdicts += _verdict_rows(summary, track, target, what, problems)
        if any(r["track"] == track for r in _rows(summary, track, problems)):
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
        abl = _ablation_table(summary, problems, target, track)
        if abl:
            out += ["", f"### Ablation{suffix}, {track} track: ERT to {what} [95 % CI] (successes / runs), ×: ERT / "
                    f"{MAIN}'s; where no run reached it, the median best gap", "", *abl]  # fmt: skip
    if verdicts:
        won = sum(v["outcome"] != "lost" for v in verdicts)
        out += ["", f"### Who wins{suffix} (our entry vs the best peer; issue 12's rule: won or tied when our ERT "
                f"<= {TIE_FACTOR}× the best peer's or the bootstrap 95 % CIs overlap, by the median best gap at the "
                f"budget where nobody reached the target): won or tied {won} of {len(verdicts)}", ""]  # fmt: skip
        out += _verdict_table(verdicts)
    return out, verdicts


def markdown(summary: list[_Row], meta: dict[str, Any]) -> str:
    """The tables of blackbox.md (also pasted into results/README.md): the tuned problems, then
    the untuned ones (:attr:`.registry.ProblemSpec.untuned`) under their own headings."""
    out = _preamble(meta)
    problems = problem_order(r["problem"] for r in summary)
    untuned = [p for p in problems if p in PROBLEMS and PROBLEMS[p].untuned]
    tuned = [p for p in problems if p not in untuned]
    for group, suffix in ((tuned, ""), (untuned, " — untuned problems")):
        if group:
            lines, _ = _group(summary, meta, group, suffix)
            out += lines
    return "\n".join(out) + "\n"
