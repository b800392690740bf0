"""Active CMA-ES in the black-box configuration (asng-opt 0.14, ``BlackBoxASNG(active_cma=True)``):
the worse half of a batch gets negative weights in the rank-mu update of C (Hansen 2016, eqs.
46-53), nothing else of the step changes; ``active_cma=False`` is asng-opt 0.13's update."""

from __future__ import annotations

import copy
import pickle
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, Product, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox.cma import active_weights, cma_constants, eigen, full_real_step
from asng_opt.ranking import log_rank_weights, negative_log_rank_weights, negative_log_ranks, ranking_utility

sys.path.insert(0, str(Path(__file__).parent))
from test_blackbox_cma import box, rot_ellipsoid  # noqa: E402

finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(f=st.lists(finite, min_size=2, max_size=60), maximize=st.booleans())
def test_negative_weights_sum_to_minus_one_on_the_worse_half_over_any_batch(f, maximize):
    f = np.array(f)
    w = negative_log_rank_weights(f, maximize)
    assert w.shape == f.shape and np.all(w <= 0)
    assert np.isclose(w.sum(), -1.0)
    # no untied sample of the better half (by log_rank_weights) gets a negative weight (a tie
    # across the halves shares both), and a worse value never gets a weight of smaller magnitude
    _, inverse, counts = np.unique(f, return_inverse=True, return_counts=True)
    untied = counts[inverse] == 1
    assert not np.any(untied & (log_rank_weights(f, maximize) > 0) & (w < 0))
    g = -f if maximize else f
    order = np.argsort(g, kind="stable")
    assert np.all(np.diff(w[order]) <= 1e-12)
    for v in np.unique(f):  # tied values share one weight
        assert np.ptp(w[f == v]) <= 1e-12


@settings(max_examples=100, deadline=None)
@given(f=st.lists(st.floats(-1e300, 1e300) | st.sampled_from([np.inf, -np.inf, 0.0]), min_size=2, max_size=40),
       maximize=st.booleans())  # fmt: skip
def test_the_unchecked_path_is_the_checked_one_bit_for_bit(f, maximize):
    f = np.array(f)
    assert deep_equal(negative_log_ranks(f, maximize), negative_log_rank_weights(f, maximize))


def test_negative_weights_are_the_tutorial_s_log_ranks():
    lam = 6
    w = negative_log_rank_weights(np.arange(lam, dtype=float))
    raw = np.log((lam + 1) / 2) - np.log(np.arange(1, lam + 1))
    want = np.where(raw < 0, raw, 0.0)
    assert np.allclose(w, want / -want.sum())
    assert np.allclose(negative_log_rank_weights(np.array([3.0, 1.0])), [-1.0, 0.0])
    assert np.allclose(negative_log_rank_weights(np.array([1.0, 3.0]), maximize=True), [-1.0, 0.0])


@pytest.mark.parametrize("bad", [np.array([1.0]), np.array([1.0, np.nan, 2.0]), np.ones((2, 3)), ["a", "b"]])
def test_negative_weights_refuse_what_has_no_ranks(bad):
    with pytest.raises(ValueError, match="negative_log_rank_weights"):
        negative_log_rank_weights(bad)


@pytest.mark.parametrize("fn", [negative_log_rank_weights, log_rank_weights, ranking_utility])
@pytest.mark.parametrize(
    "bad, why",
    [(["1", "2", "3"], "dtype <U1"), ([None, 1.0, 2.0], "dtype object"), ([10**400, 1], "dtype object"),
     (np.array([1 + 1j, 2]), "dtype complex128"), ([True, False], "not bools")],
)  # fmt: skip
def test_the_utilities_refuse_what_tell_refuses_by_name(fn, bad, why):
    # numeric strings were converted, None read as NaN, an int beyond float64 raised OverflowError
    with pytest.raises(ValueError, match=f"losses must be real numbers.*{why}"):
        fn(bad)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 12), k=st.integers(2, 30), seed=st.integers(0, 2**32 - 1))
def test_the_active_update_keeps_c_symmetric_positive_definite_over_the_accepted_range(n, k, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    C = a @ a.T + 1e-3 * np.eye(n)
    B, D = eigen(C)
    y = rng.standard_normal((k, n)) * rng.uniform(0.01, 100, (k, 1))  # short and long steps
    f = rng.standard_normal(k)
    w = log_rank_weights(f)
    mu_eff = 1 / np.dot(w, w)
    kc = cma_constants(n, mu_eff)
    w_o, w_sum = active_weights(negative_log_rank_weights(f), y, B, D, kc, mu_eff)
    assert np.all(w_o[w <= 0] <= 0) and np.all(w_o[negative_log_rank_weights(f) == 0] == 0)
    if kc.c_mu > 0:
        alpha = min(1 + kc.c_1 / kc.c_mu, (1 - kc.c_1 - kc.c_mu) / (n * kc.c_mu))
        assert -alpha - 1e-12 <= w_sum < 0
    new = (1 - kc.c_1 - kc.c_mu * (1 + w_sum)) * C + kc.c_mu * (y.T * (w + w_o)) @ y
    new = (new + new.T) / 2
    assert np.linalg.eigvalsh(new).min() > 0


def test_no_rank_mu_update_means_no_active_update():
    kc = cma_constants(3, 1.0)  # one positive weight: c_mu = 0
    assert kc.c_mu == 0
    w_o, w_sum = active_weights(np.array([0.0, -1.0]), np.ones((2, 3)), np.eye(3), np.ones(3), kc, 1.0)
    assert np.all(w_o == 0) and w_sum == 0.0


def _step(dist_state, raw, w, w_neg):
    opt = dist_state
    return full_real_step(opt.distribution, opt.theta, opt.state, raw, w, opt.t, joint=opt._joint, w_neg=w_neg)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 8))
def test_only_c_changes_the_mean_sigma_and_paths_are_the_positive_update_s(seed, n):
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=n), seed=seed, lam=8)
    raw = opt.ask()
    f = np.sum(raw**2, axis=1)
    w = log_rank_weights(f)
    plain = _step(opt, raw, w, None)
    active = _step(opt, raw, w, negative_log_rank_weights(f))
    for field in ("sigma", "p_sigma", "p_c"):
        assert deep_equal(getattr(plain, field), getattr(active, field))
    assert deep_equal(plain.theta[..., 0], active.theta[..., 0])  # the mean
    assert not np.allclose(plain.C, active.C)
    zero = _step(opt, raw, w, np.zeros(len(f)))  # all weights 0: the positive update, bit for bit
    assert deep_equal(zero.C, plain.C) and deep_equal(zero.theta, plain.theta)


def _loss(x) -> np.ndarray:
    """A noisy quadratic of every part's values, ``(k,)``."""
    parts = x.values() if isinstance(x, dict) else [x]
    return sum(np.sum((np.asarray(p, dtype=float).reshape(len(p), -1) - 1.5) ** 2, axis=1) for p in parts)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), n=st.integers(2, 10), lam=st.integers(4, 24))
def test_the_step_s_c_is_the_tutorial_s_active_update(seed, n, lam):
    # eq. 47 written out here: C_active - C_positive = c_mu (alpha C + sum_i w_i^o y_i y_i^T), with the
    # tutorial's weights (eq. 49: ln((lam + 1) / 2) - ln i by rank), alpha of eq. 53 and w_i^o of eq. 46
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=n), seed=seed, lam=lam)
    raw = opt.ask()
    f = np.sum(np.cumsum(raw, axis=1) ** 2, axis=1)
    w = log_rank_weights(f)
    plain = _step(opt, raw, w, None)
    active = _step(opt, raw, w, negative_log_rank_weights(f))
    st0 = opt.state
    m = opt.distribution.mean_sigma(opt.theta)[0]
    y = (raw - m) / st0.sigma
    ranks = np.argsort(np.argsort(f)) + 1  # 1 = best (no ties among these draws)
    prime = np.log((lam + 1) / 2) - np.log(ranks)
    pos, neg = np.where(prime > 0, prime, 0.0), np.where(prime < 0, prime, 0.0)
    mu_eff, mu_eff_neg = pos.sum() ** 2 / np.sum(pos**2), neg.sum() ** 2 / np.sum(neg**2)
    kc = cma_constants(n, mu_eff)
    alpha = min(1 + kc.c_1 / kc.c_mu, 1 + 2 * mu_eff_neg / (mu_eff + 2), (1 - kc.c_1 - kc.c_mu) / (n * kc.c_mu))
    w_neg = alpha * neg / -neg.sum()
    c_inv_half = st0.B @ np.diag(1 / st0.D) @ st0.B.T
    w_o = w_neg * n / np.sum((y @ c_inv_half) ** 2, axis=1)
    want = kc.c_mu * (alpha * st0.C + (y.T * w_o) @ y)
    assert np.allclose(active.C - plain.C, want, rtol=1e-9, atol=1e-12 * np.abs(st0.C).max())


def test_maximize_puts_the_negative_weights_on_the_smallest_values():
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), seed=1, maximize=True)
    w = opt._negative_weights(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), None)
    assert w[1] < w[3] < 0 and w[0] == w[2] == 0 and np.isclose(w.sum(), -1.0)
    low = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), seed=1)._negative_weights(np.array([5.0, 1.0, 4.0, 2.0, 3.0]), None)
    assert low[0] < low[2] < 0 and low[1] == low[3] == 0


def _run(opt, tells=30):
    rng = np.random.default_rng(5)
    for _ in range(tells):
        x = opt.ask()
        opt.tell(x, _loss(x) + rng.random(opt.lam))
    return opt


@pytest.mark.parametrize(
    "dist",
    [
        Gaussian(0.0, 1.0, size=4),
        Integer(-20, 20, size=5),
        Product(c=Categorical([3, 4]), x=Gaussian(0.0, 1.0, size=3)),
        Product(c=Categorical([3]), z=Integer(0, 30, size=3)),
    ],
    ids=["reals", "integers", "categorical+reals", "categorical+integers"],
)
def test_active_cma_false_gives_no_negative_weights_and_true_changes_c_on_every_kind_of_space(dist):
    plain = _run(BlackBoxASNG(dist, seed=3, active_cma=False))
    assert plain._negative_weights(np.arange(5.0), None) is None
    active = _run(BlackBoxASNG(dist, seed=3))
    assert active.active_cma and active.hyper()["active_cma"] is True
    assert not np.allclose(active.state.C, plain.state.C)


def test_the_diagonal_update_has_no_active_part():
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), covariance="diagonal", seed=1)
    assert opt._negative_weights(np.arange(5.0), None) is None
    twin = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), covariance="diagonal", seed=1, active_cma=False)
    assert deep_equal(_run(opt).state_dict()["state"], _run(twin).state_dict()["state"])


def test_injected_samples_get_no_negative_weight():
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), seed=1)
    f = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    injected = np.array([True, False, False, False, False, True])
    w = opt._negative_weights(f, injected)
    assert w[0] == 0 and w[5] == 0 and np.isclose(w.sum(), -1.0) and w[1] < 0
    only = opt._negative_weights(f, np.array([True, True, True, False, False, False]))
    assert np.all(only == 0)  # every negative weight fell on injected samples: none left


@pytest.mark.parametrize("bad", [1, "yes", None, 0.0])
def test_active_cma_must_be_a_bool(bad):
    with pytest.raises(ValueError, match="active_cma must be True or False"):
        BlackBoxASNG(Gaussian(0.0, 1.0, size=2), active_cma=bad)


def test_a_dict_of_0_13_loads_with_the_update_it_ran_with():
    dist = Product(c=Categorical([3]), z=Integer(0, 30, size=3))
    old = _run(BlackBoxASNG(dist, seed=2, active_cma=False), 5)
    state = copy.deepcopy(old.state_dict())
    del state["hyper"]["active_cma"]
    loaded = BlackBoxASNG(dist, seed=9)
    loaded.load_state_dict(state)
    assert loaded.active_cma is False
    assert deep_equal(loaded.state_dict(), old.state_dict())
    assert deep_equal(_run(loaded, 5).state_dict(), _run(old, 5).state_dict())


def test_the_state_dict_round_trips_the_setting_and_a_changed_one_is_named():
    dist = Integer(0, 100, size=3)
    opt = _run(BlackBoxASNG(dist, seed=4, active_cma=False), 3)
    twin = BlackBoxASNG(dist, seed=5, active_cma=False)
    twin.load_state_dict(opt.state_dict())
    assert twin.active_cma is False and deep_equal(twin.state_dict(), opt.state_dict())
    other = BlackBoxASNG(dist, seed=5)
    with pytest.warns(UserWarning, match="active_cma: True -> False"):
        other.load_state_dict(opt.state_dict())
    assert other.active_cma is False


def test_an_optimizer_pickled_before_0_14_keeps_the_update_it_ran_with():
    opt = _run(BlackBoxASNG(Integer(-50, 50, size=3), seed=1, active_cma=False), 3)
    del opt.__dict__["active_cma"]  # as 0.13's optimizer had no such attribute
    old = pickle.loads(pickle.dumps(opt))
    assert old.active_cma is False and old.hyper()["active_cma"] is False
    assert old._negative_weights(np.arange(5.0), None) is None


def _evals_to(seed: int, active: bool) -> int:
    seen = {"n": 0}

    def f(x):
        seen["n"] += 1
        return rot_ellipsoid(x)

    res = minimize(f, box(10), max_evals=12_000, seed=seed, target=1e-8, active_cma=active)
    assert res.fun <= 1e-8
    return seen["n"]


def test_active_cma_learns_the_rotated_ellipsoid_s_covariance_sooner():
    # measured (seeds 0-5): 3,657-4,491 evaluations to 1e-8 against 5,360-5,751 without the
    # negative weights (10 variables, condition 1e6); the test asks for every seed of 0-2 to gain
    for seed in range(3):
        assert _evals_to(seed, True) < 0.9 * _evals_to(seed, False)
