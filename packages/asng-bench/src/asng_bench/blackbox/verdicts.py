"""Who wins each problem of the black-box comparison: issue 12's rule (:func:`verdict`) between our
entry and the best peer, the rows of the "who wins" table and the table itself. The peers are
those as their users run them: a ``peer-variant`` row (:data:`.registry.PEER_VARIANTS`, a peer
with the runner's cache) is never the best peer (:func:`peers_as_users`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Optional

from ..report_io import md_table
from .cells import Row, cell, gap_cell, optimizer_order, problem_order, target_index, track_rows
from .registry import ABLATIONS, MAIN, OURS, PEER_VARIANTS

__all__ = [
    "verdict",
    "verdict_rows",
    "verdict_table",
    "best",
    "peers_as_users",
    "TIE_FACTOR",
    "NO_ONE",
    "GAP_CIS_OVERLAP",
]

TIE_FACTOR = 1.1  #: our ERT at most this times the best peer's is a tie (issue 12)
NO_ONE = "no one reached the target"
GAP_CIS_OVERLAP = " (CIs overlap)"  #: after a verdict by the median gaps whose bootstrap 95 % CIs share a point


def best(cells: dict[str, Row]) -> Optional[str]:
    """The optimizer with the lowest ERT (then the highest success rate); None if none reached the target."""
    reached = {o: c for o, c in cells.items() if math.isfinite(c["ert"])}
    return min(reached, key=lambda o: (reached[o]["ert"], -reached[o]["success_rate"])) if reached else None


def peers_as_users(cells: dict[str, Row]) -> dict[str, Row]:
    """The cells of the peers as their users run them: neither ours nor a peer variant (a name
    the registry does not know counts as a peer, as in earlier studies)."""
    return {o: c for o, c in cells.items() if o not in OURS and o not in PEER_VARIANTS}


def _ert_winner(bo: Optional[str], bp: Optional[str], eo: float, ep: float) -> str:
    if not math.isfinite(eo) and not math.isfinite(ep):
        return NO_ONE
    if eo < ep:
        return f"ours ({bo})" + (f", {ep / eo:.1f}× fewer evaluations" if math.isfinite(ep) else "")
    if ep < eo:
        return f"**peer ({bp})**" + (f", {eo / ep:.1f}× fewer evaluations" if math.isfinite(eo) else "")
    return "tie"


def _overlap(a: Row, b: Row, what: str = "ert") -> bool:
    """Whether the two bootstrap CIs of ``what`` (``ert``: ``ert_ci_low`` / ``ert_ci_high``,
    ``gap``: the median best gap's) share a finite point (an interval [inf, inf] -- no success --
    overlaps nothing; a missing bound, nothing)."""
    la, ha = a.get(f"{what}_ci_low", math.nan), a.get(f"{what}_ci_high", math.nan)
    lb, hb = b.get(f"{what}_ci_low", math.nan), b.get(f"{what}_ci_high", math.nan)
    if any(v is None or math.isnan(v) for v in (la, ha, lb, hb)):
        return False
    return bool(max(la, lb) <= min(ha, hb) and math.isfinite(max(la, lb)))


def verdict(ours: Row, peer: Row, gap_ours: float, gap_peer: float) -> tuple[str, str]:
    """Issue 12's rule for one problem: ``(outcome, reason)``, outcome ``won`` / ``tied`` / ``lost``.

    ``ours`` / ``peer``: summary rows (``ert``, ``ert_ci_low``, ``ert_ci_high``) of our entry and of
    the best peer. Won when our ERT <= the peer's; tied when it is at most :data:`TIE_FACTOR` times
    the peer's or the bootstrap 95 % CIs overlap (share a finite point: without a success our
    interval is [inf, inf] and overlaps nothing); lost otherwise. Where neither reached the target
    the median best gaps at the budget (``gap_ours``, ``gap_peer``) decide: lower wins, equal ties;
    a win or loss so decided gets :data:`GAP_CIS_OVERLAP` in its reason when the rows' bootstrap
    95 % CIs of the gaps (``gap_ci_low``, ``gap_ci_high``, where there) share a point -- a note
    that the difference is within noise, the outcome stays.
    """
    eo, ep = ours["ert"], peer["ert"]
    if not math.isfinite(eo) and not math.isfinite(ep):
        if gap_ours == gap_peer:
            return "tied", f"median gap {gap_ours:.3g} = {gap_peer:.3g}"
        note = GAP_CIS_OVERLAP if _overlap(ours, peer, "gap") else ""
        if gap_ours < gap_peer:
            return "won", f"median gap {gap_ours:.3g} < {gap_peer:.3g}{note}"
        return "lost", f"median gap {gap_ours:.3g} > {gap_peer:.3g}{note}"
    if eo <= ep:
        return "won", "ERT " + (f"{ep / eo:.2f}× lower" if math.isfinite(ep) else "finite, the peer's ∞")
    if eo <= TIE_FACTOR * ep:
        return "tied", f"ERT {eo / ep:.2f}× the peer's (<= {TIE_FACTOR})"
    if _overlap(ours, peer):
        return "tied", ("ERT " + (f"{eo / ep:.2f}×" if math.isfinite(eo) else "∞ vs finite")) + ", CIs overlap"
    return "lost", "ERT " + (f"{eo / ep:.2f}× the peer's" if math.isfinite(eo) else "∞ (the peer's finite)")


def _our_entry(names: Iterable[str]) -> Optional[str]:
    """Our main entry (``asng-bb``) if it ran, else the first of ours in the registry's order."""
    present = [n for n in optimizer_order(names) if n in OURS]
    return MAIN if MAIN in present else (present[0] if present else None)


def verdict_rows(summary: list[Row], track: str, target: str, what: str, problems: list[str]) -> list[Row]:
    """Per problem of ``track`` at ``target`` (``what`` names it), our entry against the best peer by
    :func:`verdict`: the cells of the "who wins" table and the ``outcome``."""
    rows = track_rows(summary, track, problems)
    out = []
    for p in problem_order(r["problem"] for r in rows):
        ti = target_index(rows, p, target)
        cells = {r["optimizer"]: r for r in rows if r["problem"] == p and r["target_index"] == ti}
        me = _our_entry(cells)
        peers = peers_as_users(cells)
        if me is None or not peers:
            continue
        bp = best(peers)
        gap_peer_name = min(peers, key=lambda o: peers[o]["median_best_gap"])
        peer = peers[bp] if bp else peers[gap_peer_name]
        bo = best({o: c for o, c in cells.items() if o in OURS and o not in ABLATIONS})
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
                "ours": f"{me}: {cell(cells[me])}",
                "peer": f"{bp}: {cell(peer)}" if bp else "no peer reached it",
                "gaps": f"{gap_cell(cells[me])} / {gap_cell(peers[gap_peer_name])} ({gap_peer_name})"
                if both_inf
                else "–",
                "outcome": outcome,
                "who": f"{who} — {why}",
            }
        )
    return out


def verdict_table(rows: list[Row]) -> list[str]:
    """The "who wins" markdown table of :func:`verdict_rows`."""
    head = [
        "track",
        "target",
        "problem",
        "by ERT (best of ours vs best peer)",
        "our entry: ERT [95 % CI]",
        "best peer: ERT [95 % CI]",
        "median best gap [95 % CI]: ours / best peer (where no one reached it)",
        "who wins (issue 12's rule)",
    ]
    keys = ("track", "target", "problem", "by_ert", "ours", "peer", "gaps", "who")
    return md_table(head, "l" * len(head), [[r[k] for k in keys] for r in rows])
