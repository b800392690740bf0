"""Review 6 #15 (papercuts) and the FloatingPointError that could escape ``BlackBoxASNG.tell``
inside ``minimize``: clear errors, copies where a caller could otherwise rewrite the history, a
Space's checkpoint refused by an optimizer on another Space, ranking_utility details."""

from __future__ import annotations

import importlib
import pickle
import sys

import numpy as np
import pytest

from asng_opt import (
    ASNG,
    Categorical,
    Choice,
    FloatRange,
    Gaussian,
    Integer,
    IntRange,
    Product,
    Space,
    minimize,
    ranking_utility,
)
from asng_opt.blackbox import BlackBoxASNG, prior_near
from asng_opt.ranking import log_rank_weights

# ---- minimize's own messages --------------------------------------------------------------------


@pytest.mark.parametrize("seed", [-1, "x", 1.5])
def test_minimize_seed_error_names_minimize(seed):
    with pytest.raises(ValueError, match=r"^minimize: seed must be"):
        minimize(lambda x: 0.0, Categorical([2, 2]), max_evals=10, seed=seed)


def test_minimize_with_a_seed_generator_is_unchanged():
    a = minimize(lambda x: float(x.sum()), Categorical([3] * 4), max_evals=40, seed=5)
    b = minimize(lambda x: float(x.sum()), Categorical([3] * 4), max_evals=40, seed=np.random.default_rng(5))
    assert a.history == b.history


# ---- optuna -------------------------------------------------------------------------------------


def test_sampler_unknown_option_lists_the_valid_ones():
    pytest.importorskip("optuna")
    from asng_opt.integrations.optuna import ASNGSampler

    with pytest.raises(ValueError, match=r"unknown option 'foo'.*valid options: .*alpha.*mutant_share"):
        ASNGSampler(optimizer_options={"foo": 1})
    with pytest.raises(ValueError, match=r"unknown options 'foo', 'bar'"):
        ASNGSampler(optimizer_options={"foo": 1, "bar": 2})


def test_optuna_integration_without_optuna_says_how_to_install(monkeypatch):
    for name in list(sys.modules):
        if name == "optuna" or name.startswith(("optuna.", "asng_opt.integrations.")):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "optuna", None)  # import optuna -> ModuleNotFoundError
    with pytest.raises(ModuleNotFoundError, match=r'pip install "asng-opt\[optuna\]"') as e:
        importlib.import_module("asng_opt.integrations.optuna")
    assert e.value.name == "optuna"


# ---- Product / Gaussian arguments ---------------------------------------------------------------


def test_product_refuses_a_list_and_non_string_names():
    with pytest.raises(ValueError, match=r"^Product: the positional argument must be a dict .*got list"):
        Product([Categorical([2])])
    for name in (1, "", None, ("a",)):
        with pytest.raises(ValueError, match=r"^Product: part names must be non-empty strings"):
            Product({name: Categorical([2])})
    assert list(Product({"a": Categorical([2])}, b=Integer(0, 3)).parts) == ["a", "b"]


@pytest.mark.parametrize(
    ("kw", "bad"),
    [({"sigma": 1.0, "sigma_min": 2.0}, "sigma=1"), ({"sigma": 3.0, "sigma_max": 2.0}, "sigma=3")],
)
def test_gaussian_sigma_outside_its_bounds_is_refused(kw, bad):
    with pytest.raises(ValueError, match=rf"variable 0: {bad} is outside \[sigma_min, sigma_max\]"):
        Gaussian(0.0, **kw)
    Gaussian(0.0, sigma=2.0, sigma_min=2.0, sigma_max=2.0)  # on the bounds: fine


# ---- the callback ------------------------------------------------------------------------------


def test_callback_returning_an_array_raises_with_the_partial_result():
    def cb(opt, record):
        return np.array([record["iteration"] > 1, True])

    with pytest.raises(ValueError, match=r"^minimize: the callback returned ndarray of shape \(2,\)") as e:
        minimize(lambda x: float(x.sum()), Categorical([3] * 3), max_evals=100, seed=0, callback=cb)
    r = e.value.result
    assert r.stop_reason == "failed" and len(r.history) == 1 and r.n_evals == r.history[0]["n_evals"] > 0
    assert r.x is not None and r.fun == min(v for v in r.history[0]["values"])
    one = minimize(lambda x: 1.0, Categorical([3]), max_evals=100, seed=0, callback=lambda o, r: np.array([True]))
    assert one.stop_reason == "callback" and len(one.history) == 1


def test_callback_record_is_a_copy():
    def cb(opt, record):
        record.pop("values")
        record["failures"].append("edited")
        record["best"] = -1

    res = minimize(lambda x: float(x.sum()), Categorical([3] * 3), max_evals=40, seed=0, callback=cb)
    assert all("values" in h and h["failures"] == [] and h["best"] != -1 for h in res.history)


# ---- FloatingPointError from tell inside minimize ---------------------------------------------


def test_floating_point_error_in_tell_stops_diverged_with_the_result(monkeypatch):
    calls = []
    real = BlackBoxASNG.tell

    def tell(self, samples, losses):
        calls.append(1)
        if len(calls) == 3:
            raise FloatingPointError("BlackBoxASNG.tell: the update made ['C'] non-finite; the state is unchanged")
        real(self, samples, losses)

    monkeypatch.setattr(BlackBoxASNG, "tell", tell)
    res = minimize(lambda x: float(x.sum()), Categorical([3] * 4), max_evals=200, seed=0, lam=5, cache=False)
    assert res.stop_reason == "diverged" and len(calls) == 3
    assert res.n_evals == 15 and len(res.history) == 3 and res.optimizer.t == 2
    assert res.fun == min(v for h in res.history for v in h["values"])


# ---- theta given a configuration ----------------------------------------------------------------


def test_a_configuration_as_theta_points_to_prior_near():
    space = Space(a=Choice(["x", "y"]), b=IntRange(0, 300001), c=FloatRange(0.0, 2.0))
    cfg = {"a": "y", "b": 5, "c": 1.5}
    for make in (lambda: BlackBoxASNG(space, theta=cfg), lambda: ASNG(space, theta=cfg)):
        with pytest.raises(ValueError, match=r"theta must be a dict with keys .*prior_near"):
            make()
    with pytest.raises(ValueError, match=r"^Categorical: theta must be an array, got a dict; .*prior_near"):
        ASNG(Space(a=Choice(["x", "y"])), theta={"a": "x"})
    dist = space.distribution  # the recipe of the message works (a shifted Integer included)
    theta = prior_near(dist, dist.check_samples(space.encode([cfg]))[0])
    assert BlackBoxASNG(space, theta=theta).most_likely() == cfg


# ---- a checkpoint of one Space loaded into an optimizer on another -------------------------------


def _space(labels=("sgd", "adam"), high=0.5, name="drop", step=1):
    # IntRange(0, 8) and IntRange(0, 16, step=2) share their grid (indices 0..8): the same distribution
    return Space(opt=Choice(list(labels)), **{name: FloatRange(0.0, high)}, n=IntRange(0, 8 * step, step=step))


@pytest.mark.parametrize("cls", [ASNG, BlackBoxASNG])
@pytest.mark.parametrize(
    "other",
    [
        {"labels": ("a", "b")},
        {"labels": ("adam", "sgd")},
        {"high": 0.9},
        {"name": "dropout"},
        {"step": 2},
    ],
    ids=str,
)
def test_state_of_another_space_is_refused(cls, other):
    src = cls(_space(), lam=4, seed=0)
    src.tell(src.ask(), [1.0, 2.0, 3.0, 4.0])
    dst = cls(_space(**other), lam=4, seed=1)
    before = pickle.dumps(dst.state_dict())
    with pytest.raises(ValueError, match=r"load_state_dict: the state was saved on another Space"):
        dst.load_state_dict(src.state_dict())
    assert pickle.dumps(dst.state_dict()) == before


@pytest.mark.parametrize("cls", [ASNG, BlackBoxASNG])
def test_state_of_the_same_space_loads_and_old_dicts_without_fingerprint_too(cls):
    src = cls(_space(), lam=4, seed=0)
    src.tell(src.ask(), [1.0, 2.0, 3.0, 4.0])
    sd = src.state_dict()
    assert sd["space"].startswith("sha256:") and cls(_space().distribution, lam=4).state_dict()["space"] is None
    same = cls(_space(), lam=4)
    same.load_state_dict(pickle.loads(pickle.dumps(sd)))
    assert same.ask() == src.ask()
    old = {k: v for k, v in sd.items() if k != "space"}  # asng-opt < 0.7
    cls(_space(labels=("a", "b")), lam=4).load_state_dict(old)
    cls(_space().distribution, lam=4).load_state_dict(sd)  # a plain optimizer has no Space to compare


def test_fingerprint_ignores_object_addresses():
    class Net:
        pass

    a, b = Net(), Net()
    s1, s2 = Space(m=Choice([a, None])), Space(m=Choice([b, None]))
    o = ASNG(s1, lam=2, seed=0)
    ASNG(s2, lam=2).load_state_dict(o.state_dict())  # same kinds of labels: e.g. a new process


# ---- ranking_utility ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "losses",
    [[1.0, 1.0], np.array([1.0, 1.0]), np.array([[2.0, 2.0], [1.0, 3.0]]), [1.0, 1.0, 1.0], [0.0, -0.0, 0.0, 0.0]],
)
@pytest.mark.parametrize("maximize", [False, True])
def test_ranking_utility_has_no_negative_zero(losses, maximize):
    w = ranking_utility(losses, maximize=maximize)
    assert not np.any(np.signbit(w) & (w == 0))


def test_ranking_nan_message_gives_the_index_of_a_1d_input():
    with pytest.raises(ValueError, match=r"NaN \(at \[1\]\)"):
        ranking_utility([0.0, np.nan, 1.0])
    with pytest.raises(ValueError, match=r"NaN \(at \[\[1, 0\]\]\)"):
        ranking_utility(np.array([[0.0, 1.0], [np.nan, 1.0]]))


@pytest.mark.parametrize(
    "losses", [[True, False], np.array([True, False]), [1.0, True, 0.5], [[1.0, 2.0], [False, 1.0]]]
)
def test_ranking_refuses_bools_like_tell(losses):
    with pytest.raises(ValueError, match="not bools"):
        ranking_utility(losses)
    if np.ndim(losses) == 1:
        with pytest.raises(ValueError, match="not bools"):
            log_rank_weights(losses)
