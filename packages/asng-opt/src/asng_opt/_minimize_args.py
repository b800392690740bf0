"""The arguments of :func:`~asng_opt.minimize`, checked and resolved into its :class:`Settings`:
the optimizer class of the method and configuration, the population, the budget, the stopping
rules. Every check runs before the optimizer is built; each raises ``ValueError`` naming the
argument."""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from ._checks import flag, integer, is_real, population
from ._constant import is_single_point
from ._evaluate import check_executor
from .blackbox import BlackBoxASNG, default_lam
from .blackbox.defaults import budget_caps_lam
from .distribution import Distribution
from .optimizer import Optimizer
from .optimizers import ASNG, SNG, AdamNG
from .space import Space

__all__ = ["Settings", "resolve", "CONFIGS", "METHODS"]

#: the optimizer of each ``minimize(method=...)`` in the paper's configuration
METHODS: dict[str, type[Optimizer]] = {"asng": ASNG, "sng": SNG, "adam": AdamNG}
#: the configurations of ``minimize(config=...)``
CONFIGS = ("blackbox", "paper")

# constructor parameters that minimize sets itself; everything else is an option
_OWN_ARGS = frozenset({"distribution", "lam", "seed", "maximize"})


class Settings(NamedTuple):
    """A run's resolved arguments (see :func:`~asng_opt.minimize` for each)."""

    #: the optimizer class to build
    cls: type[Optimizer]
    #: ``config == "blackbox"``: tell values (not ranks) and restart near the best point
    blackbox: bool
    lam: int
    max_evals: int
    #: the most restarts (``math.inf``: unlimited)
    max_restarts: float
    max_failed_rounds: int
    maximize: bool
    #: the target as a float, or None
    target: float | None
    vectorized: bool
    #: skip samples already evaluated (:mod:`asng_opt._cache`)
    cache: bool
    #: every variable fixed: one evaluation, no optimizer (:mod:`asng_opt._minimize_single`)
    single: bool
    #: the black-box configuration's default lambda was capped by the budget
    #: (:func:`~asng_opt.blackbox.default_lam`): a short run, whose descent keeps the elite
    #: (``BlackBoxASNG(elite_in_descent=True)``, unless the options say otherwise)
    short_budget: bool = False


def _check_options(method: str, cls: type[Optimizer], options: Mapping[str, Any], config: str = "blackbox") -> None:
    """Every option is a constructor parameter of ``cls`` that minimize does not set itself; the
    message names the configuration (with ``config="paper"`` a black-box option is unknown: say so)."""
    params = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    valid = [k for k in params if k not in _OWN_ARGS]
    unknown = [k for k in options if k not in valid]
    if unknown:
        blackbox_only = [k for k in unknown if k in inspect.signature(BlackBoxASNG).parameters]
        hint = (
            f" ({', '.join(map(repr, blackbox_only))} belong{'s' if len(blackbox_only) == 1 else ''} to ASNG's "
            "black-box configuration: method='asng', config='blackbox', minimize's default)"
            if config == "paper" and blackbox_only
            else ""
        )
        raise ValueError(
            f"minimize: unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for method {method!r} with config={config!r} ({cls.__name__}){hint}; valid options: {', '.join(valid)}"
        )


def _target(target: Any) -> float | None:
    """``target`` as a float (not NaN), or None; a 0-d integer or float array counts as its number
    (``np.array(0.0)``, what ``np.min`` of an array gives is a numpy scalar already)."""
    if target is None:
        return None
    if isinstance(target, np.ndarray) and target.ndim == 0 and target.dtype.kind in "iuf":
        target = target[()]  # the numpy scalar: bools and other dtypes stay refused below
    try:
        value = float(target) if is_real(target) else math.nan
    except (OverflowError, TypeError, ValueError):
        value = math.nan
    if math.isnan(value):
        raise ValueError(f"minimize: target must be a real number (not NaN) or None, got {target!r}")
    return value


def resolve(
    fun: Any,
    distribution: Any,
    max_evals: Any,
    lam: Any,
    method: Any,
    config: Any,
    restarts: Any,
    maximize: Any,
    target: Any,
    callback: Any,
    max_failed_rounds: Any,
    executor: Any,
    vectorized: Any,
    options: Mapping[str, Any],
    cache: Any = None,
) -> Settings:
    """Check :func:`~asng_opt.minimize`'s arguments (in this order) and resolve the defaults.

    Raises:
        ValueError: the first bad argument, as listed in :func:`~asng_opt.minimize`'s docstring
            (the optimizer's own constructor checks run when it is built, after this).
    """
    if not callable(fun):
        raise ValueError(f"minimize: fun must be callable, got {type(fun).__name__}")
    if not isinstance(distribution, (Distribution, Space)):
        got = type(distribution).__name__
        raise ValueError(f"minimize: distribution must be an asng_opt distribution or Space, got {got}")
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"minimize: unknown method {method!r}; choose from {sorted(METHODS)}")
    if config is None:
        config = "blackbox" if method == "asng" else "paper"
    if not isinstance(config, str) or config not in CONFIGS:
        raise ValueError(f"minimize: unknown config {config!r}; choose from {list(CONFIGS)}")
    if config == "blackbox" and method != "asng":
        raise ValueError(f"minimize: config='blackbox' configures ASNG; method {method!r} runs only as config='paper'")
    blackbox = config == "blackbox"
    max_restarts: float = (
        (math.inf if blackbox else 0) if restarts is None else integer("restarts", restarts, "minimize", 0)
    )
    cls = BlackBoxASNG if blackbox else METHODS[method]
    single = is_single_point(distribution)  # one evaluation, whatever lam: a budget of 1 is enough
    short_budget = False
    if lam is None:  # the default never exceeds the budget
        lam = 2
        if blackbox and not single:
            dist = distribution.distribution if isinstance(distribution, Space) else distribution
            budget = integer("max_evals", max_evals, "minimize", 2)
            lam, short_budget = default_lam(dist, budget), budget_caps_lam(dist, budget)
    # an integral float (1e4) too; bounded before anything runs (a single-point space builds no optimizer)
    lam = population(integer("lam", lam, "minimize", 2), "minimize")
    max_evals = integer("max_evals", max_evals, "minimize", 1 if single else lam)
    max_failed_rounds = integer("max_failed_rounds", max_failed_rounds, "minimize", 1)
    maximize = flag("maximize", maximize, "minimize")
    target = _target(target)
    if callback is not None and not callable(callback):
        raise ValueError(f"minimize: callback must be callable or None, got {type(callback).__name__}")
    vectorized = flag("vectorized", vectorized, "minimize")
    check_executor(fun, executor, vectorized)
    cache = blackbox if cache is None else flag("cache", cache, "minimize")
    _check_options(method, cls, options, config)
    return Settings(
        cls,
        blackbox,
        lam,
        max_evals,
        max_restarts,
        max_failed_rounds,
        maximize,
        target,
        vectorized,
        cache,
        single,
        short_budget,
    )
