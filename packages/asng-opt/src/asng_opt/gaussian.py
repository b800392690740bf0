"""Gaussian distribution for real variables in expectation parameters (appendices C and D).

Layout: ``theta`` is ``B + (n, 2)`` with ``theta[..., i, 0] = mu_i`` and
``theta[..., i, 1] = mu_i^2 + sigma_i^2``; T(c_i) = (c_i, c_i^2). Flat vectors interleave
(mu_1, m2_1, mu_2, m2_2, ...), as the paper writes theta.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .distribution import Distribution

__all__ = ["Gaussian", "REAL_LIMIT", "SIGMA_MIN_FLOOR"]

#: the largest magnitude of a mean, a finite bound or a standard deviation. Theta holds mu^2 + sigma^2
#: and the Fisher factor products such as mu^2 sigma^2 (appendix C); keeping |mu|, sigma <= 1e30
#: keeps every intermediate far from float64 overflow. Infinite bounds act as +-REAL_LIMIT.
REAL_LIMIT = 1e30
#: the smallest sigma_min: the Fisher factor divides by sigma^4, which must stay far above underflow.
SIGMA_MIN_FLOOR = 1e-30
#: the relative accuracy to which theta = (mu, mu^2 + sigma^2) must represent the initial sigma
SIGMA_REL_TOL = 1e-6


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

    Samples are ``(lam, n)`` float arrays.

    Raises:
        ValueError: for NaN, low > high, sigma <= 0, sigma_max < sigma_min, magnitudes beyond
            ``REAL_LIMIT`` (1e30), sigma_min outside [1e-30, 1e30], mismatched lengths, and a sigma
            so small next to its mean that theta = (mu, mu^2 + sigma^2) cannot hold it to 1e-6.
    """

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
    ):
        name = type(self).__name__
        arrays = [np.asarray(v, dtype=float) for v in (mean, sigma, sigma_min, sigma_max, low, high)]
        if any(a.ndim > 1 for a in arrays):
            raise ValueError(f"{name}: arguments must be scalars or 1-D arrays")
        try:
            shape = np.broadcast_shapes(*(a.shape for a in arrays), () if size is None else (size,))
        except ValueError as e:
            raise ValueError(f"{name}: argument lengths do not match ({e})") from None
        if shape == ():
            shape = (1,)
        if shape[0] == 0:
            raise ValueError(f"{name}: needs at least one variable")
        mean, sigma, smin, smax, low, high = (np.broadcast_to(a, shape).copy() for a in arrays)
        if np.any(np.isnan(low)) or np.any(np.isnan(high)) or np.any(low > high):
            bad = int(np.flatnonzero(~(low <= high))[0])
            raise ValueError(f"{name}: variable {bad} has low={low[bad]} > high={high[bad]}")
        lim = REAL_LIMIT
        for what, a in (("low", low), ("high", high)):
            big = np.isfinite(a) & (np.abs(a) > lim)
            if np.any(big):
                bad = int(np.flatnonzero(big)[0])
                msg = f"{what}={a[bad]:g} of variable {bad} is beyond +-{lim:g} (use inf, or rescale)"
                raise ValueError(f"{name}: {msg}")
        if not np.all(np.isfinite(smin)) or np.any(smin < SIGMA_MIN_FLOOR) or np.any(smin > lim):
            raise ValueError(f"{name}: sigma_min must lie in [{SIGMA_MIN_FLOOR:g}, {lim:g}], got {smin.tolist()}")
        if np.any(np.isnan(smax)) or np.any(smax < smin):
            raise ValueError(f"{name}: sigma_max must be >= sigma_min")
        if not np.all(np.isfinite(mean)) or not np.all(np.isfinite(sigma)) or np.any(sigma <= 0):
            raise ValueError(f"{name}: mean must be finite and sigma finite and > 0")
        if np.any(np.abs(mean) > lim) or np.any(sigma > lim):
            raise ValueError(f"{name}: |mean| and sigma must be <= {lim:g} (rescale the variable)")
        self.n_variables = int(shape[0])
        self.n_theta = 2 * self.n_variables
        self.low, self.high = low, high
        self.sigma_min, self.sigma_max = smin, smax
        # the bounds the projection enforces: infinite ones replaced by +-REAL_LIMIT
        self._low, self._high = np.maximum(low, -lim), np.minimum(high, lim)
        self._smax = np.minimum(smax, lim)
        self.mirrored = bool(mirrored)
        self._init = np.stack([mean, mean**2 + sigma**2], axis=-1)
        self._init = self.project(self._init)
        want = np.clip(sigma, smin, self._smax)
        got = self.mean_sigma(self._init)[1]
        lost = np.abs(got - want) > SIGMA_REL_TOL * want
        if np.any(lost):
            bad = int(np.flatnonzero(lost)[0])
            raise ValueError(
                f"{name}: variable {bad}: sigma={want[bad]:g} is too small next to mean={mean[bad]:g} for theta = "
                f"(mu, mu^2 + sigma^2) to hold it in float64 (it would start at sigma={got[bad]:g}); "
                f"centre the variable (optimise x - {mean[bad]:g}) or rescale it"
            )

    # ---- helpers ------------------------------------------------------------------------------
    def mean_sigma(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(mu, sigma)``, each ``B + (n,)``; sigma is guarded against cancellation."""
        mu = theta[..., 0]
        var = np.maximum(theta[..., 1] - mu * mu, self.sigma_min**2)
        return mu, np.sqrt(var)

    # ---- parameter ----------------------------------------------------------------------------
    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
        return np.broadcast_to(self._init, tuple(batch_shape) + self._init.shape).copy()

    def check_theta(self, theta: Any) -> np.ndarray:
        t = np.array(theta, dtype=float)
        if t.shape != (self.n_variables, 2):
            raise ValueError(f"{type(self).__name__}: theta must have shape ({self.n_variables}, 2), got {t.shape}")
        if not np.all(np.isfinite(t)) or np.any(t[:, 1] < t[:, 0] ** 2):
            raise ValueError(f"{type(self).__name__}: theta must be finite (mean, mean^2 + var) pairs")
        return t

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
        x = np.asarray(samples)
        if x.ndim != 2 or x.shape[1] != self.n_variables:
            raise ValueError(f"{type(self).__name__}: samples must have shape (lam, {self.n_variables}), got {x.shape}")
        if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
            raise ValueError(f"{type(self).__name__}: samples must be finite numbers")
        return x.astype(float), x.shape[0]

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

    def converged(self, theta: np.ndarray) -> np.ndarray:
        """Every sigma has shrunk to sigma_min (within a relative 1e-6)."""
        _, sigma = self.mean_sigma(theta)
        return np.all(sigma <= self.sigma_min * (1 + 1e-6), axis=-1)

    def spec(self) -> dict[str, Any]:
        return {
            "type": type(self).__name__,
            "n_variables": self.n_variables,
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "sigma_min": self.sigma_min.tolist(),
            "sigma_max": self.sigma_max.tolist(),
            "mirrored": self.mirrored,
        }

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n_variables={self.n_variables}, n_theta={self.n_theta})"
