"""Validation of a :class:`~asng_opt.Gaussian`'s arguments (and an :class:`~asng_opt.Integer`'s,
which is one) and inputs: the ranges that keep theta = (mu, mu^2 + sigma^2) and the Fisher factors
of appendix C finite and resolved in float64, a parameter theta and told samples. Each check
raises ``ValueError`` naming the problem (prefixed with the class name it is given)."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    *("REAL_LIMIT", "SIGMA_MIN_FLOOR", "SIGMA_REL_TOL"),
    *("check_arguments", "check_resolution", "check_theta", "check_samples"),
]

#: the largest magnitude of a mean, a finite bound or a standard deviation. Theta holds mu^2 + sigma^2
#: and the Fisher factor products such as mu^2 sigma^2 (appendix C); keeping |mu|, sigma <= 1e30
#: keeps every intermediate far from float64 overflow. Infinite bounds act as +-REAL_LIMIT.
REAL_LIMIT = 1e30
#: the smallest sigma_min: the Fisher factor divides by sigma^4, which must stay far above underflow.
SIGMA_MIN_FLOOR = 1e-30
#: the relative accuracy to which theta = (mu, mu^2 + sigma^2) must represent the initial sigma
SIGMA_REL_TOL = 1e-6


def check_arguments(
    name: str, mean: Any, sigma: Any, sigma_min: Any, sigma_max: Any, low: Any, high: Any, size: int | None
) -> tuple[np.ndarray, ...]:
    """The arguments of ``Gaussian(...)`` broadcast to one ``(n,)`` float array each, in the order
    ``(mean, sigma, sigma_min, sigma_max, low, high)``; ``size`` sets n for scalar arguments.

    Raises:
        ValueError: (prefixed ``name``) arguments of more than one dimension or mismatched
            lengths, no variable, NaN or low > high, finite bounds beyond ``REAL_LIMIT``,
            sigma_min outside [``SIGMA_MIN_FLOOR``, ``REAL_LIMIT``], sigma_max < sigma_min, a
            non-finite mean or sigma <= 0, |mean| or sigma beyond ``REAL_LIMIT``, sigma outside
            [sigma_min, sigma_max].
    """
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
    outside = np.flatnonzero((sigma < smin) | (sigma > smax))
    if outside.size:
        i = int(outside[0])
        raise ValueError(
            f"{name}: variable {i}: sigma={sigma[i]:g} is outside [sigma_min, sigma_max] = "
            f"[{smin[i]:g}, {smax[i]:g}]: the starting sigma must lie within its bounds"
        )
    return mean, sigma, smin, smax, low, high


def check_resolution(name: str, mean: np.ndarray, want: np.ndarray, got: np.ndarray) -> None:
    """The initial theta holds each wanted sigma ``want`` ``(n,)`` (clipped to its bounds) to
    :data:`SIGMA_REL_TOL`: ``got`` is the sigma it represents next to ``mean``.

    Raises:
        ValueError: naming the first variable whose sigma is lost next to its mean.
    """
    lost = np.abs(got - want) > SIGMA_REL_TOL * want
    if np.any(lost):
        bad = int(np.flatnonzero(lost)[0])
        raise ValueError(
            f"{name}: variable {bad}: sigma={want[bad]:g} is too small next to mean={mean[bad]:g} for theta = "
            f"(mu, mu^2 + sigma^2) to hold it in float64 (it would start at sigma={got[bad]:g}); "
            f"centre the variable (optimise x - {mean[bad]:g}) or rescale it"
        )


def check_theta(name: str, theta: Any, n: int) -> np.ndarray:
    """One unbatched parameter of ``n`` variables as an owned ``(n, 2)`` float array.

    Raises:
        ValueError: another shape, NaN / inf, or a second moment below the squared mean.
    """
    t = np.array(theta, dtype=float)
    if t.shape != (n, 2):
        raise ValueError(f"{name}: theta must have shape ({n}, 2), got {t.shape}")
    if not np.all(np.isfinite(t)) or np.any(t[:, 1] < t[:, 0] ** 2):
        raise ValueError(f"{name}: theta must be finite (mean, mean^2 + var) pairs")
    return t


def check_samples(name: str, samples: Any, n: int) -> tuple[np.ndarray, int]:
    """User-given ``(lam, n)`` samples as a float array, and lam.

    Raises:
        ValueError: another shape, non-numbers, NaN / inf.
    """
    x = np.asarray(samples)
    if x.ndim != 2 or x.shape[1] != n:
        raise ValueError(f"{name}: samples must have shape (lam, {n}), got {x.shape}")
    if not np.issubdtype(x.dtype, np.number) or not np.all(np.isfinite(x)):
        raise ValueError(f"{name}: samples must be finite numbers")
    return x.astype(float), x.shape[0]
