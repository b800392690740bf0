"""summary.csv of the black-box comparison: one row per (track, problem, optimizer, target) with
ERT with its bootstrap 95 % confidence interval (:data:`BOOTSTRAP` resamples of the runs, seed
:data:`BOOTSTRAP_SEED`), SP1 and success rate (:mod:`asng_bench.stats`), the median overhead and
the median best gap with its bootstrap 95 % confidence interval (:func:`asng_bench.stats.bootstrap_median_ci`, the
same resamples, seed and order statistics as the ERT's)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Optional

from ..report_io import write_csv
from ..stats import bootstrap_ert_ci, bootstrap_median_ci, ert, median_or_nan, sp1_of_hits

__all__ = ["SUMMARY_COLUMNS", "summarize_targets", "write_summary", "evals_or_none"]

BOOTSTRAP = 2000  #: resamples per confidence interval
BOOTSTRAP_SEED = 12345  #: the resampling generator's seed (the same for every group)

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
    "ert_ci_low",
    "ert_ci_high",
    "sp1",
    "median_evals_success",
    "median_overhead_us_per_eval",
    "median_best_gap",
    "gap_ci_low",
    "gap_ci_high",
]


def evals_or_none(x: Any) -> Optional[float]:
    """A hits.csv ``evals`` cell: the evaluations to the target, or None where it was not reached."""
    return None if x is None or x == "" else float(x)


def summarize_targets(hits: Iterable[dict[str, Any]], runs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per (track, problem, optimizer, target) from the rows of hits.csv and runs.csv."""
    overhead: dict[tuple, list[float]] = defaultdict(list)
    best_gap: dict[tuple, list[float]] = defaultdict(list)
    for r in runs:
        overhead[(r["track"], r["problem"], r["optimizer"])].append(float(r["overhead_us_per_eval"]))
        best_gap[(r["track"], r["problem"], r["optimizer"])].append(float(r["best_gap"]))
    gap_ci = {k: bootstrap_median_ci(v, BOOTSTRAP, 0.95, BOOTSTRAP_SEED) for k, v in best_gap.items()}
    groups: dict[tuple, list[dict[str, Any]]] = defaultdict(list)
    for h in hits:
        groups[(h["track"], h["problem"], h["optimizer"], int(h["target_index"]))].append(h)
    out = []
    for key in sorted(groups):
        hs = groups[key]
        evals = [evals_or_none(h["evals"]) for h in hs]
        ok = [e for e in evals if e is not None]
        used = [float(h["n_evals"]) for h in hs]
        lo, hi = bootstrap_ert_ci(evals, used, BOOTSTRAP, 0.95, BOOTSTRAP_SEED)
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
                "ert_ci_low": lo,
                "ert_ci_high": hi,
                "sp1": sp1_of_hits(evals),
                "median_evals_success": median_or_nan(ok),
                "median_overhead_us_per_eval": median_or_nan(overhead.get(key[:3], [])),
                "median_best_gap": median_or_nan(best_gap.get(key[:3], [])),
                "gap_ci_low": gap_ci.get(key[:3], (math.nan, math.nan))[0],
                "gap_ci_high": gap_ci.get(key[:3], (math.nan, math.nan))[1],
            }
        )
    return out


def _rounded(v: Any) -> Any:
    return round(v, 4) if isinstance(v, float) and math.isfinite(v) else v


def write_summary(path: str | Path, summary: list[dict[str, Any]]) -> Path:
    return write_csv(path, summary, SUMMARY_COLUMNS, cell=_rounded)
