"""Samples as the optimizers hand them out: an ``(lam, ...)`` array, or a dict of them for a
:class:`~asng_opt.Product` (nested dicts for nested Products). Helpers that walk that layout."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["samples_equal", "same_layout", "copy_samples", "n_samples", "all_finite", "total_is_finite", "item"]


def samples_equal(a: Any, b: Any) -> bool:
    """Exact equality of two batches of samples (numeric arrays, or nested dicts of them)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(samples_equal(a[k], b[k]) for k in a)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.kind in "biuf" and b.dtype.kind in "biuf" and bool(np.array_equal(a, b))


def same_layout(a: Any, b: Any) -> bool:
    """Whether two batches of samples have the same layout: the same (nested) keys, shapes and
    kinds of dtype (the values may differ)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        if not (isinstance(a, Mapping) and isinstance(b, Mapping)) or set(a) != set(b):
            return False
        return all(same_layout(a[k], b[k]) for k in a)
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype.kind == b.dtype.kind


def copy_samples(x: Any) -> Any:
    """An owned copy: an array, or (nested) dicts of arrays."""
    if isinstance(x, Mapping):
        return {k: copy_samples(v) for k, v in x.items()}
    return np.array(x)


def n_samples(x: Any) -> int:
    """The number of samples (the leading axis) in an array or in (nested) dicts of arrays."""
    while isinstance(x, Mapping):
        x = next(iter(x.values()))
    return int(np.shape(x)[0])


def item(samples: Any, j: int) -> Any:
    """Sample ``j`` of a batch, as a fresh copy: an array, (nested) dicts of arrays, or one
    configuration dict of a list (a :class:`~asng_opt.Space`'s batch): a new dict holding the
    values themselves -- a Choice's own objects (never copied: they come back as the very
    objects given), Python ints and floats."""
    if isinstance(samples, list):
        return dict(samples[j])
    if isinstance(samples, Mapping):
        return {k: item(v, j) for k, v in samples.items()}
    return np.array(samples[j])


def _total(x: Any) -> float:
    t = type(x)
    if t is np.ndarray:  # the common leaves first (no ABC isinstance): as the last line
        return float(np.add.reduce(x, axis=None))
    if t is float:
        return x
    if isinstance(x, Mapping):
        return sum(_total(v) for v in x.values())
    if isinstance(x, tuple):
        return sum(_total(v) for v in x)
    return float(np.add.reduce(x, axis=None)) if isinstance(x, np.ndarray) else float(x)


def total_is_finite(x: Any) -> bool:
    """A cheap first test for :func:`all_finite` (one reduction per array): NaN or inf anywhere
    makes the total non-finite. A total that overflows reads as non-finite too, so a False here
    is confirmed with :func:`all_finite`."""
    return math.isfinite(_total(x))


def all_finite(x: Any) -> bool:
    """Every number in an array, scalar, or (nested) dict / tuple of them is finite."""
    if isinstance(x, Mapping):
        return all(all_finite(v) for v in x.values())
    if isinstance(x, tuple):
        return all(all_finite(v) for v in x)
    return bool(np.all(np.isfinite(x)))
