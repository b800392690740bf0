"""What the black-box study runs: one registry of problems (name -> factory, main-track budget,
default / ``--quick`` membership) and one of optimizers (name -> searcher factory, ours or a peer,
the package it needs, the tracks and problems it runs on, whether the runner's evaluation cache
is on for it: :attr:`OptimizerSpec.cache`).

Problems are "tuned" (the suite on which asng-opt's black-box configuration was chosen) or
``untuned`` (added after that choice, reported separately). Our optimizers have a ``role``:
``main`` (``asng-bb``, what ``asng_opt.minimize`` does by default, its evaluation cache included),
``reference`` (the paper's settings, lambda = 2 and 16, without the cache as minimize's
``config="paper"``) or ``ablation`` (``asng-bb`` with one ingredient switched off, ``bb-no-cache``
the cache). The peers have the role ``peer`` (as their users run them: every sample evaluated),
and ``peer-variant`` marks a peer run otherwise (``cmaes-catcmawm-cache``: with the runner's
cache, to show what the cache alone buys a peer): shown in the tables, never a "best peer" of the
verdicts (:data:`PEER_VARIANTS`) and never taken from an earlier study (:attr:`OptimizerSpec.reusable`).

Two tracks, each with the same budget and the same seeds (0, 1, ...) for every optimizer of a
problem: ``main`` with the per-problem budget, every optimizer except the ``short_only`` ones;
``short`` with :data:`SHORT_BUDGET` evaluations, every optimizer, optuna's samplers included
(optuna costs 10-50 ms per ask at a few hundred trials on 100 variables, 4 ms for CmaEsSampler,
and would not finish the main budgets in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any, Callable, Optional

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
    "MAIN",
    "ABLATIONS",
    "PEER_VARIANTS",
    "ROLES",
    "untuned_problems",
    "untuned_label",
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
    untuned: bool = False  #: new to the study after our configuration was chosen: reported apart
    #: the asng-opt version from which a change of the default was chosen on this untuned problem
    #: (it stays in the untuned group, with its seeds, and is labelled so); None: still untuned
    tuned_since: Optional[str] = None


@dataclass(frozen=True)
class OptimizerSpec:
    """An optimizer of the study: how to build its searcher and where it runs."""

    factory: SearcherFactory
    role: str = "peer"  #: ``main`` / ``reference`` / ``ablation`` (ours) or ``peer`` / ``peer-variant``: :data:`ROLES`
    package: Optional[str] = None  #: the optional dependency it needs
    short_only: bool = False  #: too slow for the main budgets: short track only
    needs_numbers: bool = False  #: runs only on problems with integer or real variables
    needs_reals: bool = False  #: runs only on problems with real variables (elsewhere it is another row's run)
    needs_ints: bool = False  #: runs only on problems with integer variables (elsewhere it is another row's run)
    discrete_only: bool = False  #: runs only on problems with categorical or integer variables
    no_reals: bool = False  #: runs only on problems without real variables (where our optimizers walk)
    cost: float = 30.0  #: rough cost per evaluation, so that the longest runs start first
    package_versions: tuple[str, ...] = ()  #: what must not have changed for its runs to be reused
    #: the runner's evaluation cache (:func:`.runs.run_one`): a candidate equal to one evaluated
    #: before in the run costs no evaluation and gets the known value, as in ``asng_opt.minimize``
    cache: bool = False

    @property
    def ours(self) -> bool:
        """ASNG from asng-opt (else a peer)."""
        return self.role in ("main", "reference", "ablation")

    @property
    def reusable(self) -> bool:
        """A peer as its users run it, without the cache: its runs may be taken from an earlier
        study (``--reuse``, :mod:`.reuse`)."""
        return self.role == "peer" and not self.cache


ROLES = ("main", "reference", "ablation", "peer", "peer-variant")


#: in the order of the default study (cheapest first), the untuned problems last.
PROBLEMS: dict[str, ProblemSpec] = {
    "onemax": ProblemSpec(P.onemax, 3000, quick=True),
    "catsphere-K5": ProblemSpec(P.categorical_sphere, 3000, quick=True),
    "mixed": ProblemSpec(P.mixed, 3000, quick=True),
    "toy-fixed-x": ProblemSpec(P.toy_fixed_x, 3000, quick=True),
    "catellipsoid-K10": ProblemSpec(P.categorical_ellipsoid, 4000),
    "leadingones": ProblemSpec(P.leadingones, 6000),
    "ioh-f19-isingring": ProblemSpec(partial(P.ioh_problem, 19), 3000, package="ioh"),
    "ioh-f22-mis": ProblemSpec(partial(P.ioh_problem, 22), 3000, package="ioh", untuned=True, tuned_since="0.12"),
    "nk-adjacent": ProblemSpec(P.nk_adjacent, 3000, untuned=True, tuned_since="0.12"),
    # real-valued (issue 12, added after the configuration was chosen, hence untuned too)
    # asng-opt 0.7's rule for the elite in the real-valued step was chosen on Rosenbrock, checked on mixed-real
    "rosenbrock": ProblemSpec(P.rosenbrock, 10000, untuned=True, tuned_since="0.7"),
    "mixed-real": ProblemSpec(P.mixed_real, 3000, untuned=True, tuned_since="0.7"),
    # added in asng-opt 0.7's last round, after its default was fixed: never looked at before the study;
    # asng-opt 0.8's integer rules (margin, the elite's integers, the integer step) were chosen on int-real
    "ioh-f24-concatenatedtrap": ProblemSpec(
        partial(P.ioh_problem, 24), 3000, package="ioh", untuned=True, tuned_since="0.12"
    ),
    "int-real-ellipsoid": ProblemSpec(P.int_real_ellipsoid, 3000, untuned=True, tuned_since="0.8"),
    # added in asng-opt 0.8's round before anything ran on them (a 60-evaluation smoke run of the
    # integer ablation rows and asng-bb aside, its results not looked at)
    # asng-opt 0.9's harmonic integer mutants were chosen on int-rastrigin
    "hpo-conditional": ProblemSpec(P.hpo_conditional, 3000, untuned=True, tuned_since="0.12"),
    "int-rastrigin": ProblemSpec(P.int_rastrigin, 3000, untuned=True, tuned_since="0.9"),
    # added in asng-opt 0.9's round before anything ran on them (the best of 2,000 uniform draws aside);
    # asng-opt 0.10's integers in the full covariance were chosen on int-rotated-ellipsoid, checked on int-knapsack
    "int-knapsack": ProblemSpec(P.int_knapsack, 3000, untuned=True, tuned_since="0.10"),
    "int-rotated-ellipsoid": ProblemSpec(P.int_rotated_ellipsoid, 3000, untuned=True, tuned_since="0.10"),
    # added in asng-opt 0.10's round, after its default was chosen, before anything ran on them
    "int-rosenbrock": ProblemSpec(P.int_rosenbrock, 3000, untuned=True, tuned_since="0.11"),
    "cat-int-conditional": ProblemSpec(P.cat_int_conditional, 3000, untuned=True, tuned_since="0.11"),
    # added in asng-opt 0.11's round (only the objective evaluated: its tests, the best of 2,000 uniform
    # draws for the first target); a measurement of candidate restart rules then ran ours on them before
    # the choice was final (the chosen rule and the rule before gave the same runs there; see
    # results/blackbox/notes.md)
    "int-log-widths": ProblemSpec(P.int_log_widths, 3000, untuned=True, tuned_since="0.12"),
    "int-schwefel": ProblemSpec(P.int_schwefel, 3000, untuned=True, tuned_since="0.12"),
    # asng-opt 0.12's rule (mutants earn their share) was chosen on the integer problems above and
    # checked, one process, on every problem with mutants: those not tuned on before are labelled 0.12
    # added in asng-opt 0.12's round, after its default (mutants earn their share) was chosen, before
    # anything ran on them (only the objectives evaluated: their tests, the best of 2,000 uniform draws)
    "ioh-f20-isingtorus": ProblemSpec(partial(P.ioh_problem, 20), 3000, package="ioh", untuned=True),
    "int-step-ellipsoid": ProblemSpec(P.int_step_ellipsoid, 3000, untuned=True, tuned_since="0.13"),
    # asng-opt 0.13's integers' start (int_sigma0) was chosen on every problem with integer variables
    # above (int-step-ellipsoid's 150-evaluation track prompted it); added in its round, after the
    # choice, before anything ran on them (only the objectives evaluated: their tests, the best of
    # 2,000 uniform draws for the first target)
    "int-styblinski-tang": ProblemSpec(P.int_styblinski_tang, 3000, untuned=True, tuned_since="0.14"),
    "int-levy": ProblemSpec(P.int_levy, 3000, untuned=True, tuned_since="0.14"),
    # asng-opt 0.14's active CMA-ES (active_cma) was chosen on every problem with integer or real
    # variables above; added in its round, after the choice, before anything ran on them (only the
    # objectives evaluated: their tests, the best of 2,000 uniform draws for the first target).
    # asng-opt 0.15's resolution of the reals (FLOAT_SIGMA_MIN) was chosen on sharp-ridge and checked
    # on every problem with real variables above (int-zakharov, integers alone, it leaves alone)
    "int-zakharov": ProblemSpec(P.int_zakharov, 3000, untuned=True, tuned_since="0.17"),
    "sharp-ridge": ProblemSpec(P.sharp_ridge, 3000, untuned=True, tuned_since="0.15"),
    # added in asng-opt 0.15's round, after the choice, before anything ran on them (only the
    # objectives evaluated: their tests, the best of 2,000 uniform draws for the first target)
    "different-powers": ProblemSpec(P.different_powers, 3000, untuned=True),
    "cat-real-cigar": ProblemSpec(P.cat_real_cigar, 3000, untuned=True),
    # asng-opt 0.16's repaired draws in the separable rule (covariance="diagonal") were chosen on a
    # robustness case (an optimum at a bound) and checked on every problem with real variables above,
    # where the default rows do not change (their reals use the full rule, their integers' draws lie in
    # the box); added in its round, after the choice, before anything ran on them (only the objectives
    # evaluated: their tests, the best of 2,000 uniform draws for the first target)
    "linear-slope": ProblemSpec(P.linear_slope, 3000, untuned=True),
    "attractive-sector": ProblemSpec(P.attractive_sector, 3000, untuned=True),
    # asng-opt 0.17's integer mutants (int_steps="harmonic-uniform") were chosen on int-schwefel and
    # int-levy and checked on every problem with integer variables above: int-zakharov, untuned until
    # then, is labelled 0.17; added in its round, after the choice, before anything ran on them (only
    # the objectives evaluated: their tests, the best of 2,000 uniform draws for the first target)
    "int-ackley": ProblemSpec(P.int_ackley, 3000, untuned=True, tuned_since="0.18"),
    "int-griewank": ProblemSpec(P.int_griewank, 3000, untuned=True, tuned_since="0.18"),
    # asng-opt 0.18's descent without the elite on spaces of integers alone (elite_in_descent) and its
    # walk stall were chosen on int-griewank and int-zakharov and checked on every problem without real
    # variables above, both tracks: int-ackley and int-griewank, untuned until then, are labelled 0.18;
    # added in its round, after the choice, before anything ran on them (only the objectives
    # evaluated: their tests, the best of 2,000 uniform draws for the first target)
    "int-trid": ProblemSpec(P.int_trid, 3000, untuned=True),
    "int-salomon": ProblemSpec(P.int_salomon, 3000, untuned=True),
}
SHORT_BUDGET = 150


def _optuna(sampler: str) -> SearcherFactory:
    return partial(OptunaSearcher, sampler=sampler)


def _nevergrad(name: str) -> SearcherFactory:
    return partial(NevergradSearcher, name=name)


def _ours(
    role: str,
    config: str = "blackbox",
    short_only: bool = False,
    needs_reals: bool = False,
    cache: Optional[bool] = None,
    needs_ints: bool = False,
    needs_numbers: bool = False,
    no_reals: bool = False,
    **kw: Any,
) -> OptimizerSpec:
    """Our row; ``cache`` None: minimize's default (on with ``config="blackbox"``, off with ``"paper"``)."""
    cache = config == "blackbox" if cache is None else cache
    options: dict[str, Any] = {"config": config, **kw}
    if config == "blackbox":  # the paper's rows take no cache option (their runner keeps none)
        options["cache"] = cache
    factory = partial(NaturalGradient, **options)
    cost = 60.0 if config == "blackbox" else 30.0
    return OptimizerSpec(
        factory,
        role=role,
        short_only=short_only,
        needs_reals=needs_reals,
        needs_ints=needs_ints,
        needs_numbers=needs_numbers,
        no_reals=no_reals,
        cost=cost,
        cache=cache,
    )


#: ours first (the main entry, the references, the ablations), then the peers: the order of every
#: table and figure. Each ablation is ``asng-bb`` with one ingredient switched off or changed.
OPTIMIZERS: dict[str, OptimizerSpec] = {
    "asng-bb": _ours("main"),
    "asng-l2": _ours("reference", "paper", lam=2),
    "asng-l16": _ours("reference", "paper", lam=16),
    "bb-no-margin": _ours("ablation", margin=False),
    "bb-no-elitism": _ours("ablation", elitist=False),
    "bb-restart-uniform": _ours("ablation", near_best=False),
    # restart as soon as the distribution has converged (should_stop()), asng-opt 0.6's rule; asng-bb
    # restarts a converged distribution of categorical variables alone only once its walk runs dry
    "bb-restart-converged": _ours("ablation", restart_on_convergence=True),
    "bb-quantile-all": _ours("ablation", real_utility="quantile"),
    "bb-log-all": _ours("ablation", cat_utility="log"),
    # lambda = 16 given, as minimize(lam=16) runs it: no capped default, so on integers alone since
    # asng-opt 0.18 its descent drops the elite on the short track too (asng-bb keeps it there)
    "bb-lam16": _ours("ablation", lam=16),
    "bb-no-mutant": _ours("ablation", mutant=False),
    # one mutant per batch, ties to the batch's first best: asng-opt 0.4's default, run for run
    "bb-one-mutant": _ours("ablation", mutant_share=None),
    # without the union of a round's neutral mutants (with asng-opt 0.7's ramp; asng-opt 0.6 had
    # neither the union nor the ramp past half the batch)
    "bb-no-union": _ours("ablation", neutral_union=False),
    # mutants up to half the batch (asng-opt 0.5 and 0.6's mutant_share); asng-bb lets the ramp go up
    # to all but two samples (beyond two only as mutants succeed, earn_mutants). With lambda = 4 (the short
    # track) both stop at two mutants: the same runs
    "bb-half-mutants": _ours("ablation", mutant_share=0.5),
    # one variance per real variable (asng-opt 0.3's separable update): differs from asng-bb only
    # where there are real variables, so it runs only there
    "bb-diagonal": _ours("ablation", covariance="diagonal", needs_reals=True),
    # the reals' initial sigma at 1/4 of their range (asng-opt 0.4's FloatRange) instead of 1/6
    "bb-sigma-quarter": _ours("ablation", sigma_init=0.25, needs_reals=True),
    # the elite counted twice in the real-valued (CMA-ES) step when it is one of the batch's samples
    # (asng-opt before 0.7; the categorical and integer parts still count it twice)
    "bb-real-elite-twice": _ours("ablation", real_elite_twice=True, needs_reals=True),
    # told per-batch ranks instead of the values (minimize before its fix): the elite is then the
    # last batch's best, not the best point ever
    "bb-ranks": _ours("ablation", tell="ranks"),
    # lambda = 4 + floor(3 ln N) without minimize's budget cap (max(4, budget // 40)): the cap binds
    # only on the short track (budget 150), so this row runs there alone (on the main track it is asng-bb);
    # uncapped, it is no short run: on integers alone since asng-opt 0.18 its descent drops the elite
    "bb-lam-dim": _ours("ablation", short_only=True, lam="dim"),
    # every sample evaluated, a point drawn again included (asng-bb before minimize's evaluation cache)
    "bb-no-cache": _ours("ablation", cache=False),
    # asng-opt 0.8's integer rules, each switched back to 0.7's: appendix D's sigma_min = 1/4 and
    # restarts on should_stop() instead of the integer margin and the walk; the elite joining the
    # update at its raw draws; ASNG's step on the integers (on a space with reals in place of 0.8's
    # separable CMA step; without reals in place of 0.10's full covariance: asng-opt 0.8-0.9's rule)
    "bb-no-int-margin": _ours("ablation", int_margin=False, needs_ints=True),
    "bb-raw-elite": _ours("ablation", elite_integers=False, needs_ints=True),
    "bb-int-asng": _ours("ablation", int_update="asng", needs_ints=True),
    "bb-unit-int-steps": _ours("ablation", int_steps="unit", needs_ints=True),
    # the integer mutants' harmonic steps alone (asng-opt 0.9-0.16) instead of half of them replaced by
    # a uniform value of the variable's range (0.17)
    "bb-harmonic-int-steps": _ours("ablation", int_steps="harmonic", needs_ints=True),
    # the elite and the mutants in the CMA-ES steps unclipped (asng-opt before 0.11): the clipping acts
    # where mutants enter a CMA step, on problems with integers (measured: on the real-valued problems
    # the main-track runs were the same, 30 seeds each)
    "bb-no-inject-clip": _ours("ablation", clip_injected=False, needs_ints=True),
    # restarts near the best point after a restart near it that never improved it (asng-opt before
    # 0.11; 0.11 starts the next one fresh where optimizers walk: on problems without real variables)
    "bb-near-after-spent": _ours("ablation", fresh_after_spent=False),
    # the mutants' ramp up to all but two samples whether or not mutants have succeeded (asng-opt before
    # 0.12; 0.12 lets them beyond two per batch only by MUTANTS_PER_SUCCESS per success of a mutant).
    # At lambda = 4 (the short track) both allow two: the same runs there
    "bb-unearned-mutants": _ours("ablation", earn_mutants=False),
    # the integers starting at half their range (appendix D's widest sigma, asng-opt before 0.13) instead
    # of a quarter; differs from asng-bb only where there are integer variables
    "bb-int-sigma-half": _ours("ablation", int_sigma0=0.5, needs_ints=True),
    # the CMA-ES's rank-mu update with the positive weights alone (asng-opt before 0.14) instead of active
    # CMA-ES's negative weights on the worse half; differs from asng-bb only where a CMA-ES step runs:
    # on problems with integer or real variables
    "bb-no-active": _ours("ablation", active_cma=False, needs_numbers=True),
    # the real variables' resolution at 1e-6 of their range (asng-opt before 0.15) instead of 1e-10: a
    # floor on each marginal sigma; differs from asng-bb only where there are real variables
    "bb-resolution-1e-6": _ours("ablation", sigma_min=1e-6, needs_reals=True),
    # the elite's copy in every CMA-ES step of the descent (asng-opt before 0.18) instead of only once the
    # distribution has converged or in a restart near the best point: 0.18's default on spaces of integers
    # alone; on the short track the budget caps lambda and asng-bb keeps the elite too, and on mixed and
    # cat-int-conditional (categories too) asng-bb keeps it: there the same runs as asng-bb
    "bb-elite-in-descent": _ours("ablation", elite_in_descent=True, needs_ints=True, no_reals=True),
    # walks that end only once they run dry (asng-opt before 0.18) instead of also after walk_stall
    # updates without improvement of the converged optimizer's elite; optimizers walk only on problems
    # without real variables, so it runs only there; on the short track (about 37 updates at lambda = 4,
    # walk_stall at least 20 per variable) the same runs as asng-bb
    "bb-no-walk-stall": _ours("ablation", walk_stall=False, no_reals=True),
    "random": OptimizerSpec(RandomSearch),
    # CatCMAwM's integer margin calls scipy.stats.chi2.ppf when scipy is installed, else its own approximation
    "cmaes-catcmawm": OptimizerSpec(CatCMAwMSearcher, package="cmaes", cost=100.0, package_versions=("cmaes", "scipy")),
    # the same with the runner's evaluation cache: what the cache alone buys a peer (not a peer as
    # its users get it: in no verdict, never reused)
    "cmaes-catcmawm-cache": OptimizerSpec(
        CatCMAwMSearcher,
        role="peer-variant",
        package="cmaes",
        cost=100.0,
        package_versions=("cmaes", "scipy"),
        cache=True,
    ),
    "optuna-tpe": OptimizerSpec(
        _optuna("tpe"), package="optuna", short_only=True, cost=20000.0, package_versions=("optuna",)
    ),
    "optuna-cmaes": OptimizerSpec(
        _optuna("cmaes"),
        package="optuna",
        short_only=True,
        needs_numbers=True,
        cost=4000.0,
        package_versions=("optuna", "cmaes"),
    ),  # fmt: skip
    # nevergrad's discrete (1 + 1) optimizers: not on the purely real-valued problems
    "ng-dopo": OptimizerSpec(
        _nevergrad("DiscreteOnePlusOne"),
        package="nevergrad",
        discrete_only=True,
        cost=1000.0,
        package_versions=("nevergrad",),
    ),
    "ng-portfolio": OptimizerSpec(
        _nevergrad("PortfolioDiscreteOnePlusOne"),
        package="nevergrad",
        discrete_only=True,
        cost=1000.0,
        package_versions=("nevergrad",),
    ),
    # on a purely real space NGOpt (nevergrad 1.0.12) picks a portfolio whose MetaModel part raises
    # "TypeError: only 0-dimensional arrays can be converted to Python scalars" under numpy 2.4
    # (nevergrad/optimization/metamodel.py:177) within the first 1,000 evaluations: not run there
    "ng-ngopt": OptimizerSpec(
        _nevergrad("NGOpt"), package="nevergrad", discrete_only=True, cost=1000.0, package_versions=("nevergrad",)
    ),
}
OURS = tuple(name for name, spec in OPTIMIZERS.items() if spec.ours)
MAIN = next(name for name, spec in OPTIMIZERS.items() if spec.role == "main")  #: ``asng-bb``
ABLATIONS = tuple(name for name, spec in OPTIMIZERS.items() if spec.role == "ablation")
PEER_VARIANTS = tuple(name for name, spec in OPTIMIZERS.items() if spec.role == "peer-variant")


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


def untuned_label(name: str) -> str:
    """How figures and headings name the group of problem ``name``: ``"untuned"``, ``"untuned
    until asng-opt X"`` (:attr:`ProblemSpec.tuned_since`), or ``""`` for a tuned or unknown one."""
    spec = PROBLEMS.get(name)
    if spec is None or not spec.untuned:
        return ""
    return "untuned" if spec.tuned_since is None else f"untuned until asng-opt {spec.tuned_since}"


def untuned_problems() -> list[str]:
    """The problems added after our black-box configuration was chosen (reported separately)."""
    return [n for n, spec in PROBLEMS.items() if spec.untuned]


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
    """optuna's CmaEsSampler runs only where there are integer or real variables, ``bb-diagonal``
    only where there are real ones, the integer ablations only where there are integer ones,
    the walk's ablations only where there is no real one, nevergrad's discrete (1 + 1) optimizers
    only where there are categorical or integer ones."""
    spec = OPTIMIZERS[name]
    if spec.no_reals and problem.n_real > 0:
        return False
    if spec.needs_numbers and problem.n_int + problem.n_real == 0:
        return False
    if spec.needs_ints and problem.n_int == 0:
        return False
    if spec.needs_reals and problem.n_real == 0:
        return False
    return not spec.discrete_only or problem.n_cat + problem.n_int > 0


def make_searcher(name: str, problem: P.Problem, budget: int, seed: int) -> Searcher:
    return OPTIMIZERS[name].factory(problem, budget, seed)
