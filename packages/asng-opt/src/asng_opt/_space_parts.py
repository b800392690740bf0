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
from typing import Any

from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import Integer

__all__ = [
    "space_parts",
    "legacy_specs",
    "FLOAT_SIGMA_INIT",
    "FLOAT_SIGMA_MIN",
    "FLOAT_SIGMA_MAX",
    "FLOAT_SIGMA_MIN_BEFORE_015",
]

#: a real variable's initial sigma, in units of its range (the unit coordinate u): +-3 sigma spans
#: the range (optuna's CmaEsSampler starts at range / 6 too) and 0.3 % of the first draws fall
#: outside [0, 1] and are clipped to a bound. asng-opt <= 0.4 used 1/4 (4.6 % clipped); measured
#: with minimize's defaults (results/README.md, "Black-box comparison"), 1/6 reaches 1e-6 as often
#: or more often on Rosenbrock, rotated ellipsoid and Styblinski-Tang and needs fewer evaluations
FLOAT_SIGMA_INIT = 1.0 / 6.0
#: a real variable's smallest sigma (its resolution), in units of its range; ``should_stop`` waits for
#: it, or for the smallest sigma theta = (mu, mu^2 + sigma^2) holds at the mean, whichever is larger
#: (about 1e-8 |mu| in unit coordinates; 1e-7 |mu| for the updates that read sigma back from theta,
#: :data:`~asng_opt.gaussian.FLOOR_ULPS`). asng-opt 0.15; before, 1e-6
#: (:data:`FLOAT_SIGMA_MIN_BEFORE_015`): a floor on each marginal sigma that an ill-conditioned or
#: rotated problem reaches long before its optimum, since the precision it needs lies along C's
#: short axes, far below the marginals (the study's ``sharp-ridge``, whose 1e-6 target needs 1e-8
#: across the ridge: its unsolved runs stopped "converged" at sigma = 1e-6 of the range and restarted, 2-4
#: times in 3,000 evaluations). Measured (the study's runs, one process, 100 seeds): ``sharp-ridge``
#: solved in 77/100 runs (ERT 3,456) instead of 7/100 (42,221); 1e-9 76/100, 1e-12 78/100 (theta's
#: own floor binds); the other real-valued problems the same success counts and ERTs (40 seeds); ``minimize`` over 6
#: ``FloatRange(-5, 5)`` (20 seeds, 20,000 evaluations) a sphere to 1e-12 and a rotated ellipsoid of
#: condition 1e6 to 1e-10 in 20/20 runs instead of 0/20, Rastrigin and Styblinski-Tang (restarts
#: needed) the same medians; a run at a bound converges later (a sphere whose optimum is a corner
#: of 6 ``FloatRange(0, 1)``: 1 restart in 5,000 evaluations instead of 15; 0 with 1e-12)
FLOAT_SIGMA_MIN = 1e-10
#: :data:`FLOAT_SIGMA_MIN` before asng-opt 0.15 (a state dict saved then still loads: :func:`legacy_specs`)
FLOAT_SIGMA_MIN_BEFORE_015 = 1e-6
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
            clip_draws=True,  # the codec clips a draw into [0, 1] (asng-opt 0.16; the spec says so)
        )
    return parts


def legacy_specs(spec: Any) -> tuple[Any, ...]:
    """``spec`` (a distribution's :meth:`~asng_opt.Distribution.spec`) as older asng-opt versions
    wrote it for the same named space: for a Product whose ``"float"`` part is the one
    :func:`space_parts` builds (a Gaussian over unit coordinates, sigma in
    [:data:`FLOAT_SIGMA_MIN`, :data:`FLOAT_SIGMA_MAX`], not mirrored, ``clip_draws``), the spec of
    0.15 (no ``clip_draws`` entry) and of 0.14 or earlier (that, and
    :data:`FLOAT_SIGMA_MIN_BEFORE_015` as its sigma_min); ``()`` for any other spec. A state dict
    saved then loads (its theta lies within today's bounds too) and continues with today's
    resolution and repaired draws. (The optuna codec names the part ``"real"``: its sampler
    rebuilds its state from the study's trials, never from a state dict.)"""
    if not isinstance(spec, dict) or spec.get("type") != "Product" or not isinstance(spec.get("parts"), dict):
        return ()
    part = spec["parts"].get("float")
    if not isinstance(part, dict) or part.get("type") != "Gaussian" or not isinstance(part.get("n_variables"), int):
        return ()
    n = part["n_variables"]
    ours = (
        part.get("low") == [0.0] * n
        and part.get("high") == [1.0] * n
        and part.get("sigma_min") == [FLOAT_SIGMA_MIN] * n
        and part.get("sigma_max") == [FLOAT_SIGMA_MAX] * n
        and part.get("mirrored") is False
        and part.get("clip_draws") is True
    )
    if not ours:
        return ()
    v015 = {k: v for k, v in part.items() if k != "clip_draws"}
    v014 = {**v015, "sigma_min": [FLOAT_SIGMA_MIN_BEFORE_015] * n}
    return tuple({**spec, "parts": {**spec["parts"], "float": p}} for p in (v015, v014))
