"""The distribution of a space of named parameters: one part per kind of variable.

The one place that builds it, for :class:`asng_opt.Space` and for the optuna sampler's codec
(:mod:`asng_opt.integrations._optuna_space`):

* ``"cat"``: one :class:`~asng_opt.Categorical` holding every categorical variable;
* ``"int"``: one :class:`~asng_opt.Integer` holding every integer (grid-index) variable;
* ``"float"``: one :class:`~asng_opt.Gaussian` holding every real variable in its unit coordinate
  ``u`` in [0, 1]: the mean starts at ``u = 0.5`` and is kept in [0, 1], sigma starts at
  :data:`FLOAT_SIGMA_INIT` and is kept in [:data:`FLOAT_SIGMA_MIN`, :data:`FLOAT_SIGMA_MAX`]
  (in units of the variable's range; appendix D's bounds).

Kinds without a variable are left out; the parts keep the order above.
"""

from __future__ import annotations

from collections.abc import Sequence

from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import Integer

__all__ = ["space_parts", "FLOAT_SIGMA_INIT", "FLOAT_SIGMA_MIN", "FLOAT_SIGMA_MAX"]

#: a real variable's initial sigma, in units of its range (the unit coordinate u): +-3 sigma spans
#: the range (optuna's CmaEsSampler starts at range / 6 too) and 0.3 % of the first draws fall
#: outside [0, 1] and are clipped to a bound. asng-opt <= 0.4 used 1/4 (4.6 % clipped); measured
#: with minimize's defaults (results/README.md, "Black-box comparison"), 1/6 reaches 1e-6 as often
#: or more often on Rosenbrock, rotated ellipsoid and Styblinski-Tang and needs fewer evaluations
FLOAT_SIGMA_INIT = 1.0 / 6.0
#: a real variable's smallest sigma (its resolution), in units of its range; ``should_stop`` waits for it
FLOAT_SIGMA_MIN = 1e-6
#: a real variable's largest sigma, in units of its range (half of it, as an Integer's)
FLOAT_SIGMA_MAX = 0.5


def space_parts(
    categories: Sequence[int], int_low: Sequence[int], int_high: Sequence[int], n_float: int
) -> dict[str, Distribution]:
    """The parts ``{"cat": ..., "int": ..., "float": ...}`` of a named space, empty kinds left out.

    Args:
        categories: ``(n_cat,)`` the number of categories of each categorical variable (>= 1).
        int_low, int_high: ``(n_int,)`` the inclusive integer bounds of each integer variable
            (grid indices, within +-2**51).
        n_float: the number of real variables (unit coordinates), >= 0.

    Raises:
        ValueError: from the distributions' constructors (a variable with no category, a bound
            beyond +-2**51, ``low > high``).
    """
    parts: dict[str, Distribution] = {}
    if len(categories):
        parts["cat"] = Categorical(list(categories))
    if len(int_low):
        parts["int"] = Integer(list(int_low), list(int_high))
    if n_float:
        parts["float"] = Gaussian(
            mean=0.5,
            sigma=FLOAT_SIGMA_INIT,
            sigma_min=FLOAT_SIGMA_MIN,
            sigma_max=FLOAT_SIGMA_MAX,
            low=0.0,
            high=1.0,
            size=n_float,
        )
    return parts
