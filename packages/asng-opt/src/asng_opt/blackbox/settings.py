"""BlackBoxASNG's settings: the constructor's checks of its options (:func:`check_options`) and the
state dicts of earlier versions made loadable (:func:`upgrade`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import _checks
from ..distribution import Distribution
from ..ranking import log_rank_weights, ranking_utility
from ._tree import n_real
from .cma import FULL_MAX_DIM, upgrade_state_dict

__all__ = ["UTILITIES", "COVARIANCES", "check_options", "upgrade"]

#: the utilities BlackBoxASNG can use, by name
UTILITIES = {"quantile": ranking_utility, "log": log_rank_weights}
#: the real-valued variables' models: one covariance matrix (CMA-ES) or one variance per variable
COVARIANCES = ("full", "diagonal")
WHERE = "BlackBoxASNG"


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
) -> dict[str, Any]:
    """The options of :class:`~asng_opt.blackbox.BlackBoxASNG` checked, by name; ``covariance=None``
    resolved (``"full"`` up to :data:`~.cma.FULL_MAX_DIM` real variables of ``distribution``).

    Raises:
        ValueError: naming the first option outside its range.
    """
    out: dict[str, Any] = {
        "margin": _checks.flag("margin", margin, WHERE),
        "elitist": _checks.flag("elitist", elitist, WHERE),
        "mutant": _checks.flag("mutant", mutant, WHERE),
        "mutant_share": None if mutant_share is None else _checks.positive("mutant_share", mutant_share, WHERE, 1.0),
        "real_elite_twice": _checks.flag("real_elite_twice", real_elite_twice, WHERE),
        "neutral_union": _checks.flag("neutral_union", neutral_union, WHERE),
    }
    for name, u in (("cat_utility", cat_utility), ("real_utility", real_utility)):
        if u not in UTILITIES:
            raise ValueError(f"{WHERE}: {name} must be one of {list(UTILITIES)}, got {u!r}")
        out[name] = u
    if covariance is None:
        covariance = "full" if n_real(distribution) <= FULL_MAX_DIM else "diagonal"
    if covariance not in COVARIANCES:
        raise ValueError(f"{WHERE}: covariance must be one of {list(COVARIANCES)}, got {covariance!r}")
    out["covariance"] = covariance
    return out


def upgrade(dist: Distribution, state: Any, covariance: str) -> Any:
    """``state`` (a ``state_dict()``) made loadable by an optimizer with ``covariance``: one of
    asng-opt < 0.4 through :func:`~.cma.upgrade_state_dict`; one of 0.4 (no ``mutant_share``) with
    ``mutant_share=None``, and one before 0.7 (no ``real_elite_twice``, no ``neutral_union``) with
    ``real_elite_twice=True`` and ``neutral_union=False``: the rules they ran with. Anything else
    is returned as it is (the loader names what is wrong with it).

    Raises:
        ValueError: the state is from the other ``covariance``.
    """
    state = upgrade_state_dict(dist, state, covariance)
    hyper = state.get("hyper") if isinstance(state, Mapping) else None
    if not isinstance(hyper, Mapping):
        return state
    if hyper.get("covariance", covariance) != covariance:
        raise ValueError(
            f"{WHERE}.load_state_dict: the state is from covariance={hyper['covariance']!r}, this "
            f"optimizer has covariance={covariance!r}; construct it with the state's"
        )
    if "mutant_share" not in hyper and "mutant" in hyper:  # asng-opt 0.4
        hyper = {**hyper, "mutant_share": None}
    if "real_elite_twice" not in hyper and "elitist" in hyper:  # asng-opt < 0.7
        hyper = {**hyper, "real_elite_twice": True}
    if "neutral_union" not in hyper and "elitist" in hyper:  # asng-opt < 0.7
        hyper = {**hyper, "neutral_union": False}
    if hyper is not state["hyper"]:
        state = {**state, "hyper": hyper}
    return state
