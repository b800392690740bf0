"""Small review fixes: bool losses refused by tell, 0-d array targets, Choice labels that cannot be
looked up, a Space's vectorized batch as a list, tell's error prefix for every distribution, and
the documentation of minimize's options, history and seed."""

from __future__ import annotations

import inspect
import math
import pickle

import numpy as np
import pytest

from asng_opt import (
    ASNG,
    BlackBoxASNG,
    Categorical,
    Choice,
    FloatRange,
    Gaussian,
    Integer,
    IntRange,
    MinimizeResult,
    Product,
    Space,
    minimize,
)


# ---- bools are no losses ------------------------------------------------------------------------
@pytest.mark.parametrize(
    "losses",
    [
        lambda k: [True] * k,
        lambda k: [False] * k,
        lambda k: np.ones(k, dtype=bool),
        lambda k: [1.0] * (k - 1) + [True],
        lambda k: (np.bool_(False),) + (2.0,) * (k - 1),
    ],
    ids=["all-True", "all-False", "bool-array", "one-bool", "numpy-bool-tuple"],
)
@pytest.mark.parametrize(
    "make", [lambda: ASNG(Categorical([3] * 4), lam=4, seed=0), lambda: BlackBoxASNG(Categorical([3] * 4), seed=0)]
)
def test_tell_refuses_bool_losses_and_changes_nothing(make, losses):
    opt = make()
    X = opt.ask()
    before = pickle.dumps(opt.state_dict())
    with pytest.raises(ValueError, match=r"tell: losses must be real numbers"):
        opt.tell(X, losses(len(X)))
    assert pickle.dumps(opt.state_dict()) == before
    opt.tell(X, [float(v) for v in range(len(X))])  # real numbers still work (ints too)
    assert opt.t == 1


# ---- target as a 0-d array ------------------------------------------------------------------------
@pytest.mark.parametrize("target", [np.array(0.0), np.array(0), np.float32(0.0), 0])
def test_zero_dim_array_targets_are_numbers(target):
    res = minimize(lambda c: float(np.sum(c)), Categorical([3] * 4), max_evals=400, seed=0, target=target)
    assert res.stop_reason == "target" and res.fun == 0.0


@pytest.mark.parametrize("target", [np.array([0.0]), np.array(True), np.array("0"), np.array(np.nan), np.zeros((1, 1))])
def test_other_arrays_are_still_refused_as_targets(target):
    with pytest.raises(ValueError, match="target must be a real number"):
        minimize(lambda c: 0.0, Categorical([3]), max_evals=10, target=target)


# ---- Choice labels --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "values",
    [[np.zeros(2), np.ones(2)], ["a", np.arange(3)], [math.nan, 1.0], [1.0, float("nan")], [np.float64("nan")]],
    ids=["arrays", "one-array", "nan-first", "nan-last", "numpy-nan"],
)
def test_labels_that_cannot_be_looked_up_are_refused(values):
    with pytest.raises(ValueError, match=r"Choice: value \d .*does not compare equal to itself") as err:
        Choice(values)
    assert "\n" not in str(err.value)


class _RaisingEq:
    def __eq__(self, other):
        raise TypeError("no")

    __hash__ = object.__hash__


@pytest.mark.parametrize(
    "values",
    [[{"x": 1}, {"x": 2}], [[1, 2], [3]], [None, 0], [np.array(1.0), 2], [(1, 2), "s"]],
    ids=["dicts", "lists", "none", "0-d-array", "tuple"],
)
def test_labels_found_by_equality_still_work(values):
    space = Space(a=Choice(values))
    for k, v in enumerate(values):
        assert space.encode_one({"a": v}).tolist() == [k]


def test_a_label_whose_eq_raises_is_refused():
    with pytest.raises(ValueError, match="does not compare equal to itself"):
        Choice([_RaisingEq(), 1])


# ---- a Space's vectorized batch -------------------------------------------------------------------
def test_vectorized_space_objective_receives_the_list_ask_returns():
    seen = []

    def fun(batch):
        seen.append(batch)
        return [float(p["n"]) + p["x"] for p in batch]

    space = Space(n=IntRange(0, 5), x=FloatRange(0, 1))
    res = minimize(fun, space, max_evals=24, seed=0, lam=8, vectorized=True)
    assert all(type(b) is list and len(b) == 8 and all(type(p) is dict for p in b) for b in seen)
    assert type(seen[0][0]["n"]) is int and type(seen[0][0]["x"]) is float
    serial = minimize(lambda p: float(p["n"]) + p["x"], space, max_evals=24, seed=0, lam=8)
    assert res.x == serial.x and res.fun == serial.fun  # the same run as one-at-a-time


def test_vectorized_space_batch_is_a_copy():
    def fun(batch):
        for p in batch:
            p["n"] = 99  # editing the batch must not reach the optimizer
        return [1.0] * len(batch)

    res = minimize(
        fun, Space(n=IntRange(0, 5), c=Choice(["a", "b"])), max_evals=16, seed=0, lam=8, vectorized=True, cache=False
    )
    assert res.n_evals == 16 and 0 <= res.x["n"] <= 5


# ---- tell's errors carry the caller -----------------------------------------------------------
P = Product(a=Categorical([3, 2]), b=Integer(0, 5, size=2), c=Gaussian(0, 1, size=2))


def _bad_product(X, what):
    X = {k: np.array(v) for k, v in X.items()}
    if what == "cat":
        X["a"][0, 0] = 7
    elif what == "int":
        X["b"] = X["b"] + 0.5
    elif what == "nan":
        X["c"][0, 0] = np.nan
    else:
        del X["c"]
    return X


@pytest.mark.parametrize("what", ["cat", "int", "nan", "missing"])
@pytest.mark.parametrize("cls", [ASNG, BlackBoxASNG])
def test_bad_product_samples_name_the_caller(cls, what):
    opt = cls(P, lam=4, seed=0)
    X = opt.ask()
    with pytest.raises(ValueError, match=rf"^{cls.__name__}\.tell: Product"):
        opt.tell(_bad_product(X, what), [1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("dist", [Categorical([3, 3]), Integer(0, 3, size=2), Gaussian(0, 1, size=2)])
def test_bad_array_samples_name_the_caller(dist):
    opt = ASNG(dist, lam=4, seed=0)
    X = opt.ask()
    with pytest.raises(ValueError, match=r"^ASNG\.tell: "):
        opt.tell(X[:, :1], [1.0, 2.0, 3.0, 4.0])


# ---- documentation --------------------------------------------------------------------------------
def test_minimize_docstring_lists_every_blackbox_option():
    own = {"self", "distribution", "lam", "seed", "maximize", "theta"}
    options = [p for p in inspect.signature(BlackBoxASNG.__init__).parameters if p not in own]
    doc = minimize.__doc__
    missing = [p for p in options if f"``{p}``" not in doc]
    assert not missing, f"minimize's docstring does not list {missing}"


def test_history_keys_are_documented():
    res = minimize(lambda c: float(np.sum(c)), Categorical([3] * 3), max_evals=40, seed=0)
    for key in res.history[0]:
        assert f"``{key}``" in MinimizeResult.__doc__, key


def test_seed_generator_is_documented_as_advanced_and_is():
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    seen: list[list[int]] = [[], []]
    for run in (0, 1):
        minimize(lambda c, r=run: seen[r].append(c.tolist()) or 0.0, Categorical([3] * 6), max_evals=20, seed=rng)
    assert rng.bit_generator.state != state  # used in place
    assert seen[0] != seen[1]  # so the second run draws other samples
    assert "advance" in minimize.__doc__ and "Generator" in minimize.__doc__
    assert "mean" in minimize.__doc__ and "FloatRange" in minimize.__doc__
