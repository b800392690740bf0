"""Shared test helpers for asng_opt."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def deep_equal(a: Any, b: Any) -> bool:
    """Exact equality of nested dicts / lists / tuples / numpy arrays / scalars."""
    if isinstance(a, Mapping):
        return isinstance(b, Mapping) and set(a) == set(b) and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, float) and isinstance(b, float) and np.isnan(a) and np.isnan(b):
        return True
    return type(a) is type(b) and a == b


def random_theta(dist, rng: np.random.Generator):
    """A random point of Theta for a Categorical, Gaussian/Integer or Product."""
    from asng_opt import Categorical, Gaussian, Product

    if isinstance(dist, Product):
        return {k: random_theta(p, rng) for k, p in dist.parts.items()}
    if isinstance(dist, Categorical):
        t = np.zeros((dist.n_variables, dist.max_categories))
        for i, m in enumerate(dist.categories):
            t[i, :m] = rng.dirichlet(np.full(m, 0.5))
        return dist.project(t)
    assert isinstance(dist, Gaussian)
    lo = np.where(np.isfinite(dist.low), dist.low, -5.0)
    hi = np.where(np.isfinite(dist.high), dist.high, 5.0)
    mu = rng.uniform(lo, hi)
    smax = np.minimum(dist.sigma_max, 10.0)
    sigma = np.exp(rng.uniform(np.log(dist.sigma_min), np.log(smax)))
    return dist.project(np.stack([mu, mu**2 + sigma**2], axis=-1))
