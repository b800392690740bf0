"""The full-covariance update of the black-box configuration's real-valued variables (CMA-ES):
:class:`FullState`, :func:`cma_constants`, :func:`full_real_step` and :func:`correlate`.

All real-valued variables of the space (those of every Gaussian part that is not an Integer, in
:func:`._tree.leaves` order) form one vector of n = n_real coordinates sampled from
``N(m, sigma^2 C)``. Formulas and default constants from Hansen (2016), "The CMA Evolution
Strategy: A Tutorial", arXiv:1604.00772 (its algorithm summary and default parameters, with
positive weights only); the eigendecomposition of C is refreshed every
``max(1, floor(1 / ((c_1 + c_mu) n 10)))`` updates (its appendix on the numerical effort). theta
keeps each real variable's mean and marginal variance ``sigma^2 C_ii`` (projected onto Theta: a
marginal sigma outside [sigma_min, sigma_max] rescales C's row and column).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, cast

import numpy as np

from ..distribution import Distribution
from ..gaussian import Gaussian
from ._tree import collect, is_real, leaves, map_leaves, n_real, real_bounds, real_rows, with_real_rows

#: the default ``covariance`` of BlackBoxASNG is "full" up to this many real variables, "diagonal"
#: beyond (measured: on the sphere in 40 and 100 dimensions both need the same evaluations, and
#: a full update costs O(n^3) per eigendecomposition while C learns at rate ~2 / n^2)
FULL_MAX_DIM = 100

__all__ = [
    *("FULL_MAX_DIM", "FullState", "CMAConstants", "cma_constants", "full_init", "full_real_step"),
    *("correlate", "eigen", "upgrade_state_dict", "check_full_fields"),
]


class FullState(NamedTuple):
    """BlackBoxASNG's state with ``covariance="full"``: the first five fields as
    :class:`~.update.BlackBoxState` (p_sigma ``(n,)`` is CSA's conjugate path), then the global
    step size ``sigma`` (> 0), the evolution path ``p_c`` ``(n,)``, the covariance matrix ``C``
    ``(n, n)`` (symmetric positive definite), its eigen-basis ``B`` ``(n, n)`` and square roots of
    its eigenvalues ``D`` ``(n,)`` as last computed (``C ~ B diag(D^2) B^T``), and ``age``, the
    updates since then. n = n_real."""

    theta: Any
    s: np.ndarray
    gamma: float
    Delta: float
    p_sigma: np.ndarray
    sigma: float
    p_c: np.ndarray
    C: np.ndarray
    B: np.ndarray
    D: np.ndarray
    age: int


#: FullState's field names, as state_dict() holds them
FULL_FIELDS: tuple[str, ...] = FullState._fields


class CMAConstants(NamedTuple):
    """CMA-ES's learning rates for dimension n and variance-effective selection mass mu_eff."""

    c_s: float  # CSA's cumulation
    d_s: float  # CSA's damping
    c_c: float  # cumulation of the rank-one path p_c
    c_1: float  # rank-one learning rate
    c_mu: float  # rank-mu learning rate
    chi_n: float  # E||N(0, I_n)||
    gap: int  # updates between eigendecompositions


def cma_constants(n: int, mu_eff: float) -> CMAConstants:
    """The default constants of Hansen (2016)'s table of default parameters (alpha_cov = 2), for ``n >= 1``
    real variables and ``mu_eff >= 1``."""
    c_s = (mu_eff + 2) / (n + mu_eff + 5)
    d_s = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_s
    c_c = (4 + mu_eff / n) / (n + 4 + 2 * mu_eff / n)
    c_1 = 2 / ((n + 1.3) ** 2 + mu_eff)
    c_mu = min(1 - c_1, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff))
    chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
    gap = max(1, int(1 / ((c_1 + c_mu) * n * 10)))
    return CMAConstants(c_s, d_s, c_c, c_1, c_mu, chi_n, gap)


def eigen(C: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(B, D)`` with ``C = B diag(D^2) B^T`` for a symmetric ``C`` ``(n, n)``; eigenvalues below
    1e-300 (rounding of a degenerate C) are raised to it so that D > 0."""
    ev, B = np.linalg.eigh(C)
    return B, np.sqrt(np.maximum(ev, 1e-300))


def _real_mean_sigma(dist: Distribution, theta: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, sigma)``, each ``(n_real,)``, of the real-valued parts of theta."""
    ms = [cast(Gaussian, d).mean_sigma(t) for d, t in zip(leaves(dist), collect(dist, theta)) if is_real(d)]
    if not ms:
        return np.zeros(0), np.zeros(0)
    return np.concatenate([m for m, _ in ms]), np.concatenate([s for _, s in ms])


def full_init(dist: Distribution, theta: Any, base: tuple[Any, ...]) -> FullState:
    """The full-covariance state at ``theta`` from the first five fields ``base``: sigma = 1,
    C = diag(theta's variances), p_c = 0, the eigen-basis of C (p_sigma kept as given)."""
    _, sd = _real_mean_sigma(dist, theta)
    n = sd.size
    s, gamma, Delta, p_sigma = base[1:5]
    return FullState(theta, s, gamma, Delta, p_sigma, 1.0, np.zeros(n), np.diag(sd * sd), np.eye(n), sd.copy(), 0)


def correlate(dist: Distribution, theta: Any, state: FullState, raw: Any) -> Any:
    """Raw draws of ``dist`` at ``theta`` with their real-valued variables turned from the
    independent ``mu_i + sigma_i xi_i`` into ``m + sigma B (D * xi)`` (the same standard normal xi,
    so every other part and the random stream are as drawn). A new tree; ``raw`` is not modified."""
    x = real_rows(dist, raw)
    if not x.size:
        return raw
    mu, sd = _real_mean_sigma(dist, theta)
    xi = (x - mu) / sd
    return with_real_rows(dist, raw, mu + state.sigma * ((xi * state.D) @ state.B.T))


def full_real_step(dist: Distribution, theta: Any, state: FullState, raw: Any, w_real: np.ndarray, t: int) -> Any:
    """One CMA-ES step of the real-valued parts (Hansen 2016's algorithm summary): weighted recombination
    of the mean, CSA with ``C^(-1/2) y_w``, the rank-one update with p_c and h_sigma's stall (at
    generation ``t``) and the rank-mu update of C, with the positive parts of ``w_real`` ``(k,)``
    (normalised) and ``y_i = (x_i - m) / sigma``. ``theta`` holds the other parts' new parameters.
    Returns the new FullState, or None when nothing moves (no real variable, all weights 0)."""
    n = n_real(dist)
    w = np.maximum(np.asarray(w_real, dtype=float), 0.0)
    if not (n and np.any(w != 0)):
        return None
    w = w / w.sum()
    mu_eff = float(1 / np.dot(w, w))
    k = cma_constants(n, mu_eff)
    m, _ = _real_mean_sigma(dist, theta)
    y = (real_rows(dist, raw) - m) / state.sigma  # (k, n)
    lo, hi, s_lo, s_hi = real_bounds(dist)
    mean = np.clip(m + state.sigma * (w @ y), lo, hi)  # recombination, the mean kept in its box
    y_w = (mean - m) / state.sigma  # the step the mean made drives both paths
    z_w = state.B @ ((state.B.T @ y_w) / state.D)  # C^(-1/2) y_w, C as last decomposed
    p_s = (1 - k.c_s) * state.p_sigma + math.sqrt(k.c_s * (2 - k.c_s) * mu_eff) * z_w
    norm = math.sqrt(float(np.dot(p_s, p_s)))
    sigma = state.sigma * math.exp(min(1.0, (k.c_s / k.d_s) * (norm / k.chi_n - 1)))
    h = norm / math.sqrt(1 - (1 - k.c_s) ** (2 * (t + 1))) < (1.4 + 2 / (n + 1)) * k.chi_n
    p_c = (1 - k.c_c) * state.p_c + (math.sqrt(k.c_c * (2 - k.c_c) * mu_eff) if h else 0.0) * y_w
    dh = 0.0 if h else k.c_c * (2 - k.c_c)
    C = (1 + k.c_1 * dh - k.c_1 - k.c_mu) * state.C + k.c_1 * np.outer(p_c, p_c) + k.c_mu * (y.T * w) @ y
    C = (C + C.T) / 2
    sigma, C, clipped = _within_sigma_bounds(sigma, C, s_lo, s_hi)
    new_theta = _with_real_theta(dist, theta, mean, sigma * sigma * np.diag(C))
    B, D, age = state.B, state.D, state.age + 1
    if clipped or age >= k.gap:
        (B, D), age = eigen(C), 0
    return FullState(new_theta, state.s, state.gamma, state.Delta, p_s, sigma, p_c, C, B, D, age)


def _within_sigma_bounds(
    sigma: float, C: np.ndarray, s_lo: np.ndarray, s_hi: np.ndarray
) -> tuple[float, np.ndarray, bool]:
    """``(sigma, C, clipped)`` with every marginal ``sigma sqrt(C_ii)`` in [s_lo_i, s_hi_i]: sigma
    itself first, when every marginal lies beyond the same bound (so that sigma cannot run away
    while C shrinks, as it did with the mean held at a bound), then C's rows and columns
    (``C <- S C S``, S diagonal: still symmetric positive definite)."""
    sd = sigma * np.sqrt(np.diag(C))
    if np.all(sd > s_hi):
        sigma /= float(np.min(sd / s_hi))
    elif np.all(sd < s_lo):
        sigma /= float(np.max(sd / s_lo))
    sd = sigma * np.sqrt(np.diag(C))
    kept = np.clip(sd, s_lo, s_hi)
    if np.array_equal(kept, sd):
        return sigma, C, False
    scale = kept / sd
    return sigma, C * np.outer(scale, scale), True


def _with_real_theta(dist: Distribution, theta: Any, mean: np.ndarray, var: np.ndarray) -> Any:
    """``theta`` with the real-valued parts' (mean, mean^2 + var) set from ``(n_real,)`` arrays and
    projected onto Theta (the mean clipped to [low, high])."""
    start = 0

    def put(d: Distribution, t: Any, _: Any) -> Any:
        nonlocal start
        if not is_real(d):
            return t
        g = cast(Gaussian, d)
        a, b = start, start + g.n_variables
        start = b
        return g.project(np.stack([mean[a:b], mean[a:b] ** 2 + var[a:b]], axis=-1))

    return map_leaves(dist, theta, theta, put)


def upgrade_state_dict(dist: Distribution, state: Any, covariance: str) -> Any:
    """A ``state_dict()`` of asng-opt < 0.4 (no ``covariance`` hyper-parameter: the diagonal
    update) made loadable by an optimizer with ``covariance``: with ``"diagonal"`` it is taken as
    it is; with ``"full"`` its state gains sigma = 1, C = diag(its theta's variances), p_c = 0 (its
    p_sigma is CSA's path for that C). Anything else -- newer dicts, malformed ones, which the
    loader then refuses by name -- is returned unchanged."""
    if not isinstance(state, dict) or not isinstance(state.get("hyper"), dict) or "covariance" in state["hyper"]:
        return state
    out = {**state, "hyper": {**state["hyper"], "covariance": covariance}}
    fields = state.get("state")
    if covariance != "full" or not isinstance(fields, dict) or set(fields) != set(FULL_FIELDS[:5]):
        return out
    try:
        theta = dist.check_theta(fields["theta"])
    except ValueError:
        return out  # the loader names the problem
    out["state"] = dict(zip(FULL_FIELDS, full_init(dist, theta, tuple(fields[f] for f in FULL_FIELDS[:5]))))
    return out


def check_full_fields(values: Any, where: str) -> None:
    """Raise ValueError unless the loaded full-covariance fields ``values`` (a mapping of arrays,
    shapes already checked) are usable: sigma > 0, C exactly symmetric and positive definite,
    D > 0, age a count."""
    C = np.asarray(values["C"], dtype=float)
    if not float(values["sigma"]) > 0:
        raise ValueError(f"{where}: 'sigma' must be > 0")
    if not np.array_equal(C, C.T) or (C.size and not np.linalg.eigvalsh(C).min() > 0):
        raise ValueError(f"{where}: 'C' must be symmetric positive definite")
    if not np.all(np.asarray(values["D"]) > 0):
        raise ValueError(f"{where}: 'D' must be > 0")
    if float(values["age"]) != int(values["age"]) or int(values["age"]) < 0:
        raise ValueError(f"{where}: 'age' must be an integer >= 0")
