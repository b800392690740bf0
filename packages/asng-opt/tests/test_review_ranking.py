"""The sort-based ranking (review fix): identical to the pairwise reference on every input, ties
included; NaN and non-bool ``maximize`` refused; large batches without a lam x lam matrix."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from asng_opt.ranking import log_rank_weights, ranking_utility


# ---- the pairwise implementation before the fix (asng-opt 0.4), the reference --------------------
def _ref_ranking_utility(losses, maximize=False):
    f = np.asarray(losses, dtype=float)
    if f.shape == (2,):
        a, b = float(f[0]), float(f[1])
        if maximize:
            a, b = -a, -b
        w0 = float((b > a) - (b < a))
        return np.array([w0, -w0])
    if maximize:
        f = -f
    lam = f.shape[-1]
    if lam == 2:
        w0 = np.sign(f[..., 1] - f[..., 0])
        return np.stack([w0, -w0], axis=-1)
    mu = math.ceil(lam / 4)
    base = np.zeros(lam)
    base[:mu] = 1.0
    base[lam - mu :] = -1.0
    cw = np.concatenate([[0.0], np.cumsum(base)])
    lt = (f[..., None, :] < f[..., :, None]).sum(axis=-1)
    eq = (f[..., None, :] == f[..., :, None]).sum(axis=-1)
    return (cw[lt + eq] - cw[lt]) / eq


def _ref_log_rank_weights(losses, maximize=False):
    f = np.asarray(losses, dtype=float)
    if maximize:
        f = -f
    lam = f.size
    ranks = np.arange(1, lam + 1)
    base = np.where(ranks <= lam // 2, math.log((lam + 1) / 2) - np.log(ranks), 0.0)
    base /= base.sum()
    cw = np.concatenate([[0.0], np.cumsum(base)])
    lt = (f[None, :] < f[:, None]).sum(axis=-1)
    eq = (f[None, :] == f[:, None]).sum(axis=-1)
    return (cw[lt + eq] - cw[lt]) / eq


# few distinct values (many ties), signed zeros and infinities
tie_prone = st.sampled_from([0.0, -0.0, 1.0, -1.0, 2.5, 1e300, -1e300, math.inf, -math.inf])
any_float = st.floats(allow_nan=False)
values = st.one_of(tie_prone, any_float)


@settings(max_examples=300, deadline=None)
@given(arrays(float, st.integers(2, 40), elements=values), st.booleans())
def test_ranking_utility_equals_pairwise_reference(f, maximize):
    got = ranking_utility(f, maximize=maximize)
    ref = _ref_ranking_utility(f, maximize=maximize)
    assert got.dtype == ref.dtype and got.shape == ref.shape
    assert np.array_equal(got, ref)  # bit-identical, not approximately


@settings(max_examples=100, deadline=None)
@given(
    arrays(float, st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(2, 9)), elements=tie_prone), st.booleans()
)
def test_ranking_utility_batched_equals_reference(f, maximize):
    got = ranking_utility(f, maximize=maximize)
    with np.errstate(invalid="ignore"):
        ref = _ref_ranking_utility(f, maximize=maximize)
    # the one deliberate difference: a batched lam = 2 tie of equal infinities, which the
    # reference turned into NaN weights (inf - inf); it is a tie, (0, 0)
    nan = np.isnan(ref)
    assert np.array_equal(got[~nan], ref[~nan])
    assert np.all(got[nan] == 0.0)


def test_batched_lambda_two_tie_of_infinities_is_a_tie():
    f = np.array([[math.inf, math.inf], [-math.inf, -math.inf], [1.0, math.inf]])
    assert ranking_utility(f).tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, -1.0]]


@settings(max_examples=300, deadline=None)
@given(arrays(float, st.integers(2, 40), elements=values), st.booleans())
def test_log_rank_weights_equals_pairwise_reference(f, maximize):
    got = log_rank_weights(f, maximize=maximize)
    assert np.array_equal(got, _ref_log_rank_weights(f, maximize=maximize))


def test_random_integer_losses_with_many_ties_match_reference():
    rng = np.random.default_rng(0)
    for lam in (3, 4, 5, 7, 16, 101, 500):
        for levels in (1, 2, 3, lam):
            f = rng.integers(0, levels, size=lam).astype(float)
            for mx in (False, True):
                assert np.array_equal(ranking_utility(f, maximize=mx), _ref_ranking_utility(f, maximize=mx))
                assert np.array_equal(log_rank_weights(f, maximize=mx), _ref_log_rank_weights(f, maximize=mx))


def test_large_lambda_is_sort_based():
    # the pairwise version needed lam^2 = 1e12 booleans here (a MemoryError)
    lam = 10**6
    f = np.random.default_rng(1).integers(0, 1000, size=lam).astype(float)
    w = ranking_utility(f)
    assert w.shape == (lam,) and abs(w.sum()) < 1e-6
    assert np.all(w[f == f.min()] == 1.0) and np.all(w[f == f.max()] == -1.0)
    v = log_rank_weights(f)
    assert abs(v.sum() - 1.0) < 1e-9 and np.all(v[f == f.max()] == 0.0)


@pytest.mark.parametrize("fn", [ranking_utility, log_rank_weights])
@pytest.mark.parametrize("f", [[math.nan, 1.0], [1.0, 2.0, math.nan], [math.nan] * 4])
def test_nan_is_refused(fn, f):
    with pytest.raises(ValueError, match="NaN"):
        fn(f)


def test_nan_in_a_batch_is_refused():
    f = np.zeros((3, 5))
    f[2, 1] = math.nan
    with pytest.raises(ValueError, match="NaN"):
        ranking_utility(f)


@pytest.mark.parametrize("fn", [ranking_utility, log_rank_weights])
@pytest.mark.parametrize("bad", [1, 0, "yes", None, 1.0])
def test_non_bool_maximize_is_refused(fn, bad):
    with pytest.raises(ValueError, match="maximize"):
        fn([1.0, 2.0, 3.0], maximize=bad)


@pytest.mark.parametrize("fn", [ranking_utility, log_rank_weights])
def test_numpy_bool_maximize_is_accepted(fn):
    assert np.array_equal(fn([1.0, 2.0, 3.0], maximize=np.bool_(True)), fn([1.0, 2.0, 3.0], maximize=True))
