"""Gaussian distribution for real variables in expectation parameters (appendices C and D).

Layout: ``theta`` is ``B + (n, 2)`` with ``theta[..., i, 0] = mu_i`` and
``theta[..., i, 1] = mu_i^2 + sigma_i^2``; T(c_i) = (c_i, c_i^2). Flat vectors interleave
(mu_1, m2_1, mu_2, m2_2, ...), as the paper writes theta.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import _checks
from ._gaussian_checks import (
    REAL_LIMIT,
    SIGMA_MIN_FLOOR,
    SIGMA_REL_TOL,
    check_arguments,
    check_resolution,
    check_samples,
    check_theta,
)
from .distribution import Distribution

__all__ = ["Gaussian", "REAL_LIMIT", "SIGMA_MIN_FLOOR", "SIGMA_REL_TOL", "FLOOR_ULPS"]

#: how many units in the last place of mu^2 a variance may keep and still count as at the floor
#: theta = (mu, mu^2 + sigma^2) can hold (:meth:`Gaussian.converged`'s ``floor_ulps``), for the
#: optimizers whose updates read sigma back from theta (:class:`~asng_opt.ASNG`, SNG, Adam-NG, and
#: :class:`~asng_opt.blackbox.BlackBoxASNG` with ``covariance="diagonal"``; asng-opt 0.15): theta
#: holds such a variance to six bits or fewer. A step that shrinks a variance of k units by a factor
#: above 1 - 1 / (2k) rounds back to k units, so those updates stopped a few units above mu^2 and
#: never converged where sigma_min lies below them (a mean far from 0; a named space's reals at
#: 1e-10 of their range: ``covariance="diagonal"`` ran 10,000 updates at one unit; with 4 units
#: ``config="paper"`` on a rotated ellipsoid of 6 reals needed up to 14,130 evaluations to stop).
#: The full covariance keeps the reals' sigma in its own state and reaches the floor itself: it uses 0
#: (:attr:`asng_opt.blackbox.BlackBoxASNG.floor_ulps`)
FLOOR_ULPS = 64


class Gaussian(Distribution):
    """Independent normal variables N(mu_i, sigma_i^2) in expectation parameters.

    Args:
        mean: (n,) initial means (scalars broadcast; ``size`` sets n for scalar inputs).
        sigma: (n,) initial standard deviations.
        sigma_min: lower bound on sigma (appendix D), in [1e-30, 1e30] (F grows as sigma^-4).
        sigma_max: upper bound on sigma (default unbounded, i.e. 1e30).
        low, high: bounds on the mean (default unbounded, i.e. +-1e30; finite ones within +-1e30).
        mirrored: draw samples in mirrored pairs (mu + sigma xi, mu - sigma xi).
        size: number of variables when every other argument is a scalar.
        clip_draws: the objective sees each draw clipped to [low, high] (:meth:`decode` clips,
            as a named space's ``FloatRange`` does; asng-opt 0.16). The separable rule of
            :class:`~asng_opt.blackbox.BlackBoxASNG` (``covariance="diagonal"``) then updates from
            the clipped draws, the points evaluated. Default False: the draws reach the objective
            as drawn, and ``low``/``high`` bound the mean only.

    Samples are ``(lam, n)`` float arrays.

    Raises:
        ValueError: for NaN, low > high, a mean outside [low, high], sigma <= 0, sigma outside
            [sigma_min, sigma_max], sigma_max < sigma_min, magnitudes beyond ``REAL_LIMIT``
            (1e30), sigma_min outside [1e-30, 1e30],
            mismatched lengths, and a sigma so small next to its mean that theta = (mu, mu^2 +
            sigma^2) cannot hold it to 1e-6; ``mirrored`` or ``clip_draws`` not a bool (Python or
            numpy: ``"no"``, 0 and None are refused).
    """

    #: the objective sees each draw clipped to [low, high] (the ``clip_draws`` argument; a class
    #: default, so that a Gaussian pickled by asng-opt 0.15 or earlier unpickles with False)
    clip_draws: bool = False

    def __init__(
        self,
        mean: Any = 0.0,
        sigma: Any = 1.0,
        sigma_min: Any = 1e-8,
        sigma_max: Any = np.inf,
        low: Any = -np.inf,
        high: Any = np.inf,
        mirrored: bool = False,
        size: int | None = None,
        clip_draws: bool = False,
    ):
        name = type(self).__name__
        mean, sigma, smin, smax, low, high = check_arguments(name, mean, sigma, sigma_min, sigma_max, low, high, size)
        outside = np.flatnonzero((mean < low) | (mean > high))
        if outside.size:
            i = int(outside[0])
            raise ValueError(
                f"{name}: variable {i}: mean={mean[i]:g} is outside [low, high] = [{low[i]:g}, {high[i]:g}]"
            )
        lim = REAL_LIMIT
        self.n_variables = int(mean.shape[0])
        self.n_theta = 2 * self.n_variables
        self.low, self.high = low, high
        self.sigma_min, self.sigma_max = smin, smax
        # the bounds the projection enforces: infinite ones replaced by +-REAL_LIMIT
        self._low, self._high = np.maximum(low, -lim), np.minimum(high, lim)
        self._smax = np.minimum(smax, lim)
        self.mirrored = _checks.flag("mirrored", mirrored, name)
        self.clip_draws = _checks.flag("clip_draws", clip_draws, name)
        self._init = np.stack([mean, mean**2 + sigma**2], axis=-1)
        self._init = self.project(self._init)
        check_resolution(name, mean, np.clip(sigma, smin, self._smax), self.mean_sigma(self._init)[1])

    # ---- parameter ----------------------------------------------------------------------------
    def mean_sigma(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(mu, sigma)``, each ``B + (n,)``; sigma is guarded against cancellation."""
        mu = theta[..., 0]
        var = np.maximum(theta[..., 1] - mu * mu, self.sigma_min**2)
        return mu, np.sqrt(var)

    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.broadcast_to(self._init, tuple(batch_shape) + self._init.shape).copy()

    def check_theta(self, theta: Any) -> np.ndarray:
        return check_theta(type(self).__name__, theta, self.n_variables)

    # ---- sampling -----------------------------------------------------------------------------
    def sample(self, theta: np.ndarray, lam: int, rng: np.random.Generator) -> np.ndarray:
        """``B + (lam, n)`` raw normal draws (mirrored pairs when ``self.mirrored``)."""
        b = theta.shape[:-2]
        mu, sigma = self.mean_sigma(theta)
        if self.mirrored:
            half = rng.standard_normal(b + ((lam + 1) // 2, self.n_variables))
            xi = np.stack([half, -half], axis=-2).reshape(b + (-1, self.n_variables))[..., :lam, :]
        else:
            xi = rng.standard_normal(b + (lam, self.n_variables))
        return mu[..., None, :] + sigma[..., None, :] * xi

    def check_samples(self, samples: Any) -> tuple[np.ndarray, int]:
        return check_samples(type(self).__name__, samples, self.n_variables)

    def mode(self, theta: np.ndarray) -> np.ndarray:
        """``B + (n,)``: the mean, decoded (clipped and rounded for an :class:`Integer`)."""
        return self.decode(theta[..., 0])

    def mode_probabilities(self, theta: np.ndarray) -> np.ndarray:
        """No categorical variable: ``B + (0,)``."""
        return np.zeros(np.shape(theta)[:-2] + (0,))

    # ---- geometry -----------------------------------------------------------------------------
    def flat(self, theta: np.ndarray) -> np.ndarray:
        return theta.reshape(theta.shape[:-2] + (-1,))

    def natural_gradient(self, theta: np.ndarray, raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # eq. (12) with T(c) = (c, c^2)
        t = np.stack([raw, raw * raw], axis=-1).reshape(raw.shape[:-1] + (-1,))  # B + (lam, 2n)
        w = np.asarray(weights, dtype=float)
        lam = w.shape[-1]
        wt = np.matmul(w[..., None, :], t)[..., 0, :]
        return wt / lam - (w.sum(-1) / lam)[..., None] * self.flat(theta)

    def _blocks(self, theta: np.ndarray) -> tuple[np.ndarray, ...]:
        # appendix C: F_i^-1 = [[a, b], [b, c]] = [[s2, 2 mu s2], [2 mu s2, 4 mu^2 s2 + 2 s2^2]]
        mu, sigma = self.mean_sigma(theta)
        s2 = sigma * sigma
        a, b, c = s2, 2.0 * mu * s2, 4.0 * mu * mu * s2 + 2.0 * s2 * s2
        return a, b, c, math.sqrt(2.0) * s2 * sigma  # last: sqrt(det F_i^-1) = sqrt(2) sigma^3

    def fisher_sqrt(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        # Exact symmetric root F_i^1/2 = E Lambda^-1/2 E^T of appendix C. For a 2x2 SPD matrix S the
        # eigendecomposition gives S^1/2 = (S + sqrt(det S) I) / sqrt(tr S + 2 sqrt(det S)); with
        # S = F_i^-1, F_i^1/2 = (S^1/2)^-1 = [[c + r, -b], [-b, a + r]] / (t r). No eigenvector is
        # formed, so nothing divides by b, which vanishes when the mean is near 0.
        a, b, c, r = self._blocks(theta)
        tr = np.sqrt(a + c + 2.0 * r) * r
        g = g.reshape(g.shape[:-1] + (-1, 2))
        g1, g2 = g[..., 0], g[..., 1]
        v1 = ((c + r) * g1 - b * g2) / tr
        v2 = ((a + r) * g2 - b * g1) / tr
        return np.stack([v1, v2], axis=-1).reshape(g.shape[:-2] + (-1,))

    def step(self, theta: np.ndarray, d: np.ndarray) -> np.ndarray:
        return self.project(theta + d.reshape(d.shape[:-1] + (-1, 2)))

    def project(self, theta: np.ndarray) -> np.ndarray:
        # appendix D: clip the mean to [low, high], then m2 to [mu^2 + smin^2, mu^2 + smax^2]
        mu = np.clip(theta[..., 0], self._low, self._high)
        mu2 = mu * mu
        m2 = np.clip(theta[..., 1], mu2 + self.sigma_min**2, mu2 + self._smax**2)
        return np.stack([mu, m2], axis=-1)

    def fisher_matrix(self, theta: np.ndarray) -> np.ndarray:
        """Block diagonal with F_i = [[c, -b], [-b, a]] / det(F_i^-1), det = 2 sigma^6."""
        a, b, c, r = self._blocks(np.asarray(theta, dtype=float))
        F = np.zeros((self.n_theta, self.n_theta))
        for i in range(self.n_variables):
            F[2 * i : 2 * i + 2, 2 * i : 2 * i + 2] = np.array([[c[i], -b[i]], [-b[i], a[i]]]) / r[i] ** 2
        return F

    def converged(self, theta: np.ndarray, *, floor_ulps: float = 0.0) -> np.ndarray:
        """``B``: every sigma has shrunk to sigma_min (within a relative 1e-6), or as far towards it
        as theta can hold next to its mean (:meth:`_at_floor`; with ``floor_ulps``, a variance
        within that many units in the last place of mu^2 counts too, :data:`FLOOR_ULPS`)."""
        theta = np.asarray(theta)
        _, sigma = self.mean_sigma(theta)
        tol = self.sigma_min * (1 + 1e-6)
        return np.all((sigma <= tol) | self._at_floor(theta, tol, floor_ulps), axis=-1)

    def _at_floor(self, theta: np.ndarray, sigma: Any = None, floor_ulps: float = 0.0) -> np.ndarray:
        """``B + (n,)`` booleans: whether each variable's second moment is at most the one
        :meth:`project` stores for ``sigma`` (``(n,)``, default sigma_min) at its mean,
        ``mu^2 + sigma^2`` rounded as float64 rounds it, or, when that variance is smaller,
        ``mu^2`` plus ``floor_ulps`` units in its last place.

        Far from 0 theta = (mu, mu^2 + sigma^2) cannot hold a sigma below about ``|mu|
        sqrt(2^-52)``: ``mu^2 + sigma_min^2`` rounds to within half a unit in the last place of
        ``mu^2``, and the variance read back, ``m2 - mu^2``, is that rounding's, not
        ``sigma_min^2`` (at ``mu = 1e4`` the unit is 1.5e-8 while ``sigma_min^2 = 1e-16``). A
        variable at the projection's floor has shrunk as far as theta can hold it, whatever
        sigma it reads as (:meth:`converged`: before asng-opt 0.13, one that read as a little
        above sigma_min, e.g. ``mu = 0.1``, ``sigma_min = 1e-8``, never converged, and a run
        went on at that sigma until its budget). Nor can it hold a variance of a few units in the
        last place of ``mu^2`` to more than a few bits: a step that shrinks such a variance by a
        mild factor rounds back to it, and an update reading sigma from theta never gets lower;
        such updates pass ``floor_ulps`` (:data:`FLOOR_ULPS`, asng-opt 0.15)."""
        theta = np.asarray(theta)
        mu = theta[..., 0]
        s = self.sigma_min if sigma is None else np.asarray(sigma, dtype=float)
        mu2 = mu * mu
        return theta[..., 1] <= mu2 + np.maximum(s * s, floor_ulps * np.spacing(mu2))

    def decode(self, raw: Any) -> Any:
        """``B + (n,)`` draws as the objective sees them: clipped to [low, high] with
        ``clip_draws``, else as drawn (the same object)."""
        if self.clip_draws:
            return np.clip(raw, self.low, self.high)
        return raw

    def spec(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "n_variables": self.n_variables,
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "sigma_min": self.sigma_min.tolist(),
            "sigma_max": self.sigma_max.tolist(),
            "mirrored": self.mirrored,
            **({"clip_draws": True} if self.clip_draws else {}),  # absent before 0.16, and when False
        }

    def __repr__(self) -> str:
        clip = ", clip_draws=True" if self.clip_draws else ""
        return f"{type(self).__name__}(n_variables={self.n_variables}, n_theta={self.n_theta}{clip})"
