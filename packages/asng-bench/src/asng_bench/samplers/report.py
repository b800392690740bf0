"""The tables of the optuna-sampler comparison: ``summary.csv`` and ``samplers.md``, from ``runs.csv``,
``hits.csv`` and ``meta.json``.

Per problem and sampler: ERT (:func:`asng_bench.stats.ert`: trials spent by all runs until they
reached the target or stopped, divided by the successful runs; ``inf`` without a success) and
successes for each target gap (with a 95% bootstrap interval of the ERT), the median best gap at
the end of the budget with its quartiles, and the median overhead per trial in milliseconds.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Optional

import numpy as np

from ..report_io import md_table, read_csv, read_json, write_csv
from ..stats import bootstrap_ert_ci, ert

__all__ = ["summarize", "report", "SUMMARY_COLUMNS"]

SUMMARY_COLUMNS = ["problem", "sampler", "runs", "target_index", "target_gap", "successes", "ert", "ert_lo", "ert_hi"]


def _hit(text: str) -> Optional[float]:
    return None if text == "" else float(text)


def summarize(runs: list[dict[str, Any]], hits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (problem, sampler, target): runs, successes, ERT in trials and its 95% bootstrap interval."""
    used = {(r["problem"], r["sampler"], r["seed"]): float(r["n_trials"]) for r in runs}
    groups: dict[tuple[str, str, int, str], list[dict[str, Any]]] = {}
    for h in hits:
        groups.setdefault((h["problem"], h["sampler"], int(h["target_index"]), h["target_gap"]), []).append(h)
    out = []
    for (problem, sampler, ti, gap), hs in groups.items():
        evals = [_hit(h["trials"]) for h in hs]
        spent = [used[(problem, sampler, h["seed"])] for h in hs]
        lo, hi = bootstrap_ert_ci(evals, spent)
        out.append(
            {
                "problem": problem,
                "sampler": sampler,
                "runs": len(hs),
                "target_index": ti,
                "target_gap": gap,
                "successes": sum(e is not None for e in evals),
                "ert": ert(evals, spent),
                "ert_lo": lo,
                "ert_hi": hi,
            }
        )
    return out


def _fmt(x: float) -> str:
    return "∞" if math.isinf(x) else f"{x:.0f}"


def _quartiles(values: list[float]) -> str:
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return f"{med:.2f} [{q1:.2f}, {q3:.2f}]"


def report(out: str | Path) -> Path:
    """Write ``summary.csv`` and ``samplers.md`` in ``out`` from its runs.csv, hits.csv and meta.json."""
    out = Path(out)
    runs, hits, meta = read_csv(out / "runs.csv"), read_csv(out / "hits.csv"), read_json(out / "meta.json")
    summary = summarize(runs, hits)
    write_csv(out / "summary.csv", summary, SUMMARY_COLUMNS)
    samplers = list(meta["samplers"])
    lines = [
        "# optuna samplers: ASNGSampler vs TPE, CMA-ES and random search",
        "",
        f"`{meta['command']}` — {meta['seeds']} seeds (0–{meta['seeds'] - 1}) per problem and sampler, "
        f"{meta['budget']} trials per run (stopped early at the optimum), in-memory storage, one process; "
        f"wall time {meta['wall_s']} s" + (f", CPU time {meta['cpu_s']} s." if "cpu_s" in meta else "."),
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ". "
        f"Machine: {meta['machine'].get('cpu', '?')}, {meta['machine'].get('cores', '?')} cores "
        f"(shared with other jobs; load average at the start {meta.get('load_average')}).",
        "",
        "Samplers: `asng` = `ASNGSampler(seed=s)` (λ = 4 + ⌊3 ln N⌋), which runs ASNG in its black-box "
        "configuration (`asng_opt.blackbox.BlackBoxASNG`: margin, elitism, log-rank weights on integers); "
        "`tpe` = `TPESampler(seed=s)`, whose "
        "default in optuna ≥ 5 is the multivariate TPE (so it *is* `multivariate=True`); `tpe-univariate` = "
        "`TPESampler(seed=s, multivariate=False)`; `random` = `RandomSampler(seed=s)`; `cmaes` = "
        "`CmaEsSampler(seed=s)`, which models only integer and float parameters: **it samples categorical "
        "parameters at random**, so on the two all-categorical problems it is random search.",
        "",
        "ERT = trials spent by all runs until they reached the target (or their whole budget), divided by the "
        "successful runs (∞: none succeeded), with its 95% percentile-bootstrap interval over the runs "
        "(`asng_bench.stats.bootstrap_ert_ci`) and the number of successful runs in parentheses. Targets are gaps "
        "f − f_opt, set for this budget before the study from a few preliminary runs (1–3 seeds, 200–250 trials), "
        "not the black-box study's "
        "(whose last target, the optimum, no sampler reached here). "
        "Overhead = (CPU time of the study − time inside the objective) per trial, median over the runs: "
        "the sampler plus optuna's in-memory bookkeeping (CPU time, because other jobs shared the cores; "
        "wall times are in runs.csv).",
        "",
    ]
    for problem, desc in meta["problems"].items():
        rows_p = [r for r in runs if r["problem"] == problem]
        gaps = sorted({float(s["target_gap"]) for s in summary if s["problem"] == problem}, reverse=True)
        lines += [f"## {problem}", "", desc, ""]
        header = ["sampler", *[f"ERT gap ≤ {g:g}" for g in gaps], "best gap: median [q1, q3]", "overhead ms/trial"]
        table = []
        for smp in samplers:
            mine = [r for r in rows_p if r["sampler"] == smp]
            if not mine:
                continue
            cells = []
            for g in gaps:
                s = next(
                    s
                    for s in summary
                    if s["problem"] == problem and s["sampler"] == smp and float(s["target_gap"]) == g
                )
                ci = f"[{_fmt(s['ert_lo'])}, {_fmt(s['ert_hi'])}]"
                cells.append(f"{_fmt(s['ert'])} {ci} ({s['successes']}/{s['runs']})")
            best = _quartiles([float(r["best_gap"]) for r in mine])
            overhead = float(np.median([float(r["overhead_ms"]) for r in mine]))
            table.append([smp, *cells, best, f"{overhead:.2f}"])
        lines += md_table(header, "l" + "r" * (len(header) - 1), table) + [""]
    path = out / "samplers.md"
    path.write_text("\n".join(lines))
    return path
