"""The black-box configuration's sizes: the default population (:func:`default_lam`) and the
margins (:func:`margin_theta_min` for categorical variables, :func:`margin_probability` for
integer ones, both applied by :func:`with_margin`)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import _checks
from ..categorical import Categorical
from ..distribution import Distribution
from ..integer import Integer
from ..product import Product
from ._tree import n_variables

__all__ = ["default_lam", "budget_caps_lam", "margin_theta_min", "margin_probability", "with_margin", "INT_SIGMA_FLOOR"]

#: the hard floor on an integer variable's sigma under the margin (in place of appendix D's 1/4):
#: the margin's own floor ``d / z`` is the working one; this one bounds the Fisher matrix
#: (which grows as sigma^-4) for a mean within ``z * INT_SIGMA_FLOOR`` of a rounding boundary
INT_SIGMA_FLOOR = 0.1


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


def budget_caps_lam(dist: Distribution, max_evals: int) -> bool:
    """Whether a budget of ``max_evals`` evaluations caps :func:`default_lam` below the
    dimension's rule (fewer than ~40 updates of that population): a short run, whose descent
    :func:`asng_opt.minimize` builds with ``elite_in_descent=True`` (asng-opt 0.18)."""
    return default_lam(dist, max_evals) < default_lam(dist)


def margin_theta_min(categories: Any, n_discrete: int) -> np.ndarray:
    """The margin ``(1 - 0.73^(1/N')) / (K_i - 1)`` per variable (0 for one-category variables).

    Args:
        categories: ``(n,)`` numbers of categories K_i.
        n_discrete: N', the number of categorical and integer variables of the space (>= 1).
    """
    k = np.asarray(categories, dtype=float)
    n = max(int(n_discrete), 1)
    return np.where(k > 1, (1.0 - 0.73 ** (1.0 / n)) / np.maximum(k - 1, 1), 0.0)


def margin_probability(n_discrete: int) -> float:
    """The integer margin ``1 - 0.73^(1/N')``, N' the number of categorical and integer variables
    (>= 1): the smallest probability that an integer variable draws another integer than its
    mean's (:class:`~asng_opt.Integer`'s ``margin``). With N' such variables at their margin, a
    draw equals the mode with probability about 0.73 (CatCMA with margin, Hamano et al. 2024,
    uses the same value for its integer variables)."""
    return 1.0 - 0.73 ** (1.0 / max(int(n_discrete), 1))


def with_margin(
    dist: Distribution, integers: bool = True, categorical: bool = True, int_sigma0: float | None = None
) -> Distribution:
    """``dist`` with (if ``categorical``) every Categorical's theta_min set to
    :func:`margin_theta_min` and, with ``integers``, every Integer rebuilt with a margin -- its own
    if it has one, else ``margin_probability(N')`` -- and a hard sigma floor of
    ``min(sigma_min, INT_SIGMA_FLOOR)``, in its original's coordinates (``centred``); with
    ``int_sigma0`` (a fraction of the range, in (0, 0.5]) every Integer without a ``sigma`` of its
    own also starts at sigma = ``int_sigma0 * (high - low)`` (:class:`~asng_opt.Integer`'s
    ``sigma``: the starting theta only; None: appendix D's half range). Other parts unchanged. N'
    counts the free categorical and integer variables (one category, ``low == high``: fixed, not
    counted). A new distribution; ``dist`` is not modified. Idempotent.

    Raises:
        ValueError: ``int_sigma0`` neither None nor a number in (0, 0.5].
    """
    if int_sigma0 is not None:
        int_sigma0 = _checks.positive("int_sigma0", int_sigma0, "with_margin", 0.5)
    _, n_discrete = n_variables(dist)

    def rebuild(d: Distribution) -> Distribution:
        if isinstance(d, Product):
            return Product({k: rebuild(p) for k, p in d.parts.items()})
        if categorical and isinstance(d, Categorical):
            return Categorical(d.categories, theta_min=margin_theta_min(d.categories, n_discrete))
        if isinstance(d, Integer) and (integers or int_sigma0 is not None):
            floor = min(float(np.min(d.sigma_min)), INT_SIGMA_FLOOR) if integers else float(np.min(d.sigma_min))
            # an explicit margin stays; without ``integers`` the original's (None: appendix D's bounds)
            margin = margin_probability(n_discrete) if integers and d.margin is None else d.margin
            # a sigma of its own stays; one a previous rebuild set from its share is set anew
            sigma = d.sigma_init if d._start_share is None else None
            share = int_sigma0 if sigma is None else None  # the configuration's start, not the user's
            if share is not None:
                sigma = np.maximum(share * (d.int_high - d.int_low), floor)  # high == low: the floor
            # the original's coordinates (origin), whatever the lower floor would choose: a Space,
            # a prior built on the original and the optuna codec read theta in them
            out = Integer(d.int_low, d.int_high, sigma_min=floor, margin=margin, centred=d.centred, sigma=sigma)
            out._start_share = share
            return out
        return d

    return rebuild(dist)
