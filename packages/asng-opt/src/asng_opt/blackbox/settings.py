"""BlackBoxASNG's settings: the constructor's checks of its options (:func:`check_options`) and the
state dicts of earlier versions made loadable (:func:`upgrade`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _checks
from .._persistence import RENAMED_V1
from ..distribution import Distribution
from ..integer import Integer
from ..ranking import log_rank_weights, ranking_utility
from ._tree import free_integers, leaves, n_free_integer, n_integer, n_real, n_variables
from .cma import FULL_MAX_DIM, upgrade_state_dict
from .mutant import INT_STEPS
from .update import INT_UPDATES

__all__ = [
    *("UTILITIES", "COVARIANCES", "INT_UPDATES"),
    *("check_options", "default_int_update", "default_elite_in_descent", "upgrade", "changed_settings"),
    "FULL_MAX_SPREAD",
]

#: the largest ratio of the widest free integer range to the narrowest that ``int_update="full"``
#: takes: its covariance matrix starts at the integers' variances, whose condition number is then
#: this squared, :data:`~.cma.CONDITION_MAX`, the most C may hold (measured: 3 integers, one in
#: [-1e10, 1e10] beside two 10 and 15 wide, ended at ``numpy.linalg.LinAlgError`` in 6 of 6 seeds;
#: one in [-1e9, 1e9] in none). Beyond it the default is ``"cma"``, one variance per integer.
FULL_MAX_SPREAD = 1e7

#: the utilities BlackBoxASNG can use, by name
UTILITIES = {"quantile": ranking_utility, "log": log_rank_weights}
#: the real-valued variables' models: one covariance matrix (CMA-ES) or one variance per variable
COVARIANCES = ("full", "diagonal")
WHERE = "BlackBoxASNG"
#: the options added to BlackBoxASNG after 0.4, each with the value a state dict saved before it
#: existed ran with (:func:`upgrade`): real_elite_twice and neutral_union (0.7), int_margin,
#: elite_integers and int_update (0.8), int_steps (0.9), clip_injected (0.11), earn_mutants (0.12),
#: int_sigma0 (0.13), active_cma (0.14), elite_in_descent (0.18)
_RULES_BEFORE: dict[str, Any] = {
    "real_elite_twice": True,
    "neutral_union": False,
    "int_margin": False,
    "elite_integers": False,
    "int_update": "asng",
    "int_steps": "unit",
    "clip_injected": False,
    "earn_mutants": False,
    "int_sigma0": 0.5,
    "active_cma": False,
    "elite_in_descent": True,
}


def check_options(
    distribution: Distribution,
    margin: Any,
    elitist: Any,
    mutant: Any,
    mutant_share: Any,
    cat_utility: Any,
    real_utility: Any,
    covariance: Any,
    real_elite_twice: Any = False,
    neutral_union: Any = True,
    int_margin: Any = True,
    elite_integers: Any = True,
    int_update: Any = None,
    free_reals: bool | None = None,
    int_steps: Any = "harmonic-uniform",
    clip_injected: Any = True,
    earn_mutants: Any = True,
    int_sigma0: Any = 0.25,
    active_cma: Any = True,
    elite_in_descent: Any = None,
) -> dict[str, Any]:
    """The options of :class:`~asng_opt.blackbox.BlackBoxASNG` checked, by name; ``int_update=None``
    resolved (:func:`default_int_update`), then ``covariance=None``: ``"full"`` with
    ``int_update="full"`` (which needs it) or up to :data:`~.cma.FULL_MAX_DIM` real variables,
    else ``"diagonal"``; ``elite_in_descent=None``: :func:`default_elite_in_descent`.

    Raises:
        ValueError: naming the first option outside its range, or ``int_update="full"`` with
            ``covariance="diagonal"`` (the integers join a full covariance matrix).
    """
    out: dict[str, Any] = {
        "margin": _checks.flag("margin", margin, WHERE),
        "elitist": _checks.flag("elitist", elitist, WHERE),
        "mutant": _checks.flag("mutant", mutant, WHERE),
        "mutant_share": None if mutant_share is None else _checks.positive("mutant_share", mutant_share, WHERE, 1.0),
        "real_elite_twice": _checks.flag("real_elite_twice", real_elite_twice, WHERE),
        "neutral_union": _checks.flag("neutral_union", neutral_union, WHERE),
        "int_margin": _checks.flag("int_margin", int_margin, WHERE),
        "elite_integers": _checks.flag("elite_integers", elite_integers, WHERE),
    }
    for name, u in (("cat_utility", cat_utility), ("real_utility", real_utility)):
        out[name] = _checks.choice(name, u, WHERE, tuple(UTILITIES))
    if covariance is not None:
        covariance = _checks.choice("covariance", covariance, WHERE, COVARIANCES, " or None")
    if int_update is None:
        int_update = default_int_update(distribution, covariance, free_reals)
    out["int_update"] = _checks.choice("int_update", int_update, WHERE, INT_UPDATES, " or None")
    joint = out["int_update"] == "full"
    if covariance is None:
        covariance = "full" if joint or n_real(distribution) <= FULL_MAX_DIM else "diagonal"
    if joint and covariance != "full":
        raise ValueError(
            f"{WHERE}: int_update='full' puts the integer variables in the full covariance matrix and needs "
            f"covariance='full' (or None), got covariance={covariance!r}"
        )
    spread = int_width_spread(distribution) if joint else 1.0  # only the full matrix needs it
    if spread > FULL_MAX_SPREAD:
        raise ValueError(
            f"{WHERE}: int_update='full' cannot hold integer ranges whose widths differ by a factor of "
            f"{spread:.3g} (more than {FULL_MAX_SPREAD:.0e}: the covariance matrix would start beyond its "
            "condition limit); use int_update='cma' (one variance per integer, the default for such spaces)"
        )
    out["covariance"] = covariance
    out["int_steps"] = _checks.choice("int_steps", int_steps, WHERE, INT_STEPS)
    out["clip_injected"] = _checks.flag("clip_injected", clip_injected, WHERE)
    out["earn_mutants"] = _checks.flag("earn_mutants", earn_mutants, WHERE)
    out["int_sigma0"] = _checks.positive("int_sigma0", int_sigma0, WHERE, 0.5)
    out["active_cma"] = _checks.flag("active_cma", active_cma, WHERE)
    if elite_in_descent is None:  # after int_update: ASNG's integer step keeps the elite anyway
        elite_in_descent = default_elite_in_descent(distribution, free_reals) or out["int_update"] == "asng"
    elif not isinstance(elite_in_descent, (bool, np.bool_)):
        raise ValueError(f"{WHERE}: elite_in_descent must be True, False or None, got {elite_in_descent!r}")
    out["elite_in_descent"] = bool(elite_in_descent)
    return out


def default_elite_in_descent(distribution: Distribution, free_reals: bool | None) -> bool:
    """BlackBoxASNG's default ``elite_in_descent``: False on a space whose free variables are all
    integers (no free categorical or real one; ``free_reals``: whether a Space has a free real
    variable, None: any real variable of ``distribution``), True otherwise (asng-opt 0.18).
    :func:`check_options` also keeps True where the integers take ASNG's step (``int_update="asng"``,
    the default beside a Space's fixed reals), which the option does not reach.

    False there because a converged distribution of integers walks (:class:`~asng_opt._cache.
    StaleRounds`): the elitist local search comes after the descent, which can afford to follow
    the batch alone, as CMA-ES does. With the elite's copy in every CMA-ES step, the mean is pulled
    to the best point so far while sigma is still as wide as the landscape's local structure, and
    the descent settles in the basin it first found: on the black-box study's ``int-griewank`` (8
    integers, 3,000 evaluations, 40 seeds, one process) the default reached the optimum in 8 runs,
    with the elite in the descent in none (both with the walk stall, :func:`~asng_opt._cache.
    walk_stall`; without either, none; CatCMAwM in 6).
    Where reals are free, a converged descent restarts instead of walking, so the elite stays; with
    categorical variables, whose ASNG step keeps the elite, the integers' mean would follow the
    batch while the categories follow the elite (measured on ``cat-int-conditional``: the median
    final gap 56.5 without the elite against 48 with it)."""
    _, n_discrete = n_variables(distribution)  # free categorical + integer variables
    n_int = n_free_integer(distribution)
    reals = n_real(distribution) > 0 if free_reals is None else free_reals
    return not (n_int > 0 and n_discrete == n_int and not reals)


def default_int_update(distribution: Distribution, covariance: str | None, free_reals: bool | None) -> str:
    """BlackBoxASNG's default ``int_update``: ``"cma"`` when the space has free real variables
    (``free_reals``; None: any real variable of ``distribution``); else, on a space with integer
    variables and no real one, ``"full"`` (CMA-ES with margin over them), and ``"cma"`` (their own
    separable CMA rule) with ``covariance="diagonal"`` or beyond :data:`~.cma.FULL_MAX_DIM` free
    integers (fixed ones, ``low == high``, are not counted; asng-opt 0.11, ``"asng"`` before:
    on wide ranges ASNG's step shrank sigma long before the means arrived, and ``minimize`` on 150
    integers in [0, 1000] ended at f ~ 1e6 where "cma" reached the optimum, 10 seeds); else
    ``"asng"``: on spaces without integers, where the choice changes nothing, and, where it would
    be ``"full"``, on a Space whose only reals are fixed (``FloatRange(v, v)``: its Gaussian part
    would be a column of C with nothing to learn; measured, 5 integers and one fixed real needed
    247 evaluations against 185.5 without it, median of 30 seeds). Also ``"cma"`` where the free
    integers' widths differ by more than :data:`FULL_MAX_SPREAD` (asng-opt 0.17: the full matrix
    would start beyond its condition limit; a newcomer's ``Integer([0, -10**12, 12], [10, 10**12,
    27])`` ended at ``LinAlgError`` in every seed)."""
    if n_real(distribution) > 0 if free_reals is None else free_reals:
        return "cma"
    n_int = n_free_integer(distribution)  # a fixed integer is not in C
    if not n_int:
        return "asng"
    if n_int > FULL_MAX_DIM or covariance == "diagonal" or int_width_spread(distribution) > FULL_MAX_SPREAD:
        return "cma"
    return "asng" if n_real(distribution) > 0 else "full"  # fixed reals only: 0.9's rule where "full" would be


def int_width_spread(distribution: Distribution) -> float:
    """The widest free integer range's width over the narrowest's (``high - low``; fixed integers,
    ``low == high``, left out); 1.0 without free integers."""
    widths = [
        np.asarray(leaf.int_high - leaf.int_low, dtype=float)[free_integers(leaf)]
        for leaf in leaves(distribution)
        if isinstance(leaf, Integer)
    ]
    w = np.concatenate(widths) if widths else np.zeros(0)
    return float(w.max() / w.min()) if w.size else 1.0


def upgrade(
    dist: Distribution, state: Any, covariance: str, int_margin: bool = False, int_update: str | None = None
) -> Any:
    """``state`` (a ``state_dict()``) made loadable by an optimizer with ``covariance`` and
    ``int_margin`` on ``dist``: one of asng-opt < 0.4 through :func:`~.cma.upgrade_state_dict`; one
    of 0.4 (no ``mutant_share``) with ``mutant_share=None``; one before 0.7 (no
    ``real_elite_twice``, no ``neutral_union``) with ``real_elite_twice=True`` and
    ``neutral_union=False``; one before 0.8 (no ``int_margin``, ``elite_integers``,
    ``int_update``, no ``p_int``) with ``int_margin=False``, ``elite_integers=False``,
    ``int_update="asng"`` and ``p_int = 0``; one before 0.9 (no ``int_steps``) with
    ``int_steps="unit"``; one before 0.11 (no ``clip_injected``) with ``clip_injected=False``; one
    before 0.12 (no ``earn_mutants``) with ``earn_mutants=False``; one before 0.13 (no
    ``int_sigma0``) with ``int_sigma0=0.5``; one before 0.14 (no ``active_cma``) with
    ``active_cma=False``; one before 0.18 (no ``elite_in_descent``) with ``elite_in_descent=True``:
    the rules they ran with. Anything else is returned as
    it is (the loader names what is wrong with it).

    Raises:
        ValueError: the state is from the other ``covariance``, or from the other ``int_margin``
            on a space with integer variables (the margin is part of the distribution), or, on a
            space with integer variables, one of ``int_update`` (the optimizer's, when given) and
            the state's is ``"full"`` and the other is not (the integers are then in C, or not:
            the state's shapes differ; asng-opt before 0.10 had no ``"full"``).
    """
    state = upgrade_state_dict(dist, state, covariance)
    hyper = state.get("hyper") if isinstance(state, Mapping) else None
    if not isinstance(hyper, Mapping):
        return state
    before_0_8 = "int_update" not in hyper  # a 0.8 dict keeps its own p_int (its absence is an error)
    if hyper.get("covariance", covariance) != covariance:
        raise ValueError(
            f"{WHERE}.load_state_dict: the state is from covariance={hyper['covariance']!r}, this "
            f"optimizer has covariance={covariance!r}; construct it with the state's"
        )
    if "mutant_share" not in hyper and "mutant" in hyper:  # asng-opt 0.4
        hyper = {**hyper, "mutant_share": None}
    missing = {k: v for k, v in _RULES_BEFORE.items() if k not in hyper}
    if missing and "elitist" in hyper:  # a BlackBoxASNG dict from before the option existed
        hyper = {**hyper, **missing}
    has_integers = any(isinstance(leaf, Integer) for leaf in leaves(dist))
    if has_integers and isinstance(hyper.get("int_margin"), bool) and hyper["int_margin"] != int_margin:
        raise ValueError(
            f"{WHERE}.load_state_dict: the state is from int_margin={hyper['int_margin']!r} (the default before "
            f"asng-opt 0.8 was False), this optimizer has int_margin={int_margin!r}; construct it with the state's"
        )
    saved = hyper.get("int_update")
    other_model = isinstance(saved, str) and int_update is not None and (saved == "full") != (int_update == "full")
    if has_integers and other_model:
        raise ValueError(
            f"{WHERE}.load_state_dict: the state is from int_update={saved!r}, this optimizer has "
            f"int_update={int_update!r} (the integers are in the full covariance matrix with 'full' only; "
            "'full' is the default on spaces of up to 100 free integers and no real variables since asng-opt "
            "0.10, 'asng' before); construct it with the state's"
        )
    if hyper is not state["hyper"]:
        state = {**state, "hyper": hyper}
    fields = state.get("state")
    if isinstance(fields, Mapping) and "p_sigma" in fields and "p_int" not in fields and before_0_8:
        state = {**state, "state": {**fields, "p_int": np.zeros(n_integer(dist))}}
    return state


def changed_settings(current: Mapping[str, Any], state: Any) -> list[str]:
    """The settings a state dict (a ``state_dict()``, as saved: before :func:`upgrade`) holds that
    differ from ``current`` (an optimizer's ``hyper()`` with its ``lam`` and ``maximize``), each as
    ``"name: <current> -> <saved>"``, in the dict's order. Only what the dict itself saved counts:
    the rules :func:`upgrade` gives a dict of an earlier version for the options it lacks are the
    rules it ran with, documented, not a choice to report. A dict that is no mapping, or whose
    ``hyper`` is none, has nothing to compare (the loader refuses it by name).
    """
    if not isinstance(state, Mapping):
        return []
    hyper = state.get("hyper")
    saved = dict(hyper) if isinstance(hyper, Mapping) else {}
    if state.get("version") == 1:
        saved = {RENAMED_V1.get(k, k): v for k, v in saved.items()}
    saved.update({k: state[k] for k in ("lam", "maximize") if k in state})
    return [f"{k}: {current[k]!r} -> {v!r}" for k, v in saved.items() if k in current and not _same(current[k], v)]


def _same(a: Any, b: Any) -> bool:
    """Whether two settings are equal (``1 == 1.0``, ``np.True_ == True``); False for values that
    do not compare to one bool."""
    if a is None or b is None:
        return a is b
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return False
