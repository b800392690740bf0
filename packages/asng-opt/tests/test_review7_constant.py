"""Review 6 #10: one rule for every search space with a single point (every variable fixed):
``minimize`` evaluates it once and stops "converged" whatever the config and cache; the optimizer
classes refuse it with one message."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asng_opt import (
    ASNG,
    SNG,
    AdamNG,
    Categorical,
    Choice,
    FloatRange,
    Gaussian,
    Integer,
    IntRange,
    ObjectiveError,
    Product,
    Space,
    minimize,
)
from asng_opt.blackbox import BlackBoxASNG

# (space, the point the objective must see)
CONSTANT = {
    "categorical": (lambda: Categorical([1]), np.array([0])),
    "categorical3": (lambda: Categorical([1, 1, 1]), np.array([0, 0, 0])),
    "integer": (lambda: Integer(3, 3), np.array([3])),
    "integer-far": (lambda: Integer(300001, 300001), np.array([300001])),
    "product": (lambda: Product(c=Categorical([1]), z=Integer([2, -4], [2, -4])), {"c": [0], "z": [2, -4]}),
    "choice": (lambda: Space(a=Choice(["x"])), {"a": "x"}),
    "intrange": (lambda: Space(a=IntRange(3, 3)), {"a": 3}),
    "floatrange": (lambda: Space(a=FloatRange(1.0, 1.0)), {"a": 1.0}),
    "floatrange-log": (lambda: Space(a=FloatRange(0.25, 0.25, log=True)), {"a": 0.25}),
    "mixed-space": (
        lambda: Space(a=Choice([None]), b=IntRange(-6, -6, step=3), c=FloatRange(2.5, 2.5)),
        {"a": None, "b": -6, "c": 2.5},
    ),
}
RUNS = [
    {"config": "blackbox"},
    {"config": "blackbox", "cache": False},
    {"config": "paper"},
    {"config": "paper", "cache": True},
    {"method": "sng"},
    {"method": "adam", "cache": True},
    {"config": "blackbox", "restarts": 5},
    {"config": "paper", "restarts": 5},
]


def _same(x, point):
    if isinstance(point, dict):
        return set(x) == set(point) and all(_same(x[k], v) for k, v in point.items())
    if isinstance(point, np.ndarray) or isinstance(point, list):
        return np.array_equal(np.asarray(x), np.asarray(point))
    return type(x) is type(point) and x == point


@pytest.mark.parametrize("kind", list(CONSTANT))
@pytest.mark.parametrize("run", RUNS, ids=lambda r: "-".join(f"{k}={v}" for k, v in r.items()))
def test_minimize_evaluates_a_single_point_space_once(kind, run):
    make, point = CONSTANT[kind]
    seen = []

    def f(x):
        seen.append(x)
        return 7.5

    res = minimize(f, make(), max_evals=40, seed=0, **run)
    assert res.stop_reason == "converged" and res.n_evals == 1 and len(seen) == 1
    assert res.fun == 7.5 and _same(res.x, point) and _same(seen[0], point) and _same(res.most_likely, point)
    assert res.n_iterations == 1 and res.best_at == 1 and res.n_restarts == 0 and res.optimizer is None
    assert res.history[0]["values"] == [7.5] and res.history[0]["n_evals"] == 1


def test_single_point_choice_label_is_the_object_given():
    label = object()
    res = minimize(lambda c: 1.0, Space(a=Choice([label])), max_evals=10)
    assert res.x["a"] is label


@pytest.mark.parametrize("kind", ["categorical", "mixed-space"])
def test_single_point_through_an_executor_and_vectorized(kind):
    make, point = CONSTANT[kind]
    with ThreadPoolExecutor(2) as ex:
        res = minimize(lambda x: 2.0, make(), max_evals=10, executor=ex)
    assert res.n_evals == 1 and res.fun == 2.0 and _same(res.x, point)
    batches = []

    def vec(batch):
        batches.append(batch)
        return [3.0]

    res = minimize(vec, make(), max_evals=10, vectorized=True)
    assert res.n_evals == 1 and res.fun == 3.0 and len(batches) == 1
    assert _same(batches[0][0] if isinstance(batches[0], list) else _row0(batches[0]), point)


def _row0(batch):
    return {k: _row0(v) for k, v in batch.items()} if isinstance(batch, dict) else np.asarray(batch)[0]


def test_single_point_failure_raises_with_the_result():
    def boom(x):
        raise RuntimeError("nope")

    with pytest.raises(ObjectiveError, match="single point.*RuntimeError: nope") as e:
        minimize(boom, Integer(3, 3), max_evals=10)
    assert isinstance(e.value.__cause__, RuntimeError)
    r = e.value.result
    assert r.stop_reason == "failed" and r.n_evals == 1 and r.x is None and r.history[0]["values"] == [None]


def test_single_point_maximize_and_arguments_still_checked():
    res = minimize(lambda x: -3, Categorical([1]), max_evals=10, maximize=True)
    assert res.fun == -3 and res.stop_reason == "converged"
    with pytest.raises(ValueError, match="max_evals"):
        minimize(lambda x: 1.0, Categorical([1]), max_evals=0)
    with pytest.raises(ValueError, match="unknown option 'foo'"):
        minimize(lambda x: 1.0, Categorical([1]), max_evals=10, foo=1)


@pytest.mark.parametrize("kind", list(CONSTANT))
@pytest.mark.parametrize(
    "run, bad",
    [
        ({"config": "blackbox"}, {"margin": "x"}),
        ({"config": "blackbox"}, {"cat_utility": "bogus"}),
        ({"config": "paper"}, {"delta0": 0}),
        ({"method": "sng"}, {"delta": -1.0}),
        ({"method": "adam"}, {"lr": -1}),
    ],
)
def test_single_point_option_values_are_checked_as_on_a_free_space(kind, run, bad):
    make, _ = CONSTANT[kind]
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        minimize(lambda x: 1.0, make(), max_evals=1, **run, **bad)
    with pytest.raises(ValueError, match=name):  # the same refusal on a free space
        minimize(lambda x: 1.0, Categorical([2]), max_evals=10, **run, **bad)


@pytest.mark.parametrize("kind", list(CONSTANT))
def test_single_point_refuses_a_theta_and_takes_valid_options(kind):
    make, _ = CONSTANT[kind]
    with pytest.raises(ValueError, match="theta"):
        minimize(lambda x: 1.0, make(), max_evals=1, theta=[[0.5, 0.5]])
    res = minimize(lambda x: 1.0, make(), max_evals=1, margin=False, mutant_share=0.25)
    assert res.n_evals == 1 and res.stop_reason == "converged"


@pytest.mark.parametrize("kind", list(CONSTANT))
@pytest.mark.parametrize("run", RUNS, ids=lambda r: "-".join(f"{k}={v}" for k, v in r.items()))
def test_a_budget_of_one_evaluation_is_enough_for_a_single_point(kind, run):
    # the budget need not hold a population: the point is evaluated once, whatever lam would be
    make, point = CONSTANT[kind]
    res = minimize(lambda x: 2.0, make(), max_evals=1, seed=0, **run)
    assert res.n_evals == 1 and res.fun == 2.0 and res.stop_reason == "converged"
    _same(res.x, point)
    with pytest.raises(ValueError, match="max_evals"):
        minimize(lambda x: 2.0, Categorical([2]), max_evals=1, seed=0, **run)  # a free space needs lam


@pytest.mark.parametrize("kind", list(CONSTANT))
@pytest.mark.parametrize("cls", [ASNG, SNG, AdamNG, BlackBoxASNG])
def test_optimizers_refuse_every_single_point_space_alike(kind, cls):
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: the search space has a single point"):
        cls(CONSTANT[kind][0]())


@pytest.mark.parametrize(
    "space",
    [
        Categorical([1, 2]),
        Integer([3, 0], [3, 1]),
        Product(c=Categorical([1]), x=Gaussian()),
        Space(a=Choice(["x"]), b=IntRange(0, 1)),
        Space(a=FloatRange(1.0, 1.0), b=FloatRange(0.0, 1.0)),
    ],
)
def test_a_space_with_one_free_variable_still_runs(space):
    o = BlackBoxASNG(space, seed=0)
    o.tell(o.ask(), np.arange(o.lam, dtype=float))
    res = minimize(lambda x: 1.0, space, max_evals=20, seed=0)
    assert res.optimizer is not None and res.n_evals >= 2


# ---- property: any product of constant variables ------------------------------------------------

_LABELS = st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3), st.floats(allow_nan=False))
_VARIABLE = st.one_of(
    _LABELS.map(lambda v: ("choice", v)),
    st.integers(-(2**40), 2**40).map(lambda v: ("intrange", v)),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: ("floatrange", v)),
)


def _variable(kind, v):
    if kind == "choice":
        return Choice([v])
    if kind == "intrange":
        return IntRange(v, v)
    return FloatRange(v, v)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(_VARIABLE, min_size=1, max_size=5),
    st.sampled_from(RUNS),
)
def test_property_every_constant_space_is_evaluated_once(variables, run):
    space = Space({f"v{i}": _variable(kind, v) for i, (kind, v) in enumerate(variables)})
    calls = []
    res = minimize(lambda c: calls.append(c) or 1.0, space, max_evals=30, seed=1, **run)
    assert res.n_evals == 1 and len(calls) == 1 and res.stop_reason == "converged"
    for i, (kind, v) in enumerate(variables):
        got = res.x[f"v{i}"]
        assert got is v if kind == "choice" else (got == v and type(got) is (int if kind == "intrange" else float))


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.integers(1, 4).map(lambda n: Categorical([1] * n)),
            st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=3).map(lambda v: Integer(v, v)),
        ),
        min_size=1,
        max_size=3,
    ),
    st.sampled_from(RUNS),
)
def test_property_every_constant_distribution_is_evaluated_once(parts, run):
    dist = parts[0] if len(parts) == 1 else Product({f"p{i}": p for i, p in enumerate(parts)})
    calls = []
    res = minimize(lambda x: calls.append(x) or 2.0, dist, max_evals=30, seed=1, **run)
    assert res.n_evals == 1 and len(calls) == 1 and res.stop_reason == "converged" and res.fun == 2.0
    with pytest.raises(ValueError, match="single point"):
        ASNG(dist)
