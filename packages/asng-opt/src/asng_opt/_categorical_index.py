"""The index tables of a :class:`~asng_opt.Categorical`'s layout, and the computations that walk
them one row at a time (sampling long rows by binary search, the dense Fisher matrix).

theta is the zero-padded ``(n, M)`` table (``M = max m_i``); the *free* coordinates -- the paper's
parameter vector, ``n_theta = sum(m_i - 1)`` -- are the categories ``k < m_i - 1`` of each row, in
row order, addressed in the flattened ``n * M`` table.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Tables", "tables", "segment_sum", "inverse_cdf", "search_rows", "fisher_matrix", "SEARCH_ABOVE"]

#: sampling compares each draw with the whole CDF row, a ``B + (lam, n, M)`` boolean array, while
#: ``lam * M`` is at most this; above it each row is binary-searched (``np.searchsorted``, about 3 µs
#: per row), which allocates only ``B + (lam, n)``. Both give the same samples. The cross-over
#: measured on a 2-core machine lies at ``lam * M`` between 4,096 and 8,192 for lam = 2, 8 and 64 and
#: 1 to 40 variables alike, so the paper's spaces (M <= 70) keep the comparison, whose boolean array
#: stays below 4,096 bytes per variable. (``Categorical.search_above``)
SEARCH_ABOVE = 4096


class Tables(NamedTuple):
    """Index tables and constants of one categorical layout (``n`` variables, ``M`` columns)."""

    #: ``(n, M)`` bool: category k exists for variable i (k < m_i)
    valid: np.ndarray
    #: ``(n, M)`` theta_min,i on each variable's categories, 0 beyond
    tmin_full: np.ndarray
    #: ``(n,)`` m_i theta_min,i
    tmin_sum: np.ndarray
    #: ``(n_theta,)`` the variable of each free coordinate
    var_of_free: np.ndarray
    #: ``(n_theta,)`` the category of each free coordinate
    cat_of_free: np.ndarray
    #: ``(n_theta,)`` each free coordinate's index in the flattened table
    free: np.ndarray
    #: the start of each parametrised variable's (m_i > 1) block in a flat vector
    seg_starts: np.ndarray
    #: the parametrised variables
    seg_vars: np.ndarray
    #: ``(n_theta,)`` the parametrised variable (block) of each free coordinate
    seg_of_free: np.ndarray
    #: the flattened index of each parametrised variable's last category
    last_of_var: np.ndarray
    #: every variable has the same M > 1 categories (blocks reshape to ``(n, M - 1)``)
    uniform: bool
    #: ``(M,)`` ones, to sum rows with a matrix product
    ones: np.ndarray
    #: ``(n, M)``: +inf from each row's last category on, 0 before (added to the CDF)
    cdf_cap: np.ndarray
    #: ``(M - 1,)`` ones, to sum uniform blocks
    ones_free: np.ndarray


def tables(m: np.ndarray, tmin: np.ndarray) -> Tables:
    """The tables of ``(n,)`` category counts ``m`` (int64, >= 1) with floors ``tmin`` ``(n,)``."""
    n_theta = int(np.sum(m - 1))
    M = int(m.max())
    k = np.arange(M)
    valid = k[None, :] < m[:, None]
    tmin_full = np.where(valid, tmin[:, None], 0.0)
    var_of_free = np.repeat(np.arange(m.size), m - 1)
    starts = np.concatenate([[0], np.cumsum(m - 1)[:-1]])
    cat_of_free = np.arange(n_theta) - np.repeat(starts, m - 1)
    has = m > 1
    seg_vars = np.flatnonzero(has)
    return Tables(
        valid=valid,
        tmin_full=tmin_full,
        tmin_sum=tmin_full.sum(-1),
        var_of_free=var_of_free,
        cat_of_free=cat_of_free,
        free=var_of_free * M + cat_of_free,
        seg_starts=starts[has],
        seg_vars=seg_vars,
        seg_of_free=np.repeat(np.arange(seg_vars.size), m[has] - 1),
        last_of_var=seg_vars * M + (m[has] - 1),
        uniform=bool(np.all(m == M)) and M > 1,
        ones=np.ones(M),
        cdf_cap=np.where(k[None, :] >= m[:, None] - 1, np.inf, 0.0),
        ones_free=np.ones(M - 1),
    )


def segment_sum(t: Tables, g: np.ndarray) -> np.ndarray:
    """Sum of a flat vector ``B + (n_theta,)`` over each parametrised variable's free coordinates:
    ``B + (n_param_vars,)``."""
    if t.uniform:  # (... @ ones) sums the last axis faster than .sum(-1) on small arrays
        return g.reshape(g.shape[:-1] + (t.valid.shape[0], t.ones_free.size)) @ t.ones_free
    return np.add.reduceat(g, t.seg_starts, axis=-1)


def inverse_cdf(
    theta: np.ndarray, u: np.ndarray, cdf_cap: np.ndarray, categories: list[int], search_above: int
) -> np.ndarray:
    """Inverse-CDF sampling (``Categorical.sample_from_uniforms``): ``theta`` ``B + (n, M)``, ``u``
    ``B + (lam, n)`` uniforms in [0, 1); returns ``B + (lam, n)`` int64, the first category whose
    CDF exceeds each uniform. ``cdf_cap`` is :attr:`Tables.cdf_cap`, ``categories`` the ``m_i``.

    Raises:
        ValueError: if ``u`` does not have shape ``B + (lam, n)``.
    """
    b = theta.shape[:-2]
    n, M = len(categories), cdf_cap.shape[-1]
    if u.ndim != len(b) + 2 or u.shape[: len(b)] != b or u.shape[-1] != n:
        raise ValueError(f"Categorical: uniforms must have shape {b} + (lam, {n}), got {u.shape}")
    lam = u.shape[-2]
    # CDF per row, +inf from each row's last category on, so the first k with u < cdf_k is the
    # sample even when rounding leaves cdf_last < 1
    cdf = np.add.accumulate(theta, axis=-1)  # np.cumsum without its call overhead: sequential sums
    cdf += cdf_cap
    if lam * M <= search_above:
        return np.argmax(u[..., None] < cdf[..., None, :, :], axis=-1)  # B + (lam, n, M) bool
    return search_rows(cdf, u, categories)


def search_rows(cdf: np.ndarray, u: np.ndarray, categories: list[int]) -> np.ndarray:
    """Inverse-CDF sampling by a binary search per row: ``cdf`` ``B + (n, M)`` (capped, non-decreasing
    rows), ``u`` ``B + (lam, n)`` uniforms; returns ``B + (lam, n)`` int64, the first k with
    ``u < cdf_k`` -- the comparison's index without its ``B + (lam, n, M)`` array."""
    n, M = cdf.shape[-2:]
    lam = u.shape[-2]
    out = np.empty(u.shape, dtype=np.int64)
    rows, ut, res = cdf.reshape(-1, n, M), u.reshape(-1, lam, n), out.reshape(-1, lam, n)
    for j in range(rows.shape[0]):
        uj = ut[j].T.copy()  # (n, lam): each row's draws contiguous
        for i, m in enumerate(categories):
            res[j, :, i] = np.searchsorted(rows[j, i, :m], uj[i], side="right")
    return out


def fisher_matrix(t: Tables, theta: np.ndarray) -> np.ndarray:
    """Appendix B: F_i = diag(theta_i)^-1 + theta_{i,m_i}^-1 1 1^T on each variable's free
    coordinates, block diagonal; a dense ``(n_theta, n_theta)`` array of one unbatched ``theta``."""
    n_theta = t.free.size
    F = np.zeros((n_theta, n_theta))
    tf = np.asarray(theta, dtype=float).reshape(-1)
    for seg in range(t.seg_vars.size):
        idx = np.flatnonzero(t.seg_of_free == seg)
        th = tf[t.free[idx]]
        F[np.ix_(idx, idx)] = np.diag(1.0 / th) + 1.0 / tf[t.last_of_var[seg]]
    return F
