"""The elite in BlackBoxASNG's real-valued (CMA-ES) step: when the best point so far is one of the
batch's own samples, the real step ranks the batch alone and the elite's added copy gets weight 0
(recombination and the rank-mu update weigh distinct draws); when an older elite beats the whole
batch, it joins as one more sample. ``real_elite_twice=True`` restores the rule before 0.7 (the copy
counted too). The categorical and integer parts count the elite twice either way."""

from __future__ import annotations

import numpy as np
import pytest

from asng_opt import Categorical, Gaussian, Integer, Product, minimize
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.ranking import log_rank_weights


def recombined(x: np.ndarray, f: np.ndarray, maximize: bool) -> np.ndarray:
    """CMA-ES's new mean: the positive log-rank weights of ``f`` (normalised) on the rows of ``x``."""
    w = np.maximum(log_rank_weights(f, maximize), 0.0)
    return (w / w.sum()) @ x


def real_mean(opt: BlackBoxASNG) -> np.ndarray:
    mu, _ = opt.distribution.mean_sigma(opt.state.theta)
    return np.asarray(mu)


def told(opt: BlackBoxASNG, f: np.ndarray) -> np.ndarray:
    x = opt.ask()
    opt.tell(x, f)
    return x


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("lam", [3, 6, 11])
def test_the_batchs_own_best_is_counted_once(covariance, maximize, lam):
    rng = np.random.default_rng(lam)
    f = rng.standard_normal(lam)
    once = BlackBoxASNG(Gaussian(0.0, 1.0, size=4), lam=lam, seed=1, covariance=covariance, maximize=maximize)
    twice = BlackBoxASNG(
        Gaussian(0.0, 1.0, size=4), lam=lam, seed=1, covariance=covariance, maximize=maximize, real_elite_twice=True
    )
    x = told(once, f)
    assert np.array_equal(told(twice, f), x)
    best = int(np.argmax(f) if maximize else np.argmin(f))
    np.testing.assert_allclose(real_mean(once), recombined(x, f, maximize), rtol=1e-12, atol=1e-14)
    with_copy = recombined(np.vstack([x, x[best]]), np.append(f, f[best]), maximize)
    np.testing.assert_allclose(real_mean(twice), with_copy, rtol=1e-12, atol=1e-14)
    if lam > 3:  # (lam = 3: one positive weight either way, on x[best])
        assert not np.allclose(real_mean(once), real_mean(twice))  # the copy pulled the mean onto x[best]


@pytest.mark.parametrize("covariance", ["full", "diagonal"])
@pytest.mark.parametrize("real_elite_twice", [False, True])
def test_an_older_elite_joins_as_one_more_sample(covariance, real_elite_twice):
    opt = BlackBoxASNG(
        Gaussian(0.0, 1.0, size=3), lam=6, seed=2, covariance=covariance, real_elite_twice=real_elite_twice
    )
    told(opt, np.arange(6.0))  # the elite: the first sample, value 0
    elite_x = opt.elite[0][0].copy()
    f = np.arange(6.0) + 10.0  # no sample of the second batch reaches it
    x = told(opt, f)
    expected = recombined(np.vstack([x, elite_x]), np.append(f, 0.0), False)
    np.testing.assert_allclose(real_mean(opt), expected, rtol=1e-12, atol=1e-14)
    # and a batch that beats it again is ranked alone (or with the copy, with real_elite_twice)
    f = np.arange(6.0) - 10.0
    x = told(opt, f)
    rows, vals = (np.vstack([x, x[0]]), np.append(f, f[0])) if real_elite_twice else (x, f)
    np.testing.assert_allclose(real_mean(opt), recombined(rows, vals, False), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("int_update", ["asng", "cma"])
def test_categorical_and_integer_parts_still_count_it_twice(seed, int_update):
    """Only the real step differs: the categorical parameters of the two rules are equal after every
    tell, and so are the integer ones with ASNG's step (the draws too: the real part's course does
    not feed back within 5 tells of these values, which do not depend on the points). With
    ``int_update="cma"`` (the default on a space with reals) the integers follow the real rule."""
    dist = Product(c=Categorical([3, 4, 2]), z=Integer(0, 9, size=2), r=Gaussian(0.0, 1.0, size=2))
    rng = np.random.default_rng(seed)
    once = BlackBoxASNG(dist, lam=8, seed=seed, int_update=int_update)
    twice = BlackBoxASNG(dist, lam=8, seed=seed, real_elite_twice=True, int_update=int_update)
    same = ("c", "z") if int_update == "asng" else ("c",)
    for _ in range(5):
        f = rng.standard_normal(8)
        x1, x2 = once.ask(), twice.ask()
        once.tell(x1, f)
        twice.tell(x2, f)
        for part in same:
            assert np.array_equal(once.state.theta[part], twice.state.theta[part])
    assert not np.array_equal(once.state.theta["r"], twice.state.theta["r"])
    if int_update == "cma":
        assert not np.array_equal(once.state.theta["z"], twice.state.theta["z"])


def test_option_is_checked_saved_and_upgraded():
    with pytest.raises(ValueError, match="BlackBoxASNG: real_elite_twice must be True or False"):
        BlackBoxASNG(Gaussian(0.0, 1.0, size=2), real_elite_twice="no")
    opt = BlackBoxASNG(Gaussian(0.0, 1.0, size=2), lam=4, seed=0)
    told(opt, np.arange(4.0))
    sd = opt.state_dict()
    assert sd["hyper"]["real_elite_twice"] is False
    # a state dict of asng-opt 0.6 has no such key: it continues with the rule it ran with
    old = dict(sd, hyper={k: v for k, v in sd["hyper"].items() if k != "real_elite_twice"})
    loaded = BlackBoxASNG(Gaussian(0.0, 1.0, size=2), lam=4, seed=0)
    loaded.load_state_dict(old)
    assert loaded.real_elite_twice is True
    # minimize takes it as an option, and the result differs on a problem with reals
    fun = lambda v: float(np.sum((v - 0.3) ** 2))  # noqa: E731
    a = minimize(fun, Gaussian(0.0, 1.0, size=3), max_evals=300, seed=0)
    b = minimize(fun, Gaussian(0.0, 1.0, size=3), max_evals=300, seed=0, real_elite_twice=True)
    assert a.fun != b.fun


def test_spaces_without_reals_are_unchanged():
    """Without reals and with ASNG's integer step the option has no step to act on (the default
    integer step on such a space, int_update="full", is the real step's and follows it)."""
    dist = Product(c=Categorical([3, 3, 3, 3]), z=Integer(0, 5, size=2))
    fun = lambda v: float(np.sum(v["c"] != 1) + np.sum((v["z"] - 2) ** 2))  # noqa: E731
    a = minimize(fun, dist, max_evals=400, seed=3, int_update="asng")
    b = minimize(fun, dist, max_evals=400, seed=3, real_elite_twice=True, int_update="asng")
    assert a.n_evals == b.n_evals and a.fun == b.fun and np.array_equal(a.x["c"], b.x["c"])
    assert np.array_equal(np.asarray(a.history), np.asarray(b.history))
