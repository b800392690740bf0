"""Categorical distribution in expectation parameters (section 2.4, appendices B and D).

Layout: ``theta`` is ``B + (n, M)`` with ``theta[..., i, k] = P(c_i = k)`` for ``k < m_i`` and 0
beyond (``M = max m_i``). The paper's parameter vector -- the free coordinates -- leaves out the
last category of each variable: T(c) is the one-hot vector without its last element, so
``n_theta = sum(m_i - 1)``. Flat vectors list variable 0's free categories, then variable 1's...
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ._categorical_checks import THETA_MIN_FLOOR, check_categories, check_samples, check_theta, check_theta_min
from ._categorical_checks import default_theta_min as default_theta_min
from ._categorical_index import SEARCH_ABOVE, fisher_matrix, inverse_cdf, segment_sum, tables
from .distribution import Distribution

__all__ = ["Categorical", "default_theta_min", "THETA_MIN_FLOOR"]


def _take(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """``x[..., idx]``; plain indexing for an unbatched vector, several times faster there."""
    return x[idx] if x.ndim == 1 else np.take(x, idx, axis=-1)


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

    #: sampling compares each draw with the whole CDF row while ``lam * M`` is at most this, and
    #: binary-searches each row above it (the same samples; see :func:`asng_opt._categorical_index.inverse_cdf`)
    search_above = SEARCH_ABOVE

    def __init__(
        self, categories: Sequence[int] | np.ndarray, theta_min: float | Sequence[float] | np.ndarray | None = None
    ):
        m = check_categories(categories)
        self.categories = m
        self._categories_list = m.tolist()
        self.n_variables = int(m.size)
        self.max_categories = int(m.max())
        self.n_theta = int(np.sum(m - 1))
        tmin = check_theta_min(default_theta_min(m) if theta_min is None else theta_min, m)
        self.theta_min = tmin
        self.theta_max = np.where(m > 1, 1.0 - (m - 1) * tmin, 1.0)
        #: the layout's index tables (:mod:`asng_opt._categorical_index`)
        self._ix = tables(m, tmin)

    # ---- parameter ----------------------------------------------------------------------------
    def initial_theta(self, batch_shape: tuple[int, ...] = ()) -> np.ndarray:
        t = np.where(self._ix.valid, 1.0 / self.categories[:, None], 0.0)
        return np.broadcast_to(t, tuple(batch_shape) + t.shape).copy()

    def check_theta(self, theta: Any) -> np.ndarray:
        return check_theta(theta, self._ix.valid)

    # ---- sampling -----------------------------------------------------------------------------
    def sample(self, theta: np.ndarray, lam: int, rng: np.random.Generator) -> np.ndarray:
        """``B + (lam, n)`` int64 category indices drawn by inverse CDF.

        Draws ``u = rng.random(B + (lam, n))`` -- one uniform per (sample, variable), in this
        order -- and returns :meth:`sample_from_uniforms` of them: a stream of uniforms drawn
        ahead gives exactly the samples this method would.
        """
        return self.sample_from_uniforms(theta, rng.random(theta.shape[:-2] + (lam, self.n_variables)))

    def sample_from_uniforms(self, theta: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: ``u`` is ``B + (lam, n)`` uniforms in [0, 1); returns ``B + (lam, n)`` int64
        indices, sample ``(j, i)`` being the first category whose CDF exceeds ``u[..., j, i]``.

        Memory: the ``B + (n, M)`` CDF, plus ``B + (lam, n, M)`` booleans only while
        ``lam * M <= search_above``.

        Raises:
            ValueError: if ``u`` does not have shape ``B + (lam, n)``.
        """
        return inverse_cdf(theta, u, self._ix.cdf_cap, self._categories_list, self.search_above)

    def check_samples(self, samples: Any) -> tuple[np.ndarray, int]:
        return check_samples(samples, self.categories)

    def mode(self, theta: np.ndarray) -> np.ndarray:
        """``B + (n,)`` int64: each variable's most likely category."""
        return np.argmax(theta, axis=-1)

    def mode_probabilities(self, theta: np.ndarray) -> np.ndarray:
        """``B + (n,)``: max_k theta_ik for every variable."""
        return np.asarray(theta).max(axis=-1)

    # ---- geometry -----------------------------------------------------------------------------
    def flat(self, theta: np.ndarray) -> np.ndarray:
        return _take(theta.reshape(theta.shape[:-2] + (-1,)), self._ix.free)

    def natural_gradient(self, theta: np.ndarray, raw: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # eq. (12): G = 1/lam sum_j w_j (T(c_j) - theta), T = one-hot without the last category
        t_free = np.take(raw, self._ix.var_of_free, axis=-1) == self._ix.cat_of_free  # B + (lam, n_theta) bool
        w = np.asarray(weights, dtype=float)
        wt = np.matmul(w[..., None, :], t_free)[..., 0, :]
        return (wt - w.sum(-1)[..., None] * self.flat(theta)) / w.shape[-1]

    def fisher_sqrt(self, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
        # appendix B: F_i = A_i A_i^T with A_i = diag(theta_i)^-1/2 + 1/(sqrt(t_m) + t_m) 1 sqrt(theta_i)^T;
        # we return A^T g, so ||A^T g||^2 = g^T A A^T g = g^T F g.
        tf = theta.reshape(theta.shape[:-2] + (-1,))
        sq = np.sqrt(_take(tf, self._ix.free))
        t_last = _take(tf, self._ix.last_of_var)
        k = 1.0 / (np.sqrt(t_last) + t_last)  # B + (n_param_vars,)
        s = _take(k * segment_sum(self._ix, g), self._ix.seg_of_free)
        return g / sq + s * sq

    def step(self, theta: np.ndarray, d: np.ndarray) -> np.ndarray:
        tf = theta.reshape(theta.shape[:-2] + (-1,)).copy()
        seg = segment_sum(self._ix, d)  # the last category pays, so each row still sums to 1
        if tf.ndim == 1:  # plain indexing is several times faster than [..., idx] here
            tf[self._ix.free] += d
            tf[self._ix.last_of_var] -= seg
        else:
            tf[..., self._ix.free] += d
            tf[..., self._ix.last_of_var] -= seg
        return self.project(tf.reshape(theta.shape))

    def project(self, theta: np.ndarray) -> np.ndarray:
        # appendix D: clip from below at theta_min, then move the excess so each row sums to 1
        excess = np.maximum(theta, self._ix.tmin_full) - self._ix.tmin_full
        # theta += (1 - sum_k theta_k) / sum_k (theta_k - theta_min) * (theta - theta_min), written
        # as theta_min + excess * (1 - m theta_min) / sum(excess), the same value with less rounding
        scale = (1.0 - self._ix.tmin_sum) / (excess @ self._ix.ones)
        return self._ix.tmin_full + scale[..., None] * excess

    def fisher_matrix(self, theta: np.ndarray) -> np.ndarray:
        """Appendix B: F_i = diag(theta_i)^-1 + theta_{i,m_i}^-1 1 1^T, block diagonal.

        A dense (n_theta, n_theta) checking helper for tests, O(n_theta^2) memory: the one method
        exempt from the no-large-intermediates rule (the optimizers use :meth:`fisher_sqrt`, O(m)
        per variable). Do not call it for large spaces.
        """
        return fisher_matrix(self._ix, theta)

    #: a variable counts as converged once its mode holds this fraction of theta_max
    converged_fraction = 0.9

    def converged(self, theta: np.ndarray, *, floor_ulps: float = 0.0) -> np.ndarray:
        """Every variable's most likely category has probability >= 0.9 theta_max,i
        (``floor_ulps``, a Gaussian's, is ignored).

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
