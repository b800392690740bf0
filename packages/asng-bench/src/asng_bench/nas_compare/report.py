"""The outputs of the study from the saved runs: ``runs.csv``, ``nas_compare.md`` (a Table-1-style
table, the rank test, the command, versions, seeds, machine, total CPU time) and
``nas_compare.png`` (every run: test error against search CPU seconds)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ..report_io import md_table, package_versions, pyplot, save_figure, write_csv
from .config import STRATEGIES
from .runs import RUN_COLUMNS, read_run, run_path
from .stats import pairwise, rank_test

__all__ = ["report", "collect"]

VERSIONED = ("asng-opt", "asng-nas", "asng-bench", "torch", "numpy", "scipy")
COLOURS = {"asng": "tab:blue", "asng-d0.1": "tab:cyan", "random-ws": "tab:green", "darts": "tab:red"}


def collect(out: str | Path, strategies: list[str], seeds: list[int]) -> list[dict[str, Any]]:
    """The saved runs of ``strategies`` x ``seeds`` (missing ones skipped)."""
    runs = []
    for s in strategies:
        for seed in seeds:
            p = run_path(out, s, seed)
            if p.exists():
                runs.append(read_run(p))
    return runs


def _mean_sd(values: list[float]) -> str:
    if not values:
        return "–"
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else float("nan")
    return f"{np.mean(values):.2f} ± {sd:.2f}" if not math.isnan(sd) else f"{np.mean(values):.2f}"


def concentration(run: dict[str, Any]) -> float | None:
    """How far a search moved from uniform at its end: the mean over variables of the largest
    probability (ASNG: of p_theta; DARTS: of softmax(alpha)); None for random sampling."""
    for rec in reversed(run["history"]):
        for key in ("mean_max_theta", "mean_max_softmax_alpha"):
            if key in rec:
                return float(rec[key])
    return None


def uniform_concentration(n_nodes: int, n_ops: int = 5) -> float:
    """:func:`concentration` of the uniform distribution: node ``i`` has two input choices of
    ``2 + i`` candidates and two operation choices of ``n_ops`` (the same for both cell types)."""
    probs = [1 / (2 + i) for i in range(n_nodes) for _ in range(2)] + [1 / n_ops] * (2 * n_nodes)
    return float(np.mean(probs))


def _figure(runs: list[dict[str, Any]], strategies: list[str], path: Path, title: str) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    for s in strategies:
        rs = [r for r in runs if r["strategy"] == s]
        if not rs:
            continue
        x = [r["search_cpu_s"] for r in rs]
        y = [100 * r["test_error"] for r in rs]
        ax.scatter(x, y, color=COLOURS.get(s), label=f"{s} ({len(rs)} runs)", alpha=0.8)
        ax.scatter([np.mean(x)], [np.mean(y)], color=COLOURS.get(s), marker="X", s=140, edgecolor="black")
    ax.set_xscale("log")
    ax.set_xlabel("search cost (CPU seconds, log scale)")
    ax.set_ylabel("test error after retraining (%)")
    ax.set_title(title, fontsize=9)
    ax.grid(alpha=0.3, which="both")
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.legend(fontsize=8, title="dots: runs, X: mean", title_fontsize=8)
    fig.tight_layout()
    save_figure(fig, path, dpi=120)


def report(out: str | Path, meta: dict[str, Any]) -> Path:
    """Write ``runs.csv``, ``nas_compare.png`` and ``nas_compare.md`` into ``out``; returns the markdown's path."""
    out = Path(out)
    strategies, seeds, cfg = meta["strategies"], meta["seeds"], meta["config"]
    runs = collect(out, strategies, seeds)
    write_csv(out / "runs.csv", runs, RUN_COLUMNS)
    data = cfg["dataset"]
    _figure(
        runs,
        strategies,
        out / "nas_compare.png",
        f"{data}: every (strategy, seed), {cfg['iterations']} search iterations",
    )
    errors = {s: {r["seed"]: r["test_error"] for r in runs if r["strategy"] == s} for s in strategies}
    errors = {s: e for s, e in errors.items() if e}
    test = rank_test(errors)
    rows = []
    for s in strategies:
        rs = [r for r in runs if r["strategy"] == s]
        rank = test["mean_rank"].get(s)
        conc = [c for c in (concentration(r) for r in rs) if c is not None]
        rows.append(
            [
                s,
                len(rs),
                _mean_sd([100 * r["test_error"] for r in rs]),
                f"{100 * min(r['test_error'] for r in rs):.2f}" if rs else "–",
                _mean_sd([r["params"] / 1e3 for r in rs]),
                _mean_sd([r["search_cpu_s"] for r in rs]),
                f"{np.mean(conc):.2f}" if conc else "–",
                f"{rank:.2f}" if rank is not None else "–",
            ]
        )
    lines = [f"# One-shot NAS strategies on {data}: `asng-bench nas-compare`", ""]
    if data != "fashion-mnist":
        lines += [f"**Data: {data}, not Fashion-MNIST** (the study's default data set).", ""]
    lines += md_table(
        [
            "strategy",
            "seeds",
            "test error (%)",
            "best (%)",
            "params (k)",
            "search CPU s",
            "end concentration",
            "mean rank",
        ],
        "lrrrrrrr",
        rows,
    )
    lines += [
        "",
        "Mean ± standard deviation over seeds; rank 1 = lowest test error of a seed, ties averaged. End "
        "concentration: the mean over variables of the largest probability at the end of the search (ASNG: "
        f"p_theta, DARTS: softmax(alpha)); {uniform_concentration(cfg['n_nodes']):.2f} is uniform, 1 a "
        "single architecture.",
        "",
    ]
    lines += _verdict(errors, test)
    lines += _setup(meta, runs)
    path = out / "nas_compare.md"
    path.write_text("\n".join(lines) + "\n")
    return path


def _verdict(errors: dict[str, dict[int, float]], test: dict[str, Any]) -> list[str]:
    lines = ["## Who wins", ""]
    if not test["mean_rank"]:
        return lines + ["Not enough finished runs to rank the strategies.", ""]
    best = min(test["mean_rank"], key=lambda s: (test["mean_rank"][s], np.mean(list(errors[s].values()))))
    lines.append(
        f"Lowest mean rank on the {len(test['seeds'])} seeds every strategy finished: **{best}** "
        f"({test['mean_rank'][best]:.2f})."
    )
    if test["p_value"] is None:
        lines.append("No rank test (it needs >= 3 strategies and >= 2 common seeds).")
    else:
        p = test["p_value"]
        sure = "the strategies differ (p < 0.05)" if p < 0.05 else "no significant difference between the strategies"
        lines.append(
            f"Friedman rank test over the strategies, blocked by seed (scipy.stats.friedmanchisquare): "
            f"chi2 = {test['statistic']:.2f}, p = {p:.3f}: {sure}."
        )
    names = list(errors)
    n = len(test["seeds"])
    floor = 2 / 2**n if n else float("nan")
    lines += [
        "",
        "Paired two-sided Wilcoxon signed-rank p-values (paired by seed; exact; no correction for the "
        f"{len(names) * (len(names) - 1) // 2} comparisons; with {n} seeds the smallest attainable p is "
        f"{floor:.3f}{', so no pair can reach 5 %' if floor >= 0.05 else ''}); the sign says whether the row "
        "strategy's mean test error is lower (<) or higher (>) than the column's:",
        "",
    ]
    rows = []
    for a in names:
        pw = pairwise(errors, a, [b for b in names if b != a])
        cells = []
        for b in names:
            if b == a:
                cells.append("–")
                continue
            sign = "<" if np.mean(list(errors[a].values())) < np.mean(list(errors[b].values())) else ">"
            cells.append(f"{sign} {pw[b]:.3f}" if not math.isnan(pw[b]) else "n/a")
        rows.append([a, *cells])
    lines += md_table(["", *names], "l" + "r" * len(names), rows)
    return lines + [""]


def _setup(meta: dict[str, Any], runs: list[dict[str, Any]]) -> list[str]:
    cfg, m = meta["config"], meta["machine"]
    versions = package_versions(VERSIONED)
    total_run_cpu = sum(r["search_cpu_s"] + r["retrain_cpu_s"] for r in runs)
    lines = ["## Setup", ""]
    lines += [f"- {name}: {STRATEGIES[name]}" for name in meta["strategies"]]
    lines += [
        f"- Supernet: {cfg['n_cells']} ENAS cells (reductions at cells {cfg['n_cells'] // 3} and "
        f"{2 * cfg['n_cells'] // 3}), {cfg['n_nodes']} nodes per cell, C = {cfg['channels']}, 5 operations, "
        f"images average-pooled {cfg['pool']} x {cfg['pool']}; {runs[0]['supernet_params'] if runs else '?'} "
        "parameters (non-affine BN).",
        "- Data: the training set split once (a fixed permutation) into a weight half and an architecture "
        "half; the test set is read only after retraining.",
        f"- Search budget: {cfg['iterations']} iterations of batch {cfg['batch']} for every strategy; each "
        "iteration is one SGD step of the supernet weights on the weight half (cosine lr "
        f"{cfg['lr']} -> 0, momentum {cfg['momentum']}, weight decay {cfg['weight_decay']}, clip "
        f"{cfg['grad_clip']}) plus the strategy's architecture step. Equal iterations means equal "
        "weight updates and equal data seen by the shared weights, the quantity that limits how well a "
        "supernet ranks architectures; what an iteration costs differs (DARTS runs every operation) and "
        "is reported as search CPU seconds, the figure's x axis. Random sampling also spends "
        f"{cfg['rs_candidates']} evaluations on {cfg['rs_eval_items']} architecture-half items choosing its "
        "answer (counted in its cost).",
        f"- Retraining (the same for all): a fresh network of the found cells (same size, affine BN), "
        f"{cfg['retrain_steps']} SGD steps of batch {cfg['retrain_batch']} on the whole training set, lr "
        f"{cfg['retrain_lr']} cosine to 0, Nesterov momentum 0.9; then the whole test set.",
        f"- Seeds: {meta['seeds']}; a seed fixes the supernet's initial weights (the same for every strategy), "
        "the data order and the strategy's sampling.",
        f"- Command(s): {'; '.join('`' + s['command'] + '`' for s in meta['sittings'])}",
        f"- Versions: {', '.join(f'{k} {v}' for k, v in versions.items())}",
        f"- Machine: {m['cpu']}, {m['cores']} cores (shared with other jobs), Python {m['python']}; "
        "one torch thread per run.",
        f"- Total CPU time: at least {max(meta['total_cpu_s'], total_run_cpu):.0f} s: the recorded sittings "
        f"{meta['total_cpu_s']:.0f} s ({len(meta['sittings'])} sitting(s)), the runs themselves "
        f"{total_run_cpu:.0f} s of search + retraining (a sitting stopped before its end records no total; its "
        "finished runs keep their own CPU time).",
        "",
        "Files: `runs.csv` (one row per run), `runs/*.json` (each run's choices, search log and config), "
        "`meta.json`, `nas_compare.png`.",
    ]
    return lines
