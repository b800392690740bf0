"""Validation of a :class:`~asng_opt.Categorical`'s arguments and inputs: category counts, the
probability floors theta_min (appendix D), a parameter theta and told samples. Each returns the
value in its canonical form or raises ``ValueError`` naming the problem."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "THETA_MIN_FLOOR",
    "default_theta_min",
    "check_categories",
    "check_theta_min",
    "check_theta",
    "check_samples",
]

#: Smallest theta_min accepted for a variable with two or more categories. The Fisher information
#: of a categorical has entries 1 / theta (appendix B): the Fisher norm sums g_k^2 / theta_k. At
#: theta_min = 0 a probability reaches exactly 0 and the norm is NaN (every later tell is skipped);
#: below the smallest normal double (2.2e-308) 1 / theta overflows (measured: ASNG with theta_min
#: 1e-310 or 1e-320 has a non-finite Fisher norm within its first two tells); at 1e-300 the norm is
#: finite only while n_theta * g^2 / theta_min stays below 1.8e308. The floor 1e-100 keeps every
#: 1 / theta <= 1e100, so the squared norm cannot overflow for any n_theta that fits in memory, 200
#: orders of magnitude away from the denormals; no search space needs a smaller probability floor.
THETA_MIN_FLOOR = 1e-100


def check_categories(categories: Any) -> np.ndarray:
    """``(n,)`` category counts, each an integer >= 1 (integral floats accepted), as int64.

    Raises:
        ValueError: not a non-empty 1-D sequence, non-integers, a count below 1.
    """
    m = np.asarray(categories)
    if m.ndim != 1 or m.size == 0:
        raise ValueError(f"Categorical: categories must be a non-empty 1-D sequence of ints, got shape {m.shape}")
    if not np.issubdtype(m.dtype, np.integer):
        if not (np.issubdtype(m.dtype, np.floating) and np.all(np.isfinite(m)) and np.all(m == np.round(m))):
            raise ValueError(f"Categorical: categories must be integers, got {m!r}")
    m = m.astype(np.int64)
    if np.any(m < 1):
        bad = int(np.flatnonzero(m < 1)[0])
        raise ValueError(f"Categorical: variable {bad} has {m[bad]} categories; each needs at least 1")
    return m


def default_theta_min(categories: np.ndarray) -> np.ndarray:
    """Appendix D's lower bound theta_min,i = 1 / (n_c (m_i - 1)), n_c = #{i : m_i > 1}.

    Where that bound leaves a variable no room to move (m_i theta_min,i >= 1, which happens only
    for n_c = 1, or n_c = 2 with binary variables) n_c is replaced by 3 for that variable.
    Variables with one category get 0 (they have no free parameter).
    """
    m = np.asarray(categories)
    n_c = int(np.sum(m > 1))
    out = np.zeros(m.shape)
    free = m > 1
    n_eff = np.where(n_c * (m - 1) > m, n_c, 3)
    out[free] = 1.0 / (n_eff[free] * (m[free] - 1))
    return out


def check_theta_min(theta_min: Any, m: np.ndarray) -> np.ndarray:
    """``theta_min`` as an (n,) float array (0 for one-category variables), or a ValueError."""
    try:
        t = np.array(theta_min, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"Categorical: theta_min must be a number or an array of numbers, got {theta_min!r}") from None
    if t.ndim == 0:
        t = np.full(m.shape, float(t))
    elif t.shape != m.shape:
        raise ValueError(
            f"Categorical: theta_min must be a scalar or have shape ({m.size},) (one per variable), got shape {t.shape}"
        )
    free = m > 1
    bad = ~np.isfinite(t) | (t < 0)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"Categorical: theta_min of variable {i} is {float(t[i])!r}; it must be finite and >= 0")
    low = free & (t < THETA_MIN_FLOOR)
    if np.any(low):
        i = int(np.flatnonzero(low)[0])
        raise ValueError(
            f"Categorical: theta_min of variable {i} (m={m[i]}) is {float(t[i])!r}; it must be >= {THETA_MIN_FLOOR:g} "
            f"(the Fisher information has entries 1/theta: a probability of 0 makes it infinite)"
        )
    t[~free] = 0.0  # a variable with one category has no free parameter
    # the projection divides by 1 - sum(theta_min): check the sum it computes, not only m * theta_min
    tsum = np.where(np.arange(m.max())[None, :] < m[:, None], t[:, None], 0.0).sum(-1)
    room = free & ((m * t >= 1.0) | (tsum >= 1.0))
    if np.any(room):
        i = int(np.flatnonzero(room)[0])
        raise ValueError(
            f"Categorical: theta_min={t[i]:.4g} leaves variable {i} (m={m[i]}) no room: m * theta_min must be < 1"
        )
    return t


def check_theta(theta: Any, valid: np.ndarray) -> np.ndarray:
    """One unbatched parameter as an owned ``(n, M)`` float array (unprojected); ``valid`` is the
    ``(n, M)`` mask of each variable's categories.

    Raises:
        ValueError: another shape, NaN / inf, non-zero entries beyond a variable's categories,
            rows that are not probabilities summing to 1 (within 1e-9).
    """
    t = np.array(theta, dtype=float)
    if t.shape != valid.shape:
        raise ValueError(f"Categorical: theta must have shape {valid.shape}, got {t.shape}")
    if not np.all(np.isfinite(t)):
        raise ValueError("Categorical: theta contains NaN or inf")
    if np.any(t[~valid] != 0):
        raise ValueError("Categorical: theta must be 0 beyond each variable's categories")
    if np.any(t < 0) or np.any(np.abs(t.sum(-1) - 1) > 1e-9):
        raise ValueError("Categorical: each row of theta must be probabilities summing to 1")
    return t


def check_samples(samples: Any, categories: np.ndarray) -> tuple[np.ndarray, int]:
    """User-given ``(lam, n)`` samples as int64 category indices (integral floats accepted), and lam.

    Raises:
        ValueError: another shape, non-integers, a category outside ``0..m_i - 1`` (the first one
            named with its sample and variable).
    """
    c = np.asarray(samples)
    n = categories.size
    if c.ndim != 2 or c.shape[1] != n:
        raise ValueError(f"Categorical: samples must have shape (lam, {n}), got {c.shape}")
    if not np.issubdtype(c.dtype, np.integer):
        if not np.issubdtype(c.dtype, np.number) or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
            raise ValueError("Categorical: samples must be integer category indices")
    c = c.astype(np.int64)
    bad = (c < 0) | (c >= categories)
    if np.any(bad):
        j, i = (int(x) for x in np.argwhere(bad)[0])
        raise ValueError(
            f"Categorical: sample {j} has category {c[j, i]} for variable {i}, "
            f"which has {categories[i]} categories (valid: 0..{categories[i] - 1})"
        )
    return c, c.shape[0]
