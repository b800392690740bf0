"""What the black-box study runs: one registry of problems (name -> factory, main-track budget,
default / ``--quick`` membership) and one of optimizers (name -> searcher factory, ours or a peer,
the package it needs, the tracks and problems it runs on).

Two tracks, each with the same budget and the same seeds (0, 1, ...) for every optimizer of a
problem: ``main`` with the per-problem budget, every optimizer except the ``short_only`` ones;
``short`` with :data:`SHORT_BUDGET` evaluations, every optimizer, optuna's samplers included
(optuna costs 10-50 ms per ask at a few hundred trials on 100 variables, 4 ms for CmaEsSampler,
and would not finish the main budgets in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Optional

from . import problems as P
from .ours import NaturalGradient
from .peers import CatCMAwMSearcher, NevergradSearcher, OptunaSearcher, RandomSearch
from .searcher import Searcher, SearcherFactory

__all__ = [
    "ProblemSpec",
    "OptimizerSpec",
    "PROBLEMS",
    "OPTIMIZERS",
    "OURS",
    "SHORT_BUDGET",
    "importable",
    "get_problem",
    "default_problems",
    "quick_problems",
    "main_budgets",
    "available",
    "applies",
    "make_searcher",
]


@dataclass(frozen=True)
class ProblemSpec:
    """A problem of the study: how to build it and how it is run."""

    factory: Callable[[], P.Problem]
    budget: int  #: evaluations per run on the main track
    default: bool = True  #: in the default study (else only on request, ``--problems NAME``)
    quick: bool = False  #: in the ``--quick`` smoke run
    package: Optional[str] = None  #: a module the problem needs


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer of the study: how to build its searcher and where it runs."""

    factory: SearcherFactory
    ours: bool = False  #: ASNG / SNG from asng-opt (else a peer)
    package: Optional[str] = None  #: the optional dependency it needs
    short_only: bool = False  #: too slow for the main budgets: short track only
    needs_integers: bool = False  #: runs only on problems with integer variables
    cost: float = 30.0  #: rough cost per evaluation, so that the longest runs start first


#: in the order of the default study (cheapest first). ``ioh-f22-mis`` is defined but left out of
#: the default study to keep its wall time down.
PROBLEMS: dict[str, ProblemSpec] = {
    "onemax": ProblemSpec(P.onemax, 3000, quick=True),
    "catsphere-K5": ProblemSpec(P.categorical_sphere, 3000, quick=True),
    "mixed": ProblemSpec(P.mixed, 3000, quick=True),
    "toy-fixed-x": ProblemSpec(P.toy_fixed_x, 3000, quick=True),
    "catellipsoid-K10": ProblemSpec(P.categorical_ellipsoid, 4000),
    "leadingones": ProblemSpec(P.leadingones, 6000),
    "ioh-f19-isingring": ProblemSpec(partial(P.ioh_problem, 19), 3000, package="ioh"),
    "ioh-f22-mis": ProblemSpec(partial(P.ioh_problem, 22), 3000, default=False, package="ioh"),
}
SHORT_BUDGET = 150


def _optuna(sampler: str) -> SearcherFactory:
    return partial(OptunaSearcher, sampler=sampler)


def _nevergrad(name: str) -> SearcherFactory:
    return partial(NevergradSearcher, name=name)


#: ours first, then the peers: the order of every table and figure
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "asng-l2": OptimizerSpec(partial(NaturalGradient, method="asng", lam=2), ours=True),
    "asng-l16": OptimizerSpec(partial(NaturalGradient, method="asng", lam=16), ours=True),
    "sng": OptimizerSpec(partial(NaturalGradient, method="sng", lam=2), ours=True),
    "random": OptimizerSpec(RandomSearch),
    "cmaes-catcmawm": OptimizerSpec(CatCMAwMSearcher, package="cmaes", cost=100.0),
    "optuna-tpe": OptimizerSpec(_optuna("tpe"), package="optuna", short_only=True, cost=20000.0),
    "optuna-cmaes": OptimizerSpec(
        _optuna("cmaes"), package="optuna", short_only=True, needs_integers=True, cost=4000.0
    ),
    "ng-dopo": OptimizerSpec(_nevergrad("DiscreteOnePlusOne"), package="nevergrad", cost=1000.0),
    "ng-portfolio": OptimizerSpec(_nevergrad("PortfolioDiscreteOnePlusOne"), package="nevergrad", cost=1000.0),
    "ng-ngopt": OptimizerSpec(_nevergrad("NGOpt"), package="nevergrad", cost=1000.0),
}
OURS = tuple(name for name, spec in OPTIMIZERS.items() if spec.ours)


def importable(module: Optional[str]) -> bool:
    """Whether ``module`` imports here (``None``: nothing is needed)."""
    if module is None:
        return True
    try:
        __import__(module)
    except ImportError:
        return False
    return True


# ---- problems -------------------------------------------------------------------------------------
def get_problem(name: str) -> P.Problem:
    return PROBLEMS[name].factory()


def default_problems() -> list[str]:
    """The problems of the default study whose package imports here."""
    return [n for n, spec in PROBLEMS.items() if spec.default and importable(spec.package)]


def quick_problems() -> list[str]:
    return [n for n, spec in PROBLEMS.items() if spec.quick]


def main_budgets(cap: Optional[int] = None) -> dict[str, int]:
    """Main-track budget per problem, at most ``cap`` when given."""
    return {n: spec.budget if cap is None else min(spec.budget, cap) for n, spec in PROBLEMS.items()}


# ---- optimizers -----------------------------------------------------------------------------------
def available(name: str) -> bool:
    """Whether the optimizer's package imports here (ours and random search always do)."""
    return importable(OPTIMIZERS[name].package)


def applies(name: str, problem: P.Problem) -> bool:
    """optuna's CmaEsSampler runs only where there are integer variables (the mixed problem)."""
    return not OPTIMIZERS[name].needs_integers or problem.n_int > 0


def make_searcher(name: str, problem: P.Problem, budget: int, seed: int) -> Searcher:
    return OPTIMIZERS[name].factory(problem, budget, seed)
