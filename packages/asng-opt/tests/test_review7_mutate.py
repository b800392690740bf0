"""Review 6 (tried-and-failed xfail): ``mutate`` / ``mutate_many`` on a shifted Integer (origin a
half-integer) move in the user's coordinates: variables not mutated keep their value exactly,
mutated ones go to a neighbouring valid integer; unshifted Integers keep their random stream."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Integer, Product
from asng_opt.blackbox.mutant import mutate, mutate_many

_BOUNDS = st.one_of(
    st.tuples(st.integers(-50, 50), st.integers(0, 40)),  # near 0: not shifted
    st.tuples(st.integers(-(2**50), 2**50), st.integers(0, 2**20)),  # far: shifted (the centre)
    st.tuples(st.integers(2**16, 2**17), st.integers(0, 3)),  # shifted, narrow
)


def _integer(bounds):
    low = [lo for lo, _ in bounds]
    high = [lo + w for lo, w in bounds]
    return Integer(low, high)


def _check(d, elite_values, batch):
    """Each mutant, decoded: every variable at its elite value or one step away, inside
    [low, high], raw draws exactly what check_samples makes of the values."""
    got = d.decode(batch)
    diff = got - elite_values
    assert np.all(np.isin(diff, [-1, 0, 1]))
    assert np.all((got >= d.int_low) & (got <= d.int_high))
    raw, _ = d.check_samples(got)
    assert np.array_equal(raw, batch)  # on the integer grid in raw coordinates (x - origin)
    fixed = d.int_low == d.int_high
    assert np.all(diff[:, fixed] == 0)
    if np.any(~fixed):
        assert np.all(np.sum(diff != 0, axis=1) >= 1)  # at least one variable changed


@settings(max_examples=60, deadline=None)
@given(st.lists(_BOUNDS, min_size=1, max_size=5), st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_property_mutants_move_to_neighbouring_integers(bounds, seed, m):
    d = _integer(bounds)
    rng = np.random.default_rng(seed)
    values = np.array([[int(lo + rng.integers(0, w + 1)) for lo, w in bounds]])
    elite, _ = d.check_samples(values)
    batch = mutate_many(d, d.initial_theta(), elite, m, rng)
    _check(d, values, batch)
    one = mutate(d, d.initial_theta(), elite, rng)
    _check(d, values, one)


def test_shifted_unmutated_variables_keep_their_values_exactly():
    d = Integer(0, 100001, size=6)  # origin 50000.5
    assert np.any(d.origin != 0)
    values = np.array([[3, 4, 5, 6, 100001, 0]])
    elite, _ = d.check_samples(values)
    batch = mutate_many(d, d.initial_theta(), elite, 200, np.random.default_rng(0))
    changed = np.sum(d.decode(batch) != values, axis=1)
    assert np.all(changed >= 1) and np.mean(changed) < 1.7  # rate 1/6, at least one: about 1.4
    _check(d, values, batch)


def test_unshifted_integers_keep_their_exact_stream():
    """The values of an unshifted Integer are those of asng-opt 0.6 (rint in raw coordinates):
    recorded here for a fixed seed, in a Product with a raw (unrounded) elite."""
    d = Product(z=Integer([0, -3, 5], [9, 3, 5]))
    elite = {"z": np.array([[2.4, -2.6, 5.0]])}
    many = mutate_many(d, d.initial_theta(), elite, 5, np.random.default_rng(42))
    one = mutate(d, d.initial_theta(), elite, np.random.default_rng(42))
    expected = [[2.0, -2.0, 5.0], [2.0, -2.0, 5.0], [3.0, -3.0, 5.0], [3.0, -2.0, 5.0], [1.0, -3.0, 5.0]]
    assert many["z"].tolist() == expected  # recorded with asng-opt 0.6.1
    assert one["z"].tolist() == [[2.0, -2.0, 5.0]]
