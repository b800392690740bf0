"""The per-round fast paths give exactly what the general code gives: ``sample_key``'s bytes (against
a reference encoder written out here, the canonical form of asng-opt 0.7), both rankings from one
sort, the elite's tail comparison on plain arrays, ``mutate_many``'s cached layout, the integer
margin's floor remembered for its last mean, and the CMA-ES step's cached layout."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from asng_opt import Categorical, Gaussian, Integer, Product
from asng_opt._cache import sample_key
from asng_opt.blackbox import cma
from asng_opt.blackbox._tree import cma_columns, real_bounds
from asng_opt.blackbox.elite import Elitism
from asng_opt.blackbox.mutant import _LAYOUTS, _changeable, _layout, can_mutate, mutate_many
from asng_opt.ranking import log_rank_weights, quantile_and_log, ranking_utility


def _reference(x: Any, h: Any) -> None:
    """The canonical byte form, piece by piece (no fast path)."""
    if type(x) in (int, float, str, bool, type(None)):
        h.update(f"v{type(x).__name__}:{x!r};".encode())
    elif isinstance(x, Mapping):
        h.update(b"{")
        for k in sorted(x, key=repr):
            _reference(k, h)
            _reference(x[k], h)
        h.update(b"}")
    elif isinstance(x, (list, tuple)):
        h.update(b"[")
        for v in x:
            _reference(v, h)
        h.update(b"]")
    elif isinstance(x, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(x)
        h.update(f"a{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    else:
        h.update(f"v{type(x).__name__}:{x!r};".encode())


def _reference_key(x: Any) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    _reference(x, h)
    return h.digest()


def _random_value(rng: np.random.Generator, depth: int = 0) -> Any:
    kind = int(rng.integers(9 if depth < 2 else 5))
    if kind == 0:  # a C-contiguous array of some dtype and shape
        dtype = [np.int64, np.float64, np.int32, np.bool_, np.uint8][int(rng.integers(5))]
        return (rng.random(tuple(rng.integers(1, 4, size=int(rng.integers(1, 3))))) * 5).astype(dtype)
    if kind == 1:  # a non-contiguous view, a 0-d array, a numpy scalar
        return [np.arange(12.0).reshape(3, 4)[:, ::2], np.array(float(rng.random())), np.float64(rng.random())][
            int(rng.integers(3))
        ]
    if kind == 2:
        return None
    if kind == 3:
        return [int(rng.integers(-5, 5)), float(rng.random()), "lbl", True][int(rng.integers(4))]
    if kind == 4:  # a big-endian array: its dtype string differs
        return np.arange(3, dtype=">i8")
    if kind in (5, 6):
        seq = [_random_value(rng, depth + 1) for _ in range(int(rng.integers(4)))]
        return tuple(seq) if kind == 5 else seq
    keys = ["b", "a", "z_1", 3][: int(rng.integers(1, 5))]
    return {k: _random_value(rng, depth + 1) for k in keys}


def test_sample_key_is_the_reference_digest_on_random_samples():
    rng = np.random.default_rng(0)
    for _ in range(400):
        x = _random_value(rng)
        assert sample_key(x) == _reference_key(x), x
    c = np.arange(20) % 3  # the study's candidates: (c, z, r) tuples, and dicts of arrays
    assert sample_key((c, None, None)) == _reference_key((c, None, None))
    assert sample_key({"c": c, "z": c[:5] * 1.0}) == _reference_key({"c": c, "z": c[:5] * 1.0})
    assert sample_key(np.array(3.0)) == _reference_key(np.array(3.0))


@pytest.mark.parametrize("maximize", [False, True])
def test_quantile_and_log_are_both_rankings_bit_for_bit(maximize):
    rng = np.random.default_rng(1)
    for lam in [3, 4, 5, 7, 12, 13, 17, 40]:
        for _ in range(20):
            f = rng.integers(0, 4, size=lam).astype(float)  # many ties
            f[rng.random(lam) < 0.1] = np.inf
            f[rng.random(lam) < 0.1] = -np.inf
            q, lg = quantile_and_log(f, maximize)
            q0, lg0 = ranking_utility(f, maximize), log_rank_weights(f, maximize)
            assert q.tobytes() == q0.tobytes() and lg.tobytes() == lg0.tobytes()


def _elitism(dist: Any, raw: Any, m: int, elite_value: float) -> Elitism:
    """An Elitism whose last ask's mutants are the last ``m`` rows of ``raw`` (an array or a dict)."""
    e = Elitism(dist)
    if isinstance(raw, dict):
        k = len(next(iter(raw.values())))
        e.mutants = [{key: v[i : i + 1].copy() for key, v in raw.items()} for i in range(k - m, k)]
    else:
        e.mutants = [raw[i : i + 1].copy() for i in range(len(raw) - m, len(raw))]
    e.elite = (e.mutants[0], elite_value)
    return e


def test_rejected_mutants_of_a_plain_array_as_of_the_same_batch_in_a_dict():
    dist = Categorical([3] * 6)
    rng = np.random.default_rng(2)
    for _ in range(200):
        k = int(rng.integers(3, 10))
        m = int(rng.integers(1, k))
        raw = rng.integers(0, 3, size=(k, 6))
        f = rng.integers(0, 3, size=k).astype(float)
        e_plain = _elitism(dist, raw, m, 1.0)
        e_dict = _elitism(Product(c=dist), {"c": raw}, m, 1.0)
        if rng.random() < 0.3:  # a mutant the batch no longer holds
            e_plain.mutants[0] = e_plain.mutants[0] + 1
            e_dict.mutants[0] = {"c": e_dict.mutants[0]["c"] + 1}
        maximize = bool(rng.random() < 0.5)
        r1, f1 = e_plain.without_rejected_mutants(raw, f, maximize)
        r2, f2 = e_dict.without_rejected_mutants({"c": raw}, f, maximize)
        assert np.array_equal(r1, r2["c"]) and f1.tobytes() == f2.tobytes()
        assert np.array_equal(e_plain.kept_mutants, e_dict.kept_mutants)


@pytest.mark.parametrize(
    "dist",
    [
        Categorical([3] * 20),
        Categorical([1, 4, 1, 2]),
        Product(c=Categorical([5] * 4), z=Integer(-3, 3, size=3), r=Gaussian(np.zeros(2), np.ones(2))),
        Product(a=Integer(3, 3), r=Gaussian(0.0, 1.0)),
        Product(a=Integer(2, 2), c=Categorical([1, 1])),
    ],
)
def test_mutate_many_layout_is_that_of_the_distribution(dist):
    lay = _layout(dist)
    free = _changeable(dist)
    flat = np.concatenate(free) if free else np.zeros(0, dtype=bool)
    assert np.array_equal(lay.flat, flat) and lay.n_free == int(flat.sum())
    assert np.array_equal(lay.free_index, np.flatnonzero(flat))
    assert [flat[a:b].size for a, b in lay.spans] == [f.size for f in free]
    assert _layout(dist) is lay  # cached
    theta = dist.initial_theta()
    elite = dist.sample(theta, 1, np.random.default_rng(3))
    if can_mutate(dist):  # the cached layout draws as a fresh one: two equal streams, equal batches
        _LAYOUTS.clear()
        a = mutate_many(dist, theta, elite, 6, np.random.default_rng(4))  # computes the layout
        b = mutate_many(dist, theta, elite, 6, np.random.default_rng(4))
        leaves_a = a.values() if isinstance(a, dict) else [a]
        leaves_b = b.values() if isinstance(b, dict) else [b]
        assert all(x.tobytes() == y.tobytes() for x, y in zip(leaves_a, leaves_b))


@pytest.mark.parametrize("seed", range(4))
def test_margin_sigma_remembered_is_the_computed_floor(seed):
    """Integer.margin_sigma remembers its last mean: over random means (inside, outside and on the
    range, at rounding boundaries, several shapes and dtypes, shifted and fixed variables), each
    call gives exactly the uncached computation's bits, repeated calls included, and a caller
    writing into a result changes neither the remembered floor nor the next result."""
    rng = np.random.default_rng(seed)
    dists = [
        Integer(-50, 50, size=6, margin=0.02),
        Integer([0, 3, -20, 5], [10, 3, 20, 60], margin=0.3),  # a fixed variable
        Integer(10**7, 10**7 + 40, size=3, margin=0.05),  # shifted (raw = value - origin)
        Integer(0, 10**6, margin=0.1),
        Integer(0, 2, size=2),  # no margin
    ]
    for d in dists:
        n = d.n_variables
        means = [rng.uniform(-2 * d.high.max() - 3, 2 * d.high.max() + 3, size=shape) for shape in [(n,), (3, n)]]
        means += [np.floor(rng.uniform(d.low, d.high)) + 0.5, np.clip(rng.integers(-60, 60, size=n), d.low, d.high)]
        means += [means[0].astype(np.float32), means[-1].astype(np.int64)]
        for mu in means + means[::-1] + [means[0]] * 3:
            fresh = d._margin_sigma(np.asarray(mu)) if d.margin is not None else d.margin_sigma(mu)
            got = d.margin_sigma(mu)
            assert got.dtype == fresh.dtype and got.shape == fresh.shape and got.tobytes() == fresh.tobytes()
            got[...] = -1.0  # a caller's write
            again = d.margin_sigma(mu)
            assert again.tobytes() == fresh.tobytes()


@pytest.mark.parametrize(
    "dist",
    [
        Integer(-50, 50, size=5),
        Integer([0, 4, -3], [9, 4, 3]),  # a fixed integer: out of the CMA-ES's columns
        Product(c=Categorical([3, 2]), z=Integer(0, 60, size=3), r=Gaussian(np.zeros(2), np.ones(2), low=-1, high=2)),
        Gaussian(np.zeros(3), np.ones(3), sigma_min=1e-3, sigma_max=4.0),
    ],
)
@pytest.mark.parametrize("joint", [False, True])
def test_cma_layout_is_that_of_the_distribution(dist, joint):
    """cma._layout (cached per distribution) holds what each step computed from the leaves before
    it was cached; its arrays are read-only, so no step can change the next one's bounds."""
    cma._LAYOUTS.clear()
    lay = cma._layout(dist, joint)
    cols = cma_columns(dist, joint)
    lo, hi, s_lo, s_hi = (b[cols] for b in real_bounds(dist, joint))
    if joint:
        s_lo = np.where(cma._integer_columns(dist)[cols], cma.JOINT_INT_SIGMA_MIN, s_lo)
    for got, want in zip(lay, (cols, lo, hi, s_lo, s_hi)):
        assert got.dtype == want.dtype and np.array_equal(got, want)
        with pytest.raises(ValueError):
            got[...] = got
    assert cma._layout(dist, joint) is lay


def test_an_unhashable_distribution_runs_without_the_layout_cache():
    """A user's Gaussian subclass defining __eq__ (and so no __hash__) cannot key the per-distribution
    caches: its layout is computed each time, as before the cache (a review's case: its first tell
    raised TypeError)."""

    class G(Gaussian):
        def __eq__(self, other):
            return self is other

    dist = G(np.zeros(3), np.ones(3), low=-5, high=5)
    with pytest.raises(TypeError):
        hash(dist)
    from asng_opt import BlackBoxASNG

    opt = BlackBoxASNG(dist, seed=0)
    for _ in range(20):
        x = opt.ask()
        opt.tell(x, np.sum((x - 1.0) ** 2, axis=1))
    assert np.all(np.isfinite(opt.state.C))
