import math

import numpy as np
import pytest

from asng_opt import Categorical, Integer, Product, minimize


def onemax_like(c):
    return float(np.sum(c != 2))


@pytest.mark.parametrize("seed", range(5))
def test_finds_optimum_of_small_problem(seed):
    # lam = 4: measured 20/20 seeds within 272 evaluations (lam = 2 converged early on 3/20)
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=4000, seed=seed, lam=4)
    assert res.fun == 0.0 and onemax_like(res.x) == 0.0
    assert np.all(res.most_likely == 2)
    assert res.stop_reason == "converged" and res.n_evals <= 4000
    assert len(res.history) == res.n_iterations and res.history[-1]["n_evals"] == res.n_evals


def test_budget_is_respected_and_odd_budget_rounds_down():
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=11, seed=0)
    assert res.n_evals == 10 and res.stop_reason == "max_evals"


def test_target_stops_early():
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=4000, seed=0, target=3)
    assert res.stop_reason == "target" and res.fun <= 3


def test_maximize():
    res = minimize(lambda c: float(np.sum(c == 1)), Categorical([3] * 8), max_evals=3000, seed=1, maximize=True)
    assert res.fun == 8 and np.all(res.x == 1)


def test_failures_are_worst_of_batch_and_recorded():
    calls = {"n": 0}

    def flaky(c):
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise RuntimeError("simulator crashed")
        if calls["n"] % 5 == 0:
            return math.nan
        return onemax_like(c)

    res = minimize(flaky, Categorical([4] * 12), max_evals=3000, seed=0, lam=4)
    failures = [f for h in res.history for f in h["failures"]]
    assert any("RuntimeError: simulator crashed" in msg for _, msg in failures)
    assert any("nan" in msg for _, msg in failures)
    assert all(h["values"][j] is None for h in res.history for j, _ in h["failures"])
    assert res.fun == 0.0  # the search still found the optimum


def test_product_samples_are_dicts():
    seen = []

    def f(s):
        seen.append(s)
        return float(np.sum(s["c"] != 0) + abs(int(s["k"][0]) - 5))

    res = minimize(f, Product(c=Categorical([3] * 4), k=Integer(0, 10)), max_evals=200, seed=0)
    assert set(seen[0]) == {"c", "k"} and seen[0]["c"].shape == (4,) and seen[0]["k"].dtype == np.int64
    assert isinstance(res.x, dict)


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown method"):
        minimize(onemax_like, Categorical([3] * 4), method="cma")
    with pytest.raises(ValueError, match="unknown option"):
        minimize(onemax_like, Categorical([3] * 4), learning_rate=0.1)
    with pytest.raises(ValueError, match="max_evals"):
        minimize(onemax_like, Categorical([3] * 4), max_evals=1)


@pytest.mark.parametrize("method, opts", [("sng", {"delta": 0.3}), ("adam", {"lr": 0.05})])
def test_baseline_methods_run(method, opts):
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=4000, seed=0, method=method, **opts)
    assert res.fun == 0.0
