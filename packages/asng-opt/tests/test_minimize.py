import copy
import math

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import ASNG, Categorical, Gaussian, Integer, Product, minimize
from asng_opt.blackbox import BlackBoxASNG, default_lam
from asng_opt.minimize import STOP_REASONS, ObjectiveError

#: minimize's two configurations of ASNG: the black-box default (None) and the paper's
CONFIGS = [None, "paper"]


def default_lam_of(config, dist, max_evals):
    """The lam minimize picks when none is given (the tests check that the run used it)."""
    return 2 if config == "paper" else default_lam(dist, max_evals)


def onemax_like(c):
    return float(np.sum(c != 2))


@pytest.mark.parametrize("seed", range(5))
def test_finds_optimum_of_small_problem(seed):
    # the paper's ASNG with lam = 4: measured 20/20 seeds within 272 evaluations (lam = 2 converged
    # early on 3/20); it stops "converged" (no restart)
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=4000, seed=seed, lam=4, config="paper")
    assert res.fun == 0.0 and onemax_like(res.x) == 0.0
    assert np.all(res.most_likely == 2)
    assert res.stop_reason == "converged" and res.n_evals <= 4000
    assert len(res.history) == res.n_iterations and res.history[-1]["n_evals"] == res.n_evals


@pytest.mark.parametrize("config, max_evals", [("paper", 11), (None, 11), (None, 25), (None, 1000)])
def test_budget_is_respected_and_odd_budget_rounds_down(config, max_evals):
    # the last partial round is not run
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=max_evals, seed=0, config=config, cache=False)
    lam = default_lam_of(config, Categorical([4] * 12), max_evals)
    assert max_evals % lam  # a budget that is not a multiple of lam
    assert res.optimizer.lam == lam and res.stop_reason == "max_evals"
    assert res.n_evals == max_evals // lam * lam and res.n_iterations * lam == res.n_evals
    if config == "paper":
        assert res.n_evals == 10


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


@pytest.mark.parametrize("method, opts", [("sng", {"delta": 0.3}), ("adam", {"lr": 0.05})])
def test_baseline_methods_run(method, opts):
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=4000, seed=0, method=method, **opts)
    assert res.fun == 0.0


# ---- 1. target, in both directions ----------------------------------------------------------------


def test_maximize_positive_target_stops_when_reached():
    # before the fix, maximize compared the values with -target: a positive target never stopped
    res = minimize(
        lambda c: float(np.sum(c == 1)), Categorical([3] * 8), max_evals=3000, seed=1, maximize=True, target=6
    )
    assert res.stop_reason == "target" and res.fun >= 6
    assert all(v is None or v < 6 for h in res.history[:-1] for v in h["values"])


def test_maximize_negative_target_is_not_met_by_worse_values():
    # values are <= 0; before the fix, target=-2 stopped after the first round at a worse value
    res = minimize(
        lambda c: -float(np.sum(c != 1)), Categorical([3] * 8), max_evals=3000, seed=1, maximize=True, target=-2
    )
    assert res.stop_reason == "target" and res.fun >= -2
    assert all(v is None or v < -2 for h in res.history[:-1] for v in h["values"])


@pytest.mark.parametrize("config", CONFIGS)
def test_minimize_target_unreachable_runs_on(config):
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=40, seed=0, target=-1, config=config)
    lam = default_lam_of(config, Categorical([4] * 12), 40)
    assert res.optimizer.lam == lam
    # every round that fits is run; with the evaluation cache (black-box default) a round answered
    # partly from it costs fewer evaluations, so the last round may end anywhere within lam of the budget
    assert res.stop_reason == "max_evals" and 40 - lam < res.n_evals <= 40
    if config == "paper":
        assert res.n_evals == 40 // lam * lam


# ---- 2. failures -------------------------------------------------------------------------------------


class Boom(Exception):
    pass


def _raise(c):
    raise Boom("simulator down")


@pytest.mark.parametrize(
    "objective, message",
    [
        (_raise, "Boom: simulator down"),
        (lambda c: None, "returned NoneType None"),
        (lambda c: "3.5", "returned str '3.5'"),
        (lambda c: np.zeros(3), "returned ndarray of shape (3,)"),
        (lambda c: math.nan, "returned nan"),
        (lambda c: -math.inf, "returned -inf"),
    ],
)
def test_first_round_failing_entirely_raises_at_once(objective, message):
    calls = []

    def fun(c):
        calls.append(c)
        return objective(c)

    with pytest.raises(ObjectiveError, match="first round") as info:
        minimize(fun, Categorical([4] * 12), max_evals=1000, seed=0, lam=3)
    assert len(calls) == 3  # one round, not the whole budget
    assert message in str(info.value) and "sample 0" in str(info.value)
    if objective is _raise:
        assert isinstance(info.value.__cause__, Boom)
    else:
        assert info.value.__cause__ is None
    res = info.value.result
    assert res.stop_reason == "failed" and res.n_evals == 3 and res.n_iterations == 1
    assert res.x is None and math.isnan(res.fun) and res.history[0]["values"] == [None] * 3
    assert isinstance(info.value, RuntimeError)


def test_first_round_chains_the_first_raised_exception():
    outcomes = iter([None, Boom("second"), Boom("third")])

    def fun(c):
        o = next(outcomes)
        if isinstance(o, Exception):
            raise o
        return o

    with pytest.raises(ObjectiveError, match="sample 0: objective returned NoneType None") as info:
        minimize(fun, Categorical([4] * 12), lam=3, seed=0)
    assert str(info.value.__cause__) == "second"


@pytest.mark.parametrize("config", CONFIGS)
def test_first_round_with_one_success_goes_on(config):
    calls = {"n": 0}

    def fun(c):
        calls["n"] += 1
        return 1.0 if calls["n"] == 2 else None

    # round 1 has a success; rounds 2.. fail entirely -> raises after max_failed_rounds of them
    with pytest.raises(ObjectiveError, match="3 consecutive rounds") as info:
        minimize(fun, Categorical([4] * 12), max_evals=1000, seed=0, max_failed_rounds=3, config=config, cache=False)
    res = info.value.result
    lam = default_lam_of(config, Categorical([4] * 12), 1000)
    assert res.optimizer.lam == lam
    assert res.n_iterations == 4 and res.n_evals == 4 * lam and len(res.history) == 4
    assert res.fun == 1.0 and res.x is not None and res.stop_reason == "failed"
    assert [h["best"] for h in res.history] == [1.0] * 4


@pytest.mark.parametrize("config", CONFIGS)
def test_later_failed_rounds_raise_after_default_number(config):
    calls = {"n": 0}

    def fun(c):
        calls["n"] += 1
        if calls["n"] > 4:
            raise Boom(f"call {calls['n']}")
        return onemax_like(c)

    with pytest.raises(ObjectiveError, match="10 consecutive rounds") as info:
        minimize(fun, Categorical([4] * 12), max_evals=1000, seed=0, config=config, cache=False)
    lam = default_lam_of(config, Categorical([4] * 12), 1000)
    assert info.value.result.optimizer.lam == lam
    ok_rounds = math.ceil(4 / lam)  # the rounds holding the 4 successful calls (2 with lam = 2)
    n_rounds = ok_rounds + 10
    first_call = (n_rounds - 1) * lam + 1  # first call of the last round (23 with lam = 2)
    assert info.value.result.n_iterations == n_rounds
    assert str(info.value.__cause__) == f"call {first_call}"  # first failure of the last round
    assert f"round {n_rounds}, sample 0: Boom: call {first_call}" in str(info.value)


@pytest.mark.parametrize("config", CONFIGS)
def test_failed_rounds_that_are_not_consecutive_do_not_raise(config):
    lam = default_lam_of(config, Categorical([4] * 12), 80)

    def fun(c):
        fun.n += 1
        return None if (fun.n - 1) // lam % 2 else onemax_like(c)  # every other round fails entirely

    fun.n = 0
    res = minimize(fun, Categorical([4] * 12), max_evals=80, seed=0, max_failed_rounds=2, config=config, cache=False)
    assert res.optimizer.lam == lam
    n_rounds = 80 // lam  # 40 with lam = 2
    assert res.stop_reason == "max_evals" and res.n_evals == n_rounds * lam
    assert sum(h["values"] == [None] * lam for h in res.history) == n_rounds // 2
    assert all(None not in h["values"] for h in res.history[::2])


# ---- 3. inputs are left alone, runs repeat ---------------------------------------------------------


METHOD_CONFIGS = [("asng", None), ("asng", "paper"), ("sng", None), ("adam", None)]


@pytest.mark.parametrize("method, config", METHOD_CONFIGS)
def test_distribution_is_not_modified_and_runs_repeat(method, config):
    dist = Product(c=Categorical([4] * 6), k=Integer(0, 9, size=2), g=Gaussian(0.0, 1.0, size=2))
    prior = {
        "c": np.tile([0.7, 0.1, 0.1, 0.1], (6, 1)),
        "k": dist.parts["k"].initial_theta(),
        "g": np.array([[1.0, 1.5], [-1.0, 1.25]]),
    }
    prior0, spec0, initial0 = copy.deepcopy(prior), copy.deepcopy(dist.spec()), copy.deepcopy(dist.initial_theta())

    def f(s):
        return float(np.sum(s["c"] != 0) + np.sum(np.abs(s["k"] - 3)) + np.sum(s["g"] ** 2))

    runs = [minimize(f, dist, max_evals=200, seed=7, method=method, config=config, theta=prior) for _ in range(2)]
    # nothing the caller passed changed: the space's structure, its starting point, the prior
    assert dist.spec() == spec0 and deep_equal(dist.initial_theta(), initial0)
    assert deep_equal(prior, prior0)
    a, b = runs
    assert not deep_equal(a.optimizer.theta, dist.project(dist.check_theta(prior)))  # the runs did move
    assert deep_equal(a.history, b.history) and deep_equal(a.x, b.x) and a.fun == b.fun
    assert deep_equal(a.optimizer.state_dict(), b.optimizer.state_dict())
    # the run started from the prior: its first round is what an optimizer on the prior draws
    # (the black-box ASNG projects it with its margin: the same point here, inside the margin)
    start = (BlackBoxASNG if method == "asng" and config is None else ASNG)(dist, lam=2, theta=prior, seed=7)
    assert deep_equal(start.theta, dist.project(dist.check_theta(prior)))
    first = start.ask()
    seen = []
    minimize(lambda s: seen.append(s) or f(s), dist, max_evals=2, seed=7, method=method, config=config, theta=prior)
    assert deep_equal(seen[0], {k: v[0] for k, v in first.items()})
    assert deep_equal(seen[1], {k: v[1] for k, v in first.items()})
    # ... and not what the maximum-entropy start draws
    unseen = []
    minimize(lambda s: unseen.append(s) or f(s), dist, max_evals=2, seed=7, method=method, config=config)
    assert not deep_equal(unseen[0], seen[0])
    assert deep_equal(prior, prior0)


@pytest.mark.parametrize("method, config", METHOD_CONFIGS)
def test_a_strong_prior_sets_the_first_round(method, config):
    dist = Categorical([5] * 4)
    prior = np.tile([0.02, 0.02, 0.9, 0.03, 0.03], (4, 1))  # mode 2; the uniform start has none
    cls = BlackBoxASNG if method == "asng" and config is None else ASNG
    assert np.array_equal(cls(dist, theta=prior).most_likely(), [2] * 4)
    for theta, expect in ((prior, 2), (None, None)):
        seen = []

        def f(c, seen=seen):
            seen.append(c)
            return onemax_like(c)

        res = minimize(f, dist, max_evals=200, lam=200, seed=0, method=method, config=config, theta=theta, cache=False)
        assert res.n_iterations == 1 and len(seen) == 200
        counts = np.stack([np.bincount(col, minlength=5) for col in np.array(seen).T])  # (4 variables, 5 categories)
        if expect is None:  # maximum entropy (p = 1/5): no category near the prior's 75%
            assert counts.max() < 0.4 * 200
        else:  # the projected prior's mode probability, within 5 standard errors
            p = cls(dist, theta=prior).theta[:, expect]
            # the paper's bounds: theta_max = 0.75 here; the black-box margin, 1 - 4 theta_min (> 0.9):
            # the prior's 0.9 is kept
            theta_max = 0.75 if cls is ASNG else 1 - 4 * (1 - 0.73 ** (1 / 4)) / 4
            assert np.allclose(p, min(0.9, theta_max), rtol=1e-12, atol=0)
            assert np.all(counts.argmax(-1) == expect)
            assert np.all(np.abs(counts[:, expect] - 200 * p) <= 5 * np.sqrt(200 * p * (1 - p)))


def test_objective_gets_its_own_copy():
    def f(c, mutate):
        y = onemax_like(c)
        if mutate:
            c[:] = -1
        return y

    a = minimize(lambda c: f(c, False), Categorical([4] * 12), max_evals=400, seed=3, lam=4)
    b = minimize(lambda c: f(c, True), Categorical([4] * 12), max_evals=400, seed=3, lam=4)
    assert deep_equal(a.history, b.history) and deep_equal(a.x, b.x) and onemax_like(b.x) == b.fun


# ---- 4. nested products ----------------------------------------------------------------------------


def test_nested_product_end_to_end():
    space = Product(a=Product(x=Categorical([3] * 2)), b=Integer(0, 5))
    seen = []

    def f(s):
        seen.append(s)
        return float(np.sum(s["a"]["x"] != 2) + abs(int(s["b"][0]) - 4))

    res = minimize(f, space, max_evals=2000, seed=0, lam=4)
    s = seen[0]
    assert set(s) == {"a", "b"} and set(s["a"]) == {"x"}
    assert s["a"]["x"].shape == (2,) and s["b"].shape == (1,) and s["b"].dtype == np.int64
    assert res.fun == 0.0 and np.all(res.x["a"]["x"] == 2) and res.x["b"][0] == 4
    assert set(res.most_likely) == {"a", "b"} and res.most_likely["a"]["x"].shape == (2,)


# ---- 5. Ctrl-C -------------------------------------------------------------------------------------


def test_keyboard_interrupt_keeps_partial_result():
    values = []

    def f(c):
        if len(values) == 7:
            raise KeyboardInterrupt
        values.append(onemax_like(c))
        return values[-1]

    with pytest.raises(KeyboardInterrupt) as info:
        minimize(f, Categorical([4] * 12), max_evals=1000, seed=0, lam=3)
    res = info.value.result
    assert res.stop_reason == "interrupted" and res.n_evals == 7
    assert len(res.history) == res.n_iterations == 2  # the third round was not finished
    assert res.fun == min(values) and onemax_like(res.x) == res.fun


# ---- 6. arguments ------------------------------------------------------------------------------------


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown method"):
        minimize(onemax_like, Categorical([3] * 4), method="cma")
    with pytest.raises(ValueError, match="unknown method"):
        minimize(onemax_like, Categorical([3] * 4), method=["asng"])
    with pytest.raises(ValueError, match="max_evals"):
        minimize(onemax_like, Categorical([3] * 4), max_evals=1)
    with pytest.raises(ValueError, match="fun must be callable"):
        minimize("onemax", Categorical([3] * 4))
    with pytest.raises(ValueError, match="distribution"):
        minimize(onemax_like, [3, 3])
    with pytest.raises(ValueError, match="callback"):
        minimize(onemax_like, Categorical([3] * 4), callback=True)


@pytest.mark.parametrize(
    "method, config, option, valid",
    [
        ("asng", None, "learning_rate", "alpha, delta0, margin, elitist"),
        ("asng", None, "delta_max", "alpha, delta0, margin, elitist"),  # the paper's bound only
        ("asng", "paper", "learning_rate", "alpha, delta0, delta_max"),
        ("asng", "paper", "margin", "alpha, delta0, delta_max"),  # the black-box options only
        ("sng", None, "lr", "delta"),
        ("adam", None, "delta", "lr, beta1"),
    ],
)
def test_unknown_option_names_the_valid_ones(method, config, option, valid):
    with pytest.raises(ValueError, match=f"unknown option '{option}' for method '{method}'") as info:
        minimize(onemax_like, Categorical([3] * 4), method=method, config=config, **{option: 0.1})
    assert valid in str(info.value)


def test_a_black_box_option_with_the_paper_config_says_where_it_belongs():
    """A newcomer passed ``int_steps`` with ``config="paper"``: the message named method 'asng' only."""
    expected = (
        r"'int_steps' for method 'asng' with config='paper' \(ASNG\) \('int_steps' belongs to ASNG's black-box "
        r"configuration: method='asng', config='blackbox', minimize's default\)"
    )
    with pytest.raises(ValueError, match=expected):
        minimize(onemax_like, Categorical([3] * 4), config="paper", int_steps="unit")
    with pytest.raises(ValueError) as info:
        minimize(onemax_like, Categorical([3] * 4), config="paper", foo=1)
    assert "belong" not in str(info.value)  # not a black-box option: no hint


def test_option_values_are_the_optimizers_value_errors():
    with pytest.raises(ValueError, match="ASNG: alpha must be > 1"):  # BlackBoxASNG checks it as ASNG
        minimize(onemax_like, Categorical([3] * 4), alpha=0.5)
    with pytest.raises(ValueError, match="^ASNG: alpha must be > 1"):
        minimize(onemax_like, Categorical([3] * 4), alpha=0.5, config="paper")
    with pytest.raises(ValueError, match="^BlackBoxASNG: margin must be True or False"):
        minimize(onemax_like, Categorical([3] * 4), margin="yes")
    with pytest.raises(ValueError, match="SNG: delta") as info:
        minimize(onemax_like, Categorical([3] * 4), method="sng", delta="big")
    assert "unknown option" not in str(info.value)


def test_bad_seed_is_a_value_error_not_an_unknown_option():
    # relies on the optimizers raising ValueError for a bad seed
    with pytest.raises(ValueError) as info:
        minimize(onemax_like, Categorical([3] * 4), seed="abc")
    assert "unknown option" not in str(info.value)


@pytest.mark.parametrize("target", ["3", math.nan, np.float64("nan"), True, [3], 3j])
def test_target_must_be_a_real_number(target):
    with pytest.raises(ValueError, match="target"):
        minimize(onemax_like, Categorical([3] * 4), target=target)


@pytest.mark.parametrize("maximize", ["no", "", 1, 0, None, np.int64(1), [True]])
def test_maximize_must_be_a_bool(maximize):
    with pytest.raises(ValueError, match="maximize must be True or False"):
        minimize(onemax_like, Categorical([3] * 4), maximize=maximize)


def test_maximize_accepts_numpy_bool():
    res = minimize(lambda c: float(np.sum(c == 1)), Categorical([3] * 4), max_evals=20, seed=0, maximize=np.bool_(True))
    assert res.optimizer.maximize is True


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize(
    "value, message",
    [
        ("3.5", "str '3.5'"),
        (True, "bool True"),
        (np.bool_(False), "bool"),
        (np.array([1.0]), "ndarray of shape (1,)"),
        ([1.0], "list [1.0]"),
        (1 + 2j, "complex"),
        (None, "NoneType None"),
    ],
)
def test_objective_must_return_a_real_number(value, message, config):
    def f(c):
        f.n += 1
        return value if f.n % 2 else onemax_like(c)

    f.n = 0
    res = minimize(f, Categorical([3] * 4), max_evals=20, seed=0, config=config, cache=False)
    lam = res.optimizer.lam
    assert lam == default_lam_of(config, Categorical([3] * 4), 20) and lam % 2 == 0 and res.history
    for h in res.history:  # every other evaluation, from the first, returns the bad value
        assert all(v is None for v in h["values"][0::2]) and all(v is not None for v in h["values"][1::2])
        assert [j for j, _ in h["failures"]] == list(range(0, lam, 2))
        assert all(message in msg and "not a real number" in msg for _, msg in h["failures"])


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("value", [2, 2.0, np.float32(2.0), np.int64(2), np.array(2.0), np.array(2, dtype=np.int8)])
def test_objective_may_return_numpy_scalars_and_0d_arrays(value, config):
    res = minimize(lambda c: value, Categorical([3] * 4), max_evals=10, seed=0, config=config)
    lam = res.optimizer.lam
    assert lam == default_lam_of(config, Categorical([3] * 4), 10) and res.history
    assert all(h["values"] == [2.0] * lam and not h["failures"] for h in res.history)
    assert res.fun == 2.0 and type(res.fun) is float


def test_objective_may_return_a_0d_tensor():
    torch = pytest.importorskip("torch")
    res = minimize(lambda c: torch.tensor(float(np.sum(c))), Categorical([3] * 4), max_evals=10, seed=0)
    assert not any(h["failures"] for h in res.history)
    with pytest.raises(ObjectiveError, match=r"returned Tensor of shape \(1,\), not a real number"):
        minimize(lambda c: torch.tensor([1.0]), Categorical([3] * 4), max_evals=10, seed=0)


@pytest.mark.parametrize("config", CONFIGS)
def test_max_evals_accepts_integral_floats(config):
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=1e2, seed=0, config=config, cache=False)
    lam = default_lam_of(config, Categorical([4] * 12), 100)
    assert res.optimizer.lam == lam and res.n_evals == 100 // lam * lam and type(res.n_evals) is int
    res = minimize(onemax_like, Categorical([4] * 12), max_evals=np.float64(10), seed=0, config=config, cache=False)
    lam = default_lam_of(config, Categorical([4] * 12), 10)
    assert res.optimizer.lam == lam and res.n_evals == 10 // lam * lam and type(res.n_evals) is int
    if config == "paper":
        assert res.n_evals == 10


@pytest.mark.parametrize("max_evals", [1e2 + 0.5, math.nan, math.inf, True, "100", None, 1, 3.0])
def test_max_evals_refused(max_evals):
    with pytest.raises(ValueError, match="max_evals must be an integer >= 4"):
        minimize(onemax_like, Categorical([3] * 4), max_evals=max_evals, lam=4)


@pytest.mark.parametrize("lam", ["x", 1, 2.5, True, -3, np.nan])
def test_lam_checked_before_max_evals(lam):
    with pytest.raises(ValueError, match="lam must be an integer >= 2"):
        minimize(onemax_like, Categorical([3] * 4), max_evals=10, lam=lam)
    with pytest.raises(ValueError, match="lam must be an integer >= 2"):
        minimize(onemax_like, Categorical([3] * 4), max_evals=10, lam=lam, config="paper")


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("max_evals", [2, 3, 7, 8, 9, 100])
def test_lam_none_is_the_configs_default_capped_at_the_budget(config, max_evals):
    # Categorical([3] * 4): the black-box default is 4 + floor(3 ln 4) = 8, capped by the budget
    res = minimize(onemax_like, Categorical([3] * 4), max_evals=max_evals, lam=None, seed=0, config=config, cache=False)
    expected = 2 if config == "paper" else default_lam(Categorical([3] * 4), max_evals)
    assert default_lam(Categorical([3] * 4)) == 8 and 2 <= expected <= min(8, max_evals)
    assert res.optimizer.lam == expected and res.n_evals <= max_evals
    if res.stop_reason == "max_evals":
        assert res.n_evals == max_evals // expected * expected


@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3", None])
def test_max_failed_rounds_refused(n):
    with pytest.raises(ValueError, match="max_failed_rounds"):
        minimize(onemax_like, Categorical([3] * 4), max_failed_rounds=n)


def test_callback_stop_reason_and_documented_reasons():
    rounds = []
    res = minimize(
        onemax_like,
        Categorical([4] * 12),
        max_evals=1000,
        seed=0,
        callback=lambda o, r: rounds.append(r) or len(rounds) == 3,
    )
    assert res.stop_reason == "callback" and res.n_iterations == 3 and rounds == res.history
    for reason in STOP_REASONS:
        assert f'``"{reason}"``' in minimize.__doc__ + type(res).__doc__


@pytest.mark.parametrize("space", [Categorical([3] * 4), Integer(0, 9, size=2), Gaussian(size=2)])
def test_results_compare_by_identity_without_raising(space):
    # a dataclass's field-by-field == met res.x's arrays and raised "truth value ... ambiguous"
    a, b = (minimize(lambda x: float(np.sum(x)), space, max_evals=40, seed=0) for _ in range(2))
    assert np.array_equal(a.x, b.x) and a.history == b.history  # the same run ...
    assert (a == b) is False and (a != b) is True and (a == a) is True  # ... but not the same result
    assert len({a, b}) == 2  # hashable, by identity
