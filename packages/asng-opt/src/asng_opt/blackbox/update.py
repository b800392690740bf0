"""One step of the black-box configuration, :func:`blackbox_update`: ASNG on the categorical
parameters (:func:`asng_part_step`; on the integer ones too with ``int_update="asng"``) and
weighted recombination with rank-mu variances and cumulative step-size adaptation on the
real-valued ones (:func:`real_part_step`) and, with ``int_update="cma"``, on the integer ones as a
group of their own; :func:`full_update` with ``covariance="full"`` (the integer ones join the
real-valued ones' CMA-ES with ``int_update="full"``)."""

from __future__ import annotations

import math
from typing import Any, NamedTuple, cast

import numpy as np

from ..categorical import Categorical
from ..distribution import Distribution
from ..gaussian import Gaussian
from ..product import Product
from ._tree import asng_moves, collect, is_integer, is_real, leaves, map_leaves, n_integer, n_real, n_theta_cat
from .cma import FullState, full_real_step, injected_clip

__all__ = ["BlackBoxState", "blackbox_update", "full_update", "asng_part_step", "real_part_step", "INT_UPDATES"]

#: how BlackBoxASNG's integer variables are updated (its ``int_update``)
INT_UPDATES = ("full", "cma", "asng")


class BlackBoxState(NamedTuple):
    """BlackBoxASNG's state: ASNG's (theta, s, gamma, Delta) for the parts its step moves -- s is
    ``(n_theta,)`` with zeros at the other parameters -- the evolution path p_sigma ``(n_real,)``
    of the real-valued variables' step-size adaptation, and p_int ``(n_int,)``, the integer
    variables' (``int_update="cma"``; zeros with ``"asng"`` and ``"full"``)."""

    theta: Any
    s: np.ndarray
    gamma: float
    Delta: float
    p_sigma: np.ndarray
    p_int: np.ndarray


def asng_part_step(
    dist: Distribution,
    state: Any,
    raw: Any,
    w_cat: np.ndarray,
    w_real: np.ndarray,
    delta0: float,
    alpha: float,
    integers: bool = True,
) -> tuple[Any, bool]:
    """ASNG (Algorithm 1, lines 2 and 4-8) on the Categorical parameters and, with ``integers``,
    the Integer ones (n_theta in beta and in the radius cap counts only those), the categorical
    gradients weighted by ``w_cat`` ``(k,)``, the integer ones by ``w_real`` ``(k,)``; the other
    parts are left as they are. For an Integer part the step ``eta G`` is capped at ``eta <= k /
    sum(w_real)``: with positive weights this keeps the new theta a convex combination of theta
    and the told samples' T(x), so sigma cannot collapse in one step. ``state`` is a
    :class:`BlackBoxState` or a :class:`~.cma.FullState` (its first four fields are ASNG's).
    Returns the new state, of the same type, and whether anything moved (when nothing did,
    ``state`` itself)."""
    theta, s, gamma, Delta = state[:4]
    n_cat = n_theta_cat(dist, integers)
    if not n_cat:
        return state, False
    floor = delta0 / math.sqrt(n_cat)  # delta <= sqrt(n_theta_cat): beta <= 1 (asng_delta_floor)
    Delta_f = max(Delta, floor)
    delta = delta0 / Delta_f  # line 2
    beta = min(delta / math.sqrt(n_cat), 1.0)

    def _w(d: Distribution) -> np.ndarray:
        return w_cat if isinstance(d, Categorical) else w_real

    if isinstance(dist, Product):
        grads = map_leaves(
            dist, theta, raw, lambda d, t, x: d.natural_gradient(t, x, _w(d)) if asng_moves(d, integers) else None
        )
        vs = [
            d.fisher_sqrt(t, g) if g is not None else np.zeros(d.n_theta)
            for d, t, g in zip(leaves(dist), collect(dist, theta), collect(dist, grads))
        ]
        v = np.concatenate(vs)
    else:  # one leaf that ASNG moves (n_cat > 0): the same gradient and v, without the tree walks
        grads = dist.natural_gradient(theta, raw, _w(dist))
        v = dist.fisher_sqrt(theta, grads)
    norm = math.sqrt(float(np.dot(v, v)))
    if not 0 < norm < math.inf:
        return state, False
    k = len(w_real)  # samples in the update; eq. (12) averages over them

    def asng_step(d: Distribution, t: Any, g: Any) -> Any:
        if g is None:
            return t
        eta = delta / norm  # eqs. (13)-(14), then projection
        if not isinstance(d, Categorical):  # eta sum(w) / k <= 1: a convex combination
            total = float(np.sum(w_real))
            eta = min(eta, k / total) if total > 0 else eta
        return d.step(t, eta * g)

    new_theta = map_leaves(dist, theta, grads, asng_step)
    new_s = (1 - beta) * s + (math.sqrt(beta * (2 - beta)) / norm) * v  # line 6
    new_gamma = (1 - beta) ** 2 * gamma + beta * (2 - beta)  # line 7
    new_Delta = max(Delta_f * math.exp(beta * (new_gamma - float(np.dot(new_s, new_s)) / alpha)), floor)  # line 8
    return state._replace(theta=new_theta, s=new_s, gamma=new_gamma, Delta=new_Delta), True


def _injected_clipped(dist: Distribution, theta: Any, raw: Any, part: Any, n: int, injected: np.ndarray | None) -> Any:
    """``raw`` with the ``part`` variables (``n`` of them) of each injected sample (``injected``
    ``(k,)`` bools) moved towards the mean until the step's length ``||(x - mu) / sigma||`` is at
    most ``c_y = sqrt(n) + 2n / (n + 2)``: Hansen (2011)'s clipping of injected solutions
    (:func:`~.cma.clipped_injected`) in the separable rule's metric. ``raw`` itself when nothing is
    longer; other samples and parts keep their bits."""
    if injected is None or not np.any(injected):
        return raw
    steps = [
        (np.asarray(x, dtype=float) - mu) / sigma
        for d, t, x in zip(leaves(dist), collect(dist, theta), collect(dist, raw))
        if part(d)
        for mu, sigma in [cast(Gaussian, d).mean_sigma(t)]
    ]
    clip = injected_clip(np.sqrt(sum(np.sum(y * y, axis=1) for y in steps)), injected, n)
    if clip is None:
        return raw
    long, factor = clip[0], clip[1][:, None]

    def put(d: Distribution, t: Any, x: Any) -> Any:
        if not part(d):
            return x
        mu, _ = cast(Gaussian, d).mean_sigma(t)
        x = np.asarray(x, dtype=float)
        return np.where(long[:, None], mu + (x - mu) * factor, x)  # Hansen (2011): y min(1, c_y / ||y||)

    return map_leaves(dist, theta, raw, put)


def _repaired(dist: Distribution, theta: Any, raw: Any, part: Any) -> Any:
    """``raw`` with the ``part`` variables of every Gaussian leaf built with ``clip_draws`` (a named
    space's reals) clipped to their box [low, high]: the points the objective was evaluated at. The
    separable rule recombines, adapts its variances and accumulates CSA's path from these repaired
    steps (asng-opt 0.16), as cmaes updates from its clipped candidates and as
    :class:`~asng_opt.blackbox.BlackBoxASNG` treats every integer's draw (``_tree.clip_integers``
    at ``tell``). ``raw`` itself when nothing lies outside; a leaf without ``clip_draws`` (its
    objective sees the draw as drawn) keeps its draws. With the drawn steps a variable whose
    optimum lies at a bound never converged: the selected draws beyond the bound tie with the
    bound, so the rank-mu update saw steps of one sigma outward in every update (no shrinking on
    average) and CSA's path a step of about one sigma while the mean stood at the bound; sigma grew
    to sigma_max and the run never stopped (6 reals in [0, 1] under ``covariance="diagonal"``, f =
    sum x: no restart in 5,000 evaluations; with half of them at a bound f ~ 1e-2 at 5,000
    evaluations where the full rule reached 5e-20)."""

    def repaired(d: Distribution) -> bool:
        return bool(part(d) and cast(Gaussian, d).clip_draws)

    outside = any(
        np.any((x < cast(Gaussian, d).low) | (x > cast(Gaussian, d).high))
        for d, x in zip(leaves(dist), collect(dist, raw))
        if repaired(d)
    )
    if not outside:
        return raw

    def clip(d: Distribution, t: Any, x: Any) -> Any:
        if not repaired(d):
            return x
        g = cast(Gaussian, d)
        return np.clip(np.asarray(x, dtype=float), g.low, g.high)

    return map_leaves(dist, theta, raw, clip)


def real_part_step(
    dist: Distribution,
    theta: Any,
    p_sigma: np.ndarray,
    raw: Any,
    w_real: np.ndarray,
    integers: bool = False,
    injected: np.ndarray | None = None,
) -> tuple[Any, Any]:
    """The real-valued (Gaussian, non-Integer) parts' step with the weights ``w_real`` ``(k,)``
    (their positive parts, used normalised); other parts are left as they are. With ``integers``
    the same step on the Integer parts instead (``p_sigma`` is then their path, ``(n_int,)``;
    the projection keeps their margin). ``injected`` ``(k,)`` bools (None: none) marks the
    samples that are no draw of the distribution (the elite, the elitist mutants): their steps are
    clipped first (:func:`_injected_clipped`). Returns ``(theta, p_sigma)``, or
    ``(None, None)`` when there is nothing to move (no such variable, or all weights 0).

    The natural-gradient step of a Gaussian split into a learning rate 1 for the mean (weighted
    recombination, ``mu' = sum_i w_i x_i``) and ``c_mu`` for the variances (the rank-mu update
    ``sigma_i'^2 = sigma_i^2 (1 - c_mu + c_mu sum_j w_j y_ji^2)``, ``y = (x - mu) / sigma``; a
    ``clip_draws`` leaf's x clipped to its box first, :func:`_repaired`), the
    split CMA-ES makes (Akimoto et al. 2010 show the rank-mu update is this natural gradient), and a
    cumulative step-size adaptation of all sigmas (Hansen & Ostermeier 2001) -- without it the
    variances shrink faster than the mean travels and the search stalls far from the optimum.
    Constants from Hansen (2016), "The CMA Evolution Strategy: a tutorial" (separable c_mu of Ros
    & Hansen 2008). Sigma stays within [sigma_min, sigma_max] by the projection (appendix D).
    """
    part = is_integer if integers else is_real
    n = n_integer(dist) if integers else n_real(dist)
    # recombination takes the positive weights only (CMA-ES's mean update does too): with signed
    # utilities (the ``"quantile"`` ablation) mu_eff < 1 and the sum could be 0
    w = np.maximum(np.asarray(w_real, dtype=float), 0.0)
    if not (n and np.any(w != 0)):
        return None, None
    raw = _injected_clipped(dist, theta, _repaired(dist, theta, raw, part), part, n, injected)
    mu_eff = float(w.sum() ** 2 / np.dot(w, w))
    c_s = (mu_eff + 2) / (n + mu_eff + 5)
    d_s = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_s
    c_mu = min(1.0, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff) * (n + 2) / 3)
    chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
    zs = []
    for d, t, x in zip(leaves(dist), collect(dist, theta), collect(dist, raw)):
        if part(d):
            mu, sigma = cast(Gaussian, d).mean_sigma(t)
            zs.append(((np.asarray(x, dtype=float) - mu) / sigma).T @ w)  # (n_leaf,) sum_j w_j y_j
    z = np.concatenate(zs) / w.sum()
    new_p = (1 - c_s) * p_sigma + math.sqrt(c_s * (2 - c_s) * mu_eff) * z
    factor = math.exp(min(1.0, (c_s / d_s) * (math.sqrt(float(np.dot(new_p, new_p))) / chi_n - 1)))

    def step(d: Distribution, t: Any, x: Any) -> Any:
        if not part(d):
            return t
        mu, sigma = cast(Gaussian, d).mean_sigma(t)
        y = (np.asarray(x, dtype=float) - mu) / sigma
        mean = (w @ np.asarray(x, dtype=float)) / w.sum()
        var = sigma * sigma * (1 - c_mu + c_mu * (w @ (y * y)) / w.sum()) * factor * factor
        return d.project(np.stack([mean, mean * mean + var], axis=-1))

    return map_leaves(dist, theta, raw, step), new_p


def _finish(
    dist: Distribution,
    new: Any,
    moved: bool,
    state: Any,
    raw: Any,
    w: np.ndarray,
    int_update: str,
    injected: np.ndarray | None = None,
) -> Any:
    """The end of both updates: with ``int_update="cma"`` the Integer parts moved by
    :func:`real_part_step` from ``state``'s integer parameters and path ``p_int`` (weights ``w``,
    the ``injected`` samples' steps clipped); then ``state`` itself if nothing moved, else ``new``
    with gamma and Delta as Python floats."""
    if int_update == "cma":
        theta, p_int = real_part_step(dist, new.theta, state.p_int, raw, w, integers=True, injected=injected)
        if theta is not None:
            new, moved = new._replace(theta=theta, p_int=p_int), True
    if not moved:
        return state
    return new._replace(gamma=float(new.gamma), Delta=float(new.Delta))


def blackbox_update(
    dist: Distribution,
    state: BlackBoxState,
    raw: Any,
    w_cat: np.ndarray,
    w_real: np.ndarray,
    delta0: float = 1.0,
    alpha: float = 1.5,
    w_gauss: np.ndarray | None = None,
    int_update: str = "asng",
    injected: np.ndarray | None = None,
) -> BlackBoxState:
    """One black-box step; ``raw`` holds k samples, ``w_cat`` and ``w_real`` are ``(k,)`` weights:
    :func:`asng_part_step` on the Categorical parts (and with ``int_update="asng"`` the Integer
    ones), then :func:`real_part_step` on the real-valued parts (from the parameters the first
    step left) with ``w_gauss`` ``(k,)`` (default ``w_real``; BlackBoxASNG gives a copy of the
    elite weight 0 there, see its ``elitist``) and, with ``int_update="cma"``, on the Integer parts
    with the same weights and their own path ``p_int``.

    :class:`~asng_opt.blackbox.BlackBoxASNG` scales its log-rank ``w_real`` to the total ``sum
    |w_cat|`` of the categorical +-1 weights: with ``int_update="asng"`` the joint Fisher
    normalisation then gives the integer parts a share of the step comparable to the categorical
    ones (with weights summing to 1 their gradient was ~1/(2 ceil(k/4)) as long and they barely
    moved: the mixed problem of the study needed 1.6x the evaluations).

    ``injected`` ``(k,)`` bools (None: none) marks the samples that are no draw of the
    distribution (the elite, the elitist mutants): the real-valued steps (and with
    ``int_update="cma"`` the integer ones) clip their steps (:func:`_injected_clipped`); ASNG's
    step takes them as they are.

    Returns the new state (the same object when nothing can move).
    """
    w = w_real if w_gauss is None else w_gauss
    new, moved = asng_part_step(dist, state, raw, w_cat, w_real, delta0, alpha, integers=int_update == "asng")
    theta, p_sigma = real_part_step(dist, new.theta, state.p_sigma, raw, w, injected=injected)
    if theta is not None:
        new, moved = new._replace(theta=theta, p_sigma=p_sigma), True
    return _finish(dist, new, moved, state, raw, w, int_update, injected)


def full_update(
    dist: Distribution,
    state: FullState,
    raw: Any,
    w_cat: np.ndarray,
    w_real: np.ndarray,
    t: int,
    delta0: float = 1.0,
    alpha: float = 1.5,
    w_gauss: np.ndarray | None = None,
    int_update: str = "asng",
    injected: np.ndarray | None = None,
    w_neg: np.ndarray | None = None,
) -> FullState:
    """:func:`blackbox_update` with ``covariance="full"``: :func:`asng_part_step` on the Categorical
    parts (and the Integer ones with ``int_update="asng"``), then :func:`~.cma.full_real_step`
    (CMA-ES with a full covariance matrix, generation ``t``) on the real-valued parts -- with
    ``int_update="full"`` on the real and integer ones together (CMA-ES with margin) -- with
    ``w_gauss`` (default ``w_real``) and, with ``int_update="cma"``, :func:`real_part_step` on the
    Integer parts (a separable update of their own); the ``injected`` samples' steps clipped in
    both (see :func:`blackbox_update`). ``w_neg`` ``(k,)`` (None: none) makes the CMA-ES's
    rank-mu update active (:func:`~.cma.full_real_step`). Returns the new state (``state`` itself
    when nothing can move)."""
    w = w_real if w_gauss is None else w_gauss
    mid, moved = asng_part_step(dist, state, raw, w_cat, w_real, delta0, alpha, integers=int_update == "asng")
    joint = int_update == "full"
    new = full_real_step(dist, mid.theta, state, raw, w, t, joint=joint, injected=injected, w_neg=w_neg)
    if new is None:
        new = mid
    else:
        new, moved = new._replace(s=mid.s, gamma=mid.gamma, Delta=mid.Delta), True
    return _finish(dist, new, moved, state, raw, w, int_update, injected)
