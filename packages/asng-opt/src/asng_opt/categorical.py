"""Categorical distribution in expectation parameters (section 2.4, appendices B and D).

Layout: ``theta`` is ``B + (n, M)`` with ``theta[..., i, k] = P(c_i = k)`` for ``k < m_i`` and 0
beyond (``M = max m_i``). The paper's parameter vector -- the free coordinates -- leaves out the
last category of each variable: T(c) is the one-hot vector without its last element, so
``n_theta = sum(m_i - 1)``. Flat vectors list variable 0's free categories, then variable 1's...
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .distribution import Distribution

__all__ = ["Categorical", "default_theta_min", "THETA_MIN_FLOOR"]

#: Smallest theta_min accepted for a variable with two or more categories. The Fisher information
#: of a categorical has entries 1 / theta (appendix B): the Fisher norm sums g_k^2 / theta_k. At
#: theta_min = 0 a probability reaches exactly 0 and the norm is NaN (every later tell is skipped);
#: below the smallest normal double (2.2e-308) 1 / theta overflows (measured: ASNG with theta_min
#: 1e-310 or 1e-320 has a non-finite Fisher norm within its first two tells); at 1e-300 the norm is
#: finite only while n_theta * g^2 / theta_min stays below 1.8e308. The floor 1e-100 keeps every
#: 1 / theta <= 1e100, so the squared norm cannot overflow for any n_theta that fits in memory, 200
#: orders of magnitude away from the denormals; no search space needs a smaller probability floor.
THETA_MIN_FLOOR = 1e-100


def _take(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[..., idx]``; plain indexing for an unbatched vector, several times faster there."""
    return x[idx] if x.ndim == 1 else np.take(x, idx, axis=-1)


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


def _check_theta_min(theta_min: Any, m: np.ndarray) -> np.ndarray:
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


class Categorical(Distribution):
    """Independent categorical variables, variable i taking values in {0, ..., m_i - 1}.

    Args:
        categories: (n,) number of categories of each variable, each >= 1.
        theta_min: lower bound on every probability, a scalar or (n,) array; default appendix D's
            1 / (n_c (m_i - 1)) (see :func:`default_theta_min`). Upper bounds follow:
            theta_max,i = 1 - (m_i - 1) theta_min,i (= 1 - 1/n_c with the default). Each variable
            with m_i > 1 needs THETA_MIN_FLOOR (1e-100) <= theta_min,i < 1 / m_i: the Fisher
            information has entries 1/theta, so 0 is refused, and so are values so small that
            the Fisher norm overflows (see :data:`THETA_MIN_FLOOR`); NaN, inf, negative values
            and a wrong shape are refused too. Values for one-category variables are ignored.

    Samples are ``(lam, n)`` int64 arrays of category indices.

    Memory: the state is the zero-padded ``(n, M)`` table. No attribute or method allocates an
    ``M x M`` or ``n_theta x n_theta`` array -- only such tables, ``lam x n_theta`` per-sample
    arrays and, in :meth:`sample`, at most 4,096 booleans per variable -- except the dense checking
    helper :meth:`fisher_matrix`. A variable with 20,000 categories builds, samples and updates in
    milliseconds and a few MB.
    """

    #: sampling compares each draw with the whole CDF row, a ``B + (lam, n, M)`` boolean array,
    #: while ``lam * M`` is at most this; above it each row is binary-searched (``np.searchsorted``,
    #: about 3 µs per row), which allocates only ``B + (lam, n)``. Both give the same samples. The
    #: cross-over measured on a 2-core machine lies at ``lam * M`` between 4,096 and 8,192 for
    #: lam = 2, 8 and 64 and 1 to 40 variables alike, so the paper's spaces (M <= 70) keep the
    #: comparison, whose boolean array stays below 4,096 bytes per variable.
    search_above = 4096

    def __init__(
        self, categories: Sequence[int] | np.ndarray, theta_min: float | Sequence[float] | np.ndarray | None = None
    ):
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
        self.categories = m
        self._categories_list = m.tolist()
        self.n_variables = int(m.size)
        self.max_categories = int(m.max())
        self.n_theta = int(np.sum(m - 1))
        tmin = _check_theta_min(default_theta_min(m) if theta_min is None else theta_min, m)
        self.theta_min = tmin
        self.theta_max = np.where(m > 1, 1.0 - (m - 1) * tmin, 1.0)
        M = self.max_categories
        k = np.arange(M)
        self._valid = k[None, :] < m[:, None]  # (n, M)
        self._tmin_full = np.where(self._valid, tmin[:, None], 0.0)
        self._tmin_sum = self._tmin_full.sum(-1)  # m_i theta_min,i
        # free coordinates: (variable, category) for category < m_i - 1, in flat (n*M) indexing
        var_of_free = np.repeat(np.arange(self.n_variables), m - 1)
        starts = np.concatenate([[0], np.cumsum(m - 1)[:-1]])
        cat_of_free = np.arange(self.n_theta) - np.repeat(starts, m - 1)
        self._var_of_free = var_of_free
        self._cat_of_free = cat_of_free
        self._free = var_of_free * M + cat_of_free
        has = m > 1
        self._seg_starts = starts[has]  # start of each parametrised variable's block in flat
        self._seg_vars = np.flatnonzero(has)
        self._seg_of_free = np.repeat(np.arange(self._seg_vars.size), m[has] - 1)
        self._last_of_var = self._seg_vars * M + (m[has] - 1)  # flat index of the last category
        self._uniform = bool(np.all(m == M)) and M > 1
        self._ones = np.ones(M)
        self._cdf_cap = np.where(k[None, :] >= m[:, None] - 1, np.inf, 0.0)  # (n, M)
        self._ones_free = np.ones(M - 1)

    # ---- helpers ------------------------------------------------------------------------------
    def _segment_sum(self, g: np.ndarray) -> np.ndarray:
        """Sum of a flat vector over each variable's free coordinates: ``B + (n_param_vars,)``."""
        if self._uniform:  # (... @ ones) sums the last axis faster than .sum(-1) on small arrays
            return g.reshape(g.shape[:-1] + (self.n_variables, self.max_categories - 1)) @ self._ones_free
        return np.add.reduceat(g, self._seg_starts, axis=-1)

    def _batch(self, theta: np.ndarray) -> tuple[int, ...]:
        return theta.shape[:-2]

    # ---- parameter ----------------------------------------------------------------------------
    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
        t = np.where(self._valid, 1.0 / self.categories[:, None], 0.0)
        return np.broadcast_to(t, tuple(batch_shape) + t.shape).copy()

    def check_theta(self, theta: Any) -> np.ndarray:
        t = np.array(theta, dtype=float)
        shape = (self.n_variables, self.max_categories)
        if t.shape != shape:
            raise ValueError(f"Categorical: theta must have shape {shape}, got {t.shape}")
        if not np.all(np.isfinite(t)):
            raise ValueError("Categorical: theta contains NaN or inf")
        if np.any(t[~self._valid] != 0):
            raise ValueError("Categorical: theta must be 0 beyond each variable's categories")
        if np.any(t < 0) or np.any(np.abs(t.sum(-1) - 1) > 1e-9):
            raise ValueError("Categorical: each row of theta must be probabilities summing to 1")
        return t

    # ---- sampling -----------------------------------------------------------------------------
    def sample(self, theta: np.ndarray, lam: int, rng: np.random.Generator) -> np.ndarray:
        """``B + (lam, n)`` int64 category indices drawn by inverse CDF.

        Draws ``u = rng.random(B + (lam, n))`` -- one uniform per (sample, variable), in this
        order -- and returns :meth:`sample_from_uniforms` of them: a stream of uniforms drawn
        ahead gives exactly the samples this method would.
        """
        return self.sample_from_uniforms(theta, rng.random(self._batch(theta) + (lam, self.n_variables)))

    def sample_from_uniforms(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: ``u`` is ``B + (lam, n)`` uniforms in [0, 1); returns ``B + (lam, n)`` int64
        indices, sample ``(j, i)`` being the first category whose CDF exceeds ``u[..., j, i]``.

        Memory: the ``B + (n, M)`` CDF, plus ``B + (lam, n, M)`` booleans only while
        ``lam * M <= search_above``.

        Raises:
            ValueError: if ``u`` does not have shape ``B + (lam, n)``.
        """
        b = self._batch(theta)
        n = self.n_variables
        if u.ndim != len(b) + 2 or u.shape[: len(b)] != b or u.shape[-1] != n:
            raise ValueError(f"Categorical: uniforms must have shape {b} + (lam, {n}), got {u.shape}")
        lam = u.shape[-2]
        # CDF per row, +inf from each row's last category on, so the first k with u < cdf_k is the
        # sample even when rounding leaves cdf_last < 1
        cdf = np.add.accumulate(theta, axis=-1)  # np.cumsum without its call overhead: sequential sums
        cdf += self._cdf_cap
        if lam * self.max_categories <= self.search_above:
            return np.argmax(u[..., None] < cdf[..., None, :, :], axis=-1)  # B + (lam, n, M) bool
        # long rows: binary search per row, the same index as the comparison above (the first k
        # with u < cdf_k, as the capped row is non-decreasing) without its (lam, n, M) array
        out = np.empty(b + (lam, n), dtype=np.int64)
        rows, ut, res = cdf.reshape(-1, n, self.max_categories), u.reshape(-1, lam, n), out.reshape(-1, lam, n)
        for j in range(rows.shape[0]):
            uj = ut[j].T.copy()  # (n, lam): each row's draws contiguous
            for i, m in enumerate(self._categories_list):
                res[j, :, i] = np.searchsorted(rows[j, i, :m], uj[i], side="right")
        return out

    def check_samples(self, samples: Any) -> tuple[np.ndarray, int]:
        c = np.asarray(samples)
        if c.ndim != 2 or c.shape[1] != self.n_variables:
            raise ValueError(f"Categorical: samples must have shape (lam, {self.n_variables}), got {c.shape}")
        if not np.issubdtype(c.dtype, np.integer):
            if not np.issubdtype(c.dtype, np.number) or not np.all(np.isfinite(c)) or np.any(c != np.round(c)):
                raise ValueError("Categorical: samples must be integer category indices")
        c = c.astype(np.int64)
        bad = (c < 0) | (c >= self.categories)
        if np.any(bad):
            j, i = (int(x) for x in np.argwhere(bad)[0])
            raise ValueError(
                f"Categorical: sample {j} has category {c[j, i]} for variable {i}, "
                f"which has {self.categories[i]} categories (valid: 0..{self.categories[i] - 1})"
            )
        return c, c.shape[0]

    def mode(self, theta: np.ndarray) -> np.ndarray:
        """``B + (n,)`` int64: each variable's most likely category."""
        return np.argmax(theta, axis=-1)

    def mode_probabilities(self, theta: np.ndarray) -> np.ndarray:
        """``B + (n,)``: max_k theta_ik for every variable."""
        return np.asarray(theta).max(axis=-1)

    # ---- geometry -----------------------------------------------------------------------------
    def flat(self, theta: np.ndarray) -> np.ndarray:
        return _take(theta.reshape(self._batch(theta) + (-1,)), self._free)

    def natural_gradient(self, theta: np.ndarray, raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # eq. (12): G = 1/lam sum_j w_j (T(c_j) - theta), T = one-hot without the last category
        t_free = np.take(raw, self._var_of_free, axis=-1) == self._cat_of_free  # B + (lam, n_theta) bool
        w = np.asarray(weights, dtype=float)
        wt = np.matmul(w[..., None, :], t_free)[..., 0, :]
        return (wt - w.sum(-1)[..., None] * self.flat(theta)) / w.shape[-1]

    def fisher_sqrt(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        # appendix B: F_i = A_i A_i^T with A_i = diag(theta_i)^-1/2 + 1/(sqrt(t_m) + t_m) 1 sqrt(theta_i)^T;
        # we return A^T g, so ||A^T g||^2 = g^T A A^T g = g^T F g.
        tf = theta.reshape(self._batch(theta) + (-1,))
        sq = np.sqrt(_take(tf, self._free))
        t_last = _take(tf, self._last_of_var)
        k = 1.0 / (np.sqrt(t_last) + t_last)  # B + (n_param_vars,)
        s = _take(k * self._segment_sum(g), self._seg_of_free)
        return g / sq + s * sq

    def step(self, theta: np.ndarray, d: np.ndarray) -> np.ndarray:
        tf = theta.reshape(self._batch(theta) + (-1,)).copy()
        seg = self._segment_sum(d)  # the last category pays, so each row still sums to 1
        if tf.ndim == 1:  # plain indexing is several times faster than [..., idx] here
            tf[self._free] += d
            tf[self._last_of_var] -= seg
        else:
            tf[..., self._free] += d
            tf[..., self._last_of_var] -= seg
        return self.project(tf.reshape(theta.shape))

    def project(self, theta: np.ndarray) -> np.ndarray:
        # appendix D: clip from below at theta_min, then move the excess so each row sums to 1
        excess = np.maximum(theta, self._tmin_full) - self._tmin_full
        # theta += (1 - sum_k theta_k) / sum_k (theta_k - theta_min) * (theta - theta_min), written
        # as theta_min + excess * (1 - m theta_min) / sum(excess), the same value with less rounding
        scale = (1.0 - self._tmin_sum) / (excess @ self._ones)
        return self._tmin_full + scale[..., None] * excess

    def fisher_matrix(self, theta: np.ndarray) -> np.ndarray:
        """Appendix B: F_i = diag(theta_i)^-1 + theta_{i,m_i}^-1 1 1^T, block diagonal.

        A dense (n_theta, n_theta) checking helper for tests, O(n_theta^2) memory: the one method
        exempt from the no-large-intermediates rule (the optimizers use :meth:`fisher_sqrt`, O(m)
        per variable). Do not call it for large spaces.
        """
        t = np.asarray(theta, dtype=float)
        F = np.zeros((self.n_theta, self.n_theta))
        tf = t.reshape(-1)
        for seg in range(self._seg_vars.size):
            idx = np.flatnonzero(self._seg_of_free == seg)
            th = tf[self._free[idx]]
            F[np.ix_(idx, idx)] = np.diag(1.0 / th) + 1.0 / tf[self._last_of_var[seg]]
        return F

    #: a variable counts as converged once its mode holds this fraction of theta_max
    converged_fraction = 0.9

    def converged(self, theta: np.ndarray) -> np.ndarray:
        """Every variable's most likely category has probability >= 0.9 theta_max,i.

        theta_max itself is reached only in the noise-free limit: with lam = 2 the ranking of
        two noisy samples keeps pushing a little mass back, so max theta settles somewhat below
        theta_max (around 0.93 for 30 variables of 5 categories, theta_max = 0.967).
        """
        has = self.categories > 1
        top = theta.max(axis=-1)
        return np.all((top >= self.converged_fraction * self.theta_max) | ~has, axis=-1)

    def spec(self) -> dict[str, Any]:
        return {"type": "Categorical", "categories": self.categories.tolist(), "theta_min": self.theta_min.tolist()}

    def __repr__(self) -> str:
        return f"Categorical(n_variables={self.n_variables}, n_theta={self.n_theta})"
