import numpy as np
import pytest
from helpers import random_theta
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Gaussian, Integer

seeds = st.integers(0, 2**32 - 1)


def dense(fn, n):
    """Matrix of a linear map given as a function on flat vectors."""
    return np.stack([fn(e) for e in np.eye(n)], axis=1)


@settings(max_examples=80, deadline=None)
@given(st.floats(-300, 300), st.floats(0.05, 100))
def test_fisher_sqrt_squares_to_fisher_and_matches_eigh(mu, sigma):
    d = Gaussian(mean=mu, sigma=sigma)
    th = d.initial_theta()
    F = d.fisher_matrix(th)
    R = dense(lambda e: d.fisher_sqrt(th, e), 2)
    assert np.allclose(R, R.T, rtol=1e-9, atol=1e-12 * np.abs(R).max())
    assert np.allclose(R @ R, F, rtol=1e-8, atol=1e-10 * np.abs(F).max())
    # the principal root via numpy's eigendecomposition of F^-1 (appendix C)
    w, E = np.linalg.eigh(np.linalg.inv(F))
    assert np.allclose(R, E @ np.diag(w**-0.5) @ E.T, rtol=1e-6, atol=1e-8 * np.abs(R).max())


def test_fisher_sqrt_at_zero_mean_is_diagonal_and_finite():
    d = Gaussian(mean=0.0, sigma=0.5)
    R = dense(lambda e: d.fisher_sqrt(d.initial_theta(), e), 2)
    # mu = 0: F = diag(1/s2, 1/(2 s2^2)), so F^1/2 = diag(1/s, 1/(sqrt2 s2))
    assert np.allclose(R, np.diag([1 / 0.5, 1 / (np.sqrt(2) * 0.25)]), rtol=1e-14, atol=0)


def test_inverse_fisher_is_appendix_c_block():
    d = Gaussian(mean=[1.5, -2.0], sigma=[0.3, 2.0])
    F = d.fisher_matrix(d.initial_theta())
    for i, (mu, s) in enumerate([(1.5, 0.3), (-2.0, 2.0)]):
        s2 = s * s
        blk = np.linalg.inv(F[2 * i : 2 * i + 2, 2 * i : 2 * i + 2])
        assert np.allclose(blk, [[s2, 2 * mu * s2], [2 * mu * s2, 4 * mu * mu * s2 + 2 * s2 * s2]], rtol=1e-10)


@settings(max_examples=40, deadline=None)
@given(seeds)
def test_natural_gradient_of_log_likelihood(seed):
    """F^-1 grad ln N(x; theta) = T(x) - theta, the gradient by finite differences in (mu, m2)."""
    rng = np.random.default_rng(seed)
    d = Gaussian(mean=rng.uniform(-3, 3, 3), sigma=rng.uniform(0.3, 2, 3))
    th = d.initial_theta()
    x = d.sample(th, 1, rng)[0]

    def logp(flat):
        t = flat.reshape(-1, 2)
        var = t[:, 1] - t[:, 0] ** 2
        return float(np.sum(-0.5 * np.log(2 * np.pi * var) - (x - t[:, 0]) ** 2 / (2 * var)))

    f0, h = d.flat(th), 1e-6
    grad = np.array([(logp(f0 + h * e) - logp(f0 - h * e)) / (2 * h) for e in np.eye(d.n_theta)])
    nat = np.linalg.solve(d.fisher_matrix(th), grad)
    assert np.allclose(nat, d.natural_gradient(th, x[None], np.array([1.0])), rtol=1e-4, atol=1e-5)


@settings(max_examples=60, deadline=None)
@given(seeds, st.lists(st.floats(1e-3, 100.0), min_size=1, max_size=15))
def test_integer_updates_stay_in_bounds(seed, steps):
    rng = np.random.default_rng(seed)
    d = Integer([1, 64, 0], [3, 256, 1])
    th = d.initial_theta()
    for size in steps:
        th = d.step(th, size * rng.standard_normal(d.n_theta))
        mu, sigma = d.mean_sigma(th)
        assert np.all((d.low <= mu) & (mu <= d.high))
        assert np.all(sigma >= 0.25 * (1 - 1e-9)) and np.all(sigma <= d.sigma_max * (1 + 1e-9))
        assert np.allclose(d.project(th), th, rtol=1e-15, atol=0)


def test_integer_start_bounds_and_decode():
    d = Integer([1, 64], [3, 256])
    mu, sigma = d.mean_sigma(d.initial_theta())
    assert np.allclose(mu, [2, 160]) and np.allclose(sigma, [1, 96])
    assert np.allclose(d.sigma_min, 0.25) and np.allclose(d.sigma_max, [1, 96])
    raw = np.array([[0.2, 300.7], [2.5, 100.49], [3.6, 63.0]])
    assert d.decode(raw).tolist() == [[1, 256], [3, 100], [3, 64]]
    assert d.decode(raw).dtype == np.int64


def test_integer_mirrored_pairs():
    d = Integer(0, 10, size=4)
    raw = d.sample(d.initial_theta(), 6, np.random.default_rng(3))
    mu, _ = d.mean_sigma(d.initial_theta())
    assert np.allclose(raw[0::2] + raw[1::2], 2 * mu)
    odd = d.sample(d.initial_theta(), 3, np.random.default_rng(3))
    assert odd.shape == (3, 4)


def test_integer_constructor_errors():
    with pytest.raises(ValueError, match="low=5 > high=2"):
        Integer(5, 2)
    with pytest.raises(ValueError, match="integers"):
        Integer(0.5, 3)
    # a constant variable is allowed and always decodes to its value
    d = Integer([4], [4])
    assert d.decode(d.sample(d.initial_theta(), 4, np.random.default_rng(0))).tolist() == [[4]] * 4


def test_gaussian_constructor_errors():
    with pytest.raises(ValueError, match="sigma_min"):
        Gaussian(0.0, 1.0, sigma_min=0.0)
    with pytest.raises(ValueError, match="low"):
        Gaussian(0.0, 1.0, low=1.0, high=0.0)
    with pytest.raises(ValueError, match="lengths"):
        Gaussian([0.0, 1.0], [1.0, 1.0, 1.0])


def test_sample_moments_match_theta():
    d = Gaussian(mean=[2.0, -1.0], sigma=[0.5, 3.0])
    n = 200_000
    x = d.sample(d.initial_theta(), n, np.random.default_rng(7))
    mu, sigma = d.mean_sigma(d.initial_theta())
    # 5 standard errors of the sample mean and of the sample variance (normal: var of s^2 = 2 s^4 / n)
    assert np.all(np.abs(x.mean(0) - mu) <= 5 * sigma / np.sqrt(n))
    assert np.all(np.abs(x.var(0) - sigma**2) <= 5 * np.sqrt(2 / n) * sigma**2)


def test_random_theta_helper_is_in_domain():
    d = Integer([0], [9])
    th = random_theta(d, np.random.default_rng(0))
    assert np.allclose(d.project(th), th)
