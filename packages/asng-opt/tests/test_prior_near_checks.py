"""prior_near refuses what is not one raw sample of its distribution, with a message naming the
problem; the call its message points to (check_samples on a batch of one point) builds the prior
centred on that point, for every kind of variable (an Integer's values become raw draws)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space, minimize
from asng_opt.blackbox import prior_near

DISTS = {
    "categorical": Categorical([3, 4, 2]),
    "integer": Integer([0, -5], [10, 5]),  # the second is modelled relative to its centre
    "gaussian": Gaussian(size=3),
    "product": Product(c=Categorical([3, 3]), i=Integer(0, 20, size=2), x=Gaussian(size=1)),
}


@pytest.mark.parametrize("name", sorted(DISTS))
def test_an_unbatched_point_is_refused_with_the_call_to_make(name):
    dist = DISTS[name]
    raw = dist.sample(dist.initial_theta(), 1, np.random.default_rng(0))
    flat = {k: v[0] for k, v in raw.items()} if isinstance(raw, dict) else raw[0]
    with pytest.raises(ValueError, match=r"batch of one, shape \(1, \d+\).*check_samples"):
        prior_near(dist, flat)
    prior_near(dist, raw)  # the batch of one is taken


@pytest.mark.parametrize(
    "raw,match",
    [
        (np.array([[7, 1, 0]]), r"7 for variable 0, not a category in \[0, 3\)"),
        (np.array([[0, -1, 0]]), r"-1 for variable 1"),
        (np.array([[0, 1.5, 0]]), r"1.5 for variable 1"),
        (np.array([[0, np.nan, 0]]), r"finite numbers"),
        (np.array([["a", "b", "c"]]), r"finite numbers"),
        (np.zeros((2, 3), dtype=int), r"shape \(1, 3\), got shape \(2, 3\)"),
        (np.zeros((1, 4), dtype=int), r"shape \(1, 3\), got shape \(1, 4\)"),
    ],
)
def test_bad_categories_are_named(raw, match):
    with pytest.raises(ValueError, match=match):
        prior_near(DISTS["categorical"], raw)


def test_a_products_parts_are_checked_by_name():
    dist = DISTS["product"]
    raw = dist.sample(dist.initial_theta(), 1, np.random.default_rng(1))
    with pytest.raises(ValueError, match=r"must be a dict with keys \['c', 'i', 'x'\]"):
        prior_near(dist, raw["c"])
    with pytest.raises(ValueError, match=r"no part 'x'"):
        prior_near(dist, {k: v for k, v in raw.items() if k != "x"})
    with pytest.raises(ValueError, match=r"raw\['x'\] must hold finite numbers"):
        prior_near(dist, {**raw, "x": np.array([[np.inf]])})


@pytest.mark.parametrize("rho", [-0.1, 1.5, np.nan, "0.5", None])
def test_rho_outside_0_1_is_refused(rho):
    with pytest.raises(ValueError, match="rho must be a number in"):
        prior_near(DISTS["categorical"], np.array([[0, 1, 0]]), rho=rho)


@pytest.mark.parametrize("scale", [0.0, -1.0, np.inf, np.nan, "1"])
def test_sigma_scale_must_be_positive_finite(scale):
    with pytest.raises(ValueError, match="sigma_scale must be a positive finite number"):
        prior_near(DISTS["gaussian"], np.zeros((1, 3)), sigma_scale=scale)


@settings(max_examples=60, deadline=None)
@given(
    c=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    i=st.lists(st.integers(0, 20), min_size=2, max_size=2),
    x=st.floats(-1e6, 1e6),
)
def test_the_hinted_call_centres_the_prior_on_the_point(c, i, x):
    # the message's recipe, on a point given as the user sees it: the categorical rows lean to its
    # categories, the integers' and the real's means are its values (raw draws are value - origin)
    dist = DISTS["product"]
    point = {"c": np.array([c]), "i": np.array([i]), "x": np.array([[x]])}
    theta = prior_near(dist, dist.check_samples(point)[0])
    assert np.array_equal(dist.parts["c"].mode(theta["c"]), c)
    integer = dist.parts["i"]
    assert np.array_equal(integer.decode(integer.mean_sigma(theta["i"])[0]), i)
    assert dist.parts["x"].mean_sigma(theta["x"])[0][0] == pytest.approx(x, rel=1e-12, abs=1e-9)


def test_a_space_configuration_through_the_readme_recipe():
    space = Space(lr=FloatRange(1e-4, 1e-1, log=True), depth=IntRange(1, 8), act=Choice(["relu", "tanh"]))
    cfg = {"lr": 1e-3, "depth": 6, "act": "tanh"}
    dist = space.distribution
    theta = prior_near(dist, dist.check_samples(space.encode([cfg]))[0])
    mode = space.mode(theta)
    assert mode["depth"] == 6 and mode["act"] == "tanh" and mode["lr"] == pytest.approx(1e-3)
    res = minimize(lambda c: abs(c["depth"] - 6) + (c["act"] != "tanh"), space, max_evals=40, seed=0, theta=theta)
    assert res.fun == 0
