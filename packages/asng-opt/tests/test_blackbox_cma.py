"""BlackBoxASNG's full covariance matrix (``covariance="full"``, asng_opt.blackbox.cma): what it
solves that the diagonal update does not, C's invariants, exact resume, older state dicts,
restarts, and spaces without real variables behaving exactly as with the diagonal update."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, Product, minimize
from asng_opt.blackbox import BlackBoxASNG, restart
from asng_opt.blackbox.cma import cma_constants

#: a fixed rotation of R^10 (QR of a seeded Gaussian matrix)
ROT = np.linalg.qr(np.random.default_rng(0).standard_normal((10, 10)))[0]
SCALES = 10.0 ** (6 * np.arange(10) / 9)  # condition 1e6


def box(n: int) -> Gaussian:
    return Gaussian(mean=0.0, sigma=2.5, sigma_max=5.0, low=-5.0, high=5.0, size=n)


def rot_ellipsoid(x: np.ndarray) -> float:
    z = ROT @ (np.clip(x, -5, 5) - 1.0)
    return float(np.sum(SCALES * z * z))


def rosenbrock(x: np.ndarray) -> float:
    x = np.clip(x, -5, 5)
    return float(np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2))


def first_hit(fun, n: int, budget: int, seed: int, target: float, covariance: str) -> int | None:
    """Evaluations until ``fun`` <= target in a default minimize run (None: never)."""
    seen = {"n": 0, "hit": None}

    def f(x):
        seen["n"] += 1
        v = fun(x)
        if v <= target and seen["hit"] is None:
            seen["hit"] = seen["n"]
        return v

    minimize(f, box(n), max_evals=budget, seed=seed, target=target, covariance=covariance)
    return seen["hit"]


@pytest.mark.parametrize("seed", [0, 1])
def test_full_covariance_solves_the_rotated_ellipsoid(seed):
    # measured: full reaches 1e-8 in ~6,000 evaluations; the diagonal update not in 10,000
    assert first_hit(rot_ellipsoid, 10, 12_000, seed, 1e-8, "full") is not None


def test_diagonal_does_not_solve_the_rotated_ellipsoid_in_the_same_budget():
    assert first_hit(rot_ellipsoid, 10, 6_000, 0, 1e-8, "diagonal") is None


def test_full_covariance_solves_rosenbrock():
    # measured: 1e-6 in ~6,000 evaluations (median), 18 of seeds 0-19 (the other two end in the
    # local minimum near (-1, 1, ..., 1)); which seeds do depends on the CPU's floating point
    # (two machines of ours disagree on seed 0), so the test counts: a run in the local minimum
    # is allowed, 6 of 10 is far below what the update does. The diagonal update ends near 1.
    hits = [first_hit(rosenbrock, 10, 15_000, seed, 1e-6, "full") for seed in range(10)]
    assert sum(h is not None for h in hits) >= 6, hits


def test_default_covariance_by_dimension():
    assert BlackBoxASNG(Gaussian(0.0, 1.0, size=100)).covariance == "full"
    assert BlackBoxASNG(Gaussian(0.0, 1.0, size=101)).covariance == "diagonal"
    assert BlackBoxASNG(Categorical([3, 3])).hyper()["covariance"] == "full"


def test_constants_are_the_tutorials():
    k = cma_constants(10, 3.0)
    assert k.c_1 == pytest.approx(2 / (11.3**2 + 3))
    assert k.c_mu == pytest.approx(2 * (3 - 2 + 1 / 3) / (144 + 3))
    assert k.c_c == pytest.approx((4 + 0.3) / (14 + 0.6))
    assert k.gap == 1 and cma_constants(400, 2.0).gap > 1  # lazy in high dimensions only


MIXED = Product(c=Categorical([3, 2]), k=Integer(-2, 6, size=2), g=Gaussian([0.0, 1.0, 2.0], 2.0, low=-5, high=5))


def mixed_loss(s) -> float:
    return float(np.sum(s["c"] != 1) + np.sum(np.abs(s["k"] - 3)) + np.sum((s["g"] - 0.5) ** 2))


def run(opt: BlackBoxASNG, loss, steps: int) -> None:
    for _ in range(steps):
        xs = opt.ask()
        n = len(next(iter(xs.values()))) if isinstance(xs, dict) else len(xs)
        one = [{k: v[j] for k, v in xs.items()} if isinstance(xs, dict) else xs[j] for j in range(n)]
        opt.tell(xs, [loss(s) for s in one])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31 - 1), steps=st.integers(1, 40), lam=st.integers(2, 12), n=st.integers(1, 6))
def test_C_stays_symmetric_positive_definite_and_matches_theta(seed, steps, lam, n):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((n, n))
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, low=-3, high=3, size=n), lam=lam, seed=seed)
    run(opt, lambda x: float(np.sum((a @ x) ** 2) + rng.random()), steps)
    st_ = opt.state
    assert np.array_equal(st_.C, st_.C.T)
    assert np.linalg.eigvalsh(st_.C).min() > 0 and np.all(st_.D > 0) and st_.sigma > 0
    mu, sd = opt.distribution.mean_sigma(opt.theta)
    assert np.all(mu >= -3) and np.all(mu <= 3)
    np.testing.assert_allclose(sd, st_.sigma * np.sqrt(np.diag(st_.C)), rtol=1e-6, atol=1e-7)


def test_draws_follow_the_covariance():
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=2), lam=2, seed=3)
    C = np.array([[1.0, 0.9], [0.9, 1.0]])
    ev, B = np.linalg.eigh(C)
    opt.state = opt.state._replace(C=C, B=B, D=np.sqrt(ev))
    x = opt.ask(20_000)
    np.testing.assert_allclose(np.cov(x.T), C, atol=0.05)


@pytest.mark.parametrize(
    ("dist", "lam"), [(MIXED, None), (Gaussian(0.0, 1.0, size=400), 4)], ids=["mixed", "lazy-400d"]
)
def test_exact_resume_with_reals(dist, lam):
    def loss(s):
        return mixed_loss(s) if isinstance(s, dict) else float(np.sum((s - 0.3) ** 2 * np.arange(1, s.size + 1)))

    a = BlackBoxASNG(dist, lam=lam, seed=5, covariance="full")
    run(a, loss, 7)
    sd = pickle.loads(pickle.dumps(a.state_dict()))
    b = BlackBoxASNG(dist, lam=lam, seed=99, covariance="full")
    b.load_state_dict(sd)
    assert deep_equal(b.state_dict(), a.state_dict())
    ages = []
    for _ in range(6):
        run(a, loss, 1)
        run(b, loss, 1)
        ages.append(a.state.age)
    assert deep_equal(a.state_dict(), b.state_dict())
    if lam == 4:  # the eigendecomposition is lazy there: some steps reuse the last one
        assert max(ages) > 0


def test_refused_states_change_nothing():
    a = BlackBoxASNG(MIXED, seed=1)
    run(a, mixed_loss, 3)
    b = BlackBoxASNG(MIXED, seed=2)
    before = b.state_dict()
    bad = copy.deepcopy(a.state_dict())
    bad["state"]["C"] = bad["state"]["C"] + np.triu(np.ones_like(bad["state"]["C"]), 1)
    with pytest.raises(ValueError, match="'C' must be symmetric positive definite"):
        b.load_state_dict(bad)
    diag = BlackBoxASNG(MIXED, seed=1, covariance="diagonal").state_dict()
    with pytest.raises(ValueError, match="covariance='diagonal'.*covariance='full'"):
        b.load_state_dict(diag)
    assert deep_equal(b.state_dict(), before)
    with pytest.raises(ValueError, match="covariance must be one of"):
        BlackBoxASNG(MIXED, covariance="dense")


#: how asng-opt before 0.8 ran on spaces with integer variables
BEFORE_0_8 = dict(int_margin=False, elite_integers=False, int_update="asng")


def before_0_8(sd):
    """A state dict as asng-opt before 0.8 wrote it: no integer path p_int, no 0.8 options."""
    sd["state"].pop("p_int")
    for k in BEFORE_0_8:
        del sd["hyper"][k]
    return sd


def test_older_state_dicts_load():
    # a state_dict of asng-opt < 0.4: the diagonal update's fields, no 'covariance'
    a = BlackBoxASNG(MIXED, seed=4, covariance="diagonal", **BEFORE_0_8)
    run(a, mixed_loss, 5)
    old = before_0_8(a.state_dict())
    del old["hyper"]["covariance"]
    diag = BlackBoxASNG(MIXED, covariance="diagonal", int_margin=False)
    diag.load_state_dict(copy.deepcopy(old))
    assert diag.hyper() == a.hyper()  # the rules it ran with
    run(a, mixed_loss, 3)
    run(diag, mixed_loss, 3)
    assert deep_equal(diag.state_dict(), a.state_dict())  # continues as before
    with pytest.raises(ValueError, match="the state is from int_margin=False"):
        BlackBoxASNG(MIXED, covariance="diagonal").load_state_dict(copy.deepcopy(old))
    full = BlackBoxASNG(MIXED, int_margin=False)
    full.load_state_dict(old)
    _, sd = MIXED.parts["g"].mean_sigma(full.theta["g"])
    np.testing.assert_allclose(full.state.C, np.diag(sd * sd))
    assert full.state.sigma == 1.0 and not np.any(full.state.p_c)
    run(full, mixed_loss, 3)  # and runs


def test_restart_resets_C_to_the_priors_variances():
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=3), seed=0)
    run(opt, lambda x: float(np.sum(x * x) + x[0] * x[1]), 20)
    new = restart(opt)
    _, sd = new.distribution.mean_sigma(new.theta)
    np.testing.assert_allclose(new.state.C, np.diag(sd * sd))
    assert new.state.sigma == 1.0 and not np.any(new.state.p_c) and not np.any(new.state.p_sigma)
    np.testing.assert_allclose(sd, 0.5)  # the first restart: sigma / 2


def test_converges_to_sigma_min_and_restarts():
    res = minimize(lambda x: float(np.sum((x - 0.2) ** 2)), Gaussian(0.0, 1.0, size=3), max_evals=4000, seed=0)
    assert res.fun < 1e-12 and res.n_restarts >= 1


DISCRETE = [
    Categorical([3, 2, 5, 2]),
    Integer(-3, 9, size=3),
    Product(c=Categorical([4, 4, 2]), k=Integer(0, 5, size=2)),
]


@pytest.mark.parametrize("dist", DISCRETE, ids=["categorical", "integer", "product"])
def test_spaces_without_reals_evaluate_the_same_points(dist):
    """With ASNG's integer step (int_update="asng"; on spaces without integers the only one) the
    covariance has nothing to act on. (By default a space with integers and no reals puts them in
    the full covariance, which covariance="diagonal" turns off: other points, tested elsewhere.)"""

    def loss(s):
        if isinstance(s, dict):
            return float(np.sum(s["c"] != 1) + np.sum(np.abs(s["k"] - 3)))
        return float(np.sum(np.abs(np.asarray(s) - 1)))

    runs = {}
    for cov in ("full", "diagonal"):
        seen = []

        def f(x, seen=seen):
            seen.append(copy.deepcopy(x))
            return loss(x)

        res = minimize(f, dist, max_evals=600, seed=7, covariance=cov, cache=False, int_update="asng")
        runs[cov] = (seen, res.x, res.n_evals)
    assert len(runs["full"][0]) == runs["full"][2] > 100
    assert deep_equal(runs["full"], runs["diagonal"])


def test_resume_between_ask_and_tell():
    a = BlackBoxASNG(MIXED, seed=8)
    run(a, mixed_loss, 4)
    xs = a.ask()
    b = BlackBoxASNG(MIXED)
    b.load_state_dict(pickle.loads(pickle.dumps(a.state_dict())))
    losses = [mixed_loss({k: v[j] for k, v in xs.items()}) for j in range(len(xs["g"]))]
    a.tell(xs, losses)
    b.tell(copy.deepcopy(xs), losses)
    assert deep_equal(a.state_dict(), b.state_dict())
    run(a, mixed_loss, 2)
    run(b, mixed_loss, 2)
    assert deep_equal(a.state_dict(), b.state_dict())
