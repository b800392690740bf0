"""With the cache, the black-box configuration does not restart a converged distribution of
categorical variables alone at once (asng_opt._cache.StaleRounds, walks): its margin keeps it
drawing single-variable changes of its mode, so minimize restarts it only once its last STALE_ROUNDS
rounds drew fewer than WALK_YIELD new points. Distributions with free real or integer variables,
runs without the cache, the paper's configuration and restarts=0 stop or restart on should_stop()."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space, minimize
from asng_opt._cache import STALE_ROUNDS, WALK_YIELD, StaleRounds, restarts_on_convergence, walks

# a 12-bit OneMax with the optimum at a chosen point: converges within ~50 evaluations, restarts after ~200
TARGET = np.array([1, 0, 1, 1, 0, 0, 1, 0, 1, 1, 1, 0])


def hamming(c):
    return float(np.sum(np.asarray(c) != TARGET))


@pytest.mark.parametrize(
    "dist, expected",
    [
        (Categorical([2, 3]), False),
        (Product({"a": Categorical([2]), "b": Categorical([3, 4])}), False),
        (Space(a=Choice([1, 2]), b=Choice(["x", "y", "z"])), False),
        (Integer(0, 10, size=2), True),
        (Product({"c": Categorical([2]), "z": Integer(0, 5)}), True),
        (Space(a=Choice([1, 2]), b=IntRange(0, 5)), True),
        (Gaussian(mean=0.0, sigma=1.0), True),
        (Product({"c": Categorical([2]), "r": Gaussian(mean=[0.0, 0.0], sigma=1.0)}), True),
        # fixed variables are no free integer or real variable: they do not switch the walk off
        (Space(a=Choice([1, 2]), b=IntRange(3, 3), c=FloatRange(1.5, 1.5)), False),
        (Space(a=Choice([1, 2]), b=FloatRange(0.0, 1.0)), True),
        (Product({"c": Categorical([2]), "z": Integer([4, 0], [4, 0])}), False),
        (Product({"c": Categorical([2]), "z": Integer([4, 0], [4, 1])}), True),
    ],
)
def test_only_distributions_with_reals_restart_on_convergence(dist, expected):
    assert restarts_on_convergence(dist) is expected


def test_stale_rounds_without_convergence_restarts_waits_for_stale_rounds():
    walk, plain = StaleRounds(restart_on_convergence=False), StaleRounds()
    assert plain.after_round(3, True, 0)  # converged: a restart at once
    assert not walk.after_round(3, True, 0)  # converged but still drawing new points: go on
    k = -(-WALK_YIELD // STALE_ROUNDS)  # new points a round that keep the window at >= WALK_YIELD
    for _ in range(3 * STALE_ROUNDS):
        assert not walk.after_round(k, True, 0)
    window = [k] * STALE_ROUNDS
    for _ in range(STALE_ROUNDS):  # rounds without a new point: the window empties one round at a time
        window = window[1:] + [0]
        dry = walk.after_round(0, True, 0)
        assert dry == (sum(window) < WALK_YIELD)
        if dry:
            assert not walk.idle  # it had drawn new points
            break
    assert dry


def test_a_walk_is_judged_on_a_full_window_only():
    walk = StaleRounds(restart_on_convergence=False)
    for _ in range(STALE_ROUNDS - 1):
        assert not walk.after_round(0, True, 0)  # fewer than STALE_ROUNDS rounds since the start
    assert walk.after_round(0, True, 0) and walk.idle  # a full window, nothing new since the start


def test_the_plain_stale_rule_needs_rounds_without_any_new_point():
    plain = StaleRounds()
    for _ in range(3 * STALE_ROUNDS):
        assert not plain.after_round(1, False, 0)  # never converged, one new point a round: go on
    for _ in range(STALE_ROUNDS - 1):
        assert not plain.after_round(0, False, 0)
    assert plain.after_round(0, False, 0) and not plain.idle
    plain.restarted()
    for _ in range(STALE_ROUNDS - 1):
        assert not plain.after_round(0, False, 1)
    assert plain.after_round(0, False, 1) and plain.idle and plain.idle_in_a_row == 1


@pytest.mark.parametrize("blackbox, max_restarts, expected", [(True, 5, True), (True, 0, False), (False, 5, False)])
def test_only_the_blackbox_configuration_with_restarts_walks(blackbox, max_restarts, expected):
    assert walks(Categorical([2, 3]), blackbox, max_restarts) is expected
    assert walks(Integer(0, 5), blackbox, max_restarts) is False


def rounds_of(dist, fun, **kw):
    out = []

    def cb(opt, record):
        cached = record.get("cached", 0)
        out.append((opt.should_stop(), cached == opt.lam, record["restarts"], opt.lam - cached))

    res = minimize(fun, dist, callback=cb, **kw)
    return out, res


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_converged_discrete_distribution_walks_until_stale(seed):
    out, res = rounds_of(Categorical([2] * 12), hamming, max_evals=400, seed=seed)
    restarts = [i for i in range(1, len(out)) if out[i][2] > out[i - 1][2]]
    converged = [i for i, r in enumerate(out) if r[0]]
    assert converged and restarts  # it converged, and restarted later
    assert any(not out[i + 1][1] for i in converged if i + 1 < len(out) and out[i + 1][2] == out[i][2])
    for i in restarts:  # every restart follows STALE_ROUNDS rounds that drew < WALK_YIELD new points
        assert i >= STALE_ROUNDS and sum(n_new for _, _, _, n_new in out[i - STALE_ROUNDS : i]) < WALK_YIELD
    assert res.fun == 0.0


@pytest.mark.parametrize("kw", [{"config": "paper", "cache": True}, {"restarts": 0}])
def test_the_paper_configuration_and_no_restarts_stop_at_convergence(kw):
    # no walk: the run ends on the first round after which should_stop() holds, as the paper's ASNG
    for seed in range(3):
        out, res = rounds_of(Categorical([2] * 12), hamming, max_evals=3000, seed=seed, **kw)
        assert res.stop_reason == "converged" and [r[0] for r in out].index(True) == len(out) - 1


def test_points_that_always_fail_do_not_keep_the_walk_going():
    # the optimum's single-bit changes of bits 6..11 fail: the converged walk draws them again
    # every round or two; they are evaluated again (a failure may not repeat) but are no new
    # point, so the walk still runs dry and restarts (it never did when they counted as new)
    def fun(c):
        d = np.asarray(c) != TARGET
        if d.sum() == 1 and d[6:].any():
            raise RuntimeError("infeasible")
        return hamming(c)

    for seed in range(2):
        res = minimize(fun, Categorical([2] * 12), max_evals=1500, seed=seed)
        assert res.fun == 0.0 and res.n_restarts >= 10
        failed_draws = sum(len(r["failures"]) for r in res.history)
        assert failed_draws > 100  # the failing points were drawn (and evaluated) again and again


def test_a_space_of_choices_with_fixed_ranges_walks():
    def fun(cfg):
        return hamming([cfg[f"b{i}"] for i in range(12)]) + cfg["k"] + cfg["x"]

    space = Space(**{f"b{i}": Choice([0, 1]) for i in range(12)}, k=IntRange(0, 0), x=FloatRange(0.0, 0.0))
    out, res = rounds_of(space, fun, max_evals=800, seed=0)
    restarts = [i for i in range(1, len(out)) if out[i][2] > out[i - 1][2]]
    assert res.fun == 0.0 and restarts
    assert any(not out[i - 1][0] for i in restarts)  # a restart that did not follow should_stop(): the walk ran dry
    for i in restarts:
        assert i >= STALE_ROUNDS and sum(n_new for _, _, _, n_new in out[i - STALE_ROUNDS : i]) < WALK_YIELD


def test_reals_and_no_cache_restart_on_convergence():
    def sphere(x):
        return float(np.sum((np.asarray(x["r"]) - 0.3) ** 2) + x["c"][0])

    dist = Product({"c": Categorical([2]), "r": Gaussian(mean=[0.0, 0.0], sigma=1.0, sigma_min=1e-3)})
    for kw in ({"cache": True}, {"cache": False}):
        out, _ = rounds_of(dist, sphere, max_evals=3000, seed=0, **kw)
        restarts = [i for i in range(1, len(out)) if out[i][2] > out[i - 1][2]]
        assert restarts and all(out[i - 1][0] for i in restarts)  # each right after should_stop()
    out, _ = rounds_of(Categorical([2] * 12), hamming, max_evals=3000, seed=0, cache=False)
    restarts = [i for i in range(1, len(out)) if out[i][2] > out[i - 1][2]]
    assert restarts and all(out[i - 1][0] for i in restarts)


def test_a_wide_integer_range_still_zooms_in_by_restarts():
    # a converged Integer moves one step at a time: walking from where it converged to a far optimum
    # would take the whole budget; the zooming restarts near the best point find it within ~100
    res = minimize(lambda v: float(abs(v[0] - 100)), Integer(0, 10**6), max_evals=2000, seed=0)
    assert res.fun == 0.0 and res.best_at < 500 and res.n_restarts > 1


def _walked_dry(stale, n_restarts):
    """Rounds of one optimizer on ``stale``: some new points, then none, until the walk runs dry."""
    stale.restarted()
    assert not stale.after_round(WALK_YIELD, True, n_restarts)
    while not stale.after_round(0, True, n_restarts):
        pass


def test_after_a_restart_near_the_best_point_that_found_nothing_better_the_next_starts_fresh():
    """asng-opt 0.11: where optimizers walk, a restart near the best point whose elite never
    improved is followed by one from the initial distribution (StaleRounds.near_best); one that
    improved it, a fresh optimizer, an idle one and optimizers that restart on convergence keep
    the rule before (near the best point, unless idle)."""
    from asng_opt.blackbox import BlackBoxASNG, restart

    dist = Categorical([2] * 12)
    opt = BlackBoxASNG(dist, seed=0)
    for _ in range(30):
        x = opt.ask()
        opt.tell(x, [hamming(c) for c in x])
    assert opt.elite_improved and opt.n_restarts == 0
    walk = StaleRounds(restart_on_convergence=False)
    _walked_dry(walk, 0)
    assert walk.near_best(opt)  # a fresh optimizer that improved its elite: near the best point next
    near = restart(opt, near_best=True)
    assert near.n_restarts == 1 and not near.elite_improved  # it starts with the elite it was given
    for _ in range(5):  # a value that never beats the elite: the elite does not improve
        x = near.ask()
        near.tell(x, [20.0] * len(x))
    assert not near.elite_improved and near._elitism.stall == near.t == 5
    _walked_dry(walk, 1)
    assert not walk.idle and not walk.near_best(near)  # spent: the next restart starts fresh
    fresh = restart(near, near_best=walk.near_best(near))
    assert fresh.n_restarts == 0 and fresh.elite is None
    assert StaleRounds().near_best(near)  # optimizers that restart on convergence keep the rule before
    better = restart(opt, near_best=True)
    x = better.ask()
    better.tell(x, [-1.0] + [20.0] * (len(x) - 1))  # beats the elite
    assert better.elite_improved
    _walked_dry(walk, 1)
    assert walk.near_best(better)
    idle = StaleRounds(restart_on_convergence=False)
    for _ in range(STALE_ROUNDS):
        idle.after_round(0, True, 1)
    assert idle.idle and not idle.near_best(opt)  # an idle optimizer: wide, as before


def test_minimize_restarts_fresh_after_a_spent_restart_near_the_best_point():
    """minimize applies the rule: on a deceptive trap over 10 bits (the optimum all ones, every
    other point's value pulls towards all zeros) every optimizer that followed a restart near the
    best point whose elite never improved starts fresh (no elite given: n_restarts 0), and such
    restarts happen (the rule before restarted near the best point again, n_restarts 2, 3, ...)."""
    opts = []

    def trap(c):
        ones = int(np.sum(c))
        return 0.0 if ones == 10 else float(ones + 1)

    def callback(opt, record):
        if not opts or opts[-1] is not opt:
            opts.append(opt)

    minimize(trap, Categorical([2] * 10), max_evals=3000, seed=0, callback=callback)
    spent = [(a, b) for a, b in zip(opts, opts[1:]) if a.n_restarts > 0 and not a.elite_improved]
    assert len(spent) >= 3
    assert all(b.n_restarts == 0 and b.elite is not None for _, b in spent)  # fresh (its own elite by now)
    assert max(o.n_restarts for o in opts) == 1
