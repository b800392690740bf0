"""A real variable whose optimum lies at a bound of its range converges under both covariance rules
(asng-opt 0.16).

The separable rule (``covariance="diagonal"``, the default beyond 100 real variables) updated from
the draws as drawn. A draw beyond the bound is evaluated at the bound (a FloatRange clips it), so the
selected draws beyond it all tie, the rank-mu update saw steps of one sigma outward in every update
and CSA's path a step of about one sigma while the mean stood at the bound: sigma grew to sigma_max and
the run never stopped. It now updates from the repaired draws (as cmaes does) wherever the objective
sees the clipped draw: a Gaussian built with ``clip_draws=True``, as a named space's reals are."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, FloatRange, Gaussian, Integer, Product, Space, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox._tree import is_real
from asng_opt.blackbox.update import _repaired, real_part_step


def _objective(n: int, at_bound: np.ndarray, upper: bool):
    """sum of x_i (or 1 - x_i) over the variables ``at_bound``, (x_i - 0.3)^2 over the others: the
    optimum 0 at x_i = 0 (1) there and 0.3 elsewhere."""

    def f(d):
        x = np.array([d[f"x{i}"] for i in range(n)])
        edge = 1 - x if upper else x
        return float(np.sum(np.where(at_bound, edge, (x - 0.3) ** 2)))

    return f


CASES = [  # (n, which variables sit at a bound, at the upper bound, seed)
    (1, [True], False, 0),
    (3, [True, True, True], True, 1),
    (4, [True, False, True, False], False, 2),
    (6, [True, False, False, False, False, False], True, 3),
    (6, [True] * 6, False, 4),
]


@pytest.mark.parametrize("covariance", ["diagonal", "full"])
@pytest.mark.parametrize("n,at_bound,upper,seed", CASES)
def test_a_run_with_its_optimum_at_a_bound_converges(covariance, n, at_bound, upper, seed):
    space = Space(**{f"x{i}": FloatRange(0.0, 1.0) for i in range(n)})
    res = minimize(_objective(n, np.array(at_bound), upper), space, max_evals=4000, seed=seed, covariance=covariance)
    # before 0.16 the diagonal rule restarted 0 times in 5,000 evaluations on every such case
    assert res.n_restarts >= 1, (covariance, res.n_restarts, res.fun)
    assert res.fun < 1e-8, (covariance, res.fun)


def test_the_diagonal_rules_sigmas_shrink_at_the_bound():
    n = 6
    dist = Gaussian(mean=0.5, sigma=0.25, low=0.0, high=1.0, sigma_min=1e-10, sigma_max=0.5, size=n, clip_draws=True)
    opt = BlackBoxASNG(dist, covariance="diagonal", seed=0)
    for _ in range(400):
        raw = opt.ask()
        opt.tell(raw, np.clip(raw, 0.0, 1.0).sum(axis=1))  # the objective sees the clipped draw
    mu, sigma = dist.mean_sigma(opt.theta)
    assert np.all(mu < 1e-9), mu
    assert np.all(sigma < 1e-6), sigma  # was ~0.1-0.5 for good: the path and rank-mu fed from beyond the bound


def test_draws_inside_the_box_are_left_as_they_are():
    dist = Gaussian(mean=0.5, sigma=0.1, low=0.0, high=1.0, size=3, clip_draws=True)
    theta = dist.initial_theta()
    raw = np.clip(dist.sample(theta, 8, np.random.default_rng(0)), 0.0, 1.0)
    assert _repaired(dist, theta, raw, is_real) is raw  # the same object: the step is bit for bit as before


def test_the_diagonal_step_takes_a_draw_beyond_the_bound_as_the_bound():
    dist = Gaussian(mean=0.0, sigma=0.5, low=0.0, high=1.0, size=2, clip_draws=True)
    theta = dist.project(np.array([[0.05, 0.05**2 + 0.04]] * 2))
    rng = np.random.default_rng(1)
    raw = theta[:, 0] + 0.2 * rng.normal(size=(6, 2))
    assert np.any(raw < 0)
    w = np.array([0.4, 0.3, 0.2, 0.1, 0.0, 0.0])
    p = np.zeros(2)
    got = real_part_step(dist, theta, p, raw, w)
    want = real_part_step(dist, theta, p, np.clip(raw, 0.0, 1.0), w)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)
    before = raw.copy()
    real_part_step(dist, theta, p, raw, w)
    np.testing.assert_array_equal(raw, before)  # the caller's draws are not modified


def test_a_gaussian_whose_objective_sees_the_draw_keeps_its_draws():
    # a plain Gaussian's low/high bound its mean only; its objective sees the draw as drawn, so the
    # update must not pretend it saw the bound (an objective still improving beyond the bound then
    # drove every sigma to 1e-8 with the means stuck inside the box)
    plain = Gaussian(mean=0.0, sigma=0.5, low=0.0, high=1.0, size=2)
    theta = plain.project(np.array([[0.05, 0.05**2 + 0.04]] * 2))
    raw = theta[:, 0] + 0.2 * np.random.default_rng(1).normal(size=(6, 2))
    assert np.any(raw < 0)
    assert _repaired(plain, theta, raw, is_real) is raw
    np.testing.assert_array_equal(plain.decode(raw), raw)
    w = np.array([0.4, 0.3, 0.2, 0.1, 0.0, 0.0])
    got = real_part_step(plain, theta, np.zeros(2), raw, w)[0]
    clipped = real_part_step(plain, theta, np.zeros(2), np.clip(raw, 0.0, 1.0), w)[0]
    assert not np.array_equal(got, clipped)


def test_clip_draws_decodes_clipped_and_is_in_the_spec():
    g = Gaussian(mean=0.5, sigma=0.3, low=0.0, high=1.0, size=2, clip_draws=True)
    raw = np.array([[-0.5, 0.25], [1.5, 1.0]])
    np.testing.assert_array_equal(g.decode(raw), [[0.0, 0.25], [1.0, 1.0]])
    np.testing.assert_array_equal(raw, [[-0.5, 0.25], [1.5, 1.0]])  # not modified
    assert g.spec()["clip_draws"] is True
    assert "clip_draws" not in Gaussian(0.5, 0.3, low=0.0, high=1.0).spec()  # specs before 0.16 unchanged
    assert Space(x=FloatRange(0.0, 1.0)).distribution.parts["float"].clip_draws
    assert not Integer(0, 5).clip_draws  # an integer's draws are clipped at tell, before any rule


def test_a_product_repairs_only_its_clipping_leaves_and_keeps_the_injected_clip():
    dist = Product(
        {
            "c": Categorical([3]),
            "z": Integer([0], [5]),
            "r": Gaussian(mean=0.1, sigma=0.3, low=0.0, high=1.0, size=2, clip_draws=True),
            "u": Gaussian(mean=0.1, sigma=0.3, low=0.0, high=1.0, size=1),
        }
    )
    theta = dist.initial_theta()
    rng = np.random.default_rng(4)
    raw = dist.sample(theta, 6, rng)
    raw["r"] = raw["r"].copy()
    raw["r"][0, 0], raw["u"][0, 0] = -0.4, -0.4  # beyond the lower bound in both real leaves
    w = np.array([0.5, 0.2, 0.15, 0.1, 0.05, 0.0])
    injected = np.array([False, False, False, False, True, False])
    by_hand = {**raw, "r": np.clip(raw["r"], 0.0, 1.0)}  # only the clipping leaf
    got = real_part_step(dist, theta, np.zeros(3), raw, w, injected=injected)
    want = real_part_step(dist, theta, np.zeros(3), by_hand, w, injected=injected)
    for k in ("r", "u"):
        np.testing.assert_array_equal(got[0][k], want[0][k])
    np.testing.assert_array_equal(got[1], want[1])
    assert raw["r"][0, 0] == -0.4  # the caller's draws are not modified


@pytest.mark.parametrize("bad", ["no", "False", 1, 0.5, None, [True, False], float("nan")])
@pytest.mark.parametrize("name", ["clip_draws", "mirrored"])
def test_gaussian_flags_must_be_bools(name, bad):
    with pytest.raises(ValueError, match=f"{name} must be True or False"):
        Gaussian(0.5, 0.1, low=0.0, high=1.0, **{name: bad})
    assert Gaussian(0.5, 0.1, low=0.0, high=1.0, **{name: np.bool_(True)}).spec()[name] is True
    assert "clip_draws=True" in repr(Gaussian(0.5, 0.1, clip_draws=True))
