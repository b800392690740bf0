"""Product of named distributions: one joint distribution, one Fisher norm, one step.

The parts are independent, so the Fisher matrix is block diagonal; flat vectors concatenate the
parts' flat vectors in the order the parts were given. ``theta``, samples and modes are dicts
keyed by part name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .distribution import Distribution, converged_within

__all__ = ["Product"]


class Product(Distribution):
    """Joint distribution of named, independent parts.

    ``Product(ops=Categorical([5] * 10), width=Integer(16, 64, size=3))`` or
    ``Product({"ops": ..., "width": ...})``. Samples are dicts ``{name: (lam, ...) array}``.

    Raises:
        ValueError: no part, a positional argument that is not a dict, a part name that is not a
            non-empty string, a name given twice, a part that is not an asng_opt distribution.
    """

    def __init__(self, parts: Mapping[str, Distribution] | None = None, /, **named: Distribution):
        if parts is not None and not isinstance(parts, Mapping):
            got = type(parts).__name__
            raise ValueError(
                f"Product: the positional argument must be a dict name -> distribution, got {got} "
                "(name the parts: Product(a=..., b=...) or Product({'a': ..., 'b': ...}))"
            )
        merged = dict(parts or {})
        for k in merged:
            if not isinstance(k, str) or not k:
                raise ValueError(f"Product: part names must be non-empty strings, got {k!r}")
        for k, v in named.items():
            if k in merged:
                raise ValueError(f"Product: part {k!r} given twice")
            merged[k] = v
        if not merged:
            raise ValueError("Product: needs at least one part")
        for k, v in merged.items():
            if not isinstance(v, Distribution):
                raise ValueError(f"Product: part {k!r} is {type(v).__name__}, not an asng_opt distribution")
        self.parts: dict[str, Distribution] = merged
        self._slices: dict[str, slice] = {}
        start = 0
        for k, p in merged.items():
            self._slices[k] = slice(start, start + p.n_theta)
            start += p.n_theta
        self.n_theta = start

    def _each(self, fn: str, theta: Mapping[str, Any], *args: Any) -> dict[str, Any]:
        return {k: getattr(p, fn)(theta[k], *args) for k, p in self.parts.items()}

    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> dict[str, Any]:
        return {k: p.initial_theta(batch_shape) for k, p in self.parts.items()}

    def check_theta(self, theta: Any) -> dict[str, Any]:
        if not isinstance(theta, Mapping) or set(theta) != set(self.parts):
            raise ValueError(f"Product: theta must be a dict with keys {list(self.parts)}")
        return {k: p.check_theta(theta[k]) for k, p in self.parts.items()}

    def sample(self, theta: Mapping[str, Any], lam: int, rng: np.random.Generator) -> dict[str, Any]:
        return self._each("sample", theta, lam, rng)

    def decode(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {k: p.decode(raw[k]) for k, p in self.parts.items()}

    def check_samples(self, samples: Any) -> tuple[dict[str, Any], int]:
        if not isinstance(samples, Mapping) or set(samples) != set(self.parts):
            got = list(samples) if isinstance(samples, Mapping) else type(samples).__name__
            raise ValueError(f"Product: samples must be a dict with keys {list(self.parts)}, got {got}")
        out: dict[str, Any] = {}
        counts = set()
        for k, p in self.parts.items():
            try:
                out[k], n = p.check_samples(samples[k])
            except ValueError as e:
                raise ValueError(f"Product part {k!r}: {e}") from None
            counts.add(n)
        if len(counts) != 1:
            raise ValueError(f"Product: parts hold different numbers of samples {sorted(counts)}")
        return out, counts.pop()

    def mode(self, theta: Mapping[str, Any]) -> dict[str, Any]:
        return self._each("mode", theta)

    def mode_probabilities(self, theta: Mapping[str, Any]) -> np.ndarray:
        """The parts' categorical variables, in the order of the parts."""
        return np.concatenate([p.mode_probabilities(theta[k]) for k, p in self.parts.items()], axis=-1)

    def flat(self, theta: Mapping[str, Any]) -> np.ndarray:
        return np.concatenate([p.flat(theta[k]) for k, p in self.parts.items()], axis=-1)

    def natural_gradient(self, theta: Mapping[str, Any], raw: Mapping[str, Any], weights: np.ndarray) -> np.ndarray:
        return np.concatenate([p.natural_gradient(theta[k], raw[k], weights) for k, p in self.parts.items()], axis=-1)

    def fisher_sqrt(self, theta: Mapping[str, Any], g: np.ndarray) -> np.ndarray:
        return np.concatenate(
            [p.fisher_sqrt(theta[k], g[..., self._slices[k]]) for k, p in self.parts.items()], axis=-1
        )

    def step(self, theta: Mapping[str, Any], d: np.ndarray) -> dict[str, Any]:
        return {k: p.step(theta[k], d[..., self._slices[k]]) for k, p in self.parts.items()}

    def project(self, theta: Mapping[str, Any]) -> dict[str, Any]:
        return self._each("project", theta)

    def fisher_matrix(self, theta: Mapping[str, Any]) -> np.ndarray:
        F = np.zeros((self.n_theta, self.n_theta))
        for k, p in self.parts.items():
            s = self._slices[k]
            F[s, s] = p.fisher_matrix(theta[k])
        return F

    def converged(self, theta: Mapping[str, Any], *, floor_ulps: float = 0.0) -> np.ndarray:
        flags = [np.asarray(converged_within(p, theta[k], floor_ulps)) for k, p in self.parts.items()]
        return np.logical_and.reduce(flags)

    def spec(self) -> dict[str, Any]:
        return {"type": "Product", "parts": {k: p.spec() for k, p in self.parts.items()}}

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={p!r}" for k, p in self.parts.items())
        return f"Product({inner})"
