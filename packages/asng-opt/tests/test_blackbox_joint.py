"""BlackBoxASNG's ``int_update="full"`` (asng-opt 0.10, the default on spaces with integer and no
real variables): the integers in the CMA-ES's full covariance, with CMA-ES with margin's diagonal
``A`` keeping each integer's marginal at the margin's floor."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Gaussian, Integer, IntRange, Product, Space, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox._tree import n_cma, real_rows
from asng_opt.blackbox.cma import JOINT_INT_SIGMA_MIN, margin_scale


def loss_of(x: dict | np.ndarray, j: int, centre: float = 3.0) -> float:
    if isinstance(x, dict):
        return float(np.sum(x["c"][j] != 1) + np.sum((x["z"][j] - centre) ** 2))
    return float(np.sum((np.asarray(x)[j] - centre) ** 2))


def test_the_integers_are_in_c_and_drawn_correlated():
    opt = BlackBoxASNG(Integer(-50, 50, size=3), seed=0)
    assert opt.int_update == "full" and opt.state.C.shape == (3, 3) and opt.state.p_sigma.shape == (3,)
    # a C with strong correlation: the draws' integer parts follow it (A = 1: sigma far above the floor)
    C = np.array([[1.0, 0.9, 0.0], [0.9, 1.0, 0.0], [0.0, 0.0, 1.0]]) * 100.0
    ev, B = np.linalg.eigh(C)
    opt.state = opt.state._replace(sigma=1.0, C=C, B=B, D=np.sqrt(ev))
    xs = np.concatenate([np.asarray(opt.ask(200), dtype=float) for _ in range(10)])
    r = np.corrcoef(xs.T)
    assert r[0, 1] > 0.8 and abs(r[0, 2]) < 0.15  # rounding of sd 10 barely blurs it


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lo=st.sampled_from([0, -3, -(10**6), 2**50]),
    width=st.sampled_from([1, 2, 9, 40, 10**6]),
    u=st.floats(0.0, 1.0),
    log_sd=st.floats(-12.0, 3.0),
)
def test_margin_scale_keeps_each_integer_at_the_margin_and_reals_at_one(lo, width, u, log_sd):
    """Over whole ranges (shifted, far, narrow, wide) and any sigma sqrt(C_ii): A >= 1, an integer's
    A sd is exactly its margin's floor where sd is below it, else sd itself; a real's A is 1."""
    space = Product(z=Integer(lo, lo + width), g=Categorical([2]), r=Gaussian(0.0, 1.0))
    dist = BlackBoxASNG(space, seed=0, int_update="full").distribution
    z = dist.parts["z"]
    low, high = float(np.ravel(z._low)[0]), float(np.ravel(z._high)[0])
    mean = np.array([low + u * (high - low), 0.5])  # leaves' order: z, then r
    sd = np.array([10.0**log_sd, 10.0**log_sd])
    a = margin_scale(dist, mean, sd, joint=True)
    floor = float(z.margin_sigma(mean[:1])[0])
    assert a[0] >= 1.0 and a[0] * sd[0] == pytest.approx(max(sd[0], floor), rel=1e-12)
    assert a[1] == 1.0
    assert np.array_equal(margin_scale(dist, mean, sd, joint=False), np.ones(2))


def test_the_step_recombines_the_raw_draws_and_learns_from_them_without_the_margin():
    """The integer means move to the weighted mean of the told raw draws (CMA-ES's lr 1), and y =
    (x - m) / (sigma A): with sigma sqrt(C_ii) far below the floor, A ~ 1e2-1e3 and C learns from
    y, drawn from N(0, C), not from the widened draws (which would multiply it by ~A^2)."""
    opt = BlackBoxASNG(Integer(0, 40, size=2), lam=8, seed=3, elitist=False, mutant=False)
    st0 = opt.state
    # C shrunk far below the margin's floor: A carries the margin
    opt.state = st0._replace(sigma=1e-3)
    c_before = np.diag(opt.state.C).copy()
    mu0, _ = opt.distribution.mean_sigma(opt.theta)
    a = margin_scale(opt.distribution, mu0, 1e-3 * np.sqrt(np.diag(opt.state.C)), True)
    assert np.all(a > 1)
    x = opt.ask()
    raw = opt._pending[1]
    f = np.array([loss_of(x, j, 11.0) for j in range(8)])
    joined, (_, _, w_gauss, *_) = opt._utility(raw, f)
    opt.tell(x, f)
    w = np.maximum(w_gauss, 0.0)
    expected = w @ real_rows(opt.distribution, joined, joint=True) / w.sum()  # the clipped draws
    assert np.all(np.diag(opt.state.C) < 3 * c_before)  # ~A^2 = 1e4-1e6 times it from x - m
    assert np.linalg.norm(opt.state.p_sigma) < 10  # whitened steps of draws of N(0, C)
    mu, sd = opt.distribution.mean_sigma(opt.theta)
    np.testing.assert_allclose(mu, expected, rtol=1e-9, atol=1e-9)
    # theta's marginal is what the next ask draws: the floor (A > 1) or sigma sqrt(C_ii)
    floor = opt.distribution.margin_sigma(mu)
    cma_sd = opt.state.sigma * np.sqrt(np.diag(opt.state.C))
    np.testing.assert_allclose(sd, np.maximum(floor, cma_sd), rtol=1e-9)


@pytest.mark.parametrize(
    "dist",
    [
        Integer(0, 20),
        Integer(-(2**50), 2**50, size=2),
        Integer(2**50, 2**50 + 3, size=3),
        Integer(np.array([0, 5, 0]), np.array([1, 5, 200])),  # narrow, fixed, wide
        Product(c=Categorical([3, 2]), z=Integer(-5, 5, size=4)),
    ],
    ids=["small", "far", "shifted-narrow", "fixed", "with-categorical"],
)
def test_long_runs_stay_finite_and_in_range(dist):
    """Runs well past convergence (sigma sqrt(C_ii) at JOINT_INT_SIGMA_MIN, A large): the state
    stays finite, the draws in range, and sigma sqrt(C_ii) never below its floor."""
    opt = BlackBoxASNG(dist, seed=1)
    assert opt.int_update == "full"
    lows = dist.parts["z"].int_low if isinstance(dist, Product) else dist.int_low
    centre = float(np.mean(lows))
    for _ in range(300):
        x = opt.ask()
        zs = x["z"] if isinstance(x, dict) else np.asarray(x)
        assert np.all(np.isfinite(zs.astype(float)))
        opt.tell(x, [loss_of(x, j, centre) for j in range(opt.lam)])
        st_ = opt.state
        assert all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in st_[4:11])
        assert np.all(st_.sigma * np.sqrt(np.diag(st_.C)) >= JOINT_INT_SIGMA_MIN * (1 - 1e-9))
    assert opt.should_stop()  # converged: every integer at its margin's floor


def test_resume_is_bit_identical():
    space = Product(c=Categorical([3, 2]), z=Integer(0, 30, size=3))
    a = BlackBoxASNG(space, seed=5)
    for _ in range(6):
        x = a.ask()
        a.tell(x, [loss_of(x, j, 11.0) for j in range(a.lam)])
    b = BlackBoxASNG(space)
    b.load_state_dict(copy.deepcopy(a.state_dict()))
    for _ in range(8):
        xa, xb = a.ask(), b.ask()
        assert deep_equal(xa, xb)
        a.tell(xa, [loss_of(xa, j, 11.0) for j in range(a.lam)])
        b.tell(xb, [loss_of(xb, j, 11.0) for j in range(b.lam)])
    assert deep_equal(a.state_dict(), b.state_dict())


def test_a_dict_of_the_other_integer_model_is_refused_by_name_and_leaves_the_optimizer_as_it_was():
    space = Integer(0, 30, size=3)
    old = BlackBoxASNG(space, seed=2, int_update="asng")  # asng-opt 0.9's default here
    x = old.ask()
    old.tell(x, [loss_of(x, j) for j in range(old.lam)])
    sd = old.state_dict()
    new = BlackBoxASNG(space, seed=4)
    before = copy.deepcopy(new.state_dict())
    with pytest.raises(ValueError, match=r"the state is from int_update='asng', this optimizer has int_update='full'"):
        new.load_state_dict(copy.deepcopy(sd))
    assert deep_equal(new.state_dict(), before)
    again = BlackBoxASNG(space, int_update="asng")
    again.load_state_dict(sd)  # with the state's rule it loads
    with pytest.raises(ValueError, match=r"the state is from int_update='full', this optimizer has int_update='cma'"):
        BlackBoxASNG(space, int_update="cma").load_state_dict(new.state_dict())
    # without integers nothing differs: a 0.9 dict of a categorical space loads into the default
    cat = BlackBoxASNG(Categorical([3, 3]), seed=0)
    BlackBoxASNG(Categorical([3, 3])).load_state_dict(cat.state_dict())


def test_restarts_keep_the_rule_and_start_from_the_prior():
    from asng_opt.blackbox import restart

    opt = BlackBoxASNG(Integer(0, 30, size=2), seed=0)
    for _ in range(5):
        x = opt.ask()
        opt.tell(x, [loss_of(x, j) for j in range(opt.lam)])
    new = restart(opt)
    assert new.int_update == "full" and new.state.C.shape == (2, 2) and new.state.sigma == 1.0
    mu, sd = new.distribution.mean_sigma(new.theta)
    np.testing.assert_allclose(np.diag(new.state.C), sd * sd)  # C from the prior's variances


def test_the_issues_small_spaces_do_not_collapse():
    """Issue 12's examples: a small integer space, two integers of unlike ranges, a small mixed space."""
    f1 = lambda v: float((v[0] - 6) ** 2)  # noqa: E731
    assert all(minimize(f1, Integer(0, 20), max_evals=4000, seed=s, lam=8).fun == 0.0 for s in range(10))
    two = Integer(np.array([0, 10]), np.array([2, 200]))
    f2 = lambda v: float((v[0] - 2) ** 2 + (v[1] - 150) ** 2)  # noqa: E731
    assert all(minimize(f2, two, max_evals=2000, seed=s).fun == 0.0 for s in range(10))
    small = Product(c=Categorical([2]), z=Integer(1, 5))
    f3 = lambda v: float(v["c"][0] != 1) + float((v["z"][0] - 4) ** 2)  # noqa: E731
    assert all(minimize(f3, small, max_evals=200, seed=s, lam=4).fun == 0.0 for s in range(40))


def test_a_space_with_integer_names_uses_it_and_counts_its_variables():
    space = Space(n=IntRange(1, 64), m=IntRange(0, 3), k=IntRange(-5, 5))
    opt = BlackBoxASNG(space, seed=0)
    assert opt.int_update == "full" and n_cma(opt.distribution, True) == 3 == opt.state.C.shape[0]
    res = minimize(lambda c: float((c["n"] - 40) ** 2 + (c["m"] - 2) ** 2 + c["k"] ** 2), space, max_evals=3000, seed=0)
    assert res.fun == 0.0 and res.x == {"n": 40, "m": 2, "k": 0}


def test_fixed_integers_stay_out_of_c_and_out_of_the_count():
    """A fixed integer (low == high) has nothing to learn: it is not in C (n, its learning rates'
    dimension, counts the free ones), it decodes to its value, and the 100-variable limit of the
    default counts free integers only (a newcomer's cases: 20 fixed integers made C 21 x 21 and
    slowed the search 2-3x; 99 free + 5 fixed fell back to ASNG's step)."""
    lo = np.array([0, 3, 0, -7, 0])
    hi = np.array([200, 3, 200, -7, 200])
    opt = BlackBoxASNG(Integer(lo, hi), seed=0)
    assert opt.int_update == "full" and opt.state.C.shape == (3, 3) and opt.state.p_sigma.shape == (3,)
    target = np.array([17, 3, 150, -7, 99])
    for _ in range(60):
        x = opt.ask()
        assert np.all(x[:, 1] == 3) and np.all(x[:, 3] == -7)
        opt.tell(x, [float(np.sum((x[j] - target) ** 2)) for j in range(opt.lam)])
    assert opt.state.C.shape == (3, 3) and np.all(np.isfinite(opt.state.C))
    f = lambda v: float(np.sum((np.ravel(v) - target) ** 2))  # noqa: E731
    assert all(minimize(f, Integer(lo, hi), max_evals=3000, seed=s).fun == 0.0 for s in range(5))
    many = Product(a=Integer(0, 5, size=99), b=Integer(3, 3, size=5))
    assert BlackBoxASNG(many).int_update == "full" and BlackBoxASNG(many).state.C.shape == (99, 99)
    space = Space(v=IntRange(0, 10**6), **{f"k{i}": IntRange(3, 3) for i in range(20)})
    assert BlackBoxASNG(space).state.C.shape == (1, 1)


@pytest.mark.parametrize("dist", [Integer(-20, 20, size=4), Gaussian(np.zeros(3), np.ones(3))], ids=["int", "real"])
@pytest.mark.parametrize("flat", [True, False], ids=["equal", "random"])
def test_a_flat_objective_keeps_c_and_sigma_in_scale_and_the_state_loadable(dist, flat):
    """With every value equal (or noise only) and the elite in the update, sigma grew and C shrank
    together until C's eigenvalues were rounding noise (sigma 1e151, C's diagonal 6e-301 after
    5,000 tells) and the optimizer refused its own state dict. C's scale now moves into sigma
    below C_SCALE_MIN as it does above C_SCALE_MAX."""
    from asng_opt.blackbox.cma import C_SCALE_MIN

    opt = BlackBoxASNG(dist, seed=0)
    rng = np.random.default_rng(0)
    for _ in range(5000):
        x = opt.ask()
        k = len(x)
        opt.tell(x, np.zeros(k) if flat else rng.random(k))
    c = np.diag(opt.state.C)
    assert np.max(c) >= C_SCALE_MIN and np.all(np.isfinite(c)) and math.isfinite(opt.state.sigma)
    again = BlackBoxASNG(dist, seed=1)
    again.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert deep_equal(again.state_dict()["state"], opt.state_dict()["state"])


def test_rescaling_a_small_c_keeps_the_distribution():
    from asng_opt.blackbox.cma import C_SCALE_MIN, _rescaled

    C = np.array([[4.0, 1.0], [1.0, 2.0]]) * C_SCALE_MIN / 10
    p_c = np.array([1e-51, -2e-51])
    sigma, C2, p2, done = _rescaled(3e40, C, p_c)
    assert done and np.max(np.diag(C2)) == pytest.approx(1.0)
    np.testing.assert_allclose(sigma**2 * C2, 9e80 * C, rtol=1e-12)  # sigma^2 C unchanged
    np.testing.assert_allclose(p2 * (sigma / 3e40), p_c, rtol=1e-12)  # sigma p_c unchanged
    assert _rescaled(3.0, np.eye(2), p_c)[3] is False  # in scale: untouched


def test_a_converged_search_beside_an_unused_wide_integer_stays_converged():
    """A reviewer's case: three integers converge while a fourth, ignored by the objective, stays as
    wide as its range. Without a cap on C's condition number the converged directions' eigenvalues
    became rounding noise (condition > 1e16), CSA's whitening made |p_sigma| ~ 1e144 and sigma
    blew every variable back up to half its range; its state dict no longer loaded."""
    from asng_opt.blackbox.cma import CONDITION_MAX

    space = Space(a=IntRange(0, 100), b=IntRange(0, 100), c=IntRange(0, 100), unused=IntRange(0, 10**6))

    def f(c):
        return float((c["a"] - 30) ** 2 + (c["b"] - 70) ** 2 + (c["c"] - 5) ** 2)

    for seed in range(3):
        opt = BlackBoxASNG(space, seed=seed)
        for _ in range(400):
            xs = opt.ask()
            opt.tell(xs, [f(c) for c in xs])
        _, sd = opt.distribution.parts["int"].mean_sigma(opt.theta["int"])
        assert np.all(sd[:3] < 1.0) and opt.elite[1] == 0.0
        d2 = opt.state.D**2
        # capped (eigh resolves the smallest eigenvalue to ~eps lambda_max: a few % here)
        assert d2.max() <= CONDITION_MAX * d2.min() * 1.1 and np.linalg.norm(opt.state.p_sigma) < 100
        BlackBoxASNG(space).load_state_dict(copy.deepcopy(opt.state_dict()))


def test_the_condition_cap_raises_the_smallest_eigenvalues_only_beyond_the_limit():
    from asng_opt.blackbox.cma import CONDITION_MAX, _condition_capped, eigen

    Q = np.linalg.qr(np.random.default_rng(0).standard_normal((3, 3)))[0]
    C = Q @ np.diag([1e6, 1.0, 1e-12]) @ Q.T
    C = (C + C.T) / 2
    C2, B2, D2 = _condition_capped(C, *eigen(C))
    ev = np.linalg.eigvalsh(C2)
    assert ev.max() / ev.min() == pytest.approx(CONDITION_MAX, rel=0.05)  # eigvalsh: absolute error ~ eps 1e6
    off = ~np.eye(3, dtype=bool)
    assert np.array_equal(C2[off], C[off])  # only the diagonal moves, by the same amount
    np.testing.assert_allclose(np.diag(C2 - C), 1e6 / CONDITION_MAX - 1e-12, rtol=0.01)  # entries ~1e6
    ok = np.diag([4.0, 1.0, 1e-6])
    assert _condition_capped(ok, *eigen(ok))[0] is ok


def test_a_loaded_c_with_a_zero_variance_is_refused():
    opt = BlackBoxASNG(Integer(0, 30, size=3), seed=0)
    x = opt.ask()
    opt.tell(x, [loss_of(x, j) for j in range(opt.lam)])
    sd = opt.state_dict()
    bad = copy.deepcopy(sd)
    C = np.array(bad["state"]["C"], dtype=float)
    C[1, :] = C[:, 1] = 0.0
    bad["state"]["C"] = C
    other = BlackBoxASNG(Integer(0, 30, size=3), seed=1)
    before = copy.deepcopy(other.state_dict())
    with pytest.raises(ValueError, match="'C' must"):
        other.load_state_dict(bad)
    assert deep_equal(other.state_dict(), before)


def test_the_condition_cap_leaves_sigma_max_in_force():
    """A review's case: a variable held at its sigma_max, 1e8 times narrower than another, had its
    C_ii raised by the cap past sigma_max (its draws 10x wider than theta said). The marginal bounds
    are applied again after the cap."""
    g = Gaussian(np.zeros(2), [0.1, 1e7], sigma_max=[0.1, 1e7])
    opt = BlackBoxASNG(g, seed=0, lam=10)
    for _ in range(200):
        x = opt.ask()
        opt.tell(x, -x[:, 0] - 1e-6 * x[:, 1])
    st = opt.state
    sd = st.sigma * np.sqrt(np.diag(st.C))
    assert sd[0] <= 0.1 * (1 + 1e-9)
    np.testing.assert_allclose(sd, g.mean_sigma(opt.theta)[1], rtol=1e-9)  # theta describes the draws
    draws = np.concatenate([opt.ask() for _ in range(50)])
    assert draws[:, 0].std() < 0.12
    BlackBoxASNG(g, lam=10).load_state_dict(copy.deepcopy(opt.state_dict()))
