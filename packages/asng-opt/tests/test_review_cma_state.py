"""Loaded full-covariance states (review fix): an eigen-basis that is not orthogonal, D that does
not match C, or evolution paths beyond any run's are refused by name (they made every later tell
non-finite); the states runs produce, lazy eigendecompositions included, still load."""

from __future__ import annotations

import copy
import math
import pickle

import numpy as np
import pytest
from helpers import deep_equal

from asng_opt import Categorical, Gaussian, Integer, Product
from asng_opt.blackbox import BlackBoxASNG
from asng_opt.blackbox.cma import DECOMPOSITION_WINDOW, PATH_MAX

MIXED = Product(c=Categorical([3, 2]), i=Integer(0, 6, size=2), g=Gaussian(0.0, 1.0, size=3))


def _loss(s):
    if isinstance(s, dict):
        return float(np.sum(s["c"]) + np.sum(np.abs(s["i"] - 2)) + np.sum((s["g"] - 0.5) ** 2 * [1, 10, 100]))
    return float(np.sum((s - 0.3) ** 2 * np.arange(1, s.size + 1)))


def _rows(X):
    if isinstance(X, dict):
        k = len(next(iter(X.values())))
        return [{p: v[j] for p, v in X.items()} for j in range(k)]
    return list(X)


def _linear(x):
    return float(x[0])


#: a linear objective on this box drives C's condition number past 1 / eps within 150 updates
#: (most seeds, lam 8): the update's own state then has a C with an eigenvalue a rounding error below
#: 0 and a |p_sigma| ~ 1e148, which must still load
BOX10 = Gaussian(0, 2.5, sigma_max=5, low=-5, high=5, size=10)


def _run(opt, n, fun=_loss):
    for _ in range(n):
        X = opt.ask()
        opt.tell(X, [fun(x) for x in _rows(X)])


@pytest.fixture(scope="module")
def saved():
    a = BlackBoxASNG(MIXED, seed=3)
    _run(a, 12)
    return a.state_dict()


def _patched(sd, **fields):
    bad = copy.deepcopy(sd)
    bad["state"].update(fields)
    return bad


def _refused(sd, match):
    b = BlackBoxASNG(MIXED, seed=9)
    _run(b, 2)
    before = pickle.dumps(b.state_dict())
    with pytest.raises(ValueError, match=match) as err:
        b.load_state_dict(sd)
    assert "\n" not in str(err.value) and "BlackBoxASNG.load_state_dict" in str(err.value)
    assert deep_equal(b.state_dict(), pickle.loads(before))  # a refused load changes nothing
    _run(b, 1)  # and the optimizer still works


@pytest.mark.parametrize("value", [1e300, 2.0, 1e-3])
def test_B_not_orthogonal_is_refused(saved, value):
    B = np.full_like(saved["state"]["B"], value)
    _refused(_patched(saved, B=B), "'B' must be orthogonal")


def test_B_slightly_scaled_is_refused(saved):
    _refused(_patched(saved, B=saved["state"]["B"] * (1 + 1e-6)), "'B' must be orthogonal")


@pytest.mark.parametrize("factor", [1e300, 1e-300, 10.0, 0.1, 2.0])
def test_D_not_matching_C_is_refused(saved, factor):
    _refused(_patched(saved, D=saved["state"]["D"] * factor), "eigen-basis and the square roots")


@pytest.fixture(scope="module")
def aniso(saved):
    """``saved`` with a consistent, anisotropic C = diag(1, 4, 16), B = I, D = (1, 2, 4)."""
    n = saved["state"]["D"].size
    return _patched(saved, C=np.diag(4.0 ** np.arange(n)), B=np.eye(n), D=2.0 ** np.arange(n))


def test_consistent_anisotropic_state_loads(aniso):
    b = BlackBoxASNG(MIXED)
    b.load_state_dict(aniso)
    _run(b, 2)


def test_D_permuted_against_B_is_refused(aniso):
    _refused(_patched(aniso, D=aniso["state"]["D"][::-1].copy()), "eigen-basis and the square roots")


def test_B_of_another_matrix_is_refused(aniso):
    # an orthogonal B that is not C's eigen-basis
    B = np.linalg.qr(np.random.default_rng(0).standard_normal(aniso["state"]["B"].shape))[0]
    _refused(_patched(aniso, B=B), "eigen-basis and the square roots")


def test_C_changed_under_B_D_is_refused(saved):
    _refused(_patched(saved, C=saved["state"]["C"] * 100.0), "eigen-basis and the square roots")


@pytest.mark.parametrize("field", ["p_sigma", "p_c"])
@pytest.mark.parametrize("value", [1e300, 1e151, math.inf])
def test_paths_beyond_the_bound_are_refused(saved, field, value):
    bad = _patched(saved, **{field: np.full_like(saved["state"][field], value)})
    _refused(bad, "must be finite|exceeds")


@pytest.mark.parametrize("field", ["p_sigma", "p_c"])
def test_paths_just_inside_the_bound_keep_the_optimizer_working(saved, field):
    p = np.zeros_like(saved["state"][field])
    p[0] = 0.99 * PATH_MAX
    b = BlackBoxASNG(MIXED, seed=9)
    b.load_state_dict(_patched(saved, **{field: p}))
    _run(b, 3)  # no FloatingPointError: the bound keeps the next updates finite
    assert np.all(np.isfinite(b.state.C)) and math.isfinite(b.state.sigma)


def test_window():
    lo, hi = DECOMPOSITION_WINDOW
    assert lo < 1 < hi


@pytest.mark.parametrize(
    ("dist", "lam", "steps", "fun"),
    [
        (MIXED, None, 30, _loss),
        (MIXED, 40, 15, _loss),
        (Gaussian(0.0, 1.0, size=150), 4, 12, _loss),
        (Gaussian(0, 3.0, size=1), 200, 20, _loss),
        (BOX10, 8, 150, _linear),
    ],
    ids=["mixed", "mixed-lam40", "lazy-150d", "1d-lam200", "box-linear-degenerate"],
)
def test_states_of_runs_load_at_every_step(dist, lam, steps, fun):
    # the linear case degenerated for most seeds before asng-opt 0.10 (8 of seeds 0-11 on one
    # machine: C's condition past 1 / eps, its smallest eigenvalues rounding noise, |p_sigma| >
    # 1e100); C's condition number is now capped (cma.CONDITION_MAX), and no seed does
    worst = 0.0
    for seed in range(12) if fun is _linear else [1]:
        a = BlackBoxASNG(dist, lam=lam, seed=seed, covariance="full")
        ages, p_sigma = [], []
        for _ in range(steps):
            _run(a, 1, fun)
            ages.append(a.state.age)
            p_sigma.append(float(np.linalg.norm(a.state.p_sigma)))
            b = BlackBoxASNG(dist, lam=lam, seed=2, covariance="full")
            b.load_state_dict(a.state_dict())  # raises if a legitimate state were refused
        worst = max(worst, max(p_sigma))
    if lam == 4:  # n = 150, lam = 4: the eigendecomposition is lazy
        assert max(ages) > 0  # B, D older than C were accepted
    if fun is _linear:
        assert worst < 1e6, f"|p_sigma| reached {worst:.3g}: the degenerate state is back"
