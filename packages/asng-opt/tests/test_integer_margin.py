"""The black-box configuration's integer variables (asng-opt 0.8): the margin in probability
(``Integer(margin=...)``), the elite joining the update at its integer values (``elite_integers``),
the real variables' rule on the integers of a space with reals (``int_update``), the walk of spaces
of categorical and integer variables, and state dicts of earlier versions."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from helpers import deep_equal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from asng_opt import Categorical, Choice, FloatRange, Gaussian, Integer, IntRange, Product, Space, minimize
from asng_opt._cache import restarts_on_convergence, walks
from asng_opt.blackbox import INT_SIGMA_FLOOR, BlackBoxASNG, margin_probability, with_margin
from asng_opt.blackbox._tree import integer_values
from asng_opt.gaussian import Gaussian as PlainGaussian


def beyond_nearest_boundary(d: Integer, mu: float, sigma: float) -> float:
    """P(a draw of N(mu, sigma^2) rounds beyond the rounding boundary nearest to mu inside the
    range), found by decoding: the boundaries are where ``d.decode`` changes value."""
    here = int(d.decode(np.array([mu]))[0])
    lo, hi = d.int_low[0], d.int_high[0]
    best = math.inf
    p = 0.0
    for v, side in ((here - 0.5, -1), (here + 0.5, +1)):
        if not lo <= v <= hi:  # no neighbour on this side
            continue
        b = v - d.origin[0]  # the boundary in raw coordinates
        dist = abs(mu - b)
        if dist < best:
            best = dist
            p = 0.5 * math.erfc(dist / (sigma * math.sqrt(2)))
    return p if math.isfinite(best) else 1.0


bounds = st.sampled_from([(0, 1), (0, 2), (-3, 9), (0, 20), (-(10**6), 10**6 + 1), (5, 10**9), (7, 7)])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    b=bounds,
    u=st.floats(0.0, 1.0),
    log_sigma=st.floats(-12.0, 4.0),
    margin=st.floats(1e-4, 0.49),
)
def test_projection_keeps_the_margin_over_the_whole_range(b, u, log_sigma, margin):
    lo, hi = b
    d = Integer(lo, hi, sigma_min=1e-3, margin=margin)
    mu = float(d.low[0] + u * (d.high[0] - d.low[0]))  # raw coordinates
    sigma = math.exp(log_sigma)
    theta = d.project(np.array([[mu, mu * mu + sigma * sigma]]))
    m, s = d.mean_sigma(theta)
    assert np.all(np.isfinite(theta))
    if lo < hi:
        capped = s[0] >= d.sigma_max[0] * (1 - 1e-12)  # sigma_max = (high - low) / 2 wins
        # up to the rounding of theta = (mu, mu^2 + sigma^2): far from the origin of a wide range
        # sigma^2 keeps fewer bits (see Integer's docstring)
        res = 8 * np.finfo(float).eps * (m[0] ** 2 + s[0] ** 2)
        p = beyond_nearest_boundary(d, float(m[0]), math.sqrt(s[0] ** 2 + res))
        assert capped or p >= margin * (1 - 1e-9)
    assert np.array_equal(d.project(theta), theta)  # idempotent
    assert d.in_domain(theta)
    assert bool(d.converged(theta)) == bool(s[0] <= d.margin_sigma(m)[0] * (1 + 1e-6))


@settings(max_examples=100, deadline=None)
@given(b=bounds, u=st.floats(0.0, 1.0), log_sigma=st.floats(-6.0, 4.0))
def test_without_a_margin_the_projection_is_appendix_ds(b, u, log_sigma):
    lo, hi = b
    d = Integer(lo, hi)
    plain = PlainGaussian(mean=d.initial_theta()[:, 0], sigma=d.sigma_max, sigma_min=d.sigma_min,
                          sigma_max=d.sigma_max, low=d.low, high=d.high)  # fmt: skip
    mu = float(d.low[0] + u * (d.high[0] - d.low[0]))
    theta = np.array([[mu, mu * mu + math.exp(2 * log_sigma)]])
    assert np.array_equal(d.project(theta), plain.project(theta))
    assert d.margin is None and "margin" not in d.spec()


def test_margin_sigma_at_a_cell_centre_and_near_a_boundary():
    d = Integer(0, 20, sigma_min=1e-3, margin=0.05)
    z = 1.6448536269514722  # Phi^-1(0.95)
    np.testing.assert_allclose(d.margin_sigma(np.array([3.0, 3.3, 3.49, 0.0, 20.0])),
                               [0.5 / z, 0.2 / z, 0.01 / z, 0.5 / z, 0.5 / z], rtol=1e-12)  # fmt: skip
    # a half-integer origin: raw 0 is a rounding boundary (user value 0.5 rounds up to 1)
    w = Integer(-(10**6), 10**6 + 1, sigma_min=1e-3, margin=0.05)
    assert w.origin[0] == 0.5
    np.testing.assert_allclose(w.margin_sigma(np.array([0.0, 0.5, 0.2])), [1e-3, 0.5 / z, 0.2 / z], rtol=1e-9)
    assert w.decode(np.array([-1e-9]))[0] == 0 and w.decode(np.array([0.0]))[0] == 1


@pytest.mark.parametrize("bad", [0, 0.0, 0.5, 0.7, -0.1, math.nan, math.inf, True, "0.1", [0.1]])
def test_a_margin_outside_zero_half_is_refused(bad):
    with pytest.raises(ValueError, match="Integer: margin must be None or a probability in"):
        Integer(0, 5, margin=bad)


def test_spec_and_state_dict_carry_the_margin():
    d = Integer(0, 9, size=2, margin=0.1)
    assert d.spec()["margin"] == 0.1
    opt = BlackBoxASNG(Product(z=Integer(0, 9, size=2), c=Categorical([3])), seed=0)
    assert opt.distribution.parts["z"].margin == pytest.approx(margin_probability(3))
    for _ in range(4):
        x = opt.ask()
        opt.tell(x, [float(np.sum(x["z"][j])) for j in range(opt.lam)])
    sd = opt.state_dict()
    other = BlackBoxASNG(Product(z=Integer(0, 9, size=2), c=Categorical([3])))
    other.load_state_dict(copy.deepcopy(sd))
    assert deep_equal(other.state_dict(), sd)


def test_margin_probability():
    assert margin_probability(1) == pytest.approx(0.27)
    assert margin_probability(10) == pytest.approx(1 - 0.73**0.1)
    assert margin_probability(0) == margin_probability(1)


def test_with_margin_keeps_a_smaller_sigma_min():
    out = with_margin(Integer(0, 9, sigma_min=0.01))
    assert out.sigma_min[0] == 0.01 and out.margin == pytest.approx(0.27)
    assert with_margin(Integer(0, 9)).sigma_min[0] == INT_SIGMA_FLOOR


@pytest.mark.parametrize("lo, hi", [(0, 9), (-(10**6), 10**6 + 1), (10**9, 10**9 + 6)])
def test_integer_values_are_what_the_objective_saw(lo, hi):
    d = Integer(lo, hi, size=3)
    rng = np.random.default_rng(0)
    raw = d.sample(d.initial_theta(), 6, rng)
    snapped = integer_values(d, raw)
    np.testing.assert_array_equal(d.decode(snapped), d.decode(raw))
    np.testing.assert_array_equal(snapped + d.origin, d.decode(raw).astype(float))
    p = Product(a=Categorical([2]), z=d)
    tree = {"a": np.zeros((6, 1), dtype=np.int64), "z": raw}
    out = integer_values(p, tree)
    assert out["a"] is tree["a"] and np.array_equal(out["z"], snapped)


def test_the_elite_joins_the_update_at_its_integers():
    space = Product(z=Integer(0, 20, size=2), r=Gaussian(0.0, 1.0))
    for elite_integers in (True, False):
        opt = BlackBoxASNG(space, lam=6, seed=3, elite_integers=elite_integers)
        x = opt.ask()
        raw = opt._pending[1]
        f = np.arange(6.0)
        opt.tell(x, f)
        # the next batch's update sees the elite (sample 0, the best) appended last
        joined, _ = opt._utility(raw, f)
        last = joined["z"][-1]
        expected = np.floor(np.clip(raw["z"][0], 0, 20) + 0.5) if elite_integers else np.clip(raw["z"][0], 0, 20)
        np.testing.assert_array_equal(last, expected)
        np.testing.assert_array_equal(joined["r"][-1], raw["r"][0])  # real parts as drawn


def test_int_update_defaults_by_the_space_and_is_checked():
    # without reals: the integers in the full covariance (asng-opt 0.10), their own separable CMA
    # rule where C would be diagonal or beyond 100 variables (0.11; ASNG's step before), ASNG's
    # step where there is no integer (nothing to choose)
    assert BlackBoxASNG(Integer(0, 5, size=2)).int_update == "full"
    assert BlackBoxASNG(Product(c=Categorical([2]), z=Integer(0, 5))).int_update == "full"
    assert BlackBoxASNG(Integer(0, 5, size=2), covariance="diagonal").int_update == "cma"
    wide = BlackBoxASNG(Integer(0, 5, size=101))
    assert (wide.int_update, wide.covariance) == ("cma", "full")
    wide_fixed = Product(a=Integer(0, 5, size=100), b=Integer(2, 2, size=7))  # fixed ones not counted
    assert BlackBoxASNG(wide_fixed).int_update == "full"
    assert BlackBoxASNG(Product(c=Categorical([3] * 4), z=Integer(0, 5, size=101))).int_update == "cma"
    assert BlackBoxASNG(Integer(0, 5, size=101), int_update="full").covariance == "full"
    assert BlackBoxASNG(Categorical([3, 3])).int_update == "asng"
    assert BlackBoxASNG(Product(z=Integer(0, 5), r=Gaussian(0.0, 1.0))).int_update == "cma"
    joint = BlackBoxASNG(Product(z=Integer(0, 5), r=Gaussian(0.0, 1.0)), int_update="full")
    assert (joint.int_update, joint.covariance, joint.state.C.shape) == ("full", "full", (2, 2))
    with pytest.raises(ValueError, match="int_update='full' .* needs covariance='full'"):
        BlackBoxASNG(Integer(0, 5), int_update="full", covariance="diagonal")
    assert BlackBoxASNG(Product(z=Integer(0, 5), r=Gaussian(0.0, 1.0)), int_update="asng").int_update == "asng"
    with pytest.raises(ValueError, match="int_update must be one of"):
        BlackBoxASNG(Integer(0, 5), int_update="adam")
    for bad in ("int_margin", "elite_integers"):
        with pytest.raises(ValueError, match=f"BlackBoxASNG: {bad} must be True or False"):
            BlackBoxASNG(Integer(0, 5), **{bad: "yes"})


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
def test_cma_integer_step_recombines_the_best_draws(covariance):
    """With int_update="cma" the integer means move to the weighted recombination of the told
    draws (clipped to the range), as the real variables' do (lr 1 for the mean)."""
    space = Product(z=Integer(-50, 50, size=3), r=Gaussian(0.0, 1.0, size=2))
    opt = BlackBoxASNG(space, lam=8, seed=1, covariance=covariance, elitist=False, mutant=False)
    x = opt.ask()
    raw = opt._pending[1]
    f = np.array([float(np.sum(np.abs(x["z"][j] - 7))) for j in range(8)])
    joined, (_, _, w_gauss, *_) = opt._utility(raw, f)
    opt.tell(x, f)
    w = np.maximum(w_gauss, 0.0)
    expected = w @ np.clip(joined["z"], -50, 50) / w.sum()
    mu, _ = opt.distribution.parts["z"].mean_sigma(opt.theta["z"])
    np.testing.assert_allclose(mu, expected, rtol=1e-12, atol=1e-12)
    assert np.any(opt.state.p_int != 0) and opt.state.p_int.shape == (3,)


def test_resume_is_bit_identical_with_the_integer_path():
    space = Product(c=Categorical([3, 2]), z=Integer(0, 30, size=3), r=Gaussian(0.0, 1.0, size=2))

    def loss(x, j):
        return float(np.sum(x["c"][j]) + np.sum((x["z"][j] - 11) ** 2) + np.sum(x["r"][j] ** 2))

    a = BlackBoxASNG(space, seed=5)
    for _ in range(6):
        x = a.ask()
        a.tell(x, [loss(x, j) for j in range(a.lam)])
    b = BlackBoxASNG(space)
    b.load_state_dict(copy.deepcopy(a.state_dict()))
    for _ in range(6):
        xa, xb = a.ask(), b.ask()
        assert deep_equal(xa, xb)
        a.tell(xa, [loss(xa, j) for j in range(a.lam)])
        b.tell(xb, [loss(xb, j) for j in range(b.lam)])
    assert deep_equal(a.state_dict(), b.state_dict())


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
def test_a_state_dict_of_0_7_continues_with_the_rules_it_ran_with(covariance):
    space = Product(c=Categorical([3]), z=Integer(0, 9, size=2), r=Gaussian(0.0, 1.0))
    old_rules = dict(int_margin=False, elite_integers=False, int_update="asng")

    def loss(x, j):
        return float(np.sum((x["z"][j] - 4) ** 2) + x["r"][j, 0] ** 2 + x["c"][j, 0])

    a = BlackBoxASNG(space, seed=2, covariance=covariance, **old_rules)
    for _ in range(5):
        x = a.ask()
        a.tell(x, [loss(x, j) for j in range(a.lam)])
    sd = a.state_dict()
    old = copy.deepcopy(sd)
    old["state"].pop("p_int")
    for k in old_rules:
        del old["hyper"][k]
    with pytest.raises(ValueError, match=r"the state is from int_margin=False .* construct it with the state's"):
        BlackBoxASNG(space, covariance=covariance).load_state_dict(copy.deepcopy(old))
    b = BlackBoxASNG(space, covariance=covariance, int_margin=False)
    b.load_state_dict(old)
    assert b.hyper() == a.hyper() and not np.any(b.state.p_int)
    for _ in range(4):
        xa, xb = a.ask(), b.ask()
        assert deep_equal(xa, xb)
        a.tell(xa, [loss(xa, j) for j in range(a.lam)])
        b.tell(xb, [loss(xb, j) for j in range(b.lam)])
    assert deep_equal(a.state_dict(), b.state_dict())


def test_a_space_without_integers_loads_old_dicts_into_the_default():
    space = Product(c=Categorical([3, 3]), r=Gaussian(0.0, 1.0))
    a = BlackBoxASNG(space, seed=0)
    x = a.ask()
    a.tell(x, np.arange(float(a.lam)))
    old = copy.deepcopy(a.state_dict())
    old["state"].pop("p_int")
    for k in ("int_margin", "elite_integers", "int_update"):
        del old["hyper"][k]
    b = BlackBoxASNG(space)
    b.load_state_dict(old)  # the integer options change nothing here
    assert deep_equal(b.state_dict()["state"], a.state_dict()["state"])


@pytest.mark.parametrize(
    "dist, walks_with_margin",
    [
        (Integer(0, 10, size=2), True),
        (Product({"c": Categorical([2]), "z": Integer(0, 5)}), True),
        (Space(a=Choice([1, 2]), b=IntRange(0, 5)), True),
        (Product({"z": Integer(0, 5), "r": Gaussian(0.0, 1.0)}), False),
        (Space(a=IntRange(0, 5), b=FloatRange(0.0, 1.0)), False),
        (Space(a=Choice([1, 2]), b=FloatRange(2.0, 2.0), c=IntRange(1, 9)), True),
    ],
)
def test_integer_spaces_walk_with_the_margin(dist, walks_with_margin):
    assert restarts_on_convergence(dist, int_margin=True) is not walks_with_margin
    assert walks(dist, True, math.inf, int_margin=True) is walks_with_margin
    assert walks(dist, True, math.inf) is False  # without the margin: restart on should_stop()
    assert walks(dist, False, math.inf, int_margin=True) is False and walks(dist, True, 0, True) is False


def test_minimize_walks_a_converged_integer_space():
    """Past should_stop() the run goes on drawing the mode's neighbours instead of restarting."""
    seen = []

    def callback(opt, record):
        seen.append((bool(opt.should_stop()), record["restarts"]))

    f = lambda v: float(np.sum(np.abs(v - np.array([3, 7, 1]))))  # noqa: E731
    res = minimize(f, Integer(0, 9, size=3), max_evals=400, seed=0, callback=callback)
    assert res.fun == 0
    walked = [i for i in range(len(seen) - 1) if seen[i][0] and seen[i + 1][1] == seen[i][1]]
    assert walked  # some converged round was followed by another round of the same optimizer
    paper = minimize(f, Integer(0, 9, size=3), max_evals=400, seed=0, int_margin=False, restarts=None)
    assert paper.fun == 0


@pytest.mark.parametrize("seed", range(10))
def test_the_issues_small_integer_examples_find_their_optima(seed):
    """The integer examples that collapsed on the first step before the black-box configuration
    (issue: ``(v - 6)^2`` on Integer(0, 20) with lam = 8; Integer(0, 2) with Integer(10, 200);
    Categorical([2]) + Integer(1, 5) with lam = 4 and 200 evaluations) reach their optima."""
    r = minimize(lambda v: float((v[0] - 6) ** 2), Integer(0, 20), max_evals=4000, seed=seed, lam=8)
    assert r.fun == 0 and r.x[0] == 6
    two = Product(a=Integer(0, 2), b=Integer(10, 200))
    r = minimize(lambda v: float((v["a"][0] - 2) ** 2 + (v["b"][0] - 137) ** 2), two, max_evals=4000, seed=seed)
    assert r.fun == 0
    small = Product(c=Categorical([2]), i=Integer(1, 5))
    r = minimize(lambda v: float((v["c"][0] != 1) + (v["i"][0] - 4) ** 2), small, max_evals=200, seed=seed, lam=4)
    assert r.fun == 0


@pytest.mark.parametrize("lo, hi", [(0, 10_000), (7_000, 9_000), (-16_000, 3), (0, 10**6), (5, 9)])
def test_with_margin_keeps_the_original_coordinates(lo, hi):
    """A lower sigma_min moves the threshold beyond which a range is modelled relative to its
    centre; the margin's copy keeps its original's origin, so a Space, a prior built on the
    original and the optuna codec read the optimizer's theta in the right coordinates."""
    d = Integer(lo, hi, size=2)
    out = with_margin(d)
    np.testing.assert_array_equal(out.origin, d.origin)
    np.testing.assert_array_equal(out.centred, d.centred)
    assert out.spec()["sigma_min"] == [INT_SIGMA_FLOOR] * 2
    theta = d.initial_theta()
    np.testing.assert_array_equal(out.mode(out.project(theta)), d.mode(theta))


def test_a_space_decodes_the_optimizers_mode_in_its_coordinates():
    """The reviewer's case: IntRange(0, 10000) is unshifted at sigma_min 1/4 but would be shifted
    at 0.1; res.most_likely must be the optimizer's own mode."""
    space = Space(x=IntRange(0, 10_000), y=IntRange(0, 10_000))
    f = lambda c: float(abs(c["x"] - 8000) + abs(c["y"] - 8000))  # noqa: E731
    res = minimize(f, space, max_evals=600, seed=0)
    own = res.optimizer.distribution.mode(res.optimizer.theta)
    assert [res.most_likely["x"], res.most_likely["y"]] == own["int"].tolist()


def test_centred_is_checked_and_named_in_the_spec_only_when_it_departs():
    assert "centred" not in Integer(0, 10).spec() and "centred" not in Integer(0, 10**6).spec()
    forced = Integer(0, 10, centred=True)
    assert forced.spec()["centred"] == [True] and forced.origin[0] == 5.0
    assert Integer(0, 10_000, sigma_min=0.1, centred=False).origin[0] == 0.0  # the rule would centre it
    with pytest.raises(ValueError, match="centred=False for a variable with a bound beyond 2\\*\\*14"):
        Integer(2**50, 2**51, centred=False)
    for bad in ([True, False], 1, "yes", [[True]]):
        with pytest.raises(ValueError, match="Integer: centred must be a bool or 1 bools"):
            Integer(0, 10, centred=bad)


def test_int_update_default_ignores_fixed_reals():
    """A Space whose only real is FloatRange(v, v) has no free real: not the separable real rule,
    and not the full covariance either (the fixed real's Gaussian part would be a column of C with
    nothing to learn): ASNG's step, as in asng-opt 0.9; and it walks."""
    space = Space(n=IntRange(0, 10), z=FloatRange(1.0, 1.0))
    assert BlackBoxASNG(space).int_update == "asng"
    assert BlackBoxASNG(Space(n=IntRange(0, 10), z=FloatRange(1.0, 2.0))).int_update == "cma"
    assert walks(space, True, math.inf, int_margin=True)
    # beyond 100 integers, or with covariance="diagonal", the separable rule, fixed reals or not (a
    # review: one FloatRange(v, v) beside 150 wide integers brought back ASNG's failing step)
    many = {f"k{i}": IntRange(0, 1000) for i in range(101)}
    assert BlackBoxASNG(Space(**many, z=FloatRange(1.0, 1.0))).int_update == "cma"
    assert BlackBoxASNG(Space(**many)).int_update == "cma"
    assert BlackBoxASNG(space, covariance="diagonal").int_update == "cma"


def test_a_tiny_margin_is_refused_with_the_integers_message():
    for tiny in (1e-17, 1e-20):
        with pytest.raises(ValueError, match="below float64's resolution next to 1"):
            Integer(0, 5, margin=tiny)
    assert Integer(0, 5, margin=1e-12).margin == 1e-12


def test_cma_integer_step_without_reals_ranks_the_batch_alone():
    """With int_update="cma" on a space without reals, the elite's copy gets weight 0 in the
    integer step when the elite is one of the batch's samples, as in the real step."""
    opt = BlackBoxASNG(Integer(0, 30, size=3), lam=6, seed=0, int_update="cma")
    opt.ask()
    raw = opt._pending[1]
    f = np.arange(6.0)
    _, (_, _, w_gauss, *_) = opt._utility(raw, f)
    assert w_gauss[-1] == 0.0 and np.all(w_gauss[:3] > 0)


def test_fixed_integers_count_for_neither_lambda_nor_the_margin():
    """An Integer with low == high (IntRange(v, v) in a Space) is no free variable: it changes
    neither the default population nor N' (the margins), as a one-category Choice does not."""
    from asng_opt.blackbox import default_lam

    free = Integer(0, 10**6)
    with_fixed = Product(x=Integer(0, 10**6), f=Integer([3] * 20, [3] * 20))
    assert default_lam(with_fixed) == default_lam(free) == 4
    m = BlackBoxASNG(with_fixed).distribution.parts["x"].margin
    assert m == BlackBoxASNG(free).distribution.margin == pytest.approx(0.27)
    space = Space(x=IntRange(0, 10**6), c=Choice(["a", "b", "c"]), **{f"k{i}": IntRange(3, 3) for i in range(10)})
    plain = Space(x=IntRange(0, 10**6), c=Choice(["a", "b", "c"]))
    assert BlackBoxASNG(space).lam == BlackBoxASNG(plain).lam
    assert BlackBoxASNG(space).distribution.parts["int"].margin == BlackBoxASNG(plain).distribution.parts["int"].margin


def test_an_explicit_integer_margin_is_kept():
    opt = BlackBoxASNG(Product(z=Integer(0, 9, size=3, margin=0.05), c=Categorical([3])))
    assert opt.distribution.parts["z"].margin == 0.05


def test_a_0_8_state_dict_without_p_int_is_refused():
    opt = BlackBoxASNG(Product(z=Integer(0, 9, size=2), r=Gaussian(0.0, 1.0)), seed=0)
    x = opt.ask()
    opt.tell(x, np.arange(float(opt.lam)))
    sd = copy.deepcopy(opt.state_dict())
    sd["state"].pop("p_int")
    with pytest.raises(ValueError, match="state fields"):
        BlackBoxASNG(Product(z=Integer(0, 9, size=2), r=Gaussian(0.0, 1.0))).load_state_dict(sd)


def test_beyond_100_integers_the_default_reaches_a_wide_optimum():
    """Beyond FULL_MAX_DIM free integers the default is their separable CMA rule (asng-opt 0.11):
    ASNG's step there shrank sigma long before the means crossed a wide range (``minimize`` on
    150 integers in [0, 1000] ended at f ~ 1e6 in 10 of 10 seeds); the default reaches the optimum
    of 110 integers in [0, 1000], and ASNG's step, on the same budget and seed, does not."""
    target = np.random.default_rng(5).integers(0, 1001, 110)
    f = lambda z: float(np.sum((z - target) ** 2))  # noqa: E731
    res = minimize(f, Integer(0, 1000, size=110), max_evals=20_000, seed=0, target=0.0)
    assert res.fun == 0.0
    old = minimize(f, Integer(0, 1000, size=110), max_evals=20_000, seed=0, target=0.0, int_update="asng")
    assert old.fun > 1e4
