"""The black-box configuration's sizes: the default population (:func:`default_lam`) and the
categorical margin (:func:`margin_theta_min`, :func:`with_margin`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..categorical import Categorical
from ..distribution import Distribution
from ..product import Product
from ._tree import n_variables

__all__ = ["default_lam", "margin_theta_min", "with_margin"]


def default_lam(dist: Distribution, max_evals: int | None = None) -> int:
    """The default population: ``4 + floor(3 ln N)``, N the number of (non-constant) variables
    of ``dist`` (CMA-ES's and CatCMA's rule). With a budget of ``max_evals`` evaluations it is
    capped at ``max(4, max_evals // 40)`` so that the run holds at least ~40 updates: ASNG's
    step-size adaptation needs updates, and on short budgets (150 evaluations of 100 bits: 8
    updates at lambda = 17, 37 at lambda = 4) more updates of a smaller population reach the early
    targets sooner (results/README.md, "Black-box defaults"). Never above ``max_evals``, at least 2.
    """
    n, _ = n_variables(dist)
    lam = 4 + int(3 * math.log(max(n, 1)))
    if max_evals is not None:
        lam = max(2, min(lam, max(4, max_evals // 40), max_evals))
    return lam


def margin_theta_min(categories: Any, n_discrete: int) -> np.ndarray:
    """The margin ``(1 - 0.73^(1/N')) / (K_i - 1)`` per variable (0 for one-category variables).

    Args:
        categories: ``(n,)`` numbers of categories K_i.
        n_discrete: N', the number of categorical and integer variables of the space (>= 1).
    """
    k = np.asarray(categories, dtype=float)
    n = max(int(n_discrete), 1)
    return np.where(k > 1, (1.0 - 0.73 ** (1.0 / n)) / np.maximum(k - 1, 1), 0.0)


def with_margin(dist: Distribution) -> Distribution:
    """``dist`` with every Categorical's theta_min set to :func:`margin_theta_min` (other parts
    unchanged). A new distribution; ``dist`` is not modified. Idempotent."""
    _, n_discrete = n_variables(dist)

    def rebuild(d: Distribution) -> Distribution:
        if isinstance(d, Product):
            return Product({k: rebuild(p) for k, p in d.parts.items()})
        if isinstance(d, Categorical):
            return Categorical(d.categories, theta_min=margin_theta_min(d.categories, n_discrete))
        return d

    return rebuild(dist)
