import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from asng_opt import ranking_utility


def test_lambda_two_better_worse_and_tie():
    assert ranking_utility([1.0, 2.0]).tolist() == [1.0, -1.0]
    assert ranking_utility([2.0, 1.0]).tolist() == [-1.0, 1.0]
    assert ranking_utility([3.0, 3.0]).tolist() == [0.0, 0.0]


def test_lambda_two_maximize():
    assert ranking_utility([1.0, 2.0], maximize=True).tolist() == [-1.0, 1.0]


def test_lambda_eight_top_and_bottom_quarter():
    # ceil(8/4) = 2 best get +1, 2 worst get -1
    f = [5.0, 1.0, 7.0, 3.0, 8.0, 2.0, 6.0, 4.0]
    assert ranking_utility(f).tolist() == [0, 1, -1, 0, -1, 1, 0, 0]


def test_lambda_five_ceil():
    # ceil(5/4) = 2
    assert ranking_utility([0.0, 1.0, 2.0, 3.0, 4.0]).tolist() == [1, 1, 0, -1, -1]


def test_ties_share_mean_weight():
    # lam = 4, mu = 1: base weights by rank (+1, 0, 0, -1). Values 1 and 1 tie at ranks 0, 1.
    assert ranking_utility([1.0, 1.0, 2.0, 3.0]).tolist() == [0.5, 0.5, 0.0, -1.0]
    # all equal: every weight is the mean 0
    assert ranking_utility([2.0] * 6).tolist() == [0.0] * 6


def test_batch_matches_rows():
    rng = np.random.default_rng(0)
    f = rng.integers(0, 4, size=(3, 5, 7)).astype(float)
    w = ranking_utility(f)
    for idx in np.ndindex(3, 5):
        assert np.array_equal(w[idx], ranking_utility(f[idx]))


def test_rejects_fewer_than_two():
    with pytest.raises(ValueError, match="at least 2"):
        ranking_utility([1.0])


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(arrays(float, st.integers(2, 12), elements=finite))
def test_invariant_to_strictly_increasing_transform(f):
    w = ranking_utility(f)
    n_distinct = len(np.unique(f))
    for g in (np.exp(f / 1e6), 3.0 * f + 7.0, np.arctan(f), np.cbrt(f)):
        # rounding may merge distinct floats into a tie; the ranking is only comparable when
        # the transform kept every distinct value distinct
        if len(np.unique(g)) == n_distinct:
            assert np.array_equal(ranking_utility(g), w)


@given(arrays(float, st.integers(2, 12), elements=finite))
def test_weights_sum_to_zero_and_have_right_support(f):
    w = ranking_utility(f)
    lam = f.size
    mu = math.ceil(lam / 4)
    assert abs(w.sum()) < 1e-12
    if len(np.unique(f)) == lam:  # no ties: exactly mu of each sign
        assert (w == 1).sum() == mu and (w == -1).sum() == mu
        assert np.all(f[w == 1].max() < f[w == 0]) if (w == 0).any() else True
