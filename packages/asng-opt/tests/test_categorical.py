import numpy as np
import pytest
from helpers import random_theta
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import ASNG, SNG, AdamNG, Categorical
from asng_opt.categorical import default_theta_min

categories = st.lists(st.integers(1, 6), min_size=1, max_size=8).filter(lambda m: any(x > 1 for x in m))
seeds = st.integers(0, 2**32 - 1)


def dense_A(dist, theta):
    """Appendix B's factor A, block by block, straight from its formula."""
    A = np.zeros((dist.n_theta, dist.n_theta))
    row = 0
    for i, m in enumerate(dist.categories):
        if m == 1:
            continue
        th = theta[i, : m - 1]
        last = theta[i, m - 1]
        blk = np.diag(th**-0.5) + np.outer(np.ones(m - 1), np.sqrt(th)) / (np.sqrt(last) + last)
        A[row : row + m - 1, row : row + m - 1] = blk
        row += m - 1
    return A


def log_p(dist, free, c):
    """ln p_theta(c) as a function of the free parameters (the paper's theta vector)."""
    out, row = 0.0, 0
    for i, m in enumerate(dist.categories):
        th = np.append(free[row : row + m - 1], 1.0 - free[row : row + m - 1].sum())
        out += np.log(th[c[i]])
        row += m - 1
    return out


def test_api_shapes_and_defaults():
    d = Categorical([5] * 30)
    assert d.n_theta == 120 and d.n_variables == 30
    theta = d.initial_theta()
    assert theta.shape == (30, 5)
    assert np.allclose(theta, 0.2)
    assert np.allclose(d.theta_min, 1 / (30 * 4)) and np.allclose(d.theta_max, 1 - 1 / 30)


def test_zero_padding_for_mixed_category_counts():
    d = Categorical([2, 3, 5])
    theta = d.initial_theta()
    assert theta.shape == (3, 5)
    assert np.allclose(theta[0], [0.5, 0.5, 0, 0, 0]) and np.allclose(theta[1, 3:], 0)
    assert d.n_theta == 1 + 2 + 4


def test_cifar_space_size():
    # normal + reduction cell, node i picks 2 inputs of 2 + i and 2 ops of 5
    cats = [m for i in range(5) for m in (2 + i, 2 + i, 5, 5)] * 2
    d = Categorical(cats)
    assert d.n_variables == 40 and d.n_theta == 140


@pytest.mark.parametrize(
    "bad, msg",
    [([], "non-empty"), ([3, 0, 2], "variable 1 has 0 categories"), ([[2, 3]], "1-D"), ([2.5, 3], "integers")],
)
def test_constructor_rejects_nonsense(bad, msg):
    with pytest.raises(ValueError, match=msg):
        Categorical(bad)


def test_theta_min_without_room_is_rejected():
    with pytest.raises(ValueError, match="no room"):
        Categorical([4, 4], theta_min=0.3)


def test_default_theta_min_degenerate_cases():
    # paper's bound: 1/(n_c (m-1)); n_c = 1 or (n_c = 2, m = 2) leave no room -> n_c := 3
    assert np.allclose(default_theta_min(np.array([5, 5, 5])), 1 / 12)
    assert np.allclose(default_theta_min(np.array([3, 3])), 1 / 4)
    assert np.allclose(default_theta_min(np.array([2, 2])), 1 / 3)
    assert np.allclose(default_theta_min(np.array([7])), 1 / 18)
    assert np.allclose(default_theta_min(np.array([1, 4, 4])), [0, 1 / 6, 1 / 6])


@settings(max_examples=60, deadline=None)
@given(categories, seeds)
def test_fisher_factor(cats, seed):
    d = Categorical(cats)
    rng = np.random.default_rng(seed)
    th = random_theta(d, rng)
    F = d.fisher_matrix(th)
    A = dense_A(d, th)
    assert np.allclose(A @ A.T, F, rtol=1e-10, atol=1e-10)  # appendix B: F = A A^T
    # F^-1 = E[(T - theta)(T - theta)^T] = diag(theta) - theta theta^T per block
    for i, m in enumerate(d.categories):
        if m > 1:
            idx = np.flatnonzero(d._ix.var_of_free == i)
            t = th[i, : m - 1]
            assert np.allclose(np.linalg.inv(F[np.ix_(idx, idx)]), np.diag(t) - np.outer(t, t), atol=1e-10)
    g = rng.standard_normal(d.n_theta)
    v = d.fisher_sqrt(th, g)
    assert np.allclose(v, A.T @ g, rtol=1e-10, atol=1e-10)  # O(m) product == dense A^T g
    assert np.isclose(v @ v, g @ F @ g, rtol=1e-10)  # ||A^T g|| = sqrt(g^T F g)
    assert np.isclose(d.fisher_norm(th, g), np.sqrt(g @ F @ g), rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(categories, seeds)
def test_natural_gradient_of_log_likelihood(cats, seed):
    """F^-1 grad_theta ln p_theta(c) = T(c) - theta, with the gradient by finite differences."""
    d = Categorical(cats)
    rng = np.random.default_rng(seed)
    th = random_theta(d, rng)
    free = d.flat(th)
    c = d.sample(th, 1, rng)[0]
    h = 1e-6
    grad = np.array([(log_p(d, free + h * e, c) - log_p(d, free - h * e, c)) / (2 * h) for e in np.eye(d.n_theta)])
    nat = np.linalg.solve(d.fisher_matrix(th), grad)
    # T(c) - theta from natural_gradient with a single weight 1
    assert np.allclose(nat, d.natural_gradient(th, c[None], np.array([1.0])), atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(categories, seeds, st.lists(st.floats(1e-3, 50.0), min_size=1, max_size=20))
def test_updates_stay_in_theta(cats, seed, steps):
    d = Categorical(cats)
    rng = np.random.default_rng(seed)
    th = d.initial_theta()
    for size in steps:
        th = d.step(th, size * rng.standard_normal(d.n_theta))
        valid = d._ix.valid
        assert np.all(np.abs(th.sum(-1) - 1) <= 1e-12)
        assert np.all(th[~valid] == 0)
        has = d.categories > 1
        lo = np.where(valid, d.theta_min[:, None], 0)
        assert np.all(th[has] >= lo[has] - 1e-12)
        assert np.all(th[has].max(-1) <= d.theta_max[has] + 1e-12)
        assert np.allclose(d.project(th), th, rtol=0, atol=1e-15)  # idempotent


def test_projection_matches_appendix_d_by_hand():
    # m = 3, theta_min = 0.25: clip (0.7415, 0.3333, -0.0749) -> (0.7415, 0.3333, 0.25), then move
    # the excess so the row sums to 1
    d = Categorical([3, 3])
    t = np.array([[0.7415, 1 / 3, -0.0749], [1 / 3, 1 / 3, 1 / 3]])
    clipped = np.array([0.7415, 1 / 3, 0.25])
    excess = clipped - 0.25
    expect = clipped + (1 - clipped.sum()) / excess.sum() * excess
    assert np.allclose(d.project(t)[0], expect, atol=1e-15)
    assert np.allclose(d.project(t)[1], 1 / 3)


def test_sample_frequencies_match_theta():
    d = Categorical([2, 3, 6])
    rng = np.random.default_rng(12345)
    th = random_theta(d, rng)
    n = 40_000
    c = d.sample(th, n, rng)
    assert c.shape == (n, 3) and c.dtype.kind == "i"
    for i, m in enumerate(d.categories):
        freq = np.bincount(c[:, i], minlength=m) / n
        p = th[i, :m]
        # 5 binomial standard deviations per cell: a false alarm has probability < 1e-5 overall
        assert np.all(np.abs(freq - p) <= 5 * np.sqrt(p * (1 - p) / n)), (i, freq, p)


def test_batched_sampling_shape():
    d = Categorical([4, 4, 2])
    th = d.initial_theta((5, 3))
    c = d.sample(th, 2, np.random.default_rng(0))
    assert c.shape == (5, 3, 2, 3)
    assert np.all(c < d.categories)


def test_check_samples_reports_out_of_range():
    d = Categorical([3, 2])
    with pytest.raises(ValueError, match="variable 1, which has 2 categories"):
        d.check_samples(np.array([[0, 1], [2, 2]]))
    with pytest.raises(ValueError, match=r"shape \(lam, 2\)"):
        d.check_samples(np.array([0, 1]))


@pytest.mark.parametrize("cls", [ASNG, SNG, AdamNG])
def test_theta_argument_validates_and_projects(cls):
    d = Categorical([3, 3, 3])
    with pytest.raises(ValueError, match="shape"):
        cls(d, theta=np.ones((3, 2)) / 2)
    with pytest.raises(ValueError, match="sum"):
        cls(d, theta=np.full((3, 3), 0.5))
    prior = np.array([[1.0, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1.0]])
    opt = cls(d, theta=prior)
    assert np.all(opt.theta >= d.theta_min[:, None] - 1e-15)
    assert np.array_equal(opt.theta, d.project(d.check_theta(prior)))
    assert opt.theta is opt.state.theta
    assert np.array_equal(prior, [[1.0, 0, 0], [0.2, 0.3, 0.5], [0, 0, 1.0]])  # the caller's array is not modified
