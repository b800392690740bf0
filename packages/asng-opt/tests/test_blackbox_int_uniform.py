"""The integer mutants' default since asng-opt 0.17, ``int_steps="harmonic-uniform"``: a changed
integer takes a harmonic step (``"harmonic"``, 0.9-0.16's rule) or, with probability
``UNIFORM_SHARE`` = 1/2, a value of its range drawn uniformly among all but its own."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Integer, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox.mutant import INT_STEPS, LENGTHS, UNIFORM_SHARE, int_step_lengths, mutate_many


def _moves(low, high, at, n_mutants, seed, steps="harmonic-uniform"):
    """The new values of the changed variables of ``n_mutants`` mutants of the point ``at`` (all
    10 variables there) in ``[low, high]``."""
    d = Integer(np.full(10, low), np.full(10, high))
    elite, _ = d.check_samples(np.full((1, 10), at, dtype=np.int64))
    got = d.decode(mutate_many(d, d.initial_theta(), elite, n_mutants, np.random.default_rng(seed), steps))
    return got[got != at]


def _harmonic_p(j, room):
    """P(a harmonic length j) for a room (``int_step_lengths``' law)."""
    return math.log1p(1.0 / j) / math.log(room + 1)


def test_int_step_lengths_draws_lengths_only_and_says_where_the_values_are_drawn():
    with pytest.raises(ValueError, match=r"'harmonic-uniform' mixes lengths with uniform values.*mutate\(\)"):
        int_step_lengths(np.random.default_rng(0), np.ones(2), "harmonic-uniform")
    assert set(LENGTHS) | {"harmonic-uniform"} == set(INT_STEPS)


def test_values_follow_the_mixture_from_the_middle():
    """From 0 in [-30, 30]: P(value w) = 1/2 * 1/2 * P_harmonic(|w|; room 30) + 1/2 * 1/60 for every
    w != 0 (the direction +-1 at even odds), each of the 60 frequencies within 5 standard errors
    (about 26,000 changed variables)."""
    new = _moves(-30, 30, 0, 20_000, 4)
    values = np.arange(-30, 31)
    values = values[values != 0]
    u = UNIFORM_SHARE  # 1/2
    p = np.array([(1 - u) * 0.5 * _harmonic_p(abs(w), 30) + u / 60 for w in values])
    assert abs(p.sum() - 1) < 1e-12
    freq = np.array([np.mean(new == w) for w in values])
    se = np.sqrt(p * (1 - p) / new.size)
    assert np.all(np.abs(freq - p) < 5 * se), np.max(np.abs(freq - p) / se)


def test_values_follow_the_mixture_from_a_bound():
    """At the lower bound every harmonic step goes up (room 60): P(low + j) = 1/2 * P_harmonic(j; 60)
    + 1/2 * 1/60; the far bound is reached, the own value never."""
    new = _moves(-30, 30, -30, 20_000, 5)
    j = np.arange(1, 61)
    p = np.array([0.5 * _harmonic_p(k, 60) + 0.5 / 60 for k in j])
    freq = np.array([np.mean(new == -30 + k) for k in j])
    se = np.sqrt(p * (1 - p) / new.size)
    assert np.all(np.abs(freq - p) < 5 * se)
    assert not np.any(new == -30) and np.any(new == 30)


def test_two_valued_and_three_valued_ranges():
    """In {0, 1} a changed variable always takes the other value; in {0, 1, 2} from 1 each other value
    half the time (harmonic and uniform alike)."""
    assert np.all(_moves(0, 1, 0, 500, 1) == 1) and np.all(_moves(0, 1, 1, 500, 1) == 0)
    mid = _moves(0, 2, 1, 4000, 2)
    assert set(np.unique(mid)) == {0, 2} and abs(np.mean(mid == 2) - 0.5) < 0.03


@settings(max_examples=60, deadline=None)
@given(
    st.tuples(st.integers(-(2**50), 2**50), st.integers(1, 2**20))
    | st.tuples(st.integers(-50, 50), st.integers(1, 40)),
    st.integers(0, 2**32 - 1),
)
def test_property_uniform_values_never_repeat_the_own_value_and_stay_in_range(bound, seed):
    """Far (shifted) and near ranges of one free variable: every mutant changes it, to a value of
    its range other than its own, on the grid."""
    lo, w = bound
    d = Integer(lo, lo + w)
    rng = np.random.default_rng(seed)
    at = lo + int(rng.integers(0, w + 1))
    elite, _ = d.check_samples(np.array([[at]]))
    got = d.decode(mutate_many(d, d.initial_theta(), elite, 50, rng, "harmonic-uniform"))
    assert np.all((got >= lo) & (got <= lo + w)) and not np.any(got == at)
    raw, _ = d.check_samples(got)
    assert np.array_equal(d.decode(raw), got)


def _schwefel(centre, sign):
    """Schwefel's deceptive function on integers, per variable ``-x sin(sqrt|x|)`` at ``x = s (z - m)``
    in boxes of 1,001 values: the best x (421) and the second best (-303) lie 724 apart."""

    def f(z):
        x = sign * (np.ravel(z) - centre)
        return float(np.sum(-x * np.sin(np.sqrt(np.abs(x)))))

    return f


def test_uniform_values_cross_a_deceptive_box_where_harmonic_steps_rarely_do():
    """4 integers, Schwefel's function, 2,000 evaluations, seeds 0-9 (measured: the optimum in 9 of
    10 runs with the default, 5 of 10 with 0.16's harmonic steps)."""
    centre, sign = np.array([-88, -21, 62, 14]), np.array([-1, 1, -1, 1])
    space = Integer(centre - 500, centre + 500)
    f = _schwefel(centre, sign)
    best = f(centre + 421 * sign)
    solved = {}
    for steps in ("harmonic-uniform", "harmonic"):
        runs = [minimize(f, space, max_evals=2000, seed=s, target=best, int_steps=steps) for s in range(10)]
        solved[steps] = sum(r.fun <= best for r in runs)
    assert solved["harmonic-uniform"] >= 8 and solved["harmonic"] <= 6, solved


def test_a_0_16_state_dict_loads_with_its_harmonic_steps_and_says_so():
    """A dict saved with ``int_steps="harmonic"`` (asng-opt 0.9-0.16's default) into a default
    optimizer: the dict's rule replaces the default, with a warning naming both."""
    old = BlackBoxASNG(Integer(0, 50, size=3), seed=0, int_steps="harmonic")
    for _ in range(10):
        x = old.ask()
        old.tell(x, np.sum((x - 7.0) ** 2, axis=1))
    state = old.state_dict()
    new = BlackBoxASNG(Integer(0, 50, size=3), seed=3)
    with pytest.warns(UserWarning, match="int_steps: 'harmonic-uniform' -> 'harmonic'"):
        new.load_state_dict(state)
    assert new.int_steps == "harmonic" and np.array_equal(new.ask(), old.ask())
    same = BlackBoxASNG(Integer(0, 50, size=3), seed=3, int_steps="harmonic")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        same.load_state_dict(state)
