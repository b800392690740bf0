"""asng-opt 0.18: the descent without the elite (``BlackBoxASNG(elite_in_descent=False)``, the default
on spaces of integers alone) and the walk stall (:func:`asng_opt._cache.walk_stall`: a converged
walking optimizer also ends after that many updates without improvement of its elite)."""

from __future__ import annotations

import copy
import math
import pickle
import warnings

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, Product, Space, minimize
from asng_opt._cache import STALE_ROUNDS, WALK_STALL_PER_VARIABLE, StaleRounds, walk_stall
from asng_opt.blackbox import BlackBoxASNG, default_lam, restart
from asng_opt.blackbox.settings import default_elite_in_descent
from asng_opt.variables import Choice, FloatRange, IntRange

INTS = Integer(-50, 50, size=4)


def _sphere(z):
    return float(np.sum((np.asarray(z, dtype=float) - 7) ** 2))


def _run(opt, n, fun=None):
    fun = _sphere if fun is None else fun
    for _ in range(n):
        z = opt.ask()
        opt.tell(z, np.array([fun(row) for row in z]))
    return opt


# ---- the default --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dist, want",
    [
        (INTS, False),  # integers alone
        (Integer(0, 3, size=1), False),
        (Product(a=Integer(0, 9, size=2), b=Integer(-5, 5, size=3)), False),
        (Product(z=Integer(0, 9, size=2), fixed=Integer(3, 3, size=1)), False),  # a fixed integer is no variable
        (Product(z=Integer(0, 9, size=2), one=Categorical([1])), False),  # nor is a one-category variable
        (Product(z=Integer(0, 9, size=2), c=Categorical([3])), True),  # categories keep the elite
        (Product(z=Integer(0, 9, size=2), r=Gaussian(0.0, 1.0, size=1)), True),  # reals restart instead
        (Categorical([3, 4]), True),  # no CMA-ES step: the setting changes nothing
        (Gaussian(0.0, 1.0, size=3), True),
    ],
)
def test_the_default_drops_the_elite_from_the_descent_on_integers_alone(dist, want):
    assert default_elite_in_descent(dist, None) is want
    assert BlackBoxASNG(dist, seed=0).elite_in_descent is want
    assert BlackBoxASNG(dist, seed=0).hyper()["elite_in_descent"] is want
    for given_ in (True, False):  # an explicit value wins
        assert BlackBoxASNG(dist, seed=0, elite_in_descent=given_).elite_in_descent is given_


def test_the_default_on_spaces_and_integer_rules():
    ints = {"a": IntRange(0, 20), "b": IntRange(-5, 5)}
    assert BlackBoxASNG(Space(ints), seed=0).elite_in_descent is False
    assert BlackBoxASNG(Space({**ints, "r": FloatRange(0.0, 1.0)}), seed=0).elite_in_descent is True
    assert BlackBoxASNG(Space({**ints, "c": Choice(["x", "y"])}), seed=0).elite_in_descent is True
    assert BlackBoxASNG(Space({**ints, "c": Choice(["x"])}), seed=0).elite_in_descent is False
    # a fixed real is no real, but beside it the integers take ASNG's step (int_update="asng"),
    # which the option does not reach: the default keeps the elite there, as with "asng" given
    fixed = BlackBoxASNG(Space({**ints, "r": FloatRange(1.5, 1.5)}), seed=0)
    assert fixed.int_update == "asng" and fixed.elite_in_descent is True
    assert BlackBoxASNG(INTS, seed=0, int_update="asng").elite_in_descent is True
    assert BlackBoxASNG(INTS, seed=0, int_update="cma").elite_in_descent is False


@pytest.mark.parametrize("bad", [1, 0, "yes", 0.0, np.array([True])])
def test_elite_in_descent_must_be_a_bool_or_none(bad):
    with pytest.raises(ValueError, match="elite_in_descent must be True, False or None"):
        BlackBoxASNG(INTS, elite_in_descent=bad)


# ---- the rule -----------------------------------------------------------------------------------


def _twins(elite_in_descent, n_restarts=0, tells=6, dist=INTS):
    """Two optimizers in one state but for their elite's point: one at the run's best point, one
    far away, with the same value. Returns them, the next batch (the same for both) and values for
    it that improve on neither elite."""
    # no mutants: they are drawn around the elite, and the two batches would differ
    a = _run(BlackBoxASNG(dist, lam=8, seed=3, elite_in_descent=elite_in_descent, mutant=False), tells)
    a.n_restarts = n_restarts
    b = copy.deepcopy(a)
    raw, value = a.elite
    far = np.full_like(np.asarray(raw), -40.0)
    b._elitism.elite = (far, value)  # another point, the same value: the batch improves on neither
    z = a.ask()
    z_b = b.ask()
    assert deep_equal(z, z_b)
    f = np.full(len(z), value + 1000.0) + np.arange(len(z))  # all worse than the elite
    return a, b, z, f


def _cma_part(opt):
    st_ = opt.state
    return opt.theta, st_.sigma, st_.C, st_.p_sigma, st_.p_c


def test_without_the_elite_in_the_descent_the_cma_step_does_not_see_it():
    a, b, z, f = _twins(False)
    assert not a.should_stop()
    a.tell(z, f)
    b.tell(z, f)
    assert deep_equal(_cma_part(a), _cma_part(b))  # the elite's place changed nothing


def test_with_the_elite_in_the_descent_the_cma_step_follows_it():
    a, b, z, f = _twins(True)
    a.tell(z, f)
    b.tell(z, f)
    assert not np.allclose(a.theta, b.theta)  # the elite's copy pulls the mean


def test_a_restart_near_the_best_point_keeps_the_elite_in_its_steps():
    a, b, z, f = _twins(False, n_restarts=1)
    a.tell(z, f)
    b.tell(z, f)
    assert not np.allclose(a.theta, b.theta)
    # restart() sets n_restarts on a restart near the best point, not on a fresh one
    opt = _run(BlackBoxASNG(INTS, lam=8, seed=1), 4)
    assert restart(opt).n_restarts == 1 and restart(opt, near_best=False).n_restarts == 0


def _copy_weight(opt, z, f):
    """The weight the elite's copy (the last sample of the update) gets in the CMA-ES step."""
    _, (w_cat, w_real, w_gauss, injected, w_neg) = opt._utility(z, np.asarray(f, dtype=float))
    return float(w_gauss[-1])


def test_a_converged_distribution_takes_the_elite_again():
    opt = _run(BlackBoxASNG(Integer(0, 3, size=2), lam=8, seed=0, mutant=False), 200, fun=lambda z: float(np.sum(z)))
    assert opt.should_stop() and opt._elite_in_step()
    z = opt.ask()
    assert _copy_weight(copy.deepcopy(opt), z, np.full(len(z), 99.0)) > 0  # an old elite, the batch worse
    fresh = _run(BlackBoxASNG(Integer(-50, 50, size=2), lam=8, seed=0, mutant=False), 2)
    assert not fresh.should_stop() and not fresh._elite_in_step()
    z = fresh.ask()
    assert _copy_weight(copy.deepcopy(fresh), z, np.full(len(z), 1e9)) == 0.0


def test_without_the_elite_in_the_descent_the_step_is_the_batch_s_own_cma_step():
    """The copy gets weight 0: the step equals one told the batch alone, by an optimizer without
    elitism (the categorical-free space's whole update is the CMA-ES step). With the positive
    update alone: active CMA-ES's negative weights rank the batch with the copy, which gets none."""
    a = _run(BlackBoxASNG(INTS, lam=8, seed=5, elite_in_descent=False, mutant=False, active_cma=False), 5)
    b = copy.deepcopy(a)
    b.elitist = False  # no copy appended at all
    z = a.ask()
    b.ask()
    f = np.array([_sphere(row) for row in z]) + 1e6  # no improvement: the elite is an old point
    a.tell(z, f)
    b.tell(z, f)
    np.testing.assert_allclose(a.theta, b.theta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.state.C, b.state.C, rtol=1e-12, atol=1e-12)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), width=st.integers(1, 400), lam=st.integers(2, 12))
def test_any_integer_space_runs_finite_without_the_elite_in_the_descent(seed, n, width, lam):
    opt = BlackBoxASNG(Integer(-width, width, size=n), lam=lam, seed=seed)
    assert opt.elite_in_descent is False
    _run(opt, 15, fun=lambda z: float(np.sum(np.abs(z - 3))))
    assert np.all(np.isfinite(opt.theta)) and np.all(np.isfinite(opt.state.C))


# ---- state dicts and pickles ----------------------------------------------------------------------


def test_a_dict_of_0_17_loads_with_the_elite_in_the_descent():
    old = _run(BlackBoxASNG(INTS, seed=2, elite_in_descent=True), 5)
    state = copy.deepcopy(old.state_dict())
    del state["hyper"]["elite_in_descent"]
    loaded = BlackBoxASNG(INTS, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the rule an earlier dict ran with is not a changed setting
        loaded.load_state_dict(state)
    assert loaded.elite_in_descent is True
    assert deep_equal(_run(loaded, 5).state_dict(), _run(old, 5).state_dict())


def test_the_state_dict_round_trips_the_setting_and_a_changed_one_is_named():
    opt = _run(BlackBoxASNG(INTS, seed=4), 3)
    twin = BlackBoxASNG(INTS, seed=5)
    twin.load_state_dict(opt.state_dict())
    assert twin.elite_in_descent is False and deep_equal(twin.state_dict(), opt.state_dict())
    other = BlackBoxASNG(INTS, seed=5, elite_in_descent=True)
    with pytest.warns(UserWarning, match="elite_in_descent: True -> False"):
        other.load_state_dict(opt.state_dict())
    assert other.elite_in_descent is False


def test_an_optimizer_pickled_before_0_18_keeps_the_elite_in_its_descent():
    opt = _run(BlackBoxASNG(INTS, seed=1, elite_in_descent=True), 3)
    del opt.__dict__["elite_in_descent"]  # as 0.17's optimizer had no such attribute
    old = pickle.loads(pickle.dumps(opt))
    assert old.elite_in_descent is True and old.hyper()["elite_in_descent"] is True


def test_the_restart_keeps_the_setting():
    opt = _run(BlackBoxASNG(INTS, seed=1, elite_in_descent=True), 3)
    assert restart(opt).elite_in_descent is True and restart(opt, near_best=False).elite_in_descent is True


# ---- minimize: the budget ------------------------------------------------------------------------


def test_minimize_keeps_the_elite_where_the_budget_caps_lambda():
    dist = Integer(-30, 30, size=8)
    assert default_lam(dist, 150) < default_lam(dist)  # 4 < 10: a short run
    short = minimize(_sphere, dist, max_evals=150, seed=0)
    assert short.optimizer.elite_in_descent is True
    assert default_lam(dist, 3000) == default_lam(dist)
    long = minimize(_sphere, dist, max_evals=3000, seed=0, restarts=0)
    assert long.optimizer.elite_in_descent is False
    # the options win, and a given lambda is no capped default
    assert minimize(_sphere, dist, max_evals=150, seed=0, elite_in_descent=False).optimizer.elite_in_descent is False
    assert minimize(_sphere, dist, max_evals=150, seed=0, lam=4).optimizer.elite_in_descent is False
    # the paper's configuration has no such option
    with pytest.raises(ValueError, match="elite_in_descent"):
        minimize(_sphere, dist, max_evals=150, seed=0, config="paper", elite_in_descent=True)


def test_minimize_takes_elite_in_descent_none_as_not_given():
    dist = Integer(-20, 20, size=4)
    assert minimize(_sphere, dist, max_evals=100, seed=0, elite_in_descent=None).optimizer.elite_in_descent is True
    long = minimize(_sphere, dist, max_evals=3000, seed=0, elite_in_descent=None, restarts=0)
    assert long.optimizer.elite_in_descent is False


def test_minimize_with_the_short_budget_runs_as_the_optimizer_built_with_the_elite():
    dist = Integer(-30, 30, size=8)
    a = minimize(_sphere, dist, max_evals=150, seed=4)
    b = minimize(_sphere, dist, max_evals=150, seed=4, elite_in_descent=True)
    assert [h["values"] for h in a.history] == [h["values"] for h in b.history]


# ---- the walk stall ------------------------------------------------------------------------------


def test_walk_stall_counts_the_free_discrete_variables():
    assert walk_stall(INTS) == WALK_STALL_PER_VARIABLE * 4 == 80
    assert walk_stall(Product(c=Categorical([3, 1, 2]), z=Integer(0, 5, size=2), r=Gaussian(0.0, 1.0))) == 80
    assert walk_stall(Space({"a": IntRange(0, 9), "b": IntRange(2, 2), "c": Choice(["x", "y"])})) == 40
    assert walk_stall(Gaussian(0.0, 1.0, size=3)) == WALK_STALL_PER_VARIABLE  # at least one variable's worth


def test_a_converged_walk_ends_after_walk_stall_updates_without_improvement():
    rounds = StaleRounds(restart_on_convergence=False, walk_stall=50)
    for _ in range(3 * STALE_ROUNDS):  # new points every round: the yield never runs dry
        assert not rounds.after_round(5, should_stop=True, n_restarts=0, stall=49)
        assert not rounds.after_round(5, should_stop=False, n_restarts=0, stall=500)  # not converged
    assert rounds.after_round(5, should_stop=True, n_restarts=0, stall=50)
    assert not rounds.idle  # it evaluated new points: the next restart may start near the best point
    # the other kind restarts on convergence anyway, whatever the stall
    other = StaleRounds(restart_on_convergence=True, walk_stall=50)
    assert other.after_round(5, should_stop=True, n_restarts=0, stall=0)
    # the rule before asng-opt 0.18: no stall limit
    before = StaleRounds(restart_on_convergence=False)
    assert before.walk_stall == math.inf
    assert not before.after_round(5, should_stop=True, n_restarts=0, stall=10**9)


def test_minimize_restarts_a_walk_that_stalls_on_a_wide_integer_range(monkeypatch):
    """Wide ranges: the mutants draw new points in every round, so the yield rarely runs dry.
    Griewank's function on 8 integers in [-300, 300] (the black-box study's int-griewank): the
    walk settles in a local minimum; with the stall a restart follows (4 in 3,000 evaluations,
    seed 0), without it none does."""
    z_opt = np.array([6, 32, 116, 138, -147, -156, 90, 48])
    root = np.sqrt(np.arange(1, 9))

    def griewank(z):
        y = (z - z_opt).astype(float)
        return 1.0 + float(y @ y) / 4000.0 - float(np.prod(np.cos(y / root)))

    dist = Integer(-300, 300, size=8)
    res = minimize(griewank, dist, max_evals=3000, seed=0)
    assert res.n_restarts >= 2 and res.stop_reason == "max_evals"
    import asng_opt._minimize_run as run_module

    monkeypatch.setattr(run_module, "walk_stall", lambda d: math.inf)  # the rule before asng-opt 0.18
    assert minimize(griewank, dist, max_evals=3000, seed=0).n_restarts == 0
