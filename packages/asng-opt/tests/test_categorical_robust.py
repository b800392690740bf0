"""Categorical at scale and over the whole accepted range of theta_min.

Size: no method may allocate an M x M (or n_theta x n_theta) intermediate, so one variable with
20,000 categories builds, samples and updates in a few MB. theta_min: every accepted value gives
a state ASNG can update (finite, inside Theta); everything else is refused with a ValueError.
"""

import tracemalloc

import numpy as np
import pytest
from helpers import random_theta
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, Categorical
from asng_opt.categorical import THETA_MIN_FLOOR

BIG = [[20000], [5, 20000, 3]]


# ---- size --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cats", BIG, ids=str)
@pytest.mark.parametrize("lam", [2, 8])
def test_many_categories_build_sample_and_update(cats, lam):
    d = Categorical(cats)
    opt = ASNG(d, lam=lam, seed=0)
    m = np.array(cats)
    rng = np.random.default_rng(1)
    for _ in range(10):
        x = opt.ask()
        assert x.shape == (lam, len(cats)) and x.dtype == np.int64
        assert np.all((x >= 0) & (x < m))
        opt.tell(x, rng.random(lam))
    assert opt.t == 10
    th = opt.theta
    assert np.all(np.abs(th.sum(-1) - 1) <= 1e-9)
    assert np.all(th[d._ix.valid] >= np.broadcast_to(d.theta_min[:, None], th.shape)[d._ix.valid])
    assert np.all(th[~d._ix.valid] == 0)


@pytest.mark.parametrize("cats", BIG, ids=str)
def test_many_categories_stay_small_in_memory(cats):
    """Peak allocation of build + ask + tell: the old M x M CDF matrix alone was 3.2 GB here."""
    rng = np.random.default_rng(0)
    tracemalloc.start()
    try:
        d = Categorical(cats)
        opt = ASNG(d, seed=0)
        for _ in range(3):
            opt.tell(opt.ask(), rng.random(2))
        d.fisher_norm(opt.theta, rng.standard_normal(d.n_theta))
        d.converged(opt.theta), d.mode(opt.theta)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100 * 2**20, f"peak {peak / 2**20:.1f} MiB"


def _fixed_rng(value):
    class Fixed:
        def random(self, shape):
            return np.full(shape, value)

    return Fixed()


@pytest.mark.parametrize("search_above", [0, 10**12], ids=["search", "compare"])
def test_extreme_draws_stay_in_range(search_above):
    # u just below 1 must give each row's last category even where rounding leaves cdf_last < 1,
    # never a padded one; u = 0 gives the first category
    d = Categorical([3, 7, 2, 70, 1])
    d.search_above = search_above
    th = random_theta(d, np.random.default_rng(0))
    assert np.array_equal(d.sample(th, 4, _fixed_rng(np.nextafter(1.0, 0.0)))[0], d.categories - 1)
    assert np.array_equal(d.sample(th, 4, _fixed_rng(0.0))[0], np.zeros(5, dtype=np.int64))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 300), min_size=1, max_size=5),
    st.sampled_from([1, 2, 7, 100]),
    st.sampled_from([(), (3,)]),
    st.integers(0, 2**32 - 1),
)
def test_binary_search_gives_the_comparisons_samples(cats, lam, batch, seed):
    """The two sampling paths draw the same u and return the same indices (any B, lam, m)."""
    d = Categorical(cats)
    rng = np.random.default_rng(seed)
    th = np.stack([random_theta(d, rng) for _ in range(int(np.prod(batch)))]).reshape(batch + d.initial_theta().shape)
    got = {}
    for path, above in (("search", 0), ("compare", 10**12)):
        d.search_above = above
        got[path] = d.sample(th, lam, np.random.default_rng(seed))
    assert got["search"].shape == batch + (lam, len(cats)) and got["search"].dtype == np.int64
    assert np.array_equal(got["search"], got["compare"])
    assert np.all(got["search"] < d.categories)


# ---- theta_min: refused ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "theta_min, msg",
    [
        (0.0, r"variable 0 \(m=3\) is 0\.0; it must be >= 1e-100"),
        (1e-101, r"variable 0 \(m=3\) is 1e-101"),
        (1e-320, r"variable 0 \(m=3\) is 1e-320"),
        (5e-324, r"variable 0 \(m=3\) is 5e-324"),
        ([0.1, 0.0], r"variable 1 \(m=3\) is 0\.0"),
        (-0.1, r"variable 0 is -0\.1; it must be finite and >= 0"),
        (float("nan"), r"variable 0 is nan; it must be finite"),
        ([0.1, float("inf")], r"variable 1 is inf; it must be finite"),
        ([0.1, 0.1, 0.1], r"shape \(2,\) \(one per variable\), got shape \(3,\)"),
        ([[0.1], [0.1]], r"got shape \(2, 1\)"),
        ([0.1], r"got shape \(1,\)"),
        ("small", "must be a number"),
        ([0.1, "x"], "must be a number"),
        (1 / 3, "no room"),
        (0.4, "no room"),
    ],
)
def test_bad_theta_min_is_refused(theta_min, msg):
    with pytest.raises(ValueError, match=msg):
        Categorical([3, 3], theta_min=theta_min)


def test_theta_min_bounds_that_are_accepted():
    assert Categorical([3, 3], theta_min=THETA_MIN_FLOOR).theta_min.tolist() == [1e-100, 1e-100]
    # one-category variables have no free parameter: their entry is ignored (stored as 0)
    assert Categorical([1, 3], theta_min=[0.0, 0.2]).theta_min.tolist() == [0.0, 0.2]
    assert Categorical([1, 3], theta_min=[0.7, 0.2]).theta_min.tolist() == [0.0, 0.2]
    d = Categorical([4, 2], theta_min=np.nextafter(0.25, 0.0))  # the largest value below 1/4
    assert np.all(d.theta_max >= d.theta_min)


def test_theta_min_zero_no_longer_stalls_the_optimizer():
    """The reported case: theta_min=0 gave a NaN Fisher norm after one step and skipped 299 of 300."""
    with pytest.raises(ValueError, match="must be >= 1e-100"):
        Categorical([3, 3], theta_min=0.0)
    opt = ASNG(Categorical([3, 3], theta_min=THETA_MIN_FLOOR), seed=0)
    target = np.array([0, 2])
    for _ in range(300):
        x = opt.ask()
        opt.tell(x, np.sum(x != target, axis=1) + 0.01 * np.arange(2))
    assert np.array_equal(opt.most_likely(), target)
    assert opt.should_stop()


# ---- theta_min: the whole accepted range under ASNG -----------------------------------------------
@st.composite
def spaces(draw):
    """Categories 2..50 for 1-4 variables (n_theta from 1) and a theta_min: the default, a scalar or
    one per variable, log-uniform from THETA_MIN_FLOOR up to 1/m (values the constructor refuses as
    leaving no room are skipped: they lie within rounding of 1/m)."""
    cats = draw(st.lists(st.integers(2, 50), min_size=1, max_size=4))
    kind = draw(st.sampled_from(["default", "scalar", "per-variable"]))
    if kind == "default":
        return cats, None

    def log_uniform(m):  # from the floor (f = 0) to 1/m (f = 1), the endpoints exactly
        f = draw(st.floats(0.0, 1.0))
        return THETA_MIN_FLOOR if f == 0 else 1.0 / m if f == 1 else float(THETA_MIN_FLOOR ** (1 - f) * (1.0 / m) ** f)

    if kind == "scalar":
        return cats, max(THETA_MIN_FLOOR, log_uniform(max(cats)))
    return cats, [max(THETA_MIN_FLOOR, log_uniform(m)) for m in cats]


def _losses(mode, opt, x, rng):
    d, th = opt.distribution, opt.theta
    p = th[np.arange(d.n_variables), x]  # (lam, n) probability of each sampled category
    if mode == "random":
        return rng.random(len(x))
    if mode == "rare":  # the least likely categories always rank best (pushes mass onto theta_min)
        return p.sum(-1)
    if mode == "likely":  # the most likely rank best (drives rows onto theta_max)
        return -p.sum(-1) + 1e-3 * rng.random(len(x))
    return np.sum(x != 1, axis=-1) + rng.standard_normal(len(x))  # a target under noise


def _check_state(opt, d, rng):
    st_ = opt.state_dict()["state"]
    th = st_["theta"]
    for key in ("theta", "s", "gamma", "Delta"):
        assert np.all(np.isfinite(st_[key])), key
    valid = d._ix.valid
    assert np.all(np.abs(th.sum(-1) - 1) <= 1e-9)
    lo = np.broadcast_to(d.theta_min[:, None], th.shape)
    assert np.all(th[valid] >= lo[valid] * (1 - 1e-12))
    assert np.all(th[~valid] == 0)
    norm = d.fisher_norm(th, rng.standard_normal(d.n_theta))
    assert np.isfinite(norm) and norm > 0


def _largest_accepted(m):
    t = 1.0 / m
    while True:
        try:
            Categorical([m, 3], theta_min=[t, 0.1])
            return t
        except ValueError:
            t = np.nextafter(t, 0.0)


@pytest.mark.parametrize("m", [2, 3, 7, 50])
@pytest.mark.parametrize("edge", ["floor", "largest"])
def test_asng_at_the_edges_of_the_accepted_range(m, edge):
    t = THETA_MIN_FLOOR if edge == "floor" else _largest_accepted(m)
    assert m * t < 1 and (edge == "floor" or m * np.nextafter(t, 1.0) >= 1 - 1e-15)
    d = Categorical([m, 3, 4], theta_min=[t, t, t] if edge == "floor" else [t, 0.1, 0.1])
    rng = np.random.default_rng(m)
    for mode in ("rare", "likely"):
        opt = ASNG(d, lam=4, seed=m)
        for _ in range(100):
            x = opt.ask()
            opt.tell(x, _losses(mode, opt, x, rng))
            _check_state(opt, d, rng)


@settings(max_examples=30, deadline=None)
@given(spaces(), st.sampled_from([2, 4]), st.sampled_from(["random", "rare", "likely", "noisy"]), st.integers(0, 2**32))
def test_asng_stays_finite_and_in_theta_over_the_accepted_theta_min_range(space, lam, mode, seed):
    cats, theta_min = space
    try:
        d = Categorical(cats, theta_min=theta_min)
    except ValueError as e:  # only right at 1/m, where rounding makes m * theta_min reach 1
        assert "no room" in str(e)
        tm = np.broadcast_to(theta_min, (len(cats),))
        assert np.any(np.array(cats) * tm >= 1 - 1e-14)
        assume(False)
    opt = ASNG(d, seed=seed) if lam == 2 else ASNG(d, lam=lam, seed=seed)
    rng = np.random.default_rng(seed)
    for _ in range(200):
        x = opt.ask()
        assert np.all((x >= 0) & (x < d.categories))
        opt.tell(x, _losses(mode, opt, x, rng))
        _check_state(opt, d, rng)
