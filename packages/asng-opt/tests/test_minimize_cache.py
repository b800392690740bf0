"""minimize's evaluation cache: a point evaluated before costs no evaluation, the optimizer is told
the same values (its trajectory is unchanged), failures are not remembered, and a run whose rounds
draw only known points ends (asng_opt._cache, asng_opt._minimize_run)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Choice, EvaluationCache, Integer, IntRange, Product, Space, minimize
from asng_opt._cache import STALE_ROUNDS, sample_key


def leading_ones(c):
    return float(len(c) - np.cumprod(c).sum())


def counted(fun):
    """``fun`` that records the key of every point it is called on."""
    calls = []

    def f(x):
        calls.append(sample_key(x))
        return fun(x)

    return f, calls


def test_no_point_is_evaluated_twice_and_n_evals_counts_the_calls():
    f, calls = counted(leading_ones)
    res = minimize(f, Categorical([2] * 20), max_evals=3000, seed=0)
    assert len(calls) == res.n_evals == len(set(calls))
    cached = sum(h["cached"] for h in res.history)
    assert cached > 0 and res.n_iterations * res.optimizer.lam == res.n_evals + cached
    assert [h["n_evals"] for h in res.history] == sorted(h["n_evals"] for h in res.history)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_optimizer_is_told_the_same_values(seed):
    # until either run's first restart, the cached run asks and is told exactly what the uncached one is
    rounds = {True: [], False: []}
    for cache in (True, False):

        def cb(opt, record, out=rounds[cache]):
            out.append((record["values"], opt.theta.copy(), record["restarts"]))

        minimize(leading_ones, Categorical([2] * 12), max_evals=1500, seed=seed, cache=cache, callback=cb)
    with_cache, without = ([r for r in rounds[c] if r[2] == 0] for c in (True, False))
    assert len(with_cache) > 5 and len(without) > 5
    for (v1, t1, _), (v2, t2, _) in zip(with_cache, without):
        assert v1 == v2 and np.array_equal(t1, t2)


def test_twins_in_one_round_are_evaluated_once():
    f, calls = counted(lambda c: float(c[0]))
    res = minimize(f, Categorical([2]), max_evals=10**9, lam=8, seed=0)
    assert len(calls) == res.n_evals == 2 and res.fun == 0.0
    first = res.history[0]
    assert first["n_evals"] <= 2 and first["cached"] == 8 - first["n_evals"]


@pytest.mark.parametrize(
    "space, fun",
    [
        (Categorical([2]), lambda c: float(c[0])),
        (Integer(0, 4, size=2), lambda z: float(abs(z[0] - 3) + abs(z[1] - 1))),
        (Space(a=Choice(["x", "y", "z"]), b=IntRange(1, 3)), lambda p: (p["a"] != "y") + abs(p["b"] - 2)),
    ],
)
def test_a_small_space_ends_once_it_is_evaluated_whole(space, fun):
    f, calls = counted(fun)
    res = minimize(f, space, max_evals=10**9, seed=3)
    assert res.stop_reason == "converged" and res.fun == 0.0
    assert res.n_restarts >= STALE_ROUNDS and len(calls) == res.n_evals == len(set(calls))
    # that stop is the cache's: without it every draw is evaluated and the budget ends the run
    f, calls = counted(fun)
    res = minimize(f, space, max_evals=300, seed=3, cache=False)
    assert res.stop_reason == "max_evals" and res.n_evals == len(calls) == 300 and res.fun == 0.0


def test_failures_are_not_remembered():
    tries: dict[bytes, int] = {}

    def flaky(c):  # points with an odd sum fail on their first evaluation
        k = sample_key(c)
        tries[k] = tries.get(k, 0) + 1
        if tries[k] == 1 and c.sum() % 2:
            raise RuntimeError("first try")
        return float(c.sum())

    res = minimize(flaky, Categorical([2] * 3), max_evals=400, seed=0)
    counts = list(tries.values())
    assert res.fun == 0.0 and max(counts) == 2 and min(counts) == 1
    assert sum(len(h["failures"]) for h in res.history) >= 4  # the 4 odd points, each failed once


def test_executor_and_vectorized_evaluate_what_the_serial_run_does():
    space = Product(c=Categorical([3] * 6), k=Integer(0, 3, size=2))

    def loss(s):
        return float(np.sum(s["c"] != 1) + np.sum(np.abs(s["k"] - 2)))

    batches = []

    def vec(batch):
        batches.append(len(batch["c"]))
        return [loss({"c": c, "k": k}) for c, k in zip(batch["c"], batch["k"])]

    serial = minimize(loss, space, max_evals=800, seed=5)
    with ThreadPoolExecutor(2) as ex:
        threaded = minimize(loss, space, max_evals=800, seed=5, executor=ex)
    vectorized = minimize(vec, space, max_evals=800, seed=5, vectorized=True)
    for res in (threaded, vectorized):
        assert res.n_evals == serial.n_evals and res.fun == serial.fun
        assert [h["values"] for h in res.history] == [h["values"] for h in serial.history]
    lam = serial.optimizer.lam
    assert sum(batches) == serial.n_evals and min(batches) >= 1 and min(batches) < lam


def test_paper_config_has_no_cache_by_default_and_cache_is_a_bool():
    res = minimize(leading_ones, Categorical([2] * 6), max_evals=200, seed=0, config="paper")
    assert res.n_evals == res.n_iterations * 2 and "cached" not in res.history[0]
    res = minimize(leading_ones, Categorical([2] * 6), max_evals=200, seed=0, config="paper", cache=True)
    assert "cached" in res.history[0]
    with pytest.raises(ValueError, match="cache"):
        minimize(leading_ones, Categorical([2] * 6), cache="yes")


def test_the_cache_forgets_the_least_recently_used():
    cache = EvaluationCache(max_size=2)
    a, b, c = (sample_key(np.array([i])) for i in range(3))
    cache.put(a, 1.0)
    cache.put(b, 2.0)
    assert cache.get(a) == 1.0  # a is now the most recently used
    cache.put(c, 3.0)
    assert cache.get(b) is None and cache.get(a) == 1.0 and cache.get(c) == 3.0
    assert len(cache) == 2 and cache.hits == 3
    with pytest.raises(ValueError, match="max_size"):
        EvaluationCache(0)


@pytest.mark.parametrize(
    "bad", [float("nan"), float("inf"), -float("inf"), np.nan, True, "1.0", None, [1.0], 10**400, np.complex128(1 + 2j)]
)
def test_the_cache_refuses_what_is_not_a_finite_number_and_stores_nothing(bad):
    cache = EvaluationCache()
    key = sample_key(np.array([1]))
    cache.put(key, 2.0)
    with pytest.raises(ValueError, match="EvaluationCache.put: value must be"):
        cache.put(key, bad)
    assert cache.get(key) == 2.0 and len(cache) == 1  # the old value kept
    other = sample_key(np.array([2]))
    with pytest.raises(ValueError):
        cache.put(other, bad)
    assert cache.get(other) is None and len(cache) == 1


def test_repeated_failures_still_count_as_known_points():
    """minimize remembers failed points apart from the cache (a failure is evaluated again, but is
    no new point): a space of 4 points whose every point but one fails stops 'converged'."""

    def f(c):
        if int(c[0]) != 2:
            raise RuntimeError("fails")
        return 1.0

    res = minimize(f, Categorical([4]), max_evals=400, seed=0)
    assert res.fun == 1.0 and res.stop_reason == "converged" and res.n_evals < 400


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 3), min_size=1, max_size=5), st.integers(0, 3))
def test_keys_tell_samples_apart(values, other):
    x = np.array(values)
    assert sample_key(x) == sample_key(x.copy())
    y = x.copy()
    y[0] = other
    assert (sample_key(x) == sample_key(y)) == (values[0] == other)
    assert sample_key(x) != sample_key(x.astype(float))  # the dtype is part of the key
    assert sample_key({"a": x, "b": 1}) == sample_key({"b": 1, "a": x.copy()})
    assert sample_key({"a": x}) != sample_key({"a": x, "b": 1})
