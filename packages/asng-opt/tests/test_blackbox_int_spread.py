"""Integer ranges of very unlike widths (asng-opt 0.17, a newcomer's report): ``int_update="full"``
starts its covariance matrix at the integers' variances, so widths that differ by more than
``FULL_MAX_SPREAD`` = 1e7 would start C beyond its condition limit (``CONDITION_MAX`` = 1e14):
``minimize`` on ``Integer([0, -10**12, 12], [10, 10**12, 27])`` ended at ``numpy.linalg.LinAlgError``
in every seed. Such spaces now default to ``"cma"`` (one variance per integer) and refuse an
explicit ``"full"`` by name."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, Integer, IntRange, Product, Space, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox.cma import CONDITION_MAX
from asng_opt.blackbox.settings import FULL_MAX_SPREAD, int_width_spread


def test_the_spread_limit_is_the_condition_limit_s_square_root():
    assert FULL_MAX_SPREAD**2 == CONDITION_MAX


@pytest.mark.parametrize(
    "low, high, rule",
    [
        ([0, 0], [10, 10**8], "full"),  # widths 10 and 1e8: exactly the limit
        ([0, 0], [10, 10**8 + 10], "cma"),  # just beyond
        ([0, -(10**12), 12], [10, 10**12, 27], "cma"),
        ([5, 0, 0], [5, 1, 10**6], "full"),  # a fixed integer (width 0) is left out
    ],
)
def test_the_default_integer_rule_follows_the_widths_spread(low, high, rule):
    assert BlackBoxASNG(Integer(low, high)).int_update == rule
    assert BlackBoxASNG(Product(c=Categorical([3]), z=Integer(low, high))).int_update == rule


def test_spread_of_widths():
    assert int_width_spread(Integer([0, 0, 7], [10, 10**6, 7])) == 1e5
    assert int_width_spread(Categorical([3, 4])) == 1.0 == int_width_spread(Integer(3, 3))


def test_an_explicit_full_rule_beyond_the_limit_is_refused_by_name():
    with pytest.raises(ValueError, match=r"int_update='full' cannot hold .* factor of 2e\+11.*int_update='cma'"):
        BlackBoxASNG(Integer([0, -(10**12), 12], [10, 10**12, 27]), int_update="full")
    with pytest.raises(ValueError, match="int_update='full' cannot hold"):
        minimize(lambda x: 0.0, Integer([0, 0], [1, 10**9]), max_evals=10, int_update="full")


@pytest.mark.parametrize("seed", range(4))
def test_the_newcomer_s_spaces_run_to_their_budget(seed):
    """Both reported spaces: no exception, every point in range, a finite best value."""
    seen = []

    def f(x):
        seen.append(np.array(x, copy=True))
        return float(np.abs(x).sum())

    space = Integer([0, -(10**12), 12], [10, 10**12, 27])
    res = minimize(f, space, max_evals=600, seed=seed)
    pts = np.array(seen)
    assert res.n_evals == len(seen) and np.isfinite(res.fun) and res.fun == min(f_ for f_ in np.abs(pts).sum(1))
    assert np.all((pts >= space.int_low) & (pts <= space.int_high))
    named = Space(layers=IntRange(1, 8), seed_offset=IntRange(0, 10**13), batch=IntRange(16, 512, step=16))
    res = minimize(lambda c: float(c["layers"] + c["batch"] + 1e-9 * c["seed_offset"]), named, max_evals=600, seed=seed)
    assert np.isfinite(res.fun) and 1 <= res.x["layers"] <= 8 and 0 <= res.x["seed_offset"] <= 10**13


@pytest.mark.parametrize("fn", ["mutate", "mutate_many"])
def test_mutants_refuse_an_elite_that_is_not_one_sample_of_the_distribution(fn):
    """A newcomer's report: a ``(1, 3)`` elite of a one-variable Integer gave ``(m, 3)`` mutants,
    a ``(1, 1, 1)`` one an ``(m, m)`` array (out of memory at m = 40,000)."""
    from asng_opt.blackbox import mutant

    rng = np.random.default_rng(0)
    d = Integer(0, 9)
    call = {"mutate": lambda e: mutant.mutate(d, d.initial_theta(), e, rng),
            "mutate_many": lambda e: mutant.mutate_many(d, d.initial_theta(), e, 5, rng)}[fn]  # fmt: skip
    for bad in (np.zeros((1, 3)), np.zeros((1, 1, 1)), np.zeros(1), np.zeros((2, 1))):
        with pytest.raises(ValueError, match=rf"{fn}: elite must be one raw sample .* got shape"):
            call(bad)
    assert np.shape(call(np.zeros((1, 1)))) in ((1, 1), (5, 1))
    prod = Product(c=Categorical([3, 2]), z=Integer(0, 9, size=2))
    elite = prod.sample(prod.initial_theta(), 1, rng)
    for bad in ({"c": elite["c"]}, elite["c"], {**elite, "z": np.zeros((1, 3))}):
        with pytest.raises(ValueError, match=f"{fn}: elite must be"):
            getattr(mutant, fn)(prod, prod.initial_theta(), bad, *([5] if fn == "mutate_many" else []), rng)
