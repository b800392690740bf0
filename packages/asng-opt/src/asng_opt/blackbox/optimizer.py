"""The black-box optimizer class, :class:`BlackBoxASNG`: the paper's ASNG with the black-box
configuration's population, margin, utilities, elitism and update (see :mod:`asng_opt.blackbox`)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from .. import _checks
from .._constant import fixed_variable
from .._constant import refuse as refuse_single_point
from .._pending import asked_rows, check_n, publish
from .._samples import n_samples
from ..distribution import Distribution
from ..gaussian import FLOOR_ULPS
from ..optimizers import ASNG
from ..ranking import negative_log_ranks, quantile_and_log, ranking_utility
from ..space import Space
from ..updates import asng_init
from ..variables import FloatRange
from . import elite_state
from ._tree import append, clip_integers, integer_values, n_cma, n_integer, n_theta_cat
from .cma import FULL_FIELDS, check_full_fields, correlate, full_init
from .defaults import default_lam, with_margin
from .elite import Elitism
from .settings import COVARIANCES, UTILITIES, changed_settings, check_options, upgrade
from .update import BlackBoxState, blackbox_update, full_update

__all__ = ["BlackBoxASNG", "UTILITIES", "MUTANT_STALL", "MUTANT_RAMP", "MUTANTS_PER_SUCCESS", "COVARIANCES"]

#: with ``mutant``, the updates without an improvement of the elite after which the mutant joins
#: the batches (none while the distribution still finds better points by itself: measured, mutants
#: from the first batch on cost 20-30 % on the sphere, toy and mixed problems of the study)
MUTANT_STALL = 3
#: with ``mutant_share``, the updates without improvement after which one more mutant joins each
#: batch (up to the share): the longer the distribution goes without finding a better point, the
#: more of the batch searches around the elite (measured: all at once cost on the 150-evaluation
#: track, where lambda = 4 leaves two draws of p_theta; see results/README.md)
MUTANT_RAMP = 2
#: with ``earn_mutants``, the mutants per batch that the start and each success of a mutant allow
#: (:meth:`BlackBoxASNG.n_mutants`: at most ``MUTANTS_PER_SUCCESS * (1 + earned)``)
MUTANTS_PER_SUCCESS = 2


def has_free_reals(space: Space) -> bool:
    """Whether a named space has a real variable that is not fixed (``FloatRange(v, v)`` is)."""
    return any(isinstance(v, FloatRange) and not fixed_variable(v) for v in space.variables.values())


class BlackBoxASNG(ASNG):
    """ASNG configured for black-box optimisation (see the module docstring for each ingredient).

    Args:
        distribution: the search space (a distribution or a named :class:`~asng_opt.Space`); its
            Categorical and Integer parts are rebuilt with their margins
            (:func:`~asng_opt.blackbox.with_margin`; ``self.distribution`` is that copy, in the
            same coordinates; the argument is not modified).
        lam: samples per update; default ``4 + floor(3 ln N)`` (:func:`default_lam`), >= 2.
        alpha, delta0: as for :class:`ASNG` (Delta_max is unbounded).
        margin: apply the categorical margin (default True).
        elitist: add the best point seen so far to every update (default True). Assumes a
            deterministic objective: with a noisy one, a lucky value would keep pulling. When it
            is one of the batch's own samples, the real-valued (CMA-ES) step ranks the batch alone
            and leaves the added copy out: recombination and the rank-mu update weigh distinct
            draws, and one point counted twice (ranks 1 and 2) pulled the mean and C onto it. On
            the study's 10-variable Rosenbrock (100 seeds) counting it twice ended 19 % of the
            runs in the local minimum (gap 3.99) against 9 %, and reached the first target
            within 150 evaluations in 34 runs against 50. The categorical parts, and the integer
            ones under ASNG's step (``int_update="asng"``), keep it twice (measured better there:
            LeadingOnes, the Ising ring); under ``int_update="cma"`` or ``"full"`` the integers
            follow the real-valued step's rule.
        real_elite_twice: with ``elitist``, count the elite twice in the real-valued step too when
            it is one of the batch's samples, as asng-opt before 0.7 did (default False; ablation
            ``bb-real-elite-twice``; a state dict of 0.6 or earlier loads with True); the integer
            variables under ``int_update="cma"`` or ``"full"`` follow it.
        neutral_union: with ``mutant`` and a ``mutant_share``: after a tell whose best ties the
            elite with two or more neutral mutants (as good as the elite), the next ask's last
            mutant is the new elite with the other neutral mutants' categorical and integer
            changes applied (:func:`~.elite.neutral_union`): a batch accepts one neutral move per
            round where a (1 + 1) optimizer accepts one per evaluation; the union tries a round's
            neutral moves together. Default True (asng-opt 0.7; ablation ``bb-no-union``; a state
            dict of 0.6 or earlier loads with False). Measured on the study (100 seeds, one
            process): the Ising ring's mean final gap 8.08 instead of 9.06, LeadingOnes' optimum in
            78/100 runs instead of 68/100.
        mutant: the elitist mutants (default True; not on purely real spaces: a mutation needs a
            categorical or integer variable, and on a mixed space it carries the real part too):
            once the elite has not improved for :data:`MUTANT_STALL` updates, the last
            samples of each batch are DiscreteOnePlusOne-like mutations of the elite
            (:func:`~asng_opt.blackbox.mutate`); a mutant worse than the elite is left out of the
            update (it is no draw of p_theta; with a negative weight it would push the
            distribution away from the elite's values). Ablation ``bb-no-mutant`` of the study.
        mutant_share: with ``mutant``, the largest share of each batch that is mutants, ``(0, 1]``:
            one mutant once they are due, one more every :data:`MUTANT_RAMP` updates without
            improvement, up to ``max(1, floor(share * k))`` of the k samples and at most k - 2, so
            that at least two draws of p_theta remain, and with ``earn_mutants`` beyond two only as
            mutants succeed (:meth:`n_mutants`); the best of the batch's
            ties is then a mutant (a neutral mutation is accepted, as a (1 + 1) optimizer accepts
            an equal offspring: the elite walks across plateaus). Default 1.0 (asng-opt 0.7: the
            ramp alone limits the mutants, up to all but two samples; with the neutral union
            every neutral mutant of a round counts, so a longer stall searches with more of
            them). 0.5 (asng-opt 0.5 and 0.6; ablation ``bb-half-mutants``) stops at half the
            batch. Measured on the study's problems (100 seeds, one process): the Ising ring's
            mean final gap 6.94 instead of 8.08, the ellipsoid's ERT 1,249 instead of 1,280,
            LeadingOnes' optimum in 79/100 runs instead of 78/100 at ERT 6,566 instead of 6,795,
            the NK landscape's in 23/100 instead of 21/100; level elsewhere.
            None: one mutant per batch and ties to the batch's first best, asng-opt 0.4's rule
            (ablation ``bb-one-mutant``; a state dict of 0.4 loads with it).
        cat_utility, real_utility: the weights of the categorical parts and of the Gaussian /
            Integer parts: ``"quantile"`` (the paper's +-1, :func:`~asng_opt.ranking.ranking_utility`)
            or ``"log"`` (:func:`~asng_opt.ranking.log_rank_weights`); defaults ``"quantile"`` and
            ``"log"``. (The other settings exist for the ablation study.)
        covariance: the real-valued variables' model: ``"full"`` (CMA-ES, one covariance matrix
            over all of them, :mod:`~asng_opt.blackbox.cma`) or ``"diagonal"`` (one variance each,
            separable CMA, :func:`~asng_opt.blackbox.update.real_part_step`: the update before
            0.4, since 0.16 from the draws clipped into the box for a Gaussian built with
            ``clip_draws``, as a Space's reals are); default (None) ``"full"`` up to
            :data:`~asng_opt.blackbox.cma.FULL_MAX_DIM` (100) real variables, ``"diagonal"``
            beyond, always ``"full"`` with
            ``int_update="full"``. Spaces without real or integer variables behave identically with
            either; on a space of integers without reals ``"diagonal"`` also makes the default
            ``int_update`` ``"cma"`` (the integers' model then differs).
        int_margin: rebuild the Integer parts with the integer margin (default True, asng-opt
            0.8): ``Integer(margin=1 - 0.73^(1/N'))`` with a hard sigma floor
            ``min(sigma_min, INT_SIGMA_FLOOR)`` (0.1), see :class:`~asng_opt.Integer`. Measured
            (100 seeds, one process): the study's mixed problem 512 evaluations instead of 542
            (with ``elite_integers``), 30 integers 888 instead of 1,032 (``minimize``, 50 seeds).
            With it ``minimize`` lets a space of categorical and integer variables walk after
            convergence (:func:`asng_opt._cache.walks`). False: appendix D's sigma_min (1/4), the
            rule before 0.8 (ablation ``bb-no-int-margin``; a state dict of 0.7 or earlier loads
            only into an optimizer with False, on a space with integers).
        elite_integers: the elite joins each update with its integer variables at the integers it
            was evaluated at, not at its raw draw (default True, asng-opt 0.8): a raw draw near a
            rounding boundary pulled the mean there. Measured (100 seeds): the study's
            ``int-real-ellipsoid`` optimum in 100/100 runs instead of 26/100 (ERT 1,636 instead of
            11,014). False: the rule before 0.8 (ablation ``bb-raw-elite``).
        int_update: the integer variables' step: ``"asng"`` (ASNG's step on their (mu, mu^2 +
            sigma^2), with the categorical parameters), ``"cma"`` (the real-valued variables'
            separable rule on the integers as a group of their own: weighted recombination, rank-mu
            variances, CSA on the path ``p_int``, :func:`~asng_opt.blackbox.update.real_part_step`)
            or ``"full"`` (the integers join the real-valued variables' CMA-ES, one full covariance
            matrix over both, with CMA-ES with margin's diagonal scaling,
            :func:`~asng_opt.blackbox.cma.margin_scale`; a fixed integer, ``low == high``, stays out
            of C; needs ``covariance="full"``). Default
            (None, :func:`~asng_opt.blackbox.settings.default_int_update`): ``"cma"`` on a space
            with free real variables (asng-opt 0.8); else ``"full"`` on a space with 1 to 100
            free integer variables (asng-opt 0.10) and ``"cma"`` beyond 100 or with
            ``covariance="diagonal"`` (asng-opt 0.11); ``"asng"`` (0.8-0.9's rule without reals,
            ablation ``bb-int-asng``) where ``"full"`` would be, on a Space whose only reals are
            fixed. ASNG's joint step shrinks
            sigma^2 by ``1 - c^2 sum w_i^2`` on average when the ranking carries no information
            about the variable, and the reals' draws make the integers' ranking noisy. Measured
            (100 seeds): ``int-real-ellipsoid``'s 150-evaluation median gap 251 instead of 720, its
            optimum in 1,460 evaluations instead of 1,592 (``"cma"`` against ``"asng"``; ``"full"``
            there: 5/40 runs, learning C over 15 variables is slower). Without reals, ``"full"``
            against ``"asng"`` (the study's runs, 100 seeds, one process): ``int-rotated-ellipsoid``
            solved in 45/100 runs (ERT 4,515) instead of 7/100 (42,092), its 150-evaluation median
            gap 2,137 instead of 5,214; ``mixed`` 460 evaluations instead of 491; the knapsack's
            150-evaluation median gap 104.5 instead of 124.5, its 3,000-evaluation one 8 instead of
            9; ``abs(v - 123457)`` over ``Integer(0, 10**6)`` 105 instead of 138 (``minimize``).
            Costs: ``int-rastrigin`` 1,526 evaluations instead of 1,036 (99/100 runs), and
            separable integer problems (``minimize``, 50 seeds): a 10-integer ellipsoid 1,045
            instead of 701, 30 integers 952 instead of 707, two integers of unlike ranges 61 instead
            of 26. Beyond 100 integers, ``"cma"`` against ``"asng"`` (``minimize``, 20,000
            evaluations, 10 seeds): 150 integers in [0, 1000] under a squared loss solved 10/10
            (median 13,009 evaluations) where ``"asng"`` ended at f ~ 1.2e6, 120 in [0, 10**6] under
            an L1 loss median final f 1.2e4 instead of 7.9e6, 128 in [-50, 50] 10/10 (10,060)
            instead of 7/10 (19,092); costs on narrow ranges: 200 integers in [0, 1] 2,319
            evaluations instead of 1,461, 150 in [-5, 5] 6,204 instead of 5,729.
        int_steps: how far a mutant moves an integer variable it changes (with ``mutant``):
            ``"harmonic-uniform"`` (default, asng-opt 0.17) the harmonic step below or, with probability
            :data:`~asng_opt.blackbox.mutant.UNIFORM_SHARE` = 1/2, a value of the variable's range other
            than its own, uniform (DiscreteOnePlusOne's fresh value, as a categorical mutant takes a uniform
            other category); ``"harmonic"`` (asng-opt 0.9-0.16; ablation ``bb-harmonic-int-steps``) a length
            ``j`` up to the bound with P(j) ~ 1 / j (:func:`~asng_opt.blackbox.mutant.int_step_lengths`,
            Doerr, Doerr and Koetzing 2018), or ``"unit"`` (+-1, the rule before 0.9; ablation
            ``bb-unit-int-steps``). The harmonic law makes a jump across the box rare (about 1 / (j log r)
            for a jump of j in a range of r): on the study's ``int-schwefel``, whose variables' second-best
            basins lie 724 from their best ones, the default reaches the optimum in 11/40 runs of 3,000
            evaluations (median final gap 5.0) where harmonic steps reach it in none (median 244;
            DiscreteOnePlusOne: 0/100, median 316), and Levy's 150-evaluation target in 136/200 runs instead
            of 126/200; costs on problems whose optimum needs short moves (40 seeds, one process, 3,000
            evaluations): ``int-rastrigin`` 38/40 runs at ERT 1,694 instead of 40/40 at 1,478,
            ``int-rotated-ellipsoid`` 37/40 at 1,243 instead of 38/40 at 989, ``int-rosenbrock`` 1,180
            instead of 1,074 (results/blackbox/notes.md, "This round's run"). A +-1 step cannot leave a
            local optimum of the +-1 neighbourhood. Harmonic steps against +-1 (asng-opt 0.9, measured then;
            25 seeds, one process): the study's ``int-rastrigin`` (local minima every fourth integer) solved
            in 25/25 runs (ERT 1,047) instead of 0/25; ``minimize`` (50 seeds) on a 10-integer ellipsoid 701
            evaluations instead of 843, 30 integers 707 instead of 709; costs: ``abs(v - 123457)`` over
            ``Integer(0, 10**6)`` 138 instead of 120 (a +-1 step is then 5 % of the moves; ``abs(v - 100)``,
            near the bound, 78 instead of 85), the mixed problem 488 instead of 475 (150 seeds), and on
            integer problems whose optimum needs small coupled moves (the study's ``int-knapsack``,
            ``int-rotated-ellipsoid``, 100 seeds) median final gap 9 instead of 7, the optimum in 7/100 runs
            instead of 24/100.
        clip_injected: the elite, the elitist mutants and the foreign samples, which are no
            draws of the distribution, enter the CMA-ES steps (the real-valued variables', and the
            integers' with ``int_update="cma"`` or ``"full"``) with their steps clipped to the
            length ``c_y = sqrt(n) + 2n / (n + 2)`` in C's metric (the separable rules: in
            sigma's), Hansen's rule for injected solutions ("Injecting external solutions into
            CMA-ES", 2011; :func:`~asng_opt.blackbox.cma.clipped_injected`). Default True
            (asng-opt 0.11; a state dict of 0.10 or earlier loads with False, the rule it ran
            with; ablation ``bb-no-inject-clip``). A foreign sample is a told sample that the last
            ask did not draw (another worker's, a user's own suggestion, one of an earlier ask),
            recognised sample by sample (:func:`~asng_opt._pending.asked_rows`): since asng-opt
            0.13 it is clipped like the mutants (before, it entered with its full length, as a
            draw); the ask's own samples, told in any order or only some of them, are draws, and
            its mutants stay mutants. (:class:`~asng_opt.integrations.optuna.ASNGSampler` tells
            each generation, its enqueued trials included, as the optimizer's ask: they enter as
            draws.) Without it, past convergence, a mutant that tied the elite far
            out in a variable the objective ignores entered recombination, CSA and C as a step
            thousands of draws long and widened every converged variable again (three integers in
            [0, 100] beside an ignored one in [0, 10**6]: 10 of 10 seeds widened again within
            3,000 tells, up to sd 50; none with the clipping). Measured on the study's problems
            (one process): ``int-rastrigin`` 1,408 evaluations instead of 1,536 (300 seeds),
            elsewhere within noise (``int-rotated-ellipsoid`` 93/200 runs reach the optimum instead
            of 88/200; the real-valued problems' main-track runs the same, 30 seeds each).
        earn_mutants: with ``mutant`` and a ``mutant_share``, the ramp goes beyond two mutants per
            batch only as the mutants succeed: at most ``MUTANTS_PER_SUCCESS * (1 + earned)``
            (:data:`MUTANTS_PER_SUCCESS` = 2), ``earned`` the tells since this optimizer started
            whose new elite was one of the batch's mutants (a tie the tie rule gave to a mutant
            included: on plateaus the neutral moves are what the mutants are for). Default True
            (asng-opt 0.12; a state dict of 0.11 or earlier loads with False, the ramp it ran with;
            ablation ``bb-unearned-mutants``). Where the mutants keep failing, the batch stays with
            the distribution's draws; once it has converged they repeat, the cache answers them,
            the walk runs dry and ``minimize`` restarts, instead of spending the budget on
            mutants (the study's ``int-rotated-ellipsoid``: 46,000 mutants in 20 runs made 19 of
            its 795 improvements). In batches of at most 4 samples (at most two mutants anyway)
            nothing changes.
            Measured before it became the default (the study's runs, main track, one process, 100
            seeds): ``int-rotated-ellipsoid`` reached its optimum in 74/100 runs (ERT 2,298)
            instead of 53/100 (3,795), ``int-rosenbrock`` in 90/100 (1,473) instead of 85/100
            (1,742); level on ``cat-int-conditional`` (median final gap 59.5 against 59) and NK
            (25/100 against 24/100); costs: ``int-rastrigin`` 1,526 evaluations instead of 1,409
            (99/100 runs), the knapsack's median final gap 12 instead of 9.5; ``int-schwefel``'s
            348 against 355. On the other problems with mutants (40 seeds) level within 2 % but
            the toy problem (792 instead of 746 evaluations).
        int_sigma0: each integer variable's starting sigma as a share of its range ``high - low``,
            in (0, 0.5] (default 0.25, asng-opt 0.13; an Integer's own ``sigma`` wins; the margin's
            floor at the centre still applies): the initial draws span the range within +-2 sigma
            (about 5 % land beyond a bound and are clipped to it). 0.5 is appendix D's start, the
            widest sigma (asng-opt before 0.13; a state dict of 0.12 or earlier loads with it;
            ablation ``bb-int-sigma-half``): a third of every variable's first draws were clipped to
            a bound, and CSA spent the first updates shrinking sigma. Restarts near the best point
            keep their width from the range (:func:`~asng_opt.blackbox.restart.prior_near`), not
            from this start. Measured before it became the default (the study's runs, one process,
            100 seeds), 150 evaluations: ``int-step-ellipsoid``'s first target in 48 evaluations
            instead of 72, ``int-rotated-ellipsoid``'s in 32 runs (ERT 433) instead of 21 (692),
            ``int-rosenbrock``'s in 88 (109) instead of 75 (150), ``cat-int-conditional``'s in 32
            (445) instead of 15 (984), ``mixed``'s in 75 (155) instead of 68 (182); 3,000
            evaluations: ``int-rotated-ellipsoid`` solved in 86 runs (ERT 1,646) instead of 74
            (2,298), ``int-rosenbrock`` in 93 (1,202) instead of 90 (1,473), ``int-rastrigin`` ERT
            1,434 instead of 1,526, ``cat-int-conditional``'s median final gap 53.5 instead of
            59.5. Costs, where the optimum lies toward a bound: the knapsack's 150-evaluation
            target in 8 runs instead of 13 (its 3,000-evaluation median gap 13 instead of 12),
            ``int-schwefel``'s in 4 instead of 9 (median final gap 355 instead of 348);
            ``hpo-conditional`` solved in 10 runs instead of 13, ``int-log-widths`` ERT 2,050
            instead of 1,947. A sixth (the reals' start) gained more on the first descents (the
            step ellipsoid 35) but the knapsack's 150-evaluation target in 0 runs; a tenth
            (CatCMAwM's integer start) likewise; restarts scaled from this start instead of the
            range solved the rotated ellipsoid in 77 runs instead of 86.
        active_cma: with ``covariance="full"``, the CMA-ES's rank-mu update of C is active
            (Jastrebski and Arnold 2006; Hansen 2016, eqs. 46-53; CatCMAwM's update too): the
            worse half of the batch gets negative log-rank weights
            (:func:`~asng_opt.ranking.negative_log_rank_weights`), scaled by eq. 53 and each by
            ``n / |C^(-1/2) y_i|^2`` (:func:`~asng_opt.blackbox.cma.active_weights`), so that C
            shrinks along the steps that failed; the mean, CSA and the rank-one path are those of
            the positive weights, and with ``clip_injected`` the injected samples (the elite's copy,
            mutants, foreign samples) get no negative weight (with ``clip_injected=False``, the rule
            before 0.11, which treats them as draws, they are ranked as draws here too). Default
            True (asng-opt 0.14; a state dict of 0.13 or earlier loads with False, the positive
            update it ran with; ablation ``bb-no-active``). It acts where a CMA-ES step runs: on
            the real variables with ``covariance="full"`` and on the integers with
            ``int_update="full"``; not on categorical variables, on integers with ``"cma"`` or
            ``"asng"``, or with ``covariance="diagonal"``.
            Measured before it became the default (the study's runs,
            one process, 100 seeds, 3,000 evaluations; rosenbrock 10,000): ``int-rotated-ellipsoid``
            solved in 97 runs (ERT 1,070) instead of 86 (1,646), ``int-rosenbrock`` in 97 (1,027)
            instead of 93 (1,202), ``hpo-conditional`` in 23 (10,889) instead of 10 (27,836),
            ``int-styblinski-tang`` in 99 (1,799) instead of 94 (2,063); ERT on
            ``int-step-ellipsoid`` 369 instead of 424, ``mixed-real`` 1,041 instead of 1,146,
            Rosenbrock 5,537 instead of 6,259 (91 runs each), ``int-levy`` 584 instead of 612;
            ``int-schwefel``'s median final gap 307 instead of 355; at 150 evaluations
            ``int-levy``'s first target in 63 runs instead of 54, ``cat-int-conditional``'s in 44
            instead of 32, ``int-rotated-ellipsoid``'s in 41 instead of 32. Costs:
            ``int-log-widths`` solved in 95 runs instead of 100 (the five still improving at the
            budget), the knapsack's 150-evaluation target in 2 runs instead of 9 (its 3,000-evaluation
            median gap 13 either way); within noise ``int-schwefel``'s 150-evaluation target in 3
            runs instead of 4, ``int-rosenbrock``'s in 85 instead of 87; the others level. On a
            10-variable rotated ellipsoid of condition 1e6 (reals), 1e-8 in 3,657-4,491 evaluations
            instead of 5,360-5,751 (seeds 0-5).
        elite_in_descent: with ``elitist``, the elite's copy joins the CMA-ES step of the integer
            and real variables in every update (True, the rule before asng-opt 0.18; a state dict
            of 0.17 or earlier loads with it; ablation ``bb-elite-in-descent``). False: only once
            the distribution has converged (:meth:`should_stop`), or in an optimizer that
            :func:`~asng_opt.blackbox.restart` started near the best point (``n_restarts > 0``);
            before that the step ranks the batch alone, as CMA-ES does, and the descent follows
            the batch rather than the best point so far (the categorical variables' ASNG step and
            the mutants keep the elite either way). None (default): False on a space whose free
            variables are all integers and take a CMA-ES step (``int_update`` ``"full"`` or
            ``"cma"``), True otherwise
            (:func:`~asng_opt.blackbox.settings.default_elite_in_descent`, which gives the reasons
            and the measurements). :func:`asng_opt.minimize` passes True where its budget caps the
            default lambda (:func:`~asng_opt.blackbox.default_lam`: fewer than ~40 updates of the
            dimension's population), where the descent must be fast rather than thorough.
        seed, maximize, theta: see :class:`~asng_opt.optimizer.Optimizer`.

    State: ASNG's (theta, s, gamma, Delta), CSA's paths p_sigma (reals; with ``int_update="full"``
    reals and integers) and p_int (integers), with ``covariance="full"`` the fields of
    :class:`~asng_opt.blackbox.cma.FullState` (sigma, p_c, C and its eigen-basis, over the
    variables of p_sigma), plus the elite, the best raw sample told so far and its value (``elite``, saved
    in ``state_dict()``), and the updates without improvement, the pending ask's mutants, the
    neutral union waiting for the next ask and the mutants' successes (``elitism``, saved too; a
    restart's optimizer starts counting the successes again at 0).

    Raises:
        ValueError: for arguments outside their ranges (and ASNG's checks), and for a search space
            with a single point (every variable fixed, a Space's FloatRange(v, v) included).
    """

    def __init__(
        self,
        distribution: Distribution,
        lam: int | None = None,
        alpha: float = 1.5,
        delta0: float = 1.0,
        margin: bool = True,
        elitist: bool = True,
        mutant: bool = True,
        mutant_share: float | None = 1.0,
        cat_utility: str = "quantile",
        real_utility: str = "log",
        covariance: str | None = None,
        real_elite_twice: bool = False,
        neutral_union: bool = True,
        int_margin: bool = True,
        elite_integers: bool = True,
        int_update: str | None = None,
        int_steps: str = "harmonic-uniform",
        clip_injected: bool = True,
        earn_mutants: bool = True,
        int_sigma0: float = 0.25,
        active_cma: bool = True,
        elite_in_descent: bool | None = None,
        seed: Any = None,
        maximize: bool = False,
        theta: Any = None,
    ):
        space = distribution if isinstance(distribution, Space) else None
        if space is not None:
            distribution = space.distribution
        if not isinstance(distribution, Distribution):
            got = type(distribution).__name__
            raise ValueError(f"BlackBoxASNG: distribution must be an asng_opt distribution or Space, got {got}")
        refuse_single_point(distribution if space is None else space, "BlackBoxASNG")
        options = check_options(
            distribution,
            margin,
            elitist,
            mutant,
            mutant_share,
            cat_utility,
            real_utility,
            covariance,
            real_elite_twice,
            neutral_union,
            int_margin,
            elite_integers,
            int_update,
            free_reals=None if space is None else has_free_reals(space),
            int_steps=int_steps,
            clip_injected=clip_injected,
            earn_mutants=earn_mutants,
            int_sigma0=int_sigma0,
            active_cma=active_cma,
            elite_in_descent=elite_in_descent,
        )
        self.margin, self.elitist, self.mutant = options["margin"], options["elitist"], options["mutant"]
        self.mutant_share, self.covariance = options["mutant_share"], options["covariance"]
        self.cat_utility, self.real_utility = options["cat_utility"], options["real_utility"]
        self.real_elite_twice, self.neutral_union = options["real_elite_twice"], options["neutral_union"]
        self.int_margin, self.elite_integers = options["int_margin"], options["elite_integers"]
        self.int_update, self.int_steps = options["int_update"], options["int_steps"]
        self.clip_injected, self.earn_mutants = options["clip_injected"], options["earn_mutants"]
        self.int_sigma0, self.active_cma = options["int_sigma0"], options["active_cma"]
        self.elite_in_descent = options["elite_in_descent"]
        covariance = self.covariance
        self.state_fields = FULL_FIELDS if covariance == "full" else self.state_fields
        dist = with_margin(distribution, integers=self.int_margin, categorical=self.margin, int_sigma0=self.int_sigma0)
        lam = default_lam(distribution) if lam is None else lam
        super().__init__(dist, lam=lam, alpha=alpha, delta0=delta0, seed=seed, maximize=maximize, theta=theta)
        if covariance == "full":  # C from the starting theta (a prior's, on a restart)
            base = tuple(self.state)[:5]
            self.state = full_init(self.distribution, self.state.theta, base, self.state.p_int, self._joint)
        self.space = space  # ask/tell speak the Space's dicts; the margin lives in self.distribution
        self._elitism = Elitism(self.distribution)  # the elite, its stall count and the mutants
        # the steps that rank the batch alone when the elite is one of its samples: the real one,
        # and with int_update="cma" or "full" the integers' (the same rule)
        gauss_ints = self.int_update != "asng" and n_integer(self.distribution) > 0
        self._gauss_step = n_cma(self.distribution) > 0 or gauss_ints
        # the variables ask() correlates through C (its size), once: the distribution is fixed
        self._correlated = self.covariance == "full" and n_cma(self.distribution, self._joint) > 0
        #: restarts near the best point before this optimizer (set by :func:`restart`)
        self.n_restarts = 0

    state_fields: tuple[str, ...] = ("theta", "s", "gamma", "Delta", "p_sigma", "p_int")
    #: the integers' start of an optimizer pickled before asng-opt 0.13 (set per instance since)
    int_sigma0: float = 0.5
    #: the CMA-ES's update of an optimizer pickled before asng-opt 0.14 (set per instance since)
    active_cma: bool = False
    #: the elite's place in the CMA-ES step of an optimizer pickled before asng-opt 0.18
    elite_in_descent: bool = True

    @property
    def delta(self) -> float:
        """The trust-region radius delta0 / Delta of the parts ASNG's step moves (at most
        sqrt(n_theta_cat): the categorical parameters, and with ``int_update="asng"`` the integer ones)."""
        n_cat = n_theta_cat(self.distribution, self.int_update == "asng")
        return float(self.delta0 / max(self.state.Delta, self.delta0 / math.sqrt(max(n_cat, 1))))

    @property
    def floor_ulps(self) -> float:
        """0 with ``covariance="full"``: the reals' sigma and C (with ``int_update="full"`` the
        integers' too) live in the CMA-ES state, the variance written into theta keeps shrinking
        and reaches theta's floor itself (so a run is as precise as before asng-opt 0.15); the
        integers of the other rules converge at their margin's floor, which ignores the units (with
        ``int_margin=False`` they read sigma from theta at 0 units: no stall found, ``IntRange(0,
        10**9)`` beside reals stopped converged); :data:`~asng_opt.gaussian.FLOOR_ULPS` otherwise
        (the separable rule reads sigma back from theta, see :meth:`Optimizer.floor_ulps`)."""
        return 0.0 if self.covariance == "full" else float(FLOOR_ULPS)

    @property
    def _joint(self) -> bool:
        """The integer variables are in the CMA-ES (``int_update="full"``)."""
        return self.int_update == "full"

    def _init_state(self) -> NamedTuple:
        st = asng_init(self.distribution)
        p_sigma = np.zeros(n_cma(self.distribution, self._joint))
        base = BlackBoxState(st.theta, st.s, 0.0, 1.0, p_sigma, np.zeros(n_integer(self.distribution)))
        if self.covariance == "full":
            return full_init(self.distribution, st.theta, base[:5], base.p_int, self._joint)
        return base

    def hyper(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "delta0": self.delta0,
            "margin": self.margin,
            "elitist": self.elitist,
            "mutant": self.mutant,
            "mutant_share": self.mutant_share,
            "cat_utility": self.cat_utility,
            "real_utility": self.real_utility,
            "covariance": self.covariance,
            "real_elite_twice": self.real_elite_twice,
            "neutral_union": self.neutral_union,
            "int_margin": self.int_margin,
            "elite_integers": self.elite_integers,
            "int_update": self.int_update,
            "int_steps": self.int_steps,
            "clip_injected": self.clip_injected,
            "earn_mutants": self.earn_mutants,
            "int_sigma0": self.int_sigma0,
            "active_cma": self.active_cma,
            "elite_in_descent": self.elite_in_descent,
        }

    @property
    def elite(self) -> tuple[Any, float] | None:
        """The best raw sample told so far (``(1, ...)``, or a dict of them) and its loss; None before
        the first tell."""
        return self._elitism.elite

    @property
    def elite_improved(self) -> bool:
        """Whether the elite has improved since this optimizer started (a restart near the best
        point starts with that point as its elite; a fresh optimizer's first elite counts): fewer
        updates without improvement than updates."""
        return self._elitism.stall < self.t

    @property
    def stall(self) -> int:
        """The updates since the elite's value last changed (0 before the first tell and right
        after an improvement): :func:`asng_opt.minimize` ends a walk that has gone
        :func:`~asng_opt._cache.walk_stall` updates without one."""
        return self._elitism.stall

    def _elite_in_step(self) -> bool:
        """Whether the elite's copy joins this update's CMA-ES step (``elite_in_descent``; else
        only in a restart near the best point or once the distribution has converged)."""
        return self.elite_in_descent or self.n_restarts > 0 or self.should_stop()

    def ask(self, n: int | None = None) -> Any:
        """As :meth:`Optimizer.ask`; with ``covariance="full"`` the real-valued variables are drawn
        from N(m, sigma^2 C) (:func:`~.cma.correlate`); with ``mutant`` and the elite not improved
        for :data:`MUTANT_STALL` updates, the last :meth:`n_mutants` samples are
        :func:`~.mutant.mutate` of the elite (the tell leaves those worse than the elite out of
        the update; it recognises each of them by its value, in a batch told in any order, with
        samples dropped or added)."""
        raw = self.distribution.sample(self.theta, check_n(self, self.lam if n is None else n), self._rng)
        if self._correlated:
            raw = correlate(self.distribution, self.theta, self.state, raw, self._joint)
        if self._elitism.mutant_due(self.mutant, MUTANT_STALL):
            raw = self._elitism.add_mutants(self.theta, raw, self._rng, self.n_mutants(n_samples(raw)), self.int_steps)
        return publish(self, raw)  # decoded (and with a Space turned into configurations) once

    def n_mutants(self, k: int) -> int:
        """The mutants in a batch of ``k`` samples once they are due: 1 with ``mutant_share=None``
        (or k < 3); else one more every :data:`MUTANT_RAMP` updates without improvement beyond
        :data:`MUTANT_STALL`, up to ``max(1, floor(mutant_share * k))`` and at most ``k - 2``;
        with ``earn_mutants``, at most ``MUTANTS_PER_SUCCESS * (1 + earned)`` too, ``earned`` the
        tells whose new elite was a mutant since this optimizer started
        (:attr:`~.elite.Elitism.earned`)."""
        if self.mutant_share is None or k < 3:
            return 1
        ramp = 1 + max(self._elitism.stall - MUTANT_STALL, 0) // MUTANT_RAMP
        m = min(max(1, math.floor(self.mutant_share * k)), k - 2, ramp)
        if self.earn_mutants:  # asng-opt 0.12: more than two mutants only once mutants have succeeded
            m = min(m, MUTANTS_PER_SUCCESS * (1 + self._elitism.earned))
        return m

    def _utility(self, raw: Any, f: np.ndarray) -> tuple[Any, Any]:
        rows, n_asked = self._told_rows(raw)
        raw = clip_integers(self.distribution, raw)  # what was evaluated: beyond a bound is the bound
        raw, f = self._elitism.without_rejected_mutants(raw, f, self.maximize, rows, n_asked)
        old = self._elitism.elite
        share = self.mutant_share is not None
        best = self._elitism.propose(raw, f, self.maximize, ties_to_mutants=share, union=share and self.neutral_union)
        batch = f
        if self.elitist:  # the best point so far joins the update (twice, if it is in this batch:
            # the categorical and integer parts see both; w_gauss below gives the real step one),
            # with ``elite_integers`` at the integers it was evaluated at (not its raw draws)
            raw = append(raw, integer_values(self.distribution, best[0]) if self.elite_integers else best[0])
            f = np.append(f, best[1])
        if len(f) >= 3:  # both utilities from one sort (the same bits as the calls below)
            quantile, log = quantile_and_log(f, self.maximize)
            w_cat = quantile if self.cat_utility == "quantile" else log
            w_real = quantile if self.real_utility == "quantile" else log
        else:
            quantile = ranking_utility(f, maximize=self.maximize)
            w_cat = UTILITIES[self.cat_utility](f, self.maximize)
            w_real = UTILITIES[self.real_utility](f, self.maximize)
        if self.real_utility == "log":  # the same total weight as the categorical +-1 (see blackbox_update)
            w_real = w_real * float(np.sum(np.abs(quantile)))
        w_gauss = w_real
        if self.elitist and self._gauss_step and len(batch) >= 2:
            # the elite is this batch's own sample, or a descent without it (elite_in_descent=False):
            # the real step ranks the batch alone, the copy gets 0
            own = best is not old and not self.real_elite_twice
            if own or not self._elite_in_step():
                w_gauss = np.append(UTILITIES[self.real_utility](batch, self.maximize), 0.0)
        injected = None
        if self.clip_injected:  # the mutants and foreign samples, then the elite's copy: no draws of p_theta
            undrawn = self._elitism.injected_mutants | self._elitism.foreign
            injected = np.append(undrawn, np.ones(int(self.elitist), dtype=bool))
        return raw, (w_cat, w_real, w_gauss, injected, self._negative_weights(f, injected))

    def _negative_weights(self, f: np.ndarray, injected: np.ndarray | None) -> np.ndarray | None:
        """With ``active_cma`` and ``covariance="full"``: the active CMA-ES's negative weights of
        the ``k`` told values ``f`` ``(k,)`` (the elite's copy included: where it is one of the
        batch's own samples the positive real weights rank the batch alone, and the negative ones
        fall on the same worse half, shifted by one rank; :func:`~asng_opt.ranking.
        negative_log_rank_weights`), 0 for the ``injected`` samples (None without
        ``clip_injected``: none marked; no draws of p_theta, the update learns C from the draws'
        failures alone) and rescaled to sum to -1 (all 0 when every negative weight fell on
        them); None otherwise (the positive update alone)."""
        if not (self.active_cma and self._correlated and f.size >= 2):
            return None
        w = negative_log_ranks(f, self.maximize)  # f: the checked losses (and the elite's)
        if injected is not None:
            w = np.where(injected, 0.0, w)
            total = float(w.sum())
            w = w / -total if total < 0 else np.zeros_like(w)
        return w

    def _told_rows(self, raw: Any) -> tuple[np.ndarray, int]:
        """``(rows, n_asked)``: for each of the ``k`` told raw samples (as
        :func:`~asng_opt._pending.told_raw` returned them) the pending ask's sample it is, -1 for
        one that no ask drew (``(k,)`` ints, :func:`~asng_opt._pending.asked_rows`), and the number
        of samples that ask drew (0 without one)."""
        pending = self._pending
        return asked_rows(self, raw), 0 if pending is None else n_samples(pending[1])

    def _update(self, state: Any, raw: Any, weights: Any) -> Any:
        w_cat, w_real, w_gauss, injected, w_neg = weights
        args = (self.delta0, self.alpha)
        dist, rule = self.distribution, self.int_update
        if self.covariance == "full":
            t = self.t
            kw = {"w_gauss": w_gauss, "int_update": rule, "injected": injected, "w_neg": w_neg}
            return full_update(dist, state, raw, w_cat, w_real, t, *args, **kw)
        return blackbox_update(
            dist, state, raw, w_cat, w_real, *args, w_gauss=w_gauss, int_update=rule, injected=injected
        )

    def _check_state(self, values: Mapping[str, Any], where: str) -> None:
        super()._check_state(values, where)
        if self.covariance == "full":
            check_full_fields(values, where)

    def tell(self, samples: Any, losses: Any) -> None:
        self._elitism.candidate = None
        self._elitism._from_mutant = False
        super().tell(samples, losses)  # raises before any change on bad input
        self._elitism.commit()

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["elite"] = self._elitism.state()
        out["elitism"] = self._elitism.counters()
        out["n_restarts"] = self.n_restarts  # restart() picks the next sigma by it
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """As :meth:`Optimizer.load_state_dict`, with the ``elite`` and the ``elitism`` counters (the
        updates without improvement, the pending ask's mutants) checked first. A dict of asng-opt
        < 0.4 (diagonal update, no ``covariance``) loads (:func:`~.cma.upgrade_state_dict`: with
        ``"full"``, C = the diagonal of its variances); one of 0.4 (no ``mutant_share``, no
        ``elitism``) loads with ``mutant_share=None``, 0.4's rule, and a stall count of 0; one
        before 0.7 (no ``real_elite_twice``, no ``neutral_union``) with ``real_elite_twice=True`` and
        ``neutral_union=False``, the rules it ran with; one before 0.8 (no ``int_margin``,
        ``elite_integers``, ``int_update``, ``p_int``) with ``int_margin=False``,
        ``elite_integers=False``, ``int_update="asng"`` and ``p_int = 0`` (on a space with
        integers it loads only into an optimizer built with ``int_margin=False``: the margin is
        part of the distribution); one before 0.9 (no ``int_steps``) with ``int_steps="unit"``,
        its +-1 integer mutants; one before 0.11 (no ``clip_injected``) with
        ``clip_injected=False``; one before 0.12 (no ``earn_mutants``, no ``earned``) with
        ``earn_mutants=False`` and a count of 0; a saved neutral union and count of the mutants'
        successes are checked (:func:`~.elite_state.check_union`, :func:`~.elite_state.check_earned`);
        one before 0.13 (no ``int_sigma0``) with ``int_sigma0=0.5``, its integers' start; one before
        0.14 (no ``active_cma``) with ``active_cma=False``, its covariance update; one before 0.18
        (no ``elite_in_descent``) with ``elite_in_descent=True``;
        one of the other ``covariance`` is refused (ValueError), and so, on a space with integer
        variables, is one whose ``int_update`` is ``"full"`` while this optimizer's is not, or the
        other way round (the state's shapes differ: a dict of asng-opt 0.8-0.9 on a space without
        reals, ``int_update="asng"``, loads into an optimizer built with ``int_update="asng"``).
        ``n_restarts`` (absent before asng-opt 0.6.1: 0) must be a count.

        The state's settings (``lam``, ``maximize`` and the hyper-parameters of ``hyper()``) replace
        this optimizer's, as torch's ``Optimizer.load_state_dict`` does (a run resumes with the
        rules it ran with): since asng-opt 0.13 a ``UserWarning`` names each one the dict saved
        with another value than this optimizer's, with both values
        (:func:`~.settings.changed_settings`; the rules an earlier version's dict loads with, for
        the options it lacks, are not reported). A refused dict warns nothing.

        Raises:
            ValueError: as :meth:`Optimizer.load_state_dict`, and for the cases above; the
                optimizer is then exactly as it was.

        Warns:
            UserWarning: the dict's settings differ from this optimizer's (loaded all the same).
        """
        changed = changed_settings({**self.hyper(), "lam": self.lam, "maximize": self.maximize}, state)
        upgraded = upgrade(self.distribution, state, self.covariance, self.int_margin, self.int_update)
        rest, saved = elite_state.checked(self.distribution, upgraded)
        n_restarts = 0
        if isinstance(rest, Mapping):
            n_restarts = _checks.count("'n_restarts'", rest.get("n_restarts", 0), "BlackBoxASNG.load_state_dict")
            rest = {k: v for k, v in rest.items() if k != "n_restarts"}
        super().load_state_dict(rest)
        self._elitism.load(*saved)
        self.n_restarts = n_restarts
        if changed:
            warnings.warn(
                "BlackBoxASNG.load_state_dict: the state's settings replace this optimizer's "
                f"(this optimizer's -> the state's): {'; '.join(changed)}",
                UserWarning,
                stacklevel=2,
            )
