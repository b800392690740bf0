"""The three update rules as pure functions on (batched) arrays.

Each ``*_update`` takes a distribution (structure only), the current state, raw samples
``B + (lam, ...)`` and utility weights ``B + (lam,)``, and returns the new state; nothing is
modified in place. Hyper-parameters may be scalars or arrays broadcastable to ``B``, so runs with
different settings can share one batch. A state whose natural gradient is zero (all weights 0,
e.g. a tie at lam = 2, or identical samples) is returned unchanged: theta, s, gamma, Delta (and
Adam's moments and counter) do not move; so is a state whose Fisher norm is not finite.

Where the paper's update is not defined, ASNG follows one documented rule (see :func:`asng_update`):
the trust-region radius is capped at ``delta <= sqrt(n_theta)``, i.e. ``beta <= 1``.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ._select import select
from .distribution import Distribution

__all__ = [
    "ASNGState",
    "SNGState",
    "AdamState",
    "asng_init",
    "asng_update",
    "sng_init",
    "sng_update",
    "adam_init",
    "adam_update",
    "normalized_natural_gradient",
    "asng_delta",
    "asng_delta_floor",
]


class ASNGState(NamedTuple):
    """ASNG's state (Algorithm 1): theta in the distribution's layout (``B + (n, M)`` for a
    Categorical, ``B + (n, 2)`` for a Gaussian, a dict for a Product); the accumulated normalised
    gradient s, ``B + (n_theta,)``; its normaliser gamma in [0, 1] and the step-size factor Delta > 0,
    both ``B`` (floats unbatched). The radius is delta_theta = delta0 / Delta."""

    theta: Any
    s: np.ndarray
    gamma: Any
    Delta: Any


class SNGState(NamedTuple):
    """SNG's state: theta alone (the radius is a constant hyper-parameter)."""

    theta: Any


class AdamState(NamedTuple):
    """Adam's state: theta; the first and second moment estimates m, v, ``B + (n_theta,)``, of the
    normalised natural gradient; t, ``B``, the number of steps taken (Kingma & Ba, 2015)."""

    theta: Any
    m: np.ndarray
    v: np.ndarray
    t: Any


def _col(x: Any) -> Any:
    """Append an axis to batched values so they broadcast against ``B + (n_theta,)``."""
    return x[..., None] if getattr(x, "ndim", 0) else x


def _batched(x: Any) -> bool:
    """True for a batched state (arrays over ``B``), False for one state (plain floats)."""
    return bool(getattr(x, "ndim", 0))


def _finish(ok: Any, new: Any, old: Any) -> Any:
    """The new state, except where the update was skipped (``ok`` False): there the old one."""
    if not _batched(ok):
        return new
    return type(new)(*(select(ok, n, o) for n, o in zip(new, old)))


def _sqnorm(x: np.ndarray) -> Any:
    """Squared Euclidean norm over the last axis: a float for a vector, ``B``-shaped otherwise."""
    return float(np.dot(x, x)) if x.ndim == 1 else np.einsum("...i,...i->...", x, x)


def normalized_natural_gradient(
    dist: Distribution, theta: Any, raw: Any, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Any, Any]:
    """G of eq. (12), v = F^1/2 G (appendix B/C factor), ||G||_F = ||v|| and the mask 0 < ||G||_F < inf.

    Returns ``(G, v, norm, ok)``. For an unbatched state ``norm`` is a float and ``ok`` a bool;
    batched, ``norm`` is replaced by 1 where ``ok`` is False so that divisions are safe (callers
    keep the old state there).
    """
    g = dist.natural_gradient(theta, raw, weights)
    v = dist.fisher_sqrt(theta, g)
    if v.ndim == 1:
        norm = math.sqrt(_sqnorm(v))
        return g, v, norm, 0 < norm < math.inf
    norm = np.sqrt(_sqnorm(v))
    ok = (norm > 0) & (norm < np.inf)
    return g, v, np.where(ok, norm, 1.0), ok


# ---- ASNG (Algorithm 1 with the normalised accumulation of section 2.4) ---------------------------
def asng_init(dist: Distribution, batch_shape: tuple[int, ...] = ()) -> ASNGState:
    """Delta = 1, gamma = 0, s = 0 (Algorithm 1, line 1) and the maximum-entropy theta, each with
    leading shape ``batch_shape``."""
    b = tuple(batch_shape)
    return ASNGState(dist.initial_theta(b), np.zeros(b + (dist.n_theta,)), np.zeros(b), np.ones(b))


def asng_delta_floor(dist: Distribution, delta0: Any) -> Any:
    """The smallest Delta ASNG uses, ``delta0 / sqrt(n_theta)``: it caps delta_theta at sqrt(n_theta).

    ``beta = delta_theta / sqrt(n_theta)`` is the weight of the exponential moving averages of
    Algorithm 1, lines 6-7, which are defined for ``0 < beta <= 1``: at ``beta > 1`` the factor
    ``1 - beta`` flips the sign of the accumulated s, and at ``beta > 2`` ``sqrt(beta (2 - beta))``
    is the root of a negative number (NaN). This happens when Delta falls below this floor, which
    only small spaces reach (n_theta = 1 with delta0 = 1 does at the first shrinking step).
    """
    return delta0 / math.sqrt(dist.n_theta)


def asng_delta(dist: Distribution, Delta: Any, delta0: Any = 1.0) -> Any:
    """delta_theta = delta0 / Delta (Algorithm 1, line 2), capped at sqrt(n_theta) (beta <= 1)."""
    floor = asng_delta_floor(dist, delta0)
    scalar = not _batched(Delta) and not _batched(delta0)
    return delta0 / (max(Delta, floor) if scalar else np.maximum(Delta, floor))


def asng_update(
    dist: Distribution,
    state: ASNGState,
    raw: Any,
    weights: np.ndarray,
    delta0: Any = 1.0,
    alpha: Any = 1.5,
    delta_max: Any = np.inf,
) -> ASNGState:
    """One ASNG tell (Algorithm 1, lines 2 and 4-8).

    Args:
        dist: the space (structure only).
        state: the current :class:`ASNGState` (any batch shape ``B``).
        raw: ``B + (lam, ...)`` raw samples (the draws of ``dist.sample``, or checked user samples).
        weights: ``B + (lam,)`` utility weights (:func:`asng_opt.ranking_utility`).
        delta0: delta_theta^0, > 0; alpha: > 1; delta_max: Delta_max > 0 -- scalars or arrays
            broadcastable to ``B``.

    Returns:
        The new state; the same object (unbatched) or the old values (batched, elementwise) where
        the natural gradient is zero or its Fisher norm not finite.

    Delta is kept in ``[delta0 / sqrt(n_theta), delta_max]`` (the lower bound wins if they cross),
    so that ``beta = delta_theta / sqrt(n_theta) <= 1`` (see :func:`asng_delta_floor`). Inside
    that range this is the paper's update, bit for bit; the bound only acts where the paper's
    update is undefined.
    """
    theta, s, gamma, Delta = state
    floor = asng_delta_floor(dist, delta0)
    scalar = not _batched(Delta) and not _batched(delta0)
    Delta = max(Delta, floor) if scalar else np.maximum(Delta, floor)  # beta <= 1 (see asng_delta_floor)
    delta = delta0 / Delta  # Algorithm 1, line 2: delta_theta = delta0 / Delta
    beta = delta / math.sqrt(dist.n_theta)  # beta = delta_theta / n_theta^1/2
    beta = min(beta, 1.0) if scalar else np.minimum(beta, 1.0)  # rounding at the floor
    g, v, norm, ok = normalized_natural_gradient(dist, theta, raw, weights)
    if not _batched(ok) and not ok:
        return state
    new_theta = dist.step(theta, _col(delta / norm) * g)  # eqs. (13)-(14), then projection (appendix D)
    b = _col(beta)
    new_s = (1 - b) * s + _col(np.sqrt(beta * (2 - beta)) / norm) * v  # line 6 (normalised, sec. 2.4)
    new_gamma = (1 - beta) ** 2 * gamma + beta * (2 - beta)  # line 7
    new_Delta = np.minimum(delta_max, Delta * np.exp(beta * (new_gamma - _sqnorm(new_s) / alpha)))  # line 8
    new_Delta = max(new_Delta, floor) if scalar else np.maximum(new_Delta, floor)
    return _finish(ok, ASNGState(new_theta, new_s, new_gamma, new_Delta), state)


# ---- SNG: constant trust region (eqs. 13-14) ------------------------------------------------------
def sng_init(dist: Distribution, batch_shape: tuple[int, ...] = ()) -> SNGState:
    """The maximum-entropy theta with leading shape ``batch_shape``."""
    return SNGState(dist.initial_theta(tuple(batch_shape)))


def sng_update(dist: Distribution, state: SNGState, raw: Any, weights: np.ndarray, delta: Any = 0.1) -> SNGState:
    """theta <- Proj(theta + delta G / ||G||_F) (eqs. 13-14, appendix D); ``delta`` > 0, a scalar
    or broadcastable to ``B``. Shapes as in :func:`asng_update`."""
    (theta,) = state
    g, _, norm, ok = normalized_natural_gradient(dist, theta, raw, weights)
    if not _batched(ok) and not ok:
        return state
    new_theta = dist.step(theta, _col(delta / norm) * g)  # eqs. (13)-(14), then projection
    return _finish(ok, SNGState(new_theta), state)


# ---- Adam on the normalised natural gradient -------------------------------------------------------
def adam_init(dist: Distribution, batch_shape: tuple[int, ...] = ()) -> AdamState:
    """The maximum-entropy theta, zero moments and step count, with leading shape ``batch_shape``."""
    b = tuple(batch_shape)
    z = np.zeros(b + (dist.n_theta,))
    return AdamState(dist.initial_theta(b), z, z.copy(), np.zeros(b))


def adam_update(
    dist: Distribution,
    state: AdamState,
    raw: Any,
    weights: np.ndarray,
    lr: Any = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> AdamState:
    """Adam (Kingma & Ba, 2015, Algorithm 1) on g = G / ||G||_F as the ascent direction:
    m <- beta1 m + (1 - beta1) g, v <- beta2 v + (1 - beta2) g^2, theta <- Proj(theta + lr m_hat /
    (sqrt(v_hat) + eps)) with the bias-corrected moments. Shapes as in :func:`asng_update`."""
    theta, m, v, t = state
    g, _, norm, ok = normalized_natural_gradient(dist, theta, raw, weights)
    if not _batched(ok) and not ok:
        return state
    g = g / _col(norm)
    new_m = beta1 * m + (1 - beta1) * g
    new_v = beta2 * v + (1 - beta2) * g * g
    new_t = t + 1
    tt = _col(new_t)
    m_hat = new_m / (1 - beta1**tt)
    v_hat = new_v / (1 - beta2**tt)
    new_theta = dist.step(theta, _col(lr) * m_hat / (np.sqrt(v_hat) + eps))
    return _finish(ok, AdamState(new_theta, new_m, new_v, new_t), state)
