"""ASNG configured for black-box optimisation: :class:`BlackBoxASNG` and the pieces it is made of.

The paper's settings (lambda = 2, the +-1 quantile utility, appendix D's bounds) are tuned for
one-shot NAS, where every sample is one cheap mini-batch. As a black-box optimizer, where each
sample is an evaluation to pay for, ASNG does better with (each ingredient measured in
results/README.md, "Black-box comparison", and packages/asng-opt/README.md):

* a population growing with the dimension, ``lam = 4 + floor(3 ln N)`` (N variables; CMA-ES's
  default, also CatCMA's), capped by the budget (:func:`default_lam`);
* the quantile utility on the categorical parts (the paper's), and positive log-rank weights
  (:func:`~asng_opt.ranking.log_rank_weights`) on the Gaussian / Integer parts: with them a step of
  learning rate <= 1 is a convex combination, so the second moment cannot be pushed below the mean's
  square and sigma does not collapse in one step (it did on small integer spaces);
* a margin on the categorical probabilities, ``theta_min,i = (1 - 0.73^(1/N')) / (K_i - 1)`` with N'
  the number of categorical and integer variables (CatCMA with margin, Hamano et al. 2024): every
  category keeps a chance to be sampled, so a wrong early decision can be undone;
* a margin on the integer variables (:class:`~asng_opt.Integer`'s ``margin``, asng-opt 0.8): a
  draw rounds to another integer than the mean's with probability at least ``1 - 0.73^(1/N')``
  on the side of the nearest rounding boundary, sigma's hard floor 0.1 instead of appendix D's
  1/4; a converged integer keeps drawing its neighbours, so, as a space of categorical
  variables alone, a space of categorical and integer variables walks (see :func:`asng_opt.minimize`);
* the integers' start at sigma = a quarter of their range (asng-opt 0.13, ``int_sigma0``), not
  appendix D's half: the first draws span the range within +-2 sigma instead of piling a third of
  them on the bounds, and the first descent is faster (the study's step ellipsoid: its first
  target in 48 evaluations instead of 72); restarts keep their width from the range;
* the integer variables' step: on a space with real variables, the real variables' separable
  rule (weighted recombination, rank-mu variances, cumulative step-size adaptation) on the
  integers as a group of their own (``int_update="cma"``, asng-opt 0.8). ASNG's joint step on (mu,
  mu^2 + sigma^2) shrinks sigma^2 by a factor ``1 - c^2 sum w_i^2`` on average when the selection
  carries no information about the variable (c the step's learning rate, up to 1): the draws of
  the real variables make the integers' ranking noisy, and sigma collapsed before the mean
  arrived. Without real variables (asng-opt 0.10, ``"full"``), the integers in CMA-ES's full
  covariance matrix, as CMA-ES with margin models them (Hamano et al. 2022; CatCMA's integer
  part): a diagonal scaling widens each integer's marginal to the margin, sigma and C learn from
  the draws without it (:mod:`.cma`). A model of one variance per integer cannot propose the
  correlated moves a rotated or coupled integer problem needs; ASNG's step (``"asng"``, 0.8-0.9's
  rule there) stays the faster one on separable integer problems;
* elitism: the best point evaluated so far joins every update as one more sample with its known
  value (it is not evaluated again), pulling the distribution back towards it, its integer
  variables at the integers it was evaluated at (asng-opt 0.8; its raw draw, near a rounding
  boundary, pulled the mean there); when it is one of
  the batch's own samples, the real-valued (CMA-ES) step ranks the batch alone (one point counted
  twice pulled the mean and covariance onto it), the categorical and integer parts see it twice
  (the integers once with ``int_update="cma"`` or ``"full"``, which follow the real step's rule);
* elitist mutants: once the best point has not improved for a few updates, the last sample of
  each batch is a mutation of it, as DiscreteOnePlusOne draws (:mod:`.mutant`; an integer moves
  by a harmonic length, P(j) ~ 1 / j up to its bound, asng-opt 0.9, ``int_steps``: a +-1 step
  cannot leave a local optimum of the +-1 neighbourhood; or, half the time, asng-opt 0.17, to a
  uniform other value of its range: a harmonic jump across a wide box is rare), and one more
  sample every two updates without improvement, up to all but two of the batch and, beyond two,
  two more for each mutant that became the best point since the optimizer started (asng-opt 0.12,
  ``earn_mutants``: where the mutants keep failing the batch stays with the distribution, whose
  converged draws repeat, the walk runs dry and the run restarts); after a round with two or
  more mutants as good as the best point (neutral), the next batch's last mutant applies all their
  categorical and integer changes at once (the neutral union); a mutant worse than the best point is left out of the
  update, a mutant as good as it wins the tie (the best point walks
  across plateaus). They finish the last variables of sequential problems (LeadingOnes, maximum
  independent set) that the univariate model resolves slowly. The elite and the mutants are no
  draws of the distribution: in the CMA-ES steps their steps are clipped to a draw's typical
  length in C's metric, Hansen's rule for injected solutions (asng-opt 0.11, ``clip_injected``);
* on the real-valued variables (and the free integer ones of a space without reals), CMA-ES's
  full covariance matrix (:mod:`.cma`; up to 100 of them; beyond, reals one variance each and
  integers their own separable rule, asng-opt 0.11, which updates from the draws clipped into the
  box where the objective saw them so, asng-opt 0.16): curved valleys and rotated scales need the
  correlations; its rank-mu update is active CMA-ES's (asng-opt 0.14, ``active_cma``; Hansen 2016,
  eqs. 46-53): the worse half of the batch gets negative weights, so C shrinks along the steps
  that failed and learns an ill-conditioned or rotated shape sooner.

Restarts (from a distribution centred near the best point, :func:`restart`) are the job of the
driver, :func:`asng_opt.minimize`, which also owns the evaluation budget and its cache: a point
drawn again (the converged distribution's mode, a mutant revisiting a neighbour of the elite) is
not evaluated again (:class:`asng_opt.EvaluationCache`).

Modules: :mod:`.optimizer` (the class), :mod:`.defaults` (population and margin), :mod:`.update`
(the step: ASNG on the categorical parts, recombination and CSA on the real ones and, with
reals, the integer ones), :mod:`.cma` (the full covariance of the real variables and, without
reals, the integer ones), :mod:`.restart` (restarts near the best
point), :mod:`.mutant` (the elitist mutants), :mod:`.elite` (the elite and the mutants' bookkeeping),
:mod:`.elite_state` (their saved state's checks), :mod:`.settings` (the options' checks, older state
dicts), :mod:`._tree` (walking Product spaces).
"""

from .cma import FULL_MAX_DIM
from .defaults import INT_SIGMA_FLOOR, default_lam, margin_probability, margin_theta_min, with_margin
from .mutant import INT_STEPS, int_step_lengths, mutate, mutate_many
from .optimizer import COVARIANCES, MUTANT_RAMP, MUTANT_STALL, MUTANTS_PER_SUCCESS, UTILITIES, BlackBoxASNG
from .restart import prior_near, restart, restart_scale
from .update import INT_UPDATES, BlackBoxState, blackbox_update

__all__ = [
    "BlackBoxASNG",
    "BlackBoxState",
    "UTILITIES",
    "COVARIANCES",
    "FULL_MAX_DIM",
    "MUTANT_STALL",
    "MUTANT_RAMP",
    "MUTANTS_PER_SUCCESS",
    "mutate",
    "mutate_many",
    "INT_STEPS",
    "int_step_lengths",
    "default_lam",
    "margin_theta_min",
    "margin_probability",
    "INT_SIGMA_FLOOR",
    "INT_UPDATES",
    "with_margin",
    "blackbox_update",
    "prior_near",
    "restart",
    "restart_scale",
]
