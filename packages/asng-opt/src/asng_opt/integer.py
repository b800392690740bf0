"""Integer (ordinal) variables: a Gaussian whose samples the user sees clipped and rounded.

Section 3.3 / appendix D: variable i lives in [low_i, high_i]; the mean is kept in that range
and sigma in [sigma_min, (high_i - low_i)/2] (sigma_min = 1/4 by default); the search starts at
the centre with the largest sigma. Samples are drawn in mirrored pairs. The objective sees
``round(clip(x, low, high))``; the update uses the raw draw x (the optimizer remembers the raw
draws behind its last ``ask``).

Far from zero, theta = (mu, mu^2 + sigma^2) cannot hold sigma: at |mu| = 2^26 the rounding of mu^2
alone exceeds sigma_min^2 = 1/16. A variable whose bounds exceed 2^16 sigma_min in magnitude (2^14
with the default) is therefore modelled relative to its centre: theta, and the raw draws, are in
the coordinate ``x - origin`` with ``origin = (low + high) / 2`` (``origin = 0`` otherwise), so
every range starts with sigma = (high - low)/2 exactly and keeps 20 bits of sigma^2 at sigma_min.

An optional *margin* (the black-box configuration's, :mod:`asng_opt.blackbox`) bounds sigma in
probability instead of by a constant: a draw rounds to another integer than the mean's with
probability at least ``margin`` on the side of the nearest rounding boundary (CMA-ES with margin,
Hamano et al. 2022, bounds the same probability). With sigma_min = 1/4, a mean 0.3 from its
integer draws the neighbour one time in five whatever the search has learnt; with the margin,
sigma shrinks with the distance to the boundary and the neighbour stays at ``margin``.
"""

from __future__ import annotations

import numbers
from statistics import NormalDist
from typing import Any

import numpy as np

from .gaussian import Gaussian

__all__ = ["Integer", "INTEGER_LIMIT"]

#: the largest |low|, |high|: every integer of a range, and every half-integer the sampler's
#: rounding meets, is exact in float64 (whose integers are exact up to 2^53)
INTEGER_LIMIT = 2**51


def _integers(name: str, value: Any) -> np.ndarray:
    """``value`` (a scalar or 1-D sequence of integers) as an exact float array, or ValueError."""
    a = np.asarray(value, dtype=object)
    if a.ndim > 1:
        raise ValueError(f"Integer: {name} must be a scalar or 1-D, got shape {a.shape}")
    out = []
    for x in a.reshape(-1):
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, numbers.Real)):
            raise ValueError(f"Integer: {name} must be integers, got {value!r}")
        if isinstance(x, numbers.Integral):
            v = int(x)
        elif np.isfinite(float(x)) and float(x) == np.floor(float(x)):
            v = int(float(x))
        else:
            raise ValueError(f"Integer: {name} must be integers, got {value!r}")
        if abs(v) > INTEGER_LIMIT:
            raise ValueError(f"Integer: {name}={v} is beyond +-2**51 (integers must stay exact in float64)")
        out.append(float(v))
    return np.array(out, dtype=float).reshape(a.shape)


def _centred(value: Any, shape: tuple[int, ...], size: int | None) -> np.ndarray:
    """``centred`` as bools broadcastable to the variables (``shape`` of the bounds, or ``(size,)``)."""
    a = np.asarray(value)
    n = shape[0] if shape else (1 if size is None else size)
    if a.dtype != bool or a.ndim > 1 or (a.ndim == 1 and a.shape[0] != n):
        raise ValueError(f"Integer: centred must be a bool or {n} bools, got {value!r}")
    return a


def _initial_sigma(value: Any, shape: tuple[int, ...], size: int | None) -> np.ndarray:
    """``sigma`` as positive finite floats broadcastable to the variables (``shape`` of the
    bounds' half-ranges, or ``(size,)``): numbers only (no strings, no bools)."""
    a = np.asarray(value)
    n = shape[0] if shape else (1 if size is None else size)
    if a.dtype.kind not in "iuf" or a.ndim > 1 or (a.ndim == 1 and a.shape[0] != n):
        raise ValueError(f"Integer: sigma must be None, a number or {n} numbers, got {value!r}")
    a = a.astype(float)
    if not np.all(np.isfinite(a) & (a > 0)):
        raise ValueError(f"Integer: sigma must be finite and > 0, got {value!r}")
    return a


class Integer(Gaussian):
    """Integer variables in [low_i, high_i] (inclusive), modelled by a Gaussian.

    Args:
        low, high: (n,) integer bounds within +-2**51, or scalars with ``size`` variables.
        sigma_min: lower bound on sigma, 1/4 by default (appendix D).
        size: number of variables when low and high are scalars.
        margin: None (default: appendix D's bounds alone) or a probability in (0, 0.5): the
            projection also keeps ``sigma >= d / z`` with d the distance from the mean to the
            nearest rounding boundary inside [low, high] and ``z = Phi^-1(1 - margin)``, so that a
            draw lands beyond that boundary (on another integer) with probability >= margin
            (unless sigma_max, half the range, is smaller); sigma_min stays the hard floor (it
            matters only for a mean within ``z sigma_min`` of a boundary, where the neighbour is
            likely anyway). :meth:`converged` then means every sigma is at this floor.
        centred: which variables are modelled relative to their centre, a bool or ``(n,)`` bools;
            default (None): those whose bounds exceed ``2**16 min(sigma_min, 1/4)`` in magnitude.
            For a rebuilt copy that must read the same theta as its original
            (:func:`asng_opt.blackbox.with_margin` lowers sigma_min but keeps the original's).
            False is refused for a variable with a bound beyond 2**14 in magnitude.
        sigma: the initial sigma, a number or ``(n,)`` numbers > 0, clipped to [sigma_min, (high -
            low) / 2] (and raised to the margin's floor at the centre); default (None) the largest,
            ``(high - low) / 2`` (appendix D). Only the starting theta (:meth:`initial_theta`): not
            part of :meth:`spec`, which names the family; a saved state carries its own theta.

    Attributes:
        origin: (n,) the centre of each range for variables modelled relative to it (bounds
            beyond 2**16 * min(sigma_min, 1/4) in magnitude), else 0; theta and raw draws are in
            ``x - origin``.
        sigma_init: (n,) the ``sigma`` given (clipped to [sigma_min, (high - low) / 2]), or None.
        widest_sigma: (n,) the starting sigma without ``sigma``: half the range, as theta holds it.

    Samples handed to the user are ``(lam, n)`` int64 arrays.

    Raises:
        ValueError: non-integer or out-of-range bounds, low > high, a margin outside (0, 0.5),
            ``centred`` not bools of the variables' shape, ``sigma`` not positive finite numbers of
            their shape, and the Gaussian's checks.
    """

    def __init__(
        self,
        low: Any,
        high: Any,
        sigma_min: float = 0.25,
        size: int | None = None,
        margin: float | None = None,
        centred: Any = None,
        sigma: Any = None,
    ):
        lo, hi = _integers("low", low), _integers("high", high)
        if np.any(lo > hi):
            lo_b, hi_b = np.broadcast_arrays(lo, hi)
            bad = int(np.flatnonzero(lo_b > hi_b)[0]) if lo_b.ndim else 0
            raise ValueError(f"Integer: variable {bad} has low={lo_b.flat[bad]:g} > high={hi_b.flat[bad]:g}")
        try:
            smin = float(sigma_min)
        except (TypeError, ValueError):
            raise ValueError(f"Integer: sigma_min must be a number, got {sigma_min!r}") from None
        # far from 0, model x - centre (exact: the centre is a half-integer within 2**51)
        default_shift = np.maximum(np.abs(lo), np.abs(hi)) > 2**16 * min(smin, 0.25)
        shift = default_shift if centred is None else _centred(centred, np.broadcast(lo, hi).shape, size)
        far = np.maximum(np.abs(lo), np.abs(hi)) > 2**14  # beyond the default rule at sigma_min = 1/4
        if centred is not None and np.any(far & ~shift):
            raise ValueError(
                "Integer: centred=False for a variable with a bound beyond 2**14 in magnitude: theta = "
                "(mu, mu^2 + sigma^2) could not hold sigma there; model it relative to its centre"
            )
        origin = np.where(shift, (lo + hi) / 2.0, 0.0)
        smax = np.maximum((hi - lo) / 2.0, sigma_min)  # a constant variable (low == high) keeps sigma_min
        self.margin: float | None = None  # set below, once the bounds are known (the checks first)
        if margin is not None:
            ok = isinstance(margin, numbers.Real) and not isinstance(margin, (bool, np.bool_))
            # (1 - margin < 1: a margin below ~1e-16 has no quantile in float64)
            if not (ok and 0.0 < float(margin) < 0.5):
                raise ValueError(f"Integer: margin must be None or a probability in (0, 0.5), got {margin!r}")
            if not 1.0 - float(margin) < 1.0:
                raise ValueError(
                    f"Integer: margin={margin!r} is below float64's resolution next to 1 (~1.1e-16): "
                    "1 - margin rounds to 1 and has no normal quantile; use at least 1e-15"
                )
        given = None if sigma is None else np.clip(_initial_sigma(sigma, np.shape(smax), size), sigma_min, smax)
        sigma0 = smax if given is None else given
        super().__init__(
            mean=(lo + hi) / 2.0 - origin,
            sigma=sigma0,
            sigma_min=sigma_min,
            sigma_max=smax,
            low=lo - origin,
            high=hi - origin,
            mirrored=True,
            size=size,
        )
        n = self.n_variables
        self.origin = np.broadcast_to(origin, (n,)).copy()
        #: ``(n,)`` the starting sigma given as ``sigma`` (clipped to its bounds), None for the default
        self.sigma_init: np.ndarray | None = None if given is None else np.broadcast_to(given, (n,)).copy()
        self._start_share: float | None = None  # set by blackbox.with_margin when it chose sigma_init
        self.centred = np.broadcast_to(shift, (n,)).copy()
        # spec() names ``centred`` only where it departs from the default rule (older specs unchanged)
        self._centred_given = not np.array_equal(self.centred, np.broadcast_to(default_shift, (n,)))
        self.int_low = np.broadcast_to(lo, (n,)).copy()  # the bounds in the user's coordinates
        self.int_high = np.broadcast_to(hi, (n,)).copy()
        self._shifted = bool(np.any(self.origin != 0))
        # the rounding boundaries in raw coordinates lie at k + 1/2 - frac(origin) (origin is an
        # integer or a half-integer): g = raw + frac(origin) has them at half-integers, exactly
        self._frac = self.origin - np.floor(self.origin)
        self._g_low, self._g_high = self.int_low - self.origin + self._frac, self.int_high - self.origin + self._frac
        self._last_margin_sigma: tuple[tuple[str, tuple[int, ...], bytes], np.ndarray] | None = None
        if margin is not None:
            self.margin = float(margin)
            self._z = NormalDist().inv_cdf(1.0 - self.margin)
            self._init = self.project(self._init)
        mean0 = self._init[..., 0]  # the default start: the widest sigma, within Theta
        widest = self._init if given is None else self.project(np.stack([mean0, mean0**2 + smax**2], axis=-1))
        #: ``(n,)`` the sigma the default start has (half the range, as Theta holds it next to the centre)
        self.widest_sigma: np.ndarray = self.mean_sigma(widest)[1]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """An Integer pickled before asng-opt 0.13 had no ``sigma``: its start was the widest."""
        self.__dict__.update(state)
        if "widest_sigma" not in state:
            self.sigma_init, self._start_share = None, None
            self.widest_sigma = self.mean_sigma(self._init)[1]

    def margin_sigma(self, mu: np.ndarray) -> np.ndarray:
        """``B + (n,)``: the smallest sigma the margin allows at raw means ``mu`` ``B + (n,)``:
        ``d / z`` (d the distance to the nearest rounding boundary inside the range, z =
        Phi^-1(1 - margin)) within [sigma_min, sigma_max]; sigma_min without a margin."""
        if self.margin is None:
            return np.broadcast_to(self.sigma_min, np.shape(mu)).copy()
        mu = np.asarray(mu)
        key = (mu.dtype.str, mu.shape, mu.tobytes())
        # (key, floor): an ask and its tell need it up to five times at one mean (getattr: an
        # Integer pickled before asng-opt 0.11 has no such attribute)
        last = getattr(self, "_last_margin_sigma", None)
        if last is not None and last[0] == key:
            return last[1].copy()
        floor = self._margin_sigma(mu)
        self._last_margin_sigma = (key, floor.copy())
        return floor

    def _margin_sigma(self, mu: np.ndarray) -> np.ndarray:
        g = np.clip(mu, self._low, self._high) + self._frac
        r = np.floor(g + 0.5)  # the mean's integer (shifted by origin - frac(origin))
        d_lo = np.where(r > self._g_low, g - (r - 0.5), np.inf)
        d_hi = np.where(r < self._g_high, (r + 0.5) - g, np.inf)
        d = np.minimum(d_lo, d_hi)  # inf: a constant variable, no boundary inside its range
        floor = np.where(np.isfinite(d), d / self._z, self.sigma_min)
        return np.clip(floor, self.sigma_min, self._smax)

    def project(self, theta: np.ndarray) -> np.ndarray:
        """Appendix D's projection (:meth:`Gaussian.project`); with a margin, then ``m2`` raised to
        ``mu^2 + margin_sigma(mu)^2`` where it is below."""
        theta = super().project(theta)
        if self.margin is None:
            return theta
        mu = theta[..., 0]
        s = self.margin_sigma(mu)
        return np.stack([mu, np.maximum(theta[..., 1], mu * mu + s * s)], axis=-1)

    def converged(self, theta: np.ndarray, *, floor_ulps: float = 0.0) -> np.ndarray:
        """Every sigma at its floor within a relative 1e-6: sigma_min (``floor_ulps`` as a
        Gaussian's), or with a margin :meth:`margin_sigma` (the distribution then still draws
        each neighbour of its mode)."""
        if self.margin is None:
            return super().converged(theta, floor_ulps=floor_ulps)
        mu, sigma = self.mean_sigma(theta)
        return np.all(sigma <= self.margin_sigma(mu) * (1 + 1e-6), axis=-1)

    def decode(self, raw: Any) -> np.ndarray:
        """Clip to [low, high], then round half up: what the objective sees, as int64."""
        x = np.clip(raw, self.low, self.high)
        if self._shifted:
            x = np.clip(x + self.origin, self.int_low, self.int_high)
        return np.floor(x + 0.5).astype(np.int64)

    def check_samples(self, samples: Any) -> tuple[np.ndarray, int]:
        """Integer-valued ``(lam, n)`` samples within [low, high]; returned as raw draws (``x - origin``)."""
        x = np.asarray(samples)
        if x.ndim != 2 or x.shape[1] != self.n_variables:
            raise ValueError(f"Integer: samples must have shape (lam, {self.n_variables}), got {x.shape}")
        if x.dtype.kind not in "iuf" or not np.all(np.isfinite(x)) or np.any(x != np.floor(x)):
            raise ValueError("Integer: samples must be integer values")
        xf = x.astype(float)
        out = (xf < self.int_low) | (xf > self.int_high)
        if np.any(out):
            j, i = (int(v) for v in np.argwhere(out)[0])
            raise ValueError(
                f"Integer: sample {j} has {x[j, i]} for variable {i}, outside "
                f"[{self.int_low[i]:.0f}, {self.int_high[i]:.0f}]"
            )
        return (xf - self.origin if self._shifted else xf), x.shape[0]

    def spec(self) -> dict[str, Any]:
        return {
            "type": "Integer",
            "low": self.int_low.tolist(),
            "high": self.int_high.tolist(),
            "sigma_min": self.sigma_min.tolist(),
            **({} if self.margin is None else {"margin": self.margin}),
            **({"centred": self.centred.tolist()} if self._centred_given else {}),
        }
