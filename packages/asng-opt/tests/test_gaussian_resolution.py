"""Convergence of a Gaussian whose mean is far from 0 next to its sigma_min (asng-opt 0.13):
theta = (mu, mu^2 + sigma^2) cannot hold a sigma below about |mu| sqrt(2^-52), so the variance read
back at the projection's floor is the rounding of mu^2 + sigma_min^2, not sigma_min^2. Before, a
variable there could read as a little above sigma_min forever: converged() never held and a run
went on until its budget. Now the floor itself counts as converged, over the whole accepted range
(|mu| <= 1e30, sigma_min in [1e-30, 1e30]), and so does a variance within FLOOR_ULPS units in the
last place of mu^2 (asng-opt 0.15: a mild shrinking step rounds such a variance back to itself, and
updates that read sigma from theta stopped there for good); a sigma clearly above both sigma_min
and that resolution does not."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from asng_opt import Gaussian, minimize
from asng_opt.gaussian import FLOOR_ULPS, REAL_LIMIT, SIGMA_MIN_FLOOR

EPS = np.finfo(float).eps

means = st.floats(-REAL_LIMIT, REAL_LIMIT, allow_nan=False, allow_infinity=False)
sigma_mins = st.floats(np.log10(SIGMA_MIN_FLOOR), np.log10(REAL_LIMIT)).map(
    lambda e: float(np.clip(10.0**e, SIGMA_MIN_FLOOR, REAL_LIMIT))
)


def _at(d, mu, var):
    """The projected theta ``(1, 2)`` with mean ``mu`` and variance ``var`` (as float64 stores it)."""
    return d.project(np.array([[mu, mu * mu + var]]))


@settings(max_examples=400, deadline=None)
@given(mu=means, smin=sigma_mins, shrink=st.floats(0.0, 1.0))
def test_the_projection_floor_is_converged_over_the_accepted_range(mu, smin, shrink):
    d = Gaussian(sigma=smin, sigma_min=smin)
    assert d.converged(_at(d, mu, shrink * smin * smin))  # at or below the floor: projected onto it
    assert d.converged(_at(d, mu, (smin * (1 + 5e-7)) ** 2))  # within the relative 1e-6


@settings(max_examples=400, deadline=None)
@given(mu=means, smin=sigma_mins, wider=st.floats(4.0, 1e6))
def test_a_sigma_clearly_above_the_floor_is_not_converged(mu, smin, wider):
    d = Gaussian(sigma=smin, sigma_min=smin)
    var = wider * (smin * smin + FLOOR_ULPS * EPS * mu * mu)  # beyond sigma_min and the resolution next to mu
    assume(var < REAL_LIMIT**2)  # within sigma_max (at most REAL_LIMIT): room above sigma_min
    theta = _at(d, mu, var)
    assert not d.converged(theta)
    assert not d.converged(theta, floor_ulps=FLOOR_ULPS)  # beyond the units too
    assert not d.converged(np.stack([theta, _at(d, mu, 0.0)]))[0]  # batched: per batch entry


@pytest.mark.parametrize("mu", [0.1, 0.3, 1.0, 1e4])
def test_the_floor_reads_as_sigma_min_or_the_rounding_and_converges_either_way(mu):
    d = Gaussian(sigma_min=1e-8)
    theta = _at(d, mu, 0.0)
    assert d.converged(theta)
    assert not d.converged(_at(d, mu, max(1e-14, 4 * FLOOR_ULPS * EPS * mu * mu)))


def test_several_variables_converge_when_each_is_at_its_floor():
    d = Gaussian(mean=np.zeros(3), sigma=1.0, sigma_min=1e-8)
    theta = d.project(np.array([[0.1, 0.0], [1e4, 0.0], [0.0, 0.0]]))
    assert d.converged(theta)
    theta[2, 1] = 1e-6  # sigma 1e-3
    assert not d.converged(theta)


def test_a_run_far_from_zero_with_a_tiny_sigma_min_stops_converged():
    """The report's run: a quadratic centred at 0.1 with sigma_min = 1e-8 found its optimum within
    150 evaluations, then ran on until its budget at sigma 1.003e-8 (not within 1e-6 of
    sigma_min); now it stops converged."""
    res = minimize(lambda x: float((x[0] - 0.1) ** 2), Gaussian(sigma_min=1e-8), max_evals=3000, seed=0, restarts=0)
    assert res.stop_reason == "converged" and res.n_evals < 1000 and abs(res.x[0] - 0.1) < 1e-6


@settings(max_examples=400, deadline=None)
@given(mu=means, smin=sigma_mins, units=st.integers(0, int(FLOOR_ULPS)))
def test_a_variance_of_a_few_units_in_the_last_place_is_converged(mu, smin, units):
    # what an update reading sigma from theta got stuck at: mu^2 + k ulp(mu^2), k <= FLOOR_ULPS
    d = Gaussian(sigma=smin, sigma_min=smin)
    mu2 = mu * mu
    theta = d.project(np.array([[mu, mu2 + units * np.spacing(mu2)]]))
    assert d.converged(theta, floor_ulps=FLOOR_ULPS)
    assert d.converged(np.stack([theta, theta]), floor_ulps=FLOOR_ULPS).tolist() == [True, True]
    if units == 0:  # theta's floor itself counts without floor_ulps too, as before asng-opt 0.15
        assert d.converged(theta)


def test_only_updates_that_read_sigma_from_theta_allow_the_units():
    from asng_opt import ASNG, FloatRange, Space
    from asng_opt.blackbox import BlackBoxASNG

    space = Space(x=FloatRange(0.0, 1.0))
    assert ASNG(space).floor_ulps == FLOOR_ULPS == BlackBoxASNG(space, covariance="diagonal").floor_ulps
    assert BlackBoxASNG(space).floor_ulps == 0.0  # the full covariance's sigma lives in its own state


@pytest.mark.parametrize("seed", range(3))
def test_the_full_covariance_keeps_its_precision_next_to_a_mean_away_from_zero(seed):
    # a newcomer's report: with 64 units allowed, this run stopped at f ~ 2e-15 (sigma ~ 1e-7 |mu|),
    # where asng-opt 0.14 reached ~4e-17; the full covariance's variance keeps shrinking to theta's floor
    res = minimize(
        lambda x: float(np.sum((x - 1.37) ** 2)), Gaussian(mean=1.0, sigma=1.0, size=4), max_evals=3000, seed=seed
    )
    assert res.fun < 5e-16, res.fun


@pytest.mark.parametrize("options", [{"covariance": "diagonal"}, {"config": "paper"}])
def test_updates_reading_sigma_from_theta_stop_on_a_named_spaces_reals(options):
    """A named space's reals resolve to 1e-10 of their range, below what theta holds next to a mean
    away from 0: the separable rule and ASNG's step used to stop one unit in the last place above
    mu^2, where their steps rounded back, and ran on until the budget (10,000 updates)."""
    from asng_opt import FloatRange, Space

    space = Space(**{f"x{i}": FloatRange(-5.0, 5.0) for i in range(4)})
    res = minimize(
        lambda d: sum((d[f"x{i}"] - 1.3) ** 2 for i in range(4)), space, max_evals=20000, seed=0, restarts=0, **options
    )
    assert res.stop_reason == "converged" and res.n_evals < 5000, (res.stop_reason, res.n_evals)


def test_an_integer_without_a_margin_takes_the_units_and_one_with_a_margin_its_floor():
    from asng_opt import Integer

    bare, kept = Integer(0, 10**8), Integer(0, 10**8, margin=0.01)
    mu = float(bare.high[0])  # the mean at the upper bound: units of (10^8)^2 are 2
    mu2 = mu * mu
    theta = bare.project(np.array([[mu, mu2 + 8 * np.spacing(mu2)]]))  # sigma ~ 4, above sigma_min 1/4
    assert not bare.converged(theta) and bare.converged(theta, floor_ulps=FLOOR_ULPS)
    assert kept.converged(theta, floor_ulps=FLOOR_ULPS) == kept.converged(theta)  # the margin's floor decides


def test_a_distribution_whose_converged_predates_the_keyword_still_stops():
    """A user's subclass written for asng-opt 0.14 (``converged(self, theta)``) is called without
    ``floor_ulps``, alone and as a Product's part."""
    from asng_opt import Categorical, Product

    class Old(Gaussian):
        def converged(self, theta):  # noqa: D102 -- the 0.14 signature
            return super().converged(theta)

    fun = lambda x: float(np.sum((x["r"] if isinstance(x, dict) else x) - 0.3) ** 2)  # noqa: E731
    for dist in (Old(0.0, 1.0, size=2), Product({"c": Categorical([2]), "r": Old(0.0, 1.0, size=2)})):
        for config in (None, "paper"):
            res = minimize(fun, dist, max_evals=400, seed=0, config=config, restarts=0)
            assert res.n_evals > 0
