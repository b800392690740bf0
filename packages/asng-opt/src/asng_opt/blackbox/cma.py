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

With ``joint`` (BlackBoxASNG's ``int_update="full"``) the Integer parts' variables join that vector
(n = n_real + the free integers, :func:`._tree.n_cma`; a fixed integer, ``low == high``, stays out
of it: :func:`._tree.cma_columns`), as CMA-ES with margin (Hamano, Saito, Nomura and
Shirakawa, GECCO 2022) models them: a draw is ``x = m + A (sigma B D xi)`` and the objective sees
its rounding, where the diagonal ``A >= 1`` (:func:`margin_scale`, 1 for the reals) widens an
integer variable's marginal ``sigma sqrt(C_ii)`` to the margin's floor at its mean
(:meth:`~asng_opt.Integer.margin_sigma`: the draw leaves the mean's integer with probability at
least the margin); the step reads ``y = (x - m) / (sigma A)``, so sigma and C learn from the draws
as CMA-ES made them and never see the margin (raising C's diagonal itself instead cost the
study's mixed integer-real problem its optimum). theta keeps each integer variable's marginal
variance as drawn, ``(A_i sigma)^2 C_ii``.
"""

from __future__ import annotations

import math
import weakref
from typing import Any, NamedTuple, cast

import numpy as np

from ..distribution import Distribution
from ..gaussian import Gaussian
from ..integer import Integer
from ._tree import (
    cma_columns,
    collect,
    in_cma,
    leaves,
    map_leaves,
    n_integer,
    per_distribution,
    real_bounds,
    real_rows,
    with_real_rows,
)

#: the default ``covariance`` of BlackBoxASNG is "full" up to this many real variables, "diagonal"
#: beyond (measured: on the sphere in 40 and 100 dimensions both need the same evaluations, and
#: a full update costs O(n^3) per eigendecomposition while C learns at rate ~2 / n^2)
FULL_MAX_DIM = 100

__all__ = [
    *("FULL_MAX_DIM", "FullState", "CMAConstants", "cma_constants", "full_init", "full_real_step"),
    *("correlate", "eigen", "upgrade_state_dict", "check_full_fields", "PATH_MAX", "margin_scale"),
    "clipped_injected",
    "active_weights",
]


class FullState(NamedTuple):
    """BlackBoxASNG's state with ``covariance="full"``: the first five fields as
    :class:`~.update.BlackBoxState` (p_sigma ``(n,)`` is CSA's conjugate path), then the global
    step size ``sigma`` (> 0), the evolution path ``p_c`` ``(n,)``, the covariance matrix ``C``
    ``(n, n)`` (symmetric positive definite), its eigen-basis ``B`` ``(n, n)`` and square roots of
    its eigenvalues ``D`` ``(n,)`` as last computed (``C ~ B diag(D^2) B^T``), ``age``, the
    updates since then, and the integer variables' path ``p_int`` as in BlackBoxState. n = n_real;
    with ``int_update="full"`` n = n_cma, the integer variables included (p_int then unused, 0)."""

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
    p_int: np.ndarray


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


def _real_mean_sigma(dist: Distribution, theta: Any, joint: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(mu, sigma)``, each ``(n_real,)``, of the real-valued parts of theta (with ``joint``
    ``(n_cma,)``: the integer ones too, in :func:`._tree.leaves` order)."""
    ms = [cast(Gaussian, d).mean_sigma(t) for d, t in zip(leaves(dist), collect(dist, theta)) if in_cma(d, joint)]
    if not ms:
        return np.zeros(0), np.zeros(0)
    return np.concatenate([m for m, _ in ms]), np.concatenate([s for _, s in ms])


def full_init(
    dist: Distribution, theta: Any, base: tuple[Any, ...], p_int: Any = None, joint: bool = False
) -> FullState:
    """The full-covariance state at ``theta`` from the first five fields ``base`` of a
    BlackBoxState and its ``p_int`` (None: 0): sigma = 1, C = diag(theta's variances), p_c = 0, the
    eigen-basis of C (p_sigma and p_int kept as given; with ``joint`` p_sigma is ``(n_cma,)``)."""
    _, sd = _real_mean_sigma(dist, theta, joint)
    sd = sd[cma_columns(dist, joint)]
    n = sd.size
    s, gamma, Delta, p_sigma = base[1:5]
    p_int = np.zeros(n_integer(dist)) if p_int is None else p_int
    return FullState(
        theta, s, gamma, Delta, p_sigma, 1.0, np.zeros(n), np.diag(sd * sd), np.eye(n), sd.copy(), 0, p_int
    )


#: the smallest ``sigma sqrt(C_ii)`` of an integer variable under ``joint`` (:func:`full_real_step`
#: keeps it there, as the projection keeps a real one at sigma_min): the margin's ``A`` then stays
#: below ~1e8, so that ``sigma A`` and ``y = (x - m) / (sigma A)`` are ordinary numbers
JOINT_INT_SIGMA_MIN = 1e-8


def _integer_columns(dist: Distribution) -> np.ndarray:
    """``(n_cma,)`` with ``joint``: True at the integer variables' columns."""
    cols = [np.full(cast(Gaussian, d).n_variables, isinstance(d, Integer)) for d in leaves(dist) if in_cma(d, True)]
    return np.concatenate(cols) if cols else np.zeros(0, dtype=bool)


class _Layout(NamedTuple):
    """What :func:`full_real_step` needs of the distribution alone (fixed once it is built): the
    CMA-ES's columns (:func:`._tree.cma_columns`) and, at those columns, the bounds on the mean
    and on each marginal ``sigma sqrt(C_ii)`` (:func:`._tree.real_bounds`; with ``joint`` an
    integer's lower one is :data:`JOINT_INT_SIGMA_MIN`). Read-only arrays."""

    cols: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    s_lo: np.ndarray
    s_hi: np.ndarray


#: one _Layout per (distribution, joint), computed on first use: each step rebuilt them from the
#: leaves, a tenth of a step's time on a 10-integer space (weak keys: dropped with the distribution)
_LAYOUTS: weakref.WeakKeyDictionary[Distribution, dict[bool, _Layout]] = weakref.WeakKeyDictionary()


def _layout(dist: Distribution, joint: bool) -> _Layout:
    """The :class:`_Layout` of ``dist`` with ``joint``, cached (:func:`._tree.per_distribution`)."""
    per = per_distribution(_LAYOUTS, dist, dict)
    if joint not in per:
        cols = cma_columns(dist, joint)
        lo, hi, s_lo, s_hi = (_cols(b, cols) for b in real_bounds(dist, joint))
        if joint:  # the margin lives in A: an integer's sigma sqrt(C_ii) has its own floor
            s_lo = np.where(_cols(_integer_columns(dist), cols), JOINT_INT_SIGMA_MIN, s_lo)
        parts = [np.array(a) for a in (cols, lo, hi, s_lo, s_hi)]
        for a in parts:
            a.setflags(write=False)
        per[joint] = _Layout(*parts)
    return per[joint]


def margin_scale(dist: Distribution, mean: np.ndarray, sd: np.ndarray, joint: bool) -> np.ndarray:
    """CMA-ES with margin's diagonal ``A`` ``(n_cma,)`` at the means ``mean`` ``(n_cma,)`` and the
    marginal ``sd = sigma sqrt(diag C)`` ``(n_cma,)``: ``max(1, margin_sigma(mean_i) / sd_i)`` for
    an integer variable (:meth:`~asng_opt.Integer.margin_sigma`: its margin's floor, or sigma_min
    without a margin), 1 for a real one; all ones without ``joint``."""
    if not joint:
        return np.ones(sd.size)
    floors, start = [], 0
    for d in leaves(dist):
        if in_cma(d, joint):
            g = cast(Gaussian, d)
            a, start = start, start + g.n_variables
            floors.append(d.margin_sigma(mean[a:start]) if isinstance(d, Integer) else np.zeros(g.n_variables))
    floor = np.concatenate(floors) if floors else np.zeros(0)
    return np.maximum(1.0, floor / sd)  # reals: floor 0, A = 1


def correlate(dist: Distribution, theta: Any, state: FullState, raw: Any, joint: bool = False) -> Any:
    """Raw draws of ``dist`` at ``theta`` with their real-valued variables (with ``joint`` the
    integer ones too) turned from the independent ``mu_i + sigma_i xi_i`` into ``m + A (sigma B (D
    * xi))`` (``A``: :func:`margin_scale`; the same standard normal xi, so every other part and the
    random stream are as drawn). A new tree; ``raw`` is not modified."""
    cols = _layout(dist, joint).cols
    x = real_rows(dist, raw, joint)
    if not np.any(cols):
        return raw
    mu, sd = _real_mean_sigma(dist, theta, joint)
    xi = (_cols(x, cols) - _cols(mu, cols)) / _cols(sd, cols)
    step = state.sigma * ((xi * state.D) @ state.B.T)
    if joint:
        step = step * _scale_at(dist, mu, state.sigma * np.sqrt(np.diag(state.C)), cols)
    if cols.all():
        return with_real_rows(dist, raw, mu + step, joint)
    out = x.copy()
    out[:, cols] = mu[cols] + step  # a fixed integer's column as drawn (its decoding is its value)
    return with_real_rows(dist, raw, out, joint)


def _cols(a: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``a``'s last-axis entries at ``cols`` (``a`` itself when every column is in: the same
    array, so that the arithmetic, memory layout included, is as without fixed columns)."""
    return a if cols.all() else a[..., cols]


def _scale_at(dist: Distribution, mean: np.ndarray, sd: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """:func:`margin_scale` at the means ``mean`` of every column (``(n_all,)``) for the CMA-ES's
    columns ``cols``, whose ``sigma sqrt(C_ii)`` is ``sd`` ``(n_cma,)``; returns ``(n_cma,)``."""
    if cols.all():
        return margin_scale(dist, mean, sd, True)
    full = np.ones(cols.size)
    full[cols] = sd
    return margin_scale(dist, mean, full, True)[cols]


def clipped_injected(y: np.ndarray, injected: np.ndarray | None, B: np.ndarray, D: np.ndarray) -> np.ndarray:
    """The steps ``y`` ``(k, n)`` with each injected row (``injected`` ``(k,)`` bools: the elite and
    the elitist mutants, points that are no draw of N(m, sigma^2 C)) shortened to the Mahalanobis
    length ``c_y = sqrt(n) + 2n / (n + 2)`` where it is longer: ``y_i <- y_i min(1, c_y / ||C^(-1/2)
    y_i||)``, ``C ~ B diag(D^2) B^T`` (Hansen 2011, "Injecting external solutions into CMA-ES",
    arXiv:1110.4181). ``y`` itself when no row is injected or none is longer; other rows keep
    their bits. Without it a mutant that tied the elite far out in a variable the objective ignores
    entered recombination, CSA and C as a step thousands of times a draw's length and widened
    every converged variable again."""
    if injected is None or not np.any(injected):
        return y
    norms = np.sqrt(np.sum(((y @ B) / D) ** 2, axis=1))  # ||C^(-1/2) y_i|| = ||D^-1 B^T y_i||
    clip = injected_clip(norms, injected, y.shape[1])
    if clip is None:
        return y
    long, factor = clip
    return np.where(long[:, None], y * factor[:, None], y)  # Hansen (2011): y min(1, c_y / ||C^(-1/2) y||)


def injected_clip(norms: np.ndarray, injected: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray] | None:
    """Hansen (2011)'s clipping of injected steps in ``n`` dimensions, given each step's length
    ``norms`` ``(k,)`` in the step's metric and ``injected`` ``(k,)`` bools: ``(long, factor)``, the
    injected rows longer than ``c_y = sqrt(n) + 2n / (n + 2)`` and ``(k,)`` factors ``c_y / norm``
    for them (1 elsewhere); None when there is no such row (:func:`clipped_injected`, and the
    separable rules' ``update._injected_clipped``)."""
    c_y = math.sqrt(n) + 2 * n / (n + 2)
    long = np.asarray(injected, dtype=bool) & (norms > c_y)
    if not np.any(long):
        return None
    return long, c_y / np.where(long, norms, 1.0)


def full_real_step(
    dist: Distribution,
    theta: Any,
    state: FullState,
    raw: Any,
    w_real: np.ndarray,
    t: int,
    joint: bool = False,
    injected: np.ndarray | None = None,
    w_neg: np.ndarray | None = None,
) -> Any:
    """One CMA-ES step of the real-valued parts (Hansen 2016's algorithm summary): weighted recombination
    of the mean, CSA with ``C^(-1/2) y_w``, the rank-one update with p_c and h_sigma's stall (at
    generation ``t``) and the rank-mu update of C, with the positive parts of ``w_real`` ``(k,)``
    (normalised) and ``y_i = (x_i - m) / sigma``. With ``joint`` the integer parts too, ``y_i =
    (x_i - m) / (sigma A)`` with the ``A`` (:func:`margin_scale`) they were drawn with (CMA-ES
    with margin; an integer's ``sigma sqrt(C_ii)`` kept >= :data:`JOINT_INT_SIGMA_MIN`).
    ``theta`` holds the other parts' new parameters. ``injected`` ``(k,)`` bools (None: none)
    marks the samples that are no draw of the distribution (the elite, the elitist mutants): their
    steps are clipped first (:func:`clipped_injected`). ``w_neg`` ``(k,)`` (None: the positive
    update alone, as before asng-opt 0.14): weights <= 0 summing to -1, or all 0
    (:func:`~asng_opt.ranking.negative_log_rank_weights` of the batch, 0 for the injected
    samples), make the rank-mu update active (:func:`active_weights`: the worse samples' steps
    shrink C along them); the mean, CSA and p_c use the positive weights alone either way.
    Returns the new FullState, or None when nothing moves (no such variable, all weights 0)."""
    layout = _layout(dist, joint)
    cols = layout.cols
    n = int(np.count_nonzero(cols))
    if not n:  # no real variable: nothing to move (before any array work)
        return None
    w = np.maximum(np.asarray(w_real, dtype=float), 0.0)
    if not np.any(w != 0):
        return None
    w = w / w.sum()
    mu_eff = float(1 / np.dot(w, w))
    k = cma_constants(n, mu_eff)
    m_all, sd_all = _real_mean_sigma(dist, theta, joint)
    m = _cols(m_all, cols)
    scale: float | np.ndarray = state.sigma  # sigma A, A = 1 without joint
    if joint:
        scale = state.sigma * _scale_at(dist, m_all, state.sigma * np.sqrt(np.diag(state.C)), cols)
    y = (_cols(real_rows(dist, raw, joint), cols) - m) / scale  # (k, n)
    y = clipped_injected(y, injected, state.B, state.D)
    lo, hi, s_lo, s_hi = layout[1:]
    mean = np.clip(m + scale * (w @ y), lo, hi)  # recombination, the mean kept in its box
    y_w = (mean - m) / scale  # the step the mean made drives both paths
    z_w = state.B @ ((state.B.T @ y_w) / state.D)  # C^(-1/2) y_w, C as last decomposed
    p_s = (1 - k.c_s) * state.p_sigma + math.sqrt(k.c_s * (2 - k.c_s) * mu_eff) * z_w
    norm = math.sqrt(float(np.dot(p_s, p_s)))
    sigma = state.sigma * math.exp(min(1.0, (k.c_s / k.d_s) * (norm / k.chi_n - 1)))
    h = norm / math.sqrt(1 - (1 - k.c_s) ** (2 * (t + 1))) < (1.4 + 2 / (n + 1)) * k.chi_n
    p_c = (1 - k.c_c) * state.p_c + (math.sqrt(k.c_c * (2 - k.c_c) * mu_eff) if h else 0.0) * y_w
    dh = 0.0 if h else k.c_c * (2 - k.c_c)
    if w_neg is None:
        C = (1 + k.c_1 * dh - k.c_1 - k.c_mu) * state.C + k.c_1 * np.outer(p_c, p_c) + k.c_mu * (y.T * w) @ y
    else:  # active CMA-ES (Hansen 2016, eq. 47): the decay holds sum w_j = 1 - alpha
        w_o, w_sum = active_weights(w_neg, y, state.B, state.D, k, mu_eff)
        decay = 1 + k.c_1 * dh - k.c_1 - k.c_mu * (1 + w_sum)
        C = decay * state.C + k.c_1 * np.outer(p_c, p_c) + k.c_mu * (y.T * (w + w_o)) @ y
    C = (C + C.T) / 2
    sigma, C, clipped = _within_sigma_bounds(sigma, C, s_lo, s_hi)
    sigma, C, p_c, rescaled = _rescaled(sigma, C, p_c)
    B, D, age = state.B, state.D, state.age + 1
    if clipped or rescaled or age >= k.gap:
        (B, D), age = eigen(C), 0
        capped, B, D = _condition_capped(C, B, D)
        if capped is not C:  # the marginal bounds come first: a raised C_ii may pass sigma_max
            sigma, capped, again = _within_sigma_bounds(sigma, capped, s_lo, s_hi)
            if again:
                B, D = eigen(capped)
            C = capped
    var = sigma * sigma * np.diag(C)
    if not cols.all():  # a fixed integer's column keeps its theta
        mean_all = m_all.copy()
        mean_all[cols] = mean
    else:
        mean_all = mean
    if joint:  # the integers' marginal variances as the next ask draws them
        var = var * _scale_at(dist, mean_all, np.sqrt(var), cols) ** 2
    if not cols.all():
        var_all = sd_all * sd_all
        var_all[cols] = var
        mean, var = mean_all, var_all
    new_theta = _with_real_theta(dist, theta, mean, var, joint)
    return FullState(new_theta, state.s, state.gamma, state.Delta, p_s, sigma, p_c, C, B, D, age, state.p_int)


def active_weights(
    w_neg: np.ndarray, y: np.ndarray, B: np.ndarray, D: np.ndarray, k: CMAConstants, mu_eff: float
) -> tuple[np.ndarray, float]:
    """The negative weights of active CMA-ES's rank-mu update (Jastrebski and Arnold 2006; Hansen
    2016, "The CMA Evolution Strategy: A Tutorial", eqs. 46-53): ``(w_o, w_sum)``, ``w_o`` ``(k,)``
    the weights that multiply ``y_i y_i^T`` and ``w_sum`` their scaled sum before eq. 46's factor
    (eq. 47's ``sum w_j`` beyond the positive weights' 1).

    ``w_neg`` ``(k,)``: weights <= 0 summing to -1 (or all 0: no active update, ``(0, 0.0)``);
    they are scaled to sum to ``-alpha``, ``alpha = min(1 + c_1 / c_mu, 1 + 2 mu_eff^- / (mu_eff +
    2), (1 - c_1 - c_mu) / (n c_mu))`` (eq. 53; ``mu_eff^-`` the negative weights' variance
    effective selection mass, ``mu_eff`` the positive ones'), then each is multiplied by ``n /
    |C^(-1/2) y_i|^2`` (eq. 46, ``C^(-1/2)`` from ``B`` ``(n, n)`` and ``D`` ``(n,)`` as last
    decomposed): a long step of a bad sample cannot cancel C along it, and C stays positive
    definite. ``y`` ``(k, n)``: the samples' steps ``(x_i - m) / sigma``. With ``c_mu = 0`` (a
    single positive weight) there is no rank-mu update to make active: ``(0, 0.0)``."""
    n = y.shape[1]
    neg = np.minimum(np.asarray(w_neg, dtype=float), 0.0)
    total = float(neg.sum())
    if not (total < 0 and k.c_mu > 0):
        return np.zeros(neg.shape), 0.0
    mu_eff_neg = total * total / float(np.dot(neg, neg))
    alpha = min(1 + k.c_1 / k.c_mu, 1 + 2 * mu_eff_neg / (mu_eff + 2), (1 - k.c_1 - k.c_mu) / (n * k.c_mu))  # eq. 53
    w = alpha * neg / -total
    z2 = np.sum(((y @ B) / D) ** 2, axis=1)  # |C^(-1/2) y_i|^2
    w_o = np.where(neg < 0, w * n / np.maximum(z2, 1e-300), 0.0)  # eq. 46
    return w_o, float(w.sum())


#: the largest condition number of C (:func:`_condition_capped`)
CONDITION_MAX = 1e14


def _condition_capped(C: np.ndarray, B: np.ndarray, D: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(C, B, D)`` with C's condition number at most :data:`CONDITION_MAX`: beyond it, C +
    (lambda_max / CONDITION_MAX - lambda_min) I and its new decomposition (pycma's rule, Hansen's
    CMA-ES source; the same eigen-basis, the smallest eigenvalues raised). A variable whose
    distribution has converged (an integer's sigma sqrt(C_ii) down to JOINT_INT_SIGMA_MIN under its
    margin) beside one the objective ignores (still as wide as its range) drove the condition past
    1e16: the smallest eigenvalues were rounding noise, ``eigen`` floored them, CSA's whitening
    ``C^(-1/2) y_w`` made |p_sigma| ~ 1e144 and sigma grew until every variable was as wide as its
    range again (and the state dict no longer loaded). Untouched within the limit. The caller puts
    the marginal sigmas back within their bounds afterwards (the bounds come first)."""
    d2 = D * D
    lo, hi = float(np.min(d2)), float(np.max(d2))
    if not hi > CONDITION_MAX * lo:
        return C, B, D
    C = C + (hi / CONDITION_MAX - lo) * np.eye(C.shape[0])
    B, D = eigen(C)
    return C, B, D


#: the largest diagonal entry of C beyond which its scale moves into sigma (:func:`_rescaled`)
C_SCALE_MAX = 1e100
#: the largest diagonal entry of C below which its scale moves into sigma (:func:`_rescaled`)
C_SCALE_MIN = 1e-100


def _rescaled(sigma: float, C: np.ndarray, p_c: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, bool]:
    """``(sigma, C, p_c, rescaled)``: once C's largest diagonal entry c^2 exceeds
    :data:`C_SCALE_MAX` or falls below :data:`C_SCALE_MIN`, its scale c moves into sigma (``sigma
    c, C / c^2, p_c / c``: the same distribution, as CMA-ES is invariant to it). With the mean held
    at a bound while sigma shrinks (an objective unbounded below), C grew without limit and
    overflowed; on a flat objective (every value equal, or a needle) with the elite in the update,
    sigma grew and C shrank together (sigma 1e151, C's diagonal 6e-301 after 5,000 tells of 4
    integers), until C's eigenvalues were rounding noise and its state dict no longer loaded.
    Untouched between the two scales."""
    c2 = float(np.max(np.diag(C)))
    if not (c2 > C_SCALE_MAX or 0.0 < c2 < C_SCALE_MIN) or not math.isfinite(c2):
        return sigma, C, p_c, False
    c = math.sqrt(c2)
    return sigma * c, C / c2, p_c / c, True


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


def _with_real_theta(dist: Distribution, theta: Any, mean: np.ndarray, var: np.ndarray, joint: bool = False) -> Any:
    """``theta`` with the real-valued parts' (with ``joint`` the integer ones' too) (mean, mean^2 +
    var) set from ``(n_cma,)`` arrays and projected onto Theta (the mean clipped to [low, high])."""
    start = 0

    def put(d: Distribution, t: Any, _: Any) -> Any:
        nonlocal start
        if not in_cma(d, joint):
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


#: the tolerance on ``|B^T B - I|`` (elementwise) of a loaded eigen-basis; ``eigh`` gives ~n eps
ORTHOGONAL_TOL = 1e-8
#: the window for the eigenvalues of ``W = D^-1 B^T C B D^-1`` (C seen in the metric of its last
#: decomposition ``B diag(D^2) B^T``): 1 right after a decomposition; in the ``age < gap`` updates
#: since, C shrinks by at most ``(1 - c_1 - c_mu)^age >= exp(-0.103)`` (``gap <= 1 / (10 n (c_1 +
#: c_mu))``, and ``gap >= 2`` needs ``c_1 + c_mu <= 0.05``) and grows by the rank-one and rank-mu
#: terms, ~0.1 over those updates (measured at n = 100: within [0.9995, 1.032])
DECOMPOSITION_WINDOW = (0.5, 10.0)
#: the part of C's largest eigenvalue below which the comparison with the decomposition is absolute:
#: ``eigh`` decomposes C exactly up to an error ~ n eps lambda_max(C) (backward stable), so an
#: ill-conditioned C's smallest eigenvalues are rounding noise (2e-14 at n = 100; this allows 1e4x)
ROUNDING_TOL = 1e-10
#: the largest ``|p_sigma|`` and ``|p_c|`` a loaded state may hold. The update squares the paths
#: (``|p_sigma|^2`` for CSA, ``c_1 p_c p_c^T`` for C), which overflow beyond ~1.3e154: a larger p_c
#: makes C, and so every later ``tell``, non-finite. By their definitions (Hansen 2016) the paths
#: are sums of whitened steps, ``~sqrt(n)`` (measured up to 13 sqrt(n)); but once C's condition
#: number passes 1 / eps, its smallest eigenvalues are rounding noise, ``eigen`` floors them at
#: 1e-300 and CSA's whitening ``C^(-1/2) y_w`` explodes: runs themselves reached |p_sigma| ~
#: 1e148 (a linear objective in a box, n = 10, lam = 8, 146 updates; since asng-opt 0.10 caps C's
#: condition number, :data:`CONDITION_MAX`, below 1e6 on that case's 12 seeds, and 1.6e6 on a flat
#: objective over a FloatRange Space whose mean is held at the box) and, on an unbounded Gaussian
#: whose sigma diverges past 1e19, 1e159 (such states are refused).
PATH_MAX = 1e150


def check_full_fields(values: Any, where: str) -> None:
    """Raise ValueError unless the loaded full-covariance fields ``values`` (a mapping of arrays,
    shapes and finiteness already checked) are usable: sigma > 0, C exactly symmetric and positive
    definite up to rounding (:data:`ROUNDING_TOL`), D > 0, B orthogonal (:data:`ORTHOGONAL_TOL`),
    ``B diag(D^2) B^T`` a decomposition of C as the update leaves it (:data:`DECOMPOSITION_WINDOW`,
    up to :data:`ROUNDING_TOL`) with a positive diagonal, the paths within :data:`PATH_MAX`, age a
    count. (Values outside
    these left every later ``tell`` non-finite.)"""
    C = np.asarray(values["C"], dtype=float)
    if not float(values["sigma"]) > 0:
        raise ValueError(f"{where}: 'sigma' must be > 0")
    ev_c = np.linalg.eigvalsh(C) if C.size else np.ones(1)
    # positive definite up to rounding: an ill-conditioned C the update made can have an eigenvalue
    # a rounding error below 0 (eigen() raises it to 1e-300), and it must load as it runs
    if not np.array_equal(C, C.T) or not (ev_c.max() > 0 and ev_c.min() >= -ROUNDING_TOL * ev_c.max()):
        raise ValueError(f"{where}: 'C' must be symmetric positive definite (up to rounding)")
    if C.size and not np.all(np.diag(C) > 0):  # a variable's sigma sqrt(C_ii) divides every step
        raise ValueError(f"{where}: 'C' must have a positive diagonal (every variable's variance > 0)")
    D = np.asarray(values["D"], dtype=float)
    if not np.all(D > 0):
        raise ValueError(f"{where}: 'D' must be > 0")
    if float(values["age"]) != int(values["age"]) or int(values["age"]) < 0:
        raise ValueError(f"{where}: 'age' must be an integer >= 0")
    if not D.size:
        return
    B = np.asarray(values["B"], dtype=float)
    delta = ROUNDING_TOL * float(ev_c.max())
    with np.errstate(all="ignore"):  # overflows read as refusals
        off = float(np.max(np.abs(B.T @ B - np.eye(D.size))))
        if not off <= ORTHOGONAL_TOL:
            raise ValueError(f"{where}: 'B' must be orthogonal (B^T B = I within {ORTHOGONAL_TOL:g}; off by {off:.3g})")
        d2 = D * D
        if not (np.all(np.isfinite(d2)) and _within_window(B.T @ C @ B, d2, delta)):
            lo, hi = DECOMPOSITION_WINDOW
            raise ValueError(
                f"{where}: 'B', 'D' must be C's eigen-basis and the square roots of its eigenvalues "
                f"(C ~ B diag(D^2) B^T, between {lo:g} and {hi:g} times it, up to rounding)"
            )
    for name in ("p_sigma", "p_c", "p_int"):
        norm = _norm(values[name])
        if not norm <= PATH_MAX:
            raise ValueError(
                f"{where}: |{name}| = {norm:.3g} exceeds {PATH_MAX:g} (an evolution path is ~sqrt(n); "
                f"the update squares it)"
            )


def _within_window(Cb: np.ndarray, d2: np.ndarray, delta: float) -> bool:
    """``lo M - delta I <= Cb <= hi M + delta I`` (Loewner order) for ``M = diag(d2)``, ``Cb = B^T C B``
    (C in the eigen-basis), ``(lo, hi)`` = :data:`DECOMPOSITION_WINDOW`: C and its last decomposition
    agree within the window, except in directions where both lie within rounding (``delta``) of 0."""
    lo, hi = DECOMPOSITION_WINDOW
    Cb = (Cb + Cb.T) / 2
    s = np.sqrt(hi * d2 + delta)
    upper = np.linalg.eigvalsh(Cb / np.outer(s, s)).max() if np.all(np.isfinite(Cb / np.outer(s, s))) else np.inf
    lower_m = Cb - np.diag(lo * d2) + delta * np.eye(d2.size)
    lower = np.linalg.eigvalsh(lower_m).min() if np.all(np.isfinite(lower_m)) else -np.inf
    return bool(upper <= 1.0 and lower >= 0.0)


def _norm(v: Any) -> float:
    """The Euclidean norm of ``v``, inf where it overflows."""
    a = np.asarray(v, dtype=float)
    scale = float(np.max(np.abs(a))) if a.size else 0.0
    if scale == 0.0:
        return 0.0
    return scale * float(np.sqrt(np.sum((a / scale) ** 2)))
