"""The ablation figure's numbers: the ECDF's area and each ablation's change of it."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_bench.blackbox import ablation_map as A
from asng_bench.blackbox.registry import ABLATIONS, MAIN


def test_the_area_is_one_when_every_target_is_reached_at_once_and_zero_when_none_is():
    assert A.ecdf_area([10, 10, 1], 3000) == 1.0
    assert A.ecdf_area([None, None], 3000) == 0.0
    assert A.ecdf_area([10, None], 3000) == 0.5
    # reached halfway up the log scale: about half the grid
    assert A.ecdf_area([math.sqrt(10 * 1000)], 1000) == pytest.approx(0.5, abs=1 / A.GRID_POINTS)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.floats(1, 5000)), min_size=1, max_size=12),
    st.integers(0, 11),
    st.floats(1, 5000),
)
def test_reaching_a_target_sooner_never_lowers_the_area(evals, k, sooner):
    k %= len(evals)
    before = evals[k]
    faster = list(evals)
    faster[k] = min(sooner, before) if before is not None else sooner
    assert 0.0 <= A.ecdf_area(evals, 5000) <= A.ecdf_area(faster, 5000) <= 1.0


@pytest.mark.parametrize("evals, budget, match", [([], 100, "no \\(run, target\\) pair"), ([5], 9, "budget")])
def test_the_area_refuses_what_has_none(evals, budget, match):
    with pytest.raises(ValueError, match=match):
        A.ecdf_area(evals, budget)


def _hits(optimizer, problem, seeds, evals, track="main", budget=1000):
    return [
        {"track": track, "problem": problem, "optimizer": optimizer, "seed": str(s), "budget": str(budget),
         "target_index": str(t), "evals": "" if e is None else str(e)}
        for s in seeds for t, e in enumerate(evals(s))
    ]  # fmt: skip


def test_each_ablation_is_compared_with_the_main_entry_on_the_seeds_both_ran():
    a, b = ABLATIONS[0], ABLATIONS[1]
    hits = [
        *_hits(MAIN, "onemax", range(4), lambda s: [100, 200] if s < 2 else [None, None]),
        *_hits(a, "onemax", range(2), lambda s: [None, None]),  # worse on seeds 0-1, never ran 2-3
        *_hits(b, "onemax", range(4), lambda s: [100, 200] if s < 2 else [None, None]),  # the same runs
        *_hits(MAIN, "leadingones", range(2), lambda s: [50, None]),
        *_hits(a, "leadingones", range(2), lambda s: [50, 60]),  # better; b did not run here
        *_hits(a, "onemax", range(2), lambda s: [10, 10], track="short"),  # another track: not counted
    ]
    res = A.area_changes(hits, "main")
    assert res.ablations == [a, b] and res.problems == ["onemax", "leadingones"]
    assert res.change[0, 0] == pytest.approx(-A.ecdf_area([100, 200, 100, 200], 1000))  # seeds 0-1 only
    assert res.change[1, 0] == 0.0 and res.low[1, 0] == res.high[1, 0] == 0.0  # the same runs: no dot
    assert res.change[0, 1] > 0 and np.isnan(res.change[1, 1]) and np.isnan(res.low[1, 1])
    # two seeds that agree: the interval is the one difference, excluding 0
    assert res.low[0, 0] == res.high[0, 0] == pytest.approx(res.change[0, 0])


def test_a_cell_whose_seeds_disagree_has_an_interval_around_zero():
    a = ABLATIONS[0]
    hits = [
        *_hits(MAIN, "onemax", range(6), lambda s: [100]),
        *_hits(a, "onemax", range(6), lambda s: [30] if s % 2 else [300]),  # better on odd seeds, worse on even
    ]
    res = A.area_changes(hits, "main")
    assert res.low[0, 0] < 0 < res.high[0, 0]
    assert res.low[0, 0] <= res.change[0, 0] <= res.high[0, 0]


def test_the_figure_is_written_with_a_panel_per_track_and_not_without_ablations(tmp_path):
    a = ABLATIONS[0]
    hits = [*_hits(MAIN, "onemax", range(2), lambda s: [100]), *_hits(a, "onemax", range(2), lambda s: [300])]
    hits += [*_hits(MAIN, "onemax", range(2), lambda s: [50], track="short", budget=150)]
    assert A.ablation_figure(hits, tmp_path / "ablation.png")
    assert (tmp_path / "ablation.png").stat().st_size > 5_000
    only_main = [h for h in hits if h["optimizer"] == MAIN]
    assert not A.ablation_figure(only_main, tmp_path / "none.png") and not (tmp_path / "none.png").exists()
