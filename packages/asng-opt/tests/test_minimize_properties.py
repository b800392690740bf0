"""Property tests of minimize's promises: target direction, failure handling, return values,
untouched inputs, nested products, Ctrl-C and argument ranges."""

import copy
import fractions
import math

import numpy as np
import pytest
from helpers import deep_equal, random_theta
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from asng_opt import Categorical, Gaussian, Integer, Product, minimize
from asng_opt._checks import MAX_SAMPLES
from asng_opt.blackbox import default_lam
from asng_opt.minimize import ObjectiveError

seeds = st.integers(0, 2**32 - 1)
lams = st.integers(2, 5)
#: minimize's configurations of ASNG: the black-box default (None) and the paper's
configs = st.sampled_from([None, "paper"])
# 20 x 5 categories: ASNG needs hundreds of rounds to converge, far more than these budgets allow
WIDE = Categorical([5] * 20)


def total(c):
    return float(np.sum(c))


# ---- 1. target -------------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    target=st.one_of(st.floats(-40, 40), st.integers(-40, 40)),
    sign=st.sampled_from([1.0, -1.0]),
    maximize=st.booleans(),
    lam=lams,
    seed=seeds,
    config=configs,
)
def test_target_stops_at_the_first_round_reaching_it(target, sign, maximize, lam, seed, config):
    def hit(v):
        return v >= target if maximize else v <= target

    res = minimize(
        lambda c: sign * total(c),
        Categorical([4] * 6),
        max_evals=12 * lam,
        seed=seed,
        lam=lam,
        maximize=maximize,
        target=target,
        config=config,
    )
    values = [[v for v in h["values"]] for h in res.history]
    assert not any(hit(v) for vs in values[:-1] for v in vs)  # no earlier round reached it
    assert (res.stop_reason == "target") == any(hit(v) for v in values[-1])
    if res.stop_reason == "target":
        assert hit(res.fun)
    best = max if maximize else min
    assert res.fun == best(v for vs in values for v in vs)


# ---- 2. failures -------------------------------------------------------------------------------------

BAD_RETURNS = [
    None,
    "3.5",
    "nan",
    b"1",
    True,
    np.bool_(True),
    [1.0],
    (1.0,),
    {"loss": 1.0},
    1j,
    np.nan,
    np.inf,
    -np.inf,
]
bad_returns = st.one_of(
    st.sampled_from(BAD_RETURNS),
    st.text(max_size=5),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)),
    # a fresh exception per example (a re-raised instance would carry its old tracebacks along)
    st.sampled_from([RuntimeError, ZeroDivisionError, KeyError, ValueError]).map(lambda cls: cls("crash")),
)


def _fail(outcome):
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


@settings(max_examples=60, deadline=None)
@given(outcomes=st.lists(bad_returns, min_size=5, max_size=5), lam=lams, seed=seeds, config=configs)
def test_first_round_failing_entirely_raises_after_one_round(outcomes, lam, seed, config):
    calls = []

    def f(c):
        calls.append(c)
        return _fail(outcomes[len(calls) - 1])

    with pytest.raises(ObjectiveError, match="first round") as info:
        minimize(f, WIDE, max_evals=100 * lam, seed=seed, lam=lam, config=config)
    assert len(calls) == lam
    raised = [o for o in outcomes[:lam] if isinstance(o, Exception)]
    assert info.value.__cause__ is (raised[0] if raised else None)
    first = outcomes[0]
    assert (f"{type(first).__name__}" if not isinstance(first, float) else repr(first)) in str(info.value)
    res = info.value.result
    assert res.stop_reason == "failed" and res.n_evals == lam and res.x is None
    assert [j for j, _ in res.history[0]["failures"]] == list(range(lam))


@settings(max_examples=60, deadline=None)
@given(
    pattern=st.lists(st.booleans(), min_size=1, max_size=14),
    max_failed_rounds=st.integers(1, 4),
    lam=lams,
    seed=seeds,
    config=configs,
)
def test_consecutive_failed_rounds_raise_exactly_when_documented(pattern, max_failed_rounds, lam, seed, config):
    """``pattern[i]``: every evaluation of round i fails (half by raising, half by returning None)."""
    calls = []

    def f(c):
        calls.append(1)
        i, j = divmod(len(calls) - 1, lam)
        if not pattern[i]:
            return total(c)
        if j % 2:
            return None
        raise RuntimeError(f"round {i} sample {j}")

    expected = None  # index of the round that must raise
    run = 0
    for i, failed in enumerate(pattern):
        run = run + 1 if failed else 0
        if failed and (i == 0 or run >= max_failed_rounds):
            expected = i
            break
    kw = dict(max_evals=len(pattern) * lam, seed=seed, lam=lam, max_failed_rounds=max_failed_rounds, config=config)
    if expected is None:
        res = minimize(f, WIDE, **kw)
        assert res.stop_reason == "max_evals" and len(res.history) == len(pattern)
    else:
        with pytest.raises(ObjectiveError) as info:
            minimize(f, WIDE, **kw)
        res = info.value.result
        assert len(res.history) == res.n_iterations == expected + 1 and res.n_evals == (expected + 1) * lam
        assert str(info.value.__cause__) == f"round {expected} sample 0"
        assert f"round {expected + 1}, sample 0" in str(info.value)
    # failed evaluations are recorded as None with a message, in every round
    for h, failed in zip(res.history, pattern):
        assert (h["values"] == [None] * lam) == failed
        assert all(h["values"][j] is None for j, _ in h["failures"])
    ok = [v for h in res.history for v in h["values"] if v is not None]
    assert (res.fun == min(ok)) if ok else (res.x is None and math.isnan(res.fun))


@settings(max_examples=40, deadline=None)
@given(
    cats=st.lists(st.integers(2, 3), min_size=2, max_size=8),
    alive=st.integers(0, 60),
    max_failed_rounds=st.integers(1, 4),
    lam=lams,
    seed=seeds,
    config=configs,
)
def test_a_dead_objective_meets_at_most_max_failed_rounds_of_new_points_with_the_cache(
    cats, alive, max_failed_rounds, lam, seed, config
):
    # a small space, so that the cache answers many samples: the rounds count by their calls (a
    # round of cached answers and failing calls counted as a success, and a dead objective was
    # called at 120+ points with max_failed_rounds=3, lam=9); a round whose failing calls all
    # repeat known failures is neutral (the walk's stale rule ends those)
    calls = []

    def f(c):
        calls.append(tuple(c))
        if len(calls) > alive:
            raise RuntimeError("the worker died")
        return float(np.sum(c))

    kw = dict(max_evals=5000, seed=seed, lam=lam, max_failed_rounds=max_failed_rounds, config=config)
    try:
        res = minimize(f, Categorical(cats), **kw)
    except ObjectiveError as e:
        res = e.result
        assert "every evaluation failed" in str(e) and str(e.__cause__) == "the worker died"
    else:  # the cache ended it first (a whole space answered), or the target / budget
        assert res.stop_reason in ("converged", "max_evals", "target")
    dead_points = set(calls[alive:]) - set(calls[:alive])
    assert len(dead_points) <= max_failed_rounds * lam + lam - 1  # and the rest of the round it died in
    assert res.n_evals == len(calls)  # cached answers cost no evaluation


# ---- 6. what an evaluation may return ------------------------------------------------------------------

finite = st.floats(-1e12, 1e12, allow_nan=False)
good_returns = st.one_of(
    finite,
    st.integers(-(10**12), 10**12),
    finite.map(np.float64),
    st.floats(-1e6, 1e6, width=32).map(np.float32),
    st.integers(-(2**31), 2**31).map(np.int64),
    finite.map(np.array),  # 0-d
    st.fractions(max_denominator=100).filter(lambda q: abs(q) < 10**9),
)


@settings(max_examples=80, deadline=None)
@given(value=st.one_of(good_returns, bad_returns), lam=lams, seed=seeds, config=configs)
def test_an_evaluation_is_a_real_number_or_a_recorded_failure(value, lam, seed, config):
    """Sample 0 of each round returns ``value``; the others a valid number."""

    def f(c):
        f.n += 1
        return _fail(value) if f.n % lam == 1 else total(c)

    f.n = 0
    res = minimize(f, WIDE, max_evals=3 * lam, seed=seed, lam=lam, config=config)
    good = not isinstance(value, Exception) and not (
        isinstance(value, (bool, np.bool_, str, bytes, list, tuple, dict, complex, type(None)))
        or (isinstance(value, np.ndarray) and value.shape != ())
        or (isinstance(value, float) and not math.isfinite(value))
    )
    for h in res.history:
        if good:
            assert h["values"][0] == float(value) and not h["failures"]
        else:
            (j, msg), *_ = h["failures"]
            assert h["values"][0] is None and j == 0
            assert (repr(value) if isinstance(value, float) else type(value).__name__) in msg
        assert all(v is not None for v in h["values"][1:])


# ---- 3. inputs unchanged, runs repeat ---------------------------------------------------------------

spaces = st.sampled_from(
    [
        lambda: Categorical([2, 3, 5]),
        lambda: Integer(-3, 7, size=3),
        lambda: Gaussian([0.0, 1.0], [1.0, 2.0], low=-5, high=5),
        lambda: Product(c=Categorical([3] * 3), k=Integer(0, 9, size=2)),
        lambda: Product(p=Product(c=Categorical([4, 2])), g=Gaussian(0.0, 1.0, size=2)),
    ]
)


def _value(s):
    if isinstance(s, dict):
        return sum(_value(v) for v in s.values())
    return float(np.sum(np.abs(s - 1)))


@settings(max_examples=40, deadline=None)
@given(
    make=spaces,
    prior=st.booleans(),
    method_config=st.sampled_from([("asng", None), ("asng", "paper"), ("sng", None), ("adam", None)]),
    lam=lams,
    seed=seeds,
)
def test_inputs_unchanged_and_same_seed_same_run(make, prior, method_config, lam, seed):
    method, config = method_config
    dist = make()
    options = {"theta": random_theta(dist, np.random.default_rng(seed))} if prior else {}
    options0, spec0, initial0 = copy.deepcopy(options), copy.deepcopy(dist.spec()), copy.deepcopy(dist.initial_theta())
    a = minimize(_value, dist, max_evals=10 * lam, seed=seed, lam=lam, method=method, config=config, **options)
    assert deep_equal(options, options0) and dist.spec() == spec0 and deep_equal(dist.initial_theta(), initial0)
    b = minimize(_value, dist, max_evals=10 * lam, seed=seed, lam=lam, method=method, config=config, **options)
    assert deep_equal(options, options0) and dist.spec() == spec0 and deep_equal(dist.initial_theta(), initial0)
    assert deep_equal(a.history, b.history) and deep_equal(a.x, b.x) and a.fun == b.fun
    assert deep_equal(a.most_likely, b.most_likely) and a.stop_reason == b.stop_reason
    assert deep_equal(a.optimizer.state_dict(), b.optimizer.state_dict())


# ---- 4. nested products ----------------------------------------------------------------------------

leaves = st.one_of(
    st.lists(st.integers(2, 4), min_size=1, max_size=3).map(Categorical),
    st.tuples(st.integers(-5, 5), st.integers(1, 6), st.integers(1, 3)).map(
        lambda t: Integer(t[0], t[0] + t[1], size=t[2])
    ),
)
nested = st.recursive(
    leaves,
    lambda children: st.lists(children, min_size=1, max_size=3).map(
        lambda ps: Product({f"p{i}": p for i, p in enumerate(ps)})
    ),
    max_leaves=6,
)


def _same_layout(sample, mode):
    if isinstance(mode, dict):
        return (
            isinstance(sample, dict)
            and list(sample) == list(mode)
            and all(_same_layout(sample[k], mode[k]) for k in mode)
        )
    return isinstance(sample, np.ndarray) and sample.shape == mode.shape and sample.dtype == np.int64


@settings(max_examples=40, deadline=None)
@given(space=nested, lam=lams, seed=seeds, config=configs)
def test_nested_products_give_nested_dicts_of_per_sample_arrays(space, lam, seed, config):
    layout = space.mode(space.initial_theta())
    seen = []

    def f(s):
        assert _same_layout(s, layout)
        seen.append(s)
        return _value(s)

    res = minimize(f, space, max_evals=6 * lam, seed=seed, lam=lam, config=config)
    assert len(seen) == res.n_evals and _same_layout(res.x, layout) and _same_layout(res.most_likely, layout)
    assert res.fun == min(_value(s) for s in seen)


# ---- 5. Ctrl-C -------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(k=st.integers(0, 25), lam=lams, maximize=st.booleans(), seed=seeds, config=configs)
def test_interrupt_after_k_evaluations_keeps_what_was_found(k, lam, maximize, seed, config):
    values = []

    def f(c):
        if len(values) == k:
            raise KeyboardInterrupt
        values.append(total(c))
        return values[-1]

    with pytest.raises(KeyboardInterrupt) as info:
        minimize(f, WIDE, max_evals=1000, seed=seed, lam=lam, maximize=maximize, config=config)
    res = info.value.result
    assert res.stop_reason == "interrupted" and res.n_evals == k
    assert len(res.history) == res.n_iterations
    # each finished round drew lam samples, evaluated or (black-box default) answered by the evaluation
    # cache; the interrupted round had evaluated fewer than lam new points (k // lam rounds without the
    # cache: a draw that repeats an earlier point, a mutant of the elite, say, makes a round cheaper)
    done = res.history[-1]["n_evals"] if res.history else 0
    cached = sum(r.get("cached", 0) for r in res.history)
    assert done + cached == lam * res.n_iterations and 0 <= k - done < lam
    if config == "paper":
        assert cached == 0 and res.n_iterations == k // lam
    if k:
        assert res.fun == (max if maximize else min)(values) and total(res.x) == res.fun
    else:
        assert res.x is None and math.isnan(res.fun)


# ---- 6. argument ranges -----------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(budget=st.integers(0, 60), lam=lams, as_float=st.booleans(), half=st.booleans(), config=configs)
def test_max_evals_integral_numbers_only(budget, lam, as_float, half, config):
    half = half and as_float
    max_evals = float(budget) + (0.5 if half else 0.0) if as_float else budget
    if half or budget < lam:
        with pytest.raises(ValueError, match="max_evals"):
            minimize(total, WIDE, max_evals=max_evals, lam=lam, config=config)
    else:
        res = minimize(total, WIDE, max_evals=max_evals, lam=lam, seed=0, config=config)
        assert res.stop_reason == "max_evals" and res.n_evals == budget // lam * lam
        assert type(res.n_evals) is int


@settings(max_examples=40, deadline=None)
@given(
    lam=st.one_of(st.integers(-5, 14), st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.booleans()),
    max_evals=st.integers(2, 14),
    config=configs,
)
def test_lam_range(lam, max_evals, config):
    if lam is None:  # the configuration's default: 2, or 4 + floor(3 ln 20) = 12 capped by the budget
        res = minimize(total, WIDE, max_evals=max_evals, lam=lam, seed=0, config=config)
        expected = 2 if config == "paper" else default_lam(WIDE, max_evals)
        assert res.optimizer.lam == expected and 2 <= expected <= min(12, max_evals)
        assert default_lam(WIDE) == 12
        return
    ok = not isinstance(lam, (bool, str)) and math.isfinite(lam) and lam == int(lam) and lam >= 2
    if ok and lam > MAX_SAMPLES:  # an integral float beyond one batch's samples (asng-opt 0.17.1)
        with pytest.raises(ValueError, match=r"minimize: lam must be an integer >= 2 .*at most 2\*\*31 - 1"):
            minimize(total, WIDE, max_evals=max_evals, lam=lam, config=config)
    elif ok and lam > max_evals:  # a valid lam, checked first, then the budget against it
        with pytest.raises(ValueError, match=f"max_evals must be an integer >= {int(lam)}"):
            minimize(total, WIDE, max_evals=max_evals, lam=lam, config=config)
    elif ok:
        res = minimize(total, WIDE, max_evals=max_evals, lam=lam, seed=0, config=config)
        assert res.optimizer.lam == int(lam)
    else:
        with pytest.raises(ValueError, match="lam must be an integer >= 2"):
            minimize(total, WIDE, max_evals=max_evals, lam=lam, config=config)


@settings(max_examples=40, deadline=None)
@given(target=st.one_of(st.none(), st.floats(), st.integers(), st.fractions(), st.text(max_size=3), st.booleans()))
def test_target_range(target):
    def real(t):
        try:
            return not isinstance(t, (bool, str)) and not math.isnan(float(t))
        except OverflowError:  # an int too large for a float
            return False

    ok = target is None or real(target)
    if ok:
        minimize(total, WIDE, max_evals=4, target=target, seed=0)
    else:
        with pytest.raises(ValueError, match="target must be a real number"):
            minimize(total, WIDE, max_evals=4, target=target)


@settings(max_examples=30, deadline=None)
@given(
    maximize=st.one_of(
        st.booleans(), st.booleans().map(np.bool_), st.integers(), st.text(max_size=3), st.none(), st.floats()
    )
)
def test_maximize_range(maximize):
    if isinstance(maximize, (bool, np.bool_)):
        assert minimize(total, WIDE, max_evals=4, maximize=maximize, seed=0).optimizer.maximize == bool(maximize)
    else:
        with pytest.raises(ValueError, match="maximize must be True or False"):
            minimize(total, WIDE, max_evals=4, maximize=maximize)


@settings(max_examples=30, deadline=None)
@given(n=st.one_of(st.integers(-3, 5), st.floats(-3, 5), st.sampled_from([True, None, "2"])))
def test_max_failed_rounds_range(n):
    ok = not isinstance(n, (bool, str, type(None))) and n == int(n) and n >= 1
    if ok:
        minimize(total, WIDE, max_evals=4, max_failed_rounds=n, seed=0)
    else:
        with pytest.raises(ValueError, match="max_failed_rounds must be an integer >= 1"):
            minimize(total, WIDE, max_evals=4, max_failed_rounds=n)


def test_fractions_are_real_numbers():
    res = minimize(
        lambda c: fractions.Fraction(int(np.sum(c)), 3), WIDE, max_evals=4, seed=0, target=fractions.Fraction(1, 2)
    )
    assert all(isinstance(v, float) for h in res.history for v in h["values"])
