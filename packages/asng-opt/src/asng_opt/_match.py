"""Which pending sample each told sample is: a ``tell`` of the last ``ask``'s samples in another
order (results arriving ``as_completed``) is matched to them as a multiset, so that the update is
exactly that of the in-order tell (:func:`match_rows`); the samples of a batch that differs from
the ask (one added, dropped, or mixed with samples of one's own) are matched one by one
(:func:`match_each`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["match_rows", "match_each", "in_pending_order"]


def _leaves(x: Any) -> list[np.ndarray] | None:
    """The arrays of a batch (an array, or nested dicts of them, keys sorted) as ``(k, d)`` numeric
    arrays; None for anything else (strings, objects, scalars)."""
    if isinstance(x, Mapping):
        out: list[np.ndarray] = []
        for key in sorted(x, key=repr):
            sub = _leaves(x[key])
            if sub is None:
                return None
            out += sub
        return out
    a = np.asarray(x)
    if a.ndim < 1 or a.dtype.kind not in "biuf":
        return None
    return [a.reshape(a.shape[0], int(np.prod(a.shape[1:])))]  # (-1 cannot size an empty batch)


def _layout(x: Any) -> Any:
    """The keys of a batch's (nested) dicts, for comparing two layouts."""
    if isinstance(x, Mapping):
        return {k: _layout(v) for k, v in x.items()}
    return None


def match_rows(told: Any, pending: Any) -> np.ndarray | None:
    """``perm`` (``(k,)`` ints) with ``told[i] == pending[perm[i]]`` exactly for every sample ``i``,
    when the ``k`` told samples are the ``k`` pending ones in some order (a multiset: equal samples
    are matched first to first, so an in-order batch gives ``arange(k)``); None otherwise (another
    layout, another number of samples, a sample that is not pending).

    Both are batches: ``(k, ...)`` numeric arrays or (nested) dicts of them with the same keys.
    Cost: one pass over the values, O(k) dict look-ups.
    """
    a, b = _comparable(told, pending)
    if a is None or b is None or [x.shape for x in a] != [y.shape for y in b]:
        return None
    perm = _first_free(a, b)
    if np.any(perm < 0) or not all(np.array_equal(x, y[perm]) for x, y in zip(a, b)):  # keys were floats
        return None
    return perm


def match_each(told: Any, pending: Any) -> np.ndarray | None:
    """``(k,)`` ints: for each of the ``k`` told samples the pending sample it equals exactly, -1 for
    one that equals none, matched as a multiset (equal samples first to first, each pending sample
    at most once: a told sample repeated beyond the pending copies gets -1). Unlike
    :func:`match_rows` the told batch may hold any number of samples, some of them not pending (a
    partial batch, or one mixed with samples of one's own). None when no sample can match (another
    layout of keys or shapes, or non-numeric values).

    Both are batches: ``(k, ...)`` and ``(k', ...)`` numeric arrays or (nested) dicts of them.
    """
    a, b = _comparable(told, pending)
    if a is None or b is None or [x.shape[1:] for x in a] != [y.shape[1:] for y in b]:
        return None
    perm = _first_free(a, b)
    hit = np.flatnonzero(perm >= 0)
    for x, y in zip(a, b):  # the keys were floats: confirm each match on the values themselves
        same = np.all(x[hit] == y[perm[hit]], axis=1)
        perm[hit[~same]] = -1
    return perm


def _comparable(told: Any, pending: Any) -> tuple[list[np.ndarray] | None, list[np.ndarray] | None]:
    """Both batches' :func:`_leaves` (``(k, d)`` arrays each), or ``(None, None)`` for batches of
    different key layouts or without numeric leaves."""
    if _layout(told) != _layout(pending):
        return None, None
    a, b = _leaves(told), _leaves(pending)
    if not a or not b:
        return None, None
    return a, b


def _first_free(a: list[np.ndarray], b: list[np.ndarray]) -> np.ndarray:
    """``(k,)`` ints: for each sample of ``a`` the first not yet taken sample of ``b`` with the same
    :func:`_row_keys` key, -1 where none is left (leaves of equal trailing shapes)."""
    slots: dict[bytes, list[int]] = {}
    for j, key in enumerate(_row_keys(b)):
        slots.setdefault(key, []).append(j)
    perm = np.full(len(a[0]), -1, dtype=np.intp)
    for i, key in enumerate(_row_keys(a)):
        free = slots.get(key)
        if free:
            perm[i] = free.pop(0)
    return perm


def _row_keys(leaves: list[np.ndarray]) -> list[bytes]:
    """One bytes key per sample: its values as float64 (-0.0 as 0.0) side by side."""
    rows = np.concatenate([np.asarray(x, dtype=np.float64) for x in leaves], axis=1) + 0.0
    return [r.tobytes() for r in rows]


def in_pending_order(f: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Told values ``f`` ``(k,)`` rearranged so that entry ``perm[i]`` is ``f[i]``."""
    out = np.empty_like(f)
    out[perm] = f
    return out
