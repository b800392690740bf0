"""The median best gap's bootstrap 95 % CI (summary.csv's ``gap_ci_low`` / ``gap_ci_high``), its
cell in the "who wins" table and the "(CIs overlap)" note of a verdict by the median gaps."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asng_bench.blackbox.cells import gap_cell
from asng_bench.blackbox.summary import BOOTSTRAP, BOOTSTRAP_SEED, summarize_targets
from asng_bench.blackbox.verdicts import GAP_CIS_OVERLAP, verdict, verdict_rows, verdict_table
from asng_bench.stats import bootstrap_median_ci

INF = math.inf


def test_median_ci_of_known_data():
    assert bootstrap_median_ci([7.0] * 25) == (7.0, 7.0)  # no spread: a zero-width interval
    assert bootstrap_median_ci([3.0]) == (3.0, 3.0)
    assert all(math.isnan(v) for v in bootstrap_median_ci([]))
    values = np.random.default_rng(0).normal(100.0, 5.0, 25)
    lo, hi = bootstrap_median_ci(values)
    assert lo < float(np.median(values)) < hi and hi - lo < 10  # about 2 x 1.96 x 1.25 x 5 / 5
    assert (lo, hi) == bootstrap_median_ci(values)  # the default seed: reproducible
    # the bounds are order statistics of resampled medians, so values of the data (odd n)
    assert lo in values and hi in values
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_median_ci([1.0], n_resamples=0)
    with pytest.raises(ValueError, match="level"):
        bootstrap_median_ci([1.0], level=1.0)


def test_summary_rows_carry_the_gap_ci():
    gaps = [88.0, 85.0, 91.0, 86.0, 90.0, 88.0, 87.0]
    runs = [{"track": "short", "problem": "p", "optimizer": "o", "overhead_us_per_eval": 1.0, "best_gap": g}
            for g in gaps]  # fmt: skip
    hits = [{"track": "short", "problem": "p", "optimizer": "o", "target_index": t, "target_gap": 1.0,
             "budget": 150, "evals": "", "n_evals": 150} for t in (0, 1) for _ in gaps]  # fmt: skip
    rows = summarize_targets(hits, runs)
    assert len(rows) == 2 and rows[0]["median_best_gap"] == 88.0
    for r in rows:  # the same interval for every target: the gap at the budget has no target
        assert (r["gap_ci_low"], r["gap_ci_high"]) == bootstrap_median_ci(gaps, BOOTSTRAP, 0.95, BOOTSTRAP_SEED)
        assert r["gap_ci_low"] <= 88.0 <= r["gap_ci_high"]


def _failed(gap: float, lo: float, hi: float) -> dict:
    return {"ert": INF, "ert_ci_low": INF, "ert_ci_high": INF, "median_best_gap": gap, "gap_ci_low": lo,
            "gap_ci_high": hi}  # fmt: skip


def test_verdict_notes_overlapping_gap_cis_and_keeps_the_outcome():
    overlap = verdict(_failed(88, 85, 91), _failed(87, 86, 89), 88, 87)
    assert overlap == ("lost", f"median gap 88 > 87{GAP_CIS_OVERLAP}")
    assert verdict(_failed(10, 7, 16), _failed(12, 10, 14), 10, 12) == ("won", "median gap 10 < 12 (CIs overlap)")
    # clearly separated: no note
    assert verdict(_failed(226, 126, 373), _failed(518, 420, 670), 226, 518) == ("won", "median gap 226 < 518")
    assert verdict(_failed(9, 8, 10), _failed(6, 5, 7), 9, 6) == ("lost", "median gap 9 > 6")
    # touching intervals share a point
    assert verdict(_failed(9, 7, 10), _failed(6, 5, 7), 9, 6)[1].endswith(GAP_CIS_OVERLAP)
    # equal medians: a tie either way, no note; rows without a gap CI (older summaries): no note
    assert verdict(_failed(6, 4, 8), _failed(6, 4, 6), 6, 6) == ("tied", "median gap 6 = 6")
    bare = {"ert": INF, "ert_ci_low": INF, "ert_ci_high": INF}
    assert verdict(bare, bare, 2.0, 1.0) == ("lost", "median gap 2 > 1")
    # a verdict by the ERT ignores the gap CIs
    reached = {**_failed(0, 0, 0), "ert": 100.0, "ert_ci_low": 90.0, "ert_ci_high": 110.0}
    assert verdict(reached, _failed(1, 0, 2), 0, 1) == ("won", "ERT finite, the peer's ∞")


def _row(opt: str, gap: float, lo: float, hi: float) -> dict:
    return {"track": "short", "problem": "leadingones", "optimizer": opt, "target_index": 0, "target_gap": 75.0,
            "budget": 150, "runs": 25, "successes": 0, "success_rate": 0.0, **_failed(gap, lo, hi)}  # fmt: skip


def test_who_wins_table_shows_the_gap_cis_and_the_note():
    summary = [_row("asng-bb", 88, 85, 91), _row("ng-ngopt", 87, 86, 89), _row("random", 95, 93, 97)]
    (v,) = verdict_rows(summary, "short", "0", "the first target", ["leadingones"])
    assert v["gaps"] == "88 [85–91] / 87 [86–89] (ng-ngopt)"
    assert v["outcome"] == "lost" and v["who"] == "**ng-ngopt** — median gap 88 > 87 (CIs overlap)"
    table = "\n".join(verdict_table([v]))
    assert "median best gap [95 % CI]" in table and "| 88 [85–91] / 87 [86–89] (ng-ngopt) |" in table
    summary[0] = _row("asng-bb", 80, 78, 82)  # clearly better: won, no note
    (v,) = verdict_rows(summary, "short", "0", "the first target", ["leadingones"])
    assert v["gaps"] == "80 [78–82] / 87 [86–89] (ng-ngopt)" and v["who"] == "asng-bb — median gap 80 < 87"


def test_gap_cell_formats():
    assert gap_cell(_failed(10.2, 7.08, 16.7)) == "10.2 [7.08–16.7]"
    assert gap_cell(_failed(0.0, 0.0, 0.0)) == "0 [0–0]"
    assert gap_cell({"median_best_gap": 6.0}) == "6"  # a row without the CI columns
    assert gap_cell(_failed(6.0, math.nan, math.nan)) == "6"


def test_bootstrap_mean_ci_brackets_the_mean_and_refuses_non_finite_values():
    from asng_bench.stats import bootstrap_mean_ci

    lo, hi = bootstrap_mean_ci([1.0, 2.0, 3.0, 4.0], 500, 0.95, 0)
    assert 1.0 <= lo <= 2.5 <= hi <= 4.0
    assert bootstrap_mean_ci([2.0, 2.0], 50, 0.95, 0) == (2.0, 2.0)
    assert all(math.isnan(b) for b in bootstrap_mean_ci([], 50, 0.95, 0))
    with pytest.raises(ValueError, match="finite"):
        bootstrap_mean_ci([1.0, math.inf], 50, 0.95, 0)
    with pytest.raises(ValueError, match="n_resamples"):
        bootstrap_mean_ci([1.0], 0, 0.95, 0)
