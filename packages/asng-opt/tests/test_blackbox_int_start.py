"""The integers' start (asng-opt 0.13, ``BlackBoxASNG(int_sigma0=0.25)``): the black-box
configuration starts each integer variable at sigma = a quarter of its range instead of appendix D's
half; ``Integer(sigma=...)`` sets a start of its own; restarts keep their width from the range."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, Product, minimize
from asng_opt.blackbox import BlackBoxASNG, restart, with_margin
from asng_opt.blackbox.restart import prior_near


def _int_sigma(opt):
    """The integer part's sigma at the optimizer's theta, ``(n,)``."""
    dist, theta = opt.distribution, opt.theta
    if isinstance(dist, Product):
        dist, theta = dist.parts["z"], theta["z"]
    return dist.mean_sigma(theta)[1]


@settings(max_examples=60, deadline=None)
@given(
    low=st.integers(-(2**20), 2**20),
    widths=st.lists(st.integers(0, 2**12), min_size=1, max_size=4).filter(any),
    share=st.floats(1e-3, 0.5),
)
def test_the_start_is_the_share_of_the_range_within_the_bounds_over_the_accepted_range(low, widths, share):
    width = np.array(widths)
    dist = Integer(np.full(width.size, low), low + width)
    opt = BlackBoxASNG(dist, int_sigma0=share, seed=0)
    z = opt.distribution
    want = np.clip(share * width, z.sigma_min, z.widest_sigma)
    want = np.maximum(want, z.margin_sigma(z.initial_theta()[..., 0]))  # the margin's floor at the centre
    want = np.minimum(want, z.widest_sigma)
    got = _int_sigma(opt)
    # theta = (mu, mu^2 + sigma^2) holds sigma^2 to a few units in the last place of mu^2: at mu ~ 8192
    # a sigma of 0.1 reads back as 0.10000003 (hypothesis found it); within that, to 1e-9
    mu = z.mean_sigma(opt.theta)[0]
    assert np.all(np.abs(got**2 - want**2) <= 4 * np.spacing(mu * mu) + 1e-9 * want**2), (got, want, mu)
    assert np.all(got <= z.widest_sigma * (1 + 1e-12))
    x = opt.ask()
    assert np.all((x >= low) & (x <= low + width))


def test_the_default_starts_at_a_quarter_of_the_range_and_half_is_the_rule_before():
    dist = Product(c=Categorical([3, 2]), z=Integer([0, -40, 5], [4, 40, 5]))
    quarter, half = BlackBoxASNG(dist, seed=1), BlackBoxASNG(dist, seed=1, int_sigma0=0.5)
    assert quarter.int_sigma0 == 0.25 and quarter.hyper()["int_sigma0"] == 0.25
    # the fixed integer (low == high) stays at its floor; [0, 4] at 1 (above the margin's floor)
    assert np.allclose(_int_sigma(quarter), [1.0, 20.0, 0.1])
    assert np.allclose(_int_sigma(half), [2.0, 40.0, 0.1])
    # 0.5 is asng-opt 0.12's start: the same theta as the rebuilt Integer's default
    default = with_margin(dist)
    assert deep_equal(half.theta, default.initial_theta())


def test_an_integer_s_own_sigma_wins_over_the_configuration_s_share():
    own = Integer(-40, 40, size=3, sigma=[2.0, 5.0, 100.0])  # 100 is beyond half the range: clipped
    assert np.allclose(own.sigma_init, [2.0, 5.0, 40.0]) and own.spec() == Integer(-40, 40, size=3).spec()
    opt = BlackBoxASNG(own, seed=0)
    assert np.allclose(_int_sigma(opt), [2.0, 5.0, 40.0])
    assert np.allclose(own.widest_sigma, 40.0)


@pytest.mark.parametrize("bad", [0.0, -0.1, 0.51, np.nan, np.inf, True, "0.25", None])
def test_int_sigma0_outside_its_range_is_refused(bad):
    with pytest.raises(ValueError, match="int_sigma0"):
        BlackBoxASNG(Integer(0, 10, size=2), int_sigma0=bad)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf, True, "a", [1.0, 2.0, 3.0], [[1.0, 2.0]]])
def test_integer_sigma_is_checked(bad):
    with pytest.raises(ValueError, match="Integer: sigma must be"):
        Integer([0, 0], [4, 5], sigma=bad)


def test_restarts_keep_their_width_from_the_range_not_from_the_start():
    dist = Integer(-50, 50, size=4)
    opt = BlackBoxASNG(dist, seed=3)
    for _ in range(5):
        x = opt.ask()
        opt.tell(x, np.sum(np.abs(x - 7), axis=1).astype(float))
    new = restart(opt)
    elite = opt.elite[0]
    mu, sigma = new.distribution.mean_sigma(new.theta)
    assert np.allclose(mu, np.asarray(elite, dtype=float)[0])  # centred on the elite's raw draw
    assert np.allclose(sigma, 0.5 * 50.0)  # the first restart: half the widest sigma (50), as in 0.12
    theta = prior_near(new.distribution, elite, sigma_scale=0.25)
    assert np.allclose(new.distribution.mean_sigma(theta)[1], 12.5)
    # Gaussians keep scaling from their own start
    g = Gaussian(np.zeros(2), 3.0)
    assert np.allclose(g.mean_sigma(prior_near(g, np.ones((1, 2)), sigma_scale=0.5))[1], 1.5)


def test_a_dict_of_0_12_loads_with_the_start_it_ran_with():
    dist = Integer(-40, 40, size=5)
    old = BlackBoxASNG(dist, seed=2, int_sigma0=0.5)
    x = old.ask()
    old.tell(x, np.sum(x * x, axis=1).astype(float))
    state = copy.deepcopy(old.state_dict())
    del state["hyper"]["int_sigma0"]
    loaded = BlackBoxASNG(dist, seed=9)
    loaded.load_state_dict(state)
    assert loaded.int_sigma0 == 0.5
    assert deep_equal(loaded.state_dict(), old.state_dict())
    a, b = restart(old), restart(loaded)  # restarts (a fresh one too) start as 0.12's did
    assert deep_equal(a.theta, b.theta)
    fresh = restart(loaded, near_best=False)
    assert np.allclose(_int_sigma(fresh), 40.0)


def test_the_state_dict_round_trips_the_setting():
    dist = Integer(0, 100, size=3)
    opt = BlackBoxASNG(dist, seed=4, int_sigma0=0.1)
    twin = BlackBoxASNG(dist, seed=5, int_sigma0=0.1)
    twin.load_state_dict(opt.state_dict())
    assert twin.int_sigma0 == 0.1 and deep_equal(twin.state_dict(), opt.state_dict())


def test_minimize_finds_an_off_centre_small_integer_optimum():
    # the first example: sigma collapsed on the first step under the paper's update
    for seed in range(10):
        res = minimize(lambda v: float((v[0] - 6) ** 2), Integer(0, 20), max_evals=400, seed=seed)
        assert res.fun == 0.0 and int(res.x[0]) == 6


@pytest.mark.parametrize("bad", ["2", ["1", "3"], b"2", [True, True], np.array([True, False])])
def test_integer_sigma_takes_numbers_only(bad):
    with pytest.raises(ValueError, match="Integer: sigma must be None, a number"):
        Integer([0, 0], [4, 5], sigma=bad)


@pytest.mark.parametrize("bad", [-1.0, 0.0, 0.7, 5, True, np.nan, "0.25"])
def test_with_margin_checks_int_sigma0(bad):
    with pytest.raises(ValueError, match="with_margin: int_sigma0"):
        with_margin(Integer(0, 20, size=2), int_sigma0=bad)


def test_with_margin_is_idempotent_with_a_start_and_recomputes_a_configured_one():
    dist = Product(z=Integer(-40, 40, size=2), own=Integer(0, 10, size=2, sigma=1.0))
    once = with_margin(dist, int_sigma0=0.25)
    twice = with_margin(once, int_sigma0=0.25)
    assert deep_equal(once.initial_theta(), twice.initial_theta())
    other = with_margin(once, int_sigma0=0.5)  # the configured start follows the share; one's own stays
    assert np.allclose(other.parts["z"].mean_sigma(other.initial_theta()["z"])[1], 40.0)
    assert np.allclose(other.parts["own"].mean_sigma(other.initial_theta()["own"])[1], 1.0)


def test_an_integer_pickled_before_0_13_restarts_from_its_widest_sigma():
    import pickle

    opt = BlackBoxASNG(Integer(-50, 50, size=3), seed=1, int_sigma0=0.5)
    x = opt.ask()
    opt.tell(x, np.sum(x * x, axis=1).astype(float))
    for attr in ("sigma_init", "_start_share", "widest_sigma"):  # as 0.12's Integer had none
        delattr(opt.distribution, attr)
    old = pickle.loads(pickle.dumps(opt))
    assert old.distribution.sigma_init is None and np.allclose(old.distribution.widest_sigma, 50.0)
    assert np.allclose(restart(old).distribution.mean_sigma(restart(old).theta)[1], 25.0)
    assert np.allclose(_int_sigma(restart(old, near_best=False)), 50.0)


def test_an_optimizer_pickled_before_0_13_keeps_the_start_it_ran_with():
    import pickle

    opt = BlackBoxASNG(Integer(-50, 50, size=3), seed=1, int_sigma0=0.5)
    x = opt.ask()
    opt.tell(x, np.sum(x * x, axis=1).astype(float))
    del opt.__dict__["int_sigma0"]  # as 0.12's optimizer had no such attribute
    old = pickle.loads(pickle.dumps(opt))
    assert old.int_sigma0 == 0.5 and old.hyper()["int_sigma0"] == 0.5
    assert np.allclose(_int_sigma(restart(old, near_best=False)), 50.0)
    assert old.state_dict()["hyper"]["int_sigma0"] == 0.5
