"""Statistics, tables and the figure of the black-box comparison.

ERT (expected running time, Hansen et al., COCO): the evaluations spent by all runs until they
reached the target (successful runs) or stopped (unsuccessful ones, their whole budget), divided
by the number of successful runs; infinite without a success. SP1 (Auger & Hansen 2005): the
mean evaluations of the successful runs divided by the success rate; infinite without a
success. Both agree when every run succeeds.
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np

__all__ = ["ert", "sp1", "summarize", "write_summary", "markdown", "ecdf_figure", "update_readme", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = [
    "track",
    "problem",
    "optimizer",
    "target_index",
    "target_gap",
    "budget",
    "runs",
    "successes",
    "success_rate",
    "ert",
    "sp1",
    "median_evals_success",
    "median_overhead_us_per_eval",
    "median_best_gap",
]

OURS = ("asng-l2", "asng-l16", "sng")


def ert(evals: Sequence[Optional[float]], used: Sequence[float]) -> float:
    """ERT from per-run evaluations to the target (None: not reached) and evaluations used."""
    if len(evals) != len(used):
        raise ValueError("ert: evals and used must have the same length")
    succ = sum(e is not None for e in evals)
    if succ == 0:
        return math.inf
    return float(sum(e if e is not None else u for e, u in zip(evals, used))) / succ


def sp1(evals: Sequence[Optional[float]]) -> float:
    """SP1 = mean evaluations of the successful runs / success rate (inf without a success)."""
    ok = [float(e) for e in evals if e is not None]
    if not ok:
        return math.inf
    return float(np.mean(ok)) / (len(ok) / len(evals))


def _order(names: Iterable[str]) -> list[str]:
    """Ours first, then the peers, in the order of :data:`asng_bench.blackbox_peers.ALL_OPTIMIZERS`."""
    from .blackbox_peers import ALL_OPTIMIZERS

    rank = {n: i for i, n in enumerate(ALL_OPTIMIZERS)}
    return sorted(set(names), key=lambda n: (rank.get(n, len(rank)), n))


def _num(x: Any) -> Optional[float]:
    return None if x is None or x == "" else float(x)


def summarize(hits: Iterable[dict[str, Any]], runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (track, problem, optimizer, target) from the rows of hits.csv and runs.csv."""
    overhead: dict[tuple, list[float]] = defaultdict(list)
    best_gap: dict[tuple, list[float]] = defaultdict(list)
    for r in runs:
        overhead[(r["track"], r["problem"], r["optimizer"])].append(float(r["overhead_us_per_eval"]))
        best_gap[(r["track"], r["problem"], r["optimizer"])].append(float(r["best_gap"]))
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        key = (h["track"], h["problem"], h["optimizer"], int(h["target_index"]))
        groups[key].append(h)
    out = []
    for key in sorted(groups):
        hs = groups[key]
        evals = [_num(h["evals"]) for h in hs]
        used = [float(h["n_evals"]) for h in hs]
        ok = [e for e in evals if e is not None]
        ov = overhead.get(key[:3], [])
        out.append(
            {
                "track": key[0],
                "problem": key[1],
                "optimizer": key[2],
                "target_index": key[3],
                "target_gap": float(hs[0]["target_gap"]),
                "budget": int(float(hs[0]["budget"])),
                "runs": len(hs),
                "successes": len(ok),
                "success_rate": len(ok) / len(hs),
                "ert": ert(evals, used),
                "sp1": sp1(evals),
                "median_evals_success": float(np.median(ok)) if ok else math.nan,
                "median_overhead_us_per_eval": float(np.median(ov)) if ov else math.nan,
                "median_best_gap": float(np.median(best_gap[key[:3]])) if best_gap.get(key[:3]) else math.nan,
            }
        )
    return out


def write_summary(path: str | Path, summary: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=SUMMARY_COLUMNS)
        w.writeheader()
        for r in summary:
            w.writerow({k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v) for k, v in r.items()})


def read_csv(path: str | Path) -> list[dict[str, Any]]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _fmt_ert(e: float) -> str:
    if not math.isfinite(e):
        return "∞"
    return f"{e:,.0f}" if e >= 100 else f"{e:.0f}"


def _table(summary: list[dict[str, Any]], track: str, target: str) -> tuple[list[str], list[dict[str, Any]]]:
    """Rows: problems; cells: ERT (successes/runs) at the final target (or the given index)."""
    rows = [r for r in summary if r["track"] == track]
    if not rows:
        return [], []
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    opts = _order(r["optimizer"] for r in rows)
    by = {}
    for r in rows:
        by[(r["problem"], r["optimizer"], r["target_index"])] = r
    lines = ["| problem | target gap | budget | " + " | ".join(opts) + " | best of ours | best peer |"]
    lines.append("|---|---:|---:|" + "---:|" * len(opts) + "---|---|")
    verdicts = []
    for p in problems:
        tmax = max(r["target_index"] for r in rows if r["problem"] == p)
        ti = tmax if target == "final" else min(int(target), tmax)
        cells = {o: by.get((p, o, ti)) for o in opts}
        present = {o: c for o, c in cells.items() if c is not None}
        best_e = min(c["ert"] for c in present.values())
        txt = []
        for o in opts:
            c = cells[o]
            if c is None:
                txt.append("–")
                continue
            s = f"{_fmt_ert(c['ert'])} ({c['successes']}/{c['runs']})"
            txt.append(f"**{s}**" if math.isfinite(best_e) and c["ert"] == best_e else s)
        ours = {o: c for o, c in present.items() if o in OURS}
        peers = {o: c for o, c in present.items() if o not in OURS}
        bo = min(ours, key=lambda o: (ours[o]["ert"], -ours[o]["success_rate"])) if ours else None
        bp = min(peers, key=lambda o: (peers[o]["ert"], -peers[o]["success_rate"])) if peers else None
        any_c = next(iter(present.values()))
        lines.append(
            f"| {p} | {any_c['target_gap']:g} | {any_c['budget']:,} | " + " | ".join(txt) + f" | {bo} | {bp} |"
        )
        if bo and bp:
            eo, ep = ours[bo]["ert"], peers[bp]["ert"]
            if not math.isfinite(eo) and not math.isfinite(ep):
                winner = "none reaches it"
            elif eo < ep:
                winner = f"ours ({bo})" + (f", {ep / eo:.1f}× fewer evaluations" if math.isfinite(ep) else "")
            elif ep < eo:
                winner = f"**peer ({bp})**" + (f", {eo / ep:.1f}× fewer evaluations" if math.isfinite(eo) else "")
            else:
                winner = "tie"
            verdicts.append({"problem": p, "ours": bo, "peer": bp, "ert_ours": eo, "ert_peer": ep, "winner": winner})
    return lines, verdicts


def _overhead_table(
    summary: list[dict[str, Any]], track: str, column: str = "median_overhead_us_per_eval"
) -> list[str]:
    rows = [r for r in summary if r["track"] == track and r["target_index"] == 0]
    problems = list(dict.fromkeys(r["problem"] for r in rows))
    opts = _order(r["optimizer"] for r in rows)
    by = {(r["problem"], r["optimizer"]): r[column] for r in rows}
    fmt = "{:,.0f}" if column == "median_overhead_us_per_eval" else "{:.3g}"
    lines = ["| problem | " + " | ".join(opts) + " |", "|---|" + "---:|" * len(opts)]
    for p in problems:
        cells = []
        for o in opts:
            v = by.get((p, o))
            cells.append("–" if v is None or not math.isfinite(v) else fmt.format(v))
        lines.append(f"| {p} | " + " | ".join(cells) + " |")
    return lines


def _fixed_budget_verdicts(summary: list[dict[str, Any]], track: str) -> list[dict[str, Any]]:
    rows = [r for r in summary if r["track"] == track and r["target_index"] == 0]
    out = []
    for p in dict.fromkeys(r["problem"] for r in rows):
        ours = {r["optimizer"]: r["median_best_gap"] for r in rows if r["problem"] == p and r["optimizer"] in OURS}
        peers = {r["optimizer"]: r["median_best_gap"] for r in rows if r["problem"] == p and r["optimizer"] not in OURS}
        if not ours or not peers:
            continue
        bo, bp = min(ours, key=ours.get), min(peers, key=peers.get)
        go, gp = ours[bo], peers[bp]
        if go < gp:
            winner = f"ours ({bo}): median gap {go:.3g} vs {gp:.3g}"
        elif gp < go:
            winner = f"**peer ({bp})**: median gap {gp:.3g} vs {go:.3g}"
        else:
            winner = f"tie ({bo} and {bp}: {go:.3g})"
        out.append({"track": track, "target": "median best gap at the budget", "problem": p, "winner": winner})
    return out


def markdown(summary: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """The tables of blackbox.md (also pasted into results/README.md)."""
    out = [
        f"Command: `{meta['command']}` — wall time {meta['wall_s']:.0f} s with {meta['jobs']} worker process(es), "
        f"{meta['seeds']} seeds (0–{meta['seeds'] - 1}) per optimizer and problem.",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".",
        "Machine: "
        + ", ".join(f"{k} {v}" for k, v in meta["machine"].items() if k in ("cpu", "cores", "memory_gib", "python"))
        + ".",
    ]
    for prob, info in (meta.get("rerun") or {}).items():
        out.append(
            f"Rerun of {prob}: `{info['command']}` ({info['wall_s']:.0f} s), merged into the CSVs: {info['why']}."
        )
    if meta.get("skipped_not_installed"):
        out.append(f"Not installed, skipped: {', '.join(meta['skipped_not_installed'])}.")
    verdict_rows = []
    for track, title in (("main", "Main track (per-problem budget)"), ("short", "Short track (budget ")):
        if track == "short":
            title += f"{meta.get('short_budget')} evaluations, optuna included)"
        targets = (("final", "the optimum (gap 0)"), ("1", "the second target"))
        if track == "short":
            targets = (("0", "the first target"),)
        for target, what in targets:
            lines, verdicts = _table(summary, track, target)
            if not lines:
                continue
            out += ["", f"### {title}: ERT to {what} (successes / runs)", "", *lines]
            verdict_rows += [{**v, "track": track, "target": what} for v in verdicts]
        if any(r["track"] == track for r in summary):
            out += ["", f"### {title}: optimizer overhead, median µs per evaluation (objective excluded)", ""]
            out += _overhead_table(summary, track)
            out += ["", f"### {title}: median best gap f - f_opt at the end of the runs (fixed-budget view)", ""]
            out += _overhead_table(summary, track, "median_best_gap")
    verdict_rows += _fixed_budget_verdicts(summary, "short")
    if verdict_rows:
        out += ["", "### Who wins (best of ours vs best peer; by ERT, or by median best gap at the budget)", ""]
        out += ["| track | target | problem | winner |", "|---|---|---|---|"]
        for v in verdict_rows:
            out.append(f"| {v['track']} | {v['target']} | {v['problem']} | {v['winner']} |")
    return "\n".join(out) + "\n"


def ecdf_figure(hits: list[dict[str, Any]], path: str | Path, track: str = "main") -> None:
    """ECDF of runtimes: per problem, the fraction of (run, target) pairs reached within x evaluations."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hs = [h for h in hits if h["track"] == track]
    if not hs:
        return
    problems = list(dict.fromkeys(h["problem"] for h in hs))
    opts = _order(h["optimizer"] for h in hs)
    ncol = min(4, len(problems))
    nrow = math.ceil(len(problems) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.3 * nrow), squeeze=False)
    colors = plt.get_cmap("tab10")
    for ax, p in zip(axes.flat, problems):
        budget = max(float(h["budget"]) for h in hs if h["problem"] == p)
        x = np.unique(np.round(np.logspace(1, math.log10(budget), 200)))
        for i, o in enumerate(opts):
            ev = [_num(h["evals"]) for h in hs if h["problem"] == p and h["optimizer"] == o]
            if not ev:
                continue
            arr = np.array([e if e is not None else np.inf for e in ev])
            y = (arr[None, :] <= x[:, None]).mean(axis=1)
            style = "-" if o in OURS else "--"
            ax.step(x, y, where="post", label=o, color=colors(i % 10), linestyle=style, lw=1.6 if o in OURS else 1.2)
        ax.set_xscale("log")
        ax.set_xlim(10, budget)
        ax.set_ylim(0, 1.02)
        ax.set_title(p, fontsize=10)
        ax.set_xlabel("evaluations")
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(problems) :]:
        ax.axis("off")
    axes[0, 0].set_ylabel("fraction of (run, target) reached")
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 9), fontsize=9)
    fig.suptitle(f"Black-box comparison, {track} track: ECDF of evaluations to the targets (solid: ours)")
    fig.tight_layout(rect=(0, 0.06, 1, 0.96))
    fig.savefig(path, dpi=110)
    plt.close(fig)


SECTION = "## Black-box comparison"


def update_readme(readme: str | Path, out: Path) -> None:
    """Add or replace the ``## Black-box comparison`` section of results/README.md.

    The section is ``notes.md`` from the same folder when it exists (the hand-written reading of
    the numbers) followed by the generated ``blackbox.md``.
    """
    readme = Path(readme)
    out = Path(out)
    meta = json.loads((out / "meta.json").read_text())
    notes = out / "notes.md"
    extra = notes.read_text() if notes.exists() else ""
    rel = out.relative_to(readme.parent) if out.is_relative_to(readme.parent) else out
    body = [
        SECTION,
        "",
        "ASNG (λ = 2 and λ = 16) and SNG against the discrete / mixed black-box optimizers a user would pick instead. "
        f"Data: [`{rel}/runs.csv`]({rel}/runs.csv) (one row per run), [`{rel}/hits.csv`]({rel}/hits.csv) "
        f"(evaluations to each target), [`{rel}/summary.csv`]({rel}/summary.csv) (ERT, SP1, success rate), "
        f"[`{rel}/meta.json`]({rel}/meta.json); figures [`{rel}/ecdf.png`]({rel}/ecdf.png) (main track) and "
        f"[`{rel}/ecdf_short.png`]({rel}/ecdf_short.png) (short track).",
        "",
        f"Command: `nox -s blackbox` = `{meta['command']} --readme results/README.md`; wall time "
        f"{meta.get('wall_s_total', meta['wall_s']):,.0f} s on {meta['machine'].get('cores')} shared cores "
        f"({meta['machine'].get('cpu')}). Versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v)
        + ".",
    ]
    if extra:
        body += ["", extra.rstrip()]
    body += ["", "### Full tables (generated: `blackbox.md`)", "", (out / "blackbox.md").read_text().rstrip()]
    section = "\n".join(body) + "\n"
    text = readme.read_text() if readme.exists() else "# Results\n"
    start = text.find(SECTION)
    if start >= 0:
        nxt = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[nxt + 1 :] if nxt >= 0 else "")
    else:
        text = text.rstrip() + "\n\n" + section
    readme.write_text(text)
