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
"""

from __future__ import annotations

import numbers
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


class Integer(Gaussian):
    """Integer variables in [low_i, high_i] (inclusive), modelled by a Gaussian.

    Args:
        low, high: (n,) integer bounds within +-2**51, or scalars with ``size`` variables.
        sigma_min: lower bound on sigma, 1/4 by default (appendix D).
        size: number of variables when low and high are scalars.

    Attributes:
        origin: (n,) the centre of each range for variables modelled relative to it (bounds
            beyond 2**16 * min(sigma_min, 1/4) in magnitude), else 0; theta and raw draws are in
            ``x - origin``.

    Samples handed to the user are ``(lam, n)`` int64 arrays.

    Raises:
        ValueError: non-integer or out-of-range bounds, low > high, and the Gaussian's checks.
    """

    def __init__(self, low: Any, high: Any, sigma_min: float = 0.25, size: int | None = None):
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
        shift = np.maximum(np.abs(lo), np.abs(hi)) > 2**16 * min(smin, 0.25)
        origin = np.where(shift, (lo + hi) / 2.0, 0.0)
        smax = np.maximum((hi - lo) / 2.0, sigma_min)  # a constant variable (low == high) keeps sigma_min
        super().__init__(
            mean=(lo + hi) / 2.0 - origin,
            sigma=smax,
            sigma_min=sigma_min,
            sigma_max=smax,
            low=lo - origin,
            high=hi - origin,
            mirrored=True,
            size=size,
        )
        n = self.n_variables
        self.origin = np.broadcast_to(origin, (n,)).copy()
        self.int_low = np.broadcast_to(lo, (n,)).copy()  # the bounds in the user's coordinates
        self.int_high = np.broadcast_to(hi, (n,)).copy()
        self._shifted = bool(np.any(self.origin != 0))

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
        }
