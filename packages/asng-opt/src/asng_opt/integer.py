"""Integer (ordinal) variables: a Gaussian whose samples the user sees clipped and rounded.

Section 3.3 / appendix D: variable i lives in [low_i, high_i]; the mean is kept in that range
and sigma in [1/4, (high_i - low_i)/2]; the search starts at the centre with the largest sigma.
Samples are drawn in mirrored pairs. The objective sees ``round(clip(x, low, high))``; the update
uses the raw draw x (the optimizer remembers the raw draws behind its last ``ask``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .gaussian import Gaussian

__all__ = ["Integer"]


class Integer(Gaussian):
    """Integer variables in [low_i, high_i] (inclusive), modelled by a Gaussian.

    Args:
        low, high: (n,) integer bounds, or scalars with ``size`` variables.
        sigma_min: lower bound on sigma, 1/4 by default (appendix D).
        size: number of variables when low and high are scalars.

    Samples handed to the user are ``(lam, n)`` int64 arrays.
    """

    def __init__(self, low: Any, high: Any, sigma_min: float = 0.25, size: int | None = None):
        lo = np.asarray(low)
        hi = np.asarray(high)
        for name, a in (("low", lo), ("high", hi)):
            af = np.asarray(a, dtype=float)
            if not (np.issubdtype(a.dtype, np.integer) or np.all(af == np.round(af))):
                raise ValueError(f"Integer: {name} must be integers, got {a!r}")
        lo = lo.astype(float)
        hi = hi.astype(float)
        if np.any(lo > hi):
            lo_b, hi_b = np.broadcast_arrays(lo, hi)
            bad = int(np.flatnonzero(lo_b > hi_b)[0]) if lo_b.ndim else 0
            raise ValueError(f"Integer: variable {bad} has low={lo_b.flat[bad]:g} > high={hi_b.flat[bad]:g}")
        smax = np.maximum((hi - lo) / 2.0, sigma_min)  # a constant variable (low == high) keeps sigma_min
        super().__init__(
            mean=(lo + hi) / 2.0,
            sigma=smax,
            sigma_min=sigma_min,
            sigma_max=smax,
            low=lo,
            high=hi,
            mirrored=True,
            size=size,
        )

    def decode(self, raw: Any) -> np.ndarray:
        """Clip to [low, high], then round half up: what the objective sees, as int64."""
        return np.floor(np.clip(raw, self.low, self.high) + 0.5).astype(np.int64)

    def spec(self) -> dict[str, Any]:
        return {
            "type": "Integer",
            "low": self.low.tolist(),
            "high": self.high.tolist(),
            "sigma_min": self.sigma_min.tolist(),
        }
