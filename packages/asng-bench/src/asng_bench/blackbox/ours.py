"""Our optimizers in the black-box comparison, behind :class:`.searcher.Searcher`: one searcher,
:class:`NaturalGradient`, for every configuration of asng-opt the study runs (which ones, under
which names, is :mod:`.registry`).

* ``config="blackbox"``: what ``asng_opt.minimize(fun, dist, max_evals=budget, seed=seed)`` does
  by default -- ``BlackBoxASNG(dist, lam=default_lam(dist, budget), seed=seed, **options)`` (the
  dimension rule capped by the budget), told the objective values (as minimize tells them), and
  minimize's restart rule (``asng_opt._minimize_run.run``, :class:`asng_opt._cache.StaleRounds`):
  after each round, when ``should_stop()`` holds (only on problems with integer or real variables:
  a converged distribution of categorical variables alone keeps drawing changes of its mode and
  walks until its last ``STALE_ROUNDS`` rounds drew fewer than ``WALK_YIELD`` new points, see
  :class:`asng_opt._cache.StaleRounds`) or ``STALE_ROUNDS`` rounds in a row had no new
  evaluation (all cached, :func:`.runs.run_one`), the optimizer is *idle* if no evaluation happened since it started
  (and it is a restarted one or the stale rule fired); ``STALE_ROUNDS`` idle optimizers in a row
  stop the run (:attr:`NaturalGradient.stopped`, minimize's "converged"); otherwise
  ``opt = asng_opt.blackbox.restart(opt, near_best=near_best and stale.near_best(opt))`` (near the
  best point by default; from the initial distribution with ``near_best=False``, after an idle
  optimizer, or, where optimizers walk, after a restart near the best point that never improved
  it: :meth:`asng_opt._cache.StaleRounds.near_best`, asng-opt 0.11). A walk also ends once the
  distribution has converged and the elite has gone ``asng_opt._cache.walk_stall(dist)`` updates
  without improving (asng-opt 0.18). Where the budget caps lambda, the optimizer is built with
  ``elite_in_descent=True``, as minimize builds it.
  Without the cache every round has new evaluations and the rule is the plain restart on
  ``should_stop()``. The
  ablations switch one ingredient off through ``options`` (``margin=False``, ``elitist=False``,
  ``restart_on_convergence=True``,
  ``real_utility="quantile"``, ``cat_utility="log"``, ``lam=16``, ``lam="dim"``: the dimension
  rule without the budget cap) or ``near_best=False``, or ``tell="ranks"``: each batch's dense
  ranks instead of the values (what minimize told before asng-opt 0.3.0's fix: the update is the
  same, its weights depend on the ranks only, but the elite's stored value is then a rank within
  its own batch, every new batch's best ties with it and, ties going to the newer point, replaces
  it, so the elite is the last batch's best rather than the best point ever).
* ``config="paper"``: the paper's ASNG (or SNG) with the library's defaults (alpha = 1.5,
  delta0 = 1, appendix D's bounds) and the given lambda; on convergence it restarts from the
  initial distribution with a fresh sampling stream (the study's earlier rule, kept so that the
  reference rows stay comparable with earlier studies).

The evaluations before a restart count.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import numpy as np

from asng_opt import ASNG, SNG, Categorical, Gaussian, Integer, Product
from asng_opt._cache import StaleRounds, walks
from asng_opt._cache import walk_stall as walk_stall_of
from asng_opt.blackbox import BlackBoxASNG, default_lam, restart
from asng_opt.blackbox.defaults import budget_caps_lam
from asng_opt.distribution import Distribution
from asng_opt.space import FLOAT_SIGMA_INIT, FLOAT_SIGMA_MAX, FLOAT_SIGMA_MIN

from .problems import Problem
from .searcher import Candidate, Searcher

__all__ = ["NaturalGradient", "search_space", "real_part", "dense_ranks"]

CONFIGS = ("blackbox", "paper")


def real_part(problem: Problem, sigma_init: float = FLOAT_SIGMA_INIT, sigma_min: float = FLOAT_SIGMA_MIN) -> Gaussian:
    """The problem's reals as what a ``FloatRange(low, high)`` of :class:`asng_opt.Space` is, in the
    variables' own units instead of the unit coordinate: mean at the box's centre, sigma
    ``sigma_init`` (``FLOAT_SIGMA_INIT`` = 1/6; 1/4 before asng-opt 0.5) of the range, within
    [``sigma_min``, ``FLOAT_SIGMA_MAX``] of the range (``FLOAT_SIGMA_MIN`` = 1e-10, 1e-6 before
    asng-opt 0.15; 1/2), the mean kept in the box. Draws outside the box are evaluated at
    its nearest point (:meth:`.problems.Problem.__call__`), hence ``clip_draws`` (asng-opt 0.16), as
    for a Space: the separable rule updates from the clipped draws, the full rule from the draws."""
    lo, hi = problem.real_low, problem.real_high
    span = hi - lo
    return Gaussian(
        mean=(lo + hi) / 2,
        sigma=sigma_init * span,
        sigma_min=sigma_min * span,
        sigma_max=FLOAT_SIGMA_MAX * span,
        low=lo,
        high=hi,
        clip_draws=True,
    )


def search_space(
    problem: Problem, sigma_init: float = FLOAT_SIGMA_INIT, sigma_min: float = FLOAT_SIGMA_MIN
) -> Distribution:
    """The problem's variables as an asng-opt distribution: ``Categorical(categories)`` when it has
    only categorical variables, else ``Product(c=Categorical, z=Integer(low, high), r=``
    :func:`real_part` ``)`` without the empty parts (a single part alone when there is one)."""
    parts: dict[str, Distribution] = {}
    if problem.n_cat:
        parts["c"] = Categorical(problem.categories)
    if problem.n_int:
        parts["z"] = Integer(problem.int_low, problem.int_high)
    if problem.n_real:
        parts["r"] = real_part(problem, sigma_init, sigma_min)
    if len(parts) == 1:
        return next(iter(parts.values()))
    return Product(parts)


def dense_ranks(f: np.ndarray) -> np.ndarray:
    """``(k,)`` values -> ``(k,)`` float ranks 0, 1, ... among the distinct values (ties equal)."""
    return np.searchsorted(np.unique(f), f).astype(float)


class NaturalGradient(Searcher):
    """ASNG / SNG from asng_opt in one of the :data:`CONFIGS`.

    Args:
        problem, budget, seed: as for every searcher (the budget is the runner's to enforce).
        config: ``"blackbox"`` (BlackBoxASNG with minimize's restarts) or ``"paper"``.
        method: ``"asng"`` or ``"sng"`` (``"paper"`` only).
        lam: samples per update; None: the configuration's default (``"blackbox"``:
            ``default_lam(dist, budget)``, as minimize; ``"paper"``: 2); ``"dim"`` (``"blackbox"``
            only): ``default_lam(dist)``, the dimension rule without the budget cap.
        near_best: ``"blackbox"`` only: restart near the best point (else from the initial
            distribution).
        tell: ``"blackbox"`` only: ``"values"`` (the objective values, as minimize) or
            ``"ranks"`` (each batch's dense ranks).
        sigma_init: the real variables' initial sigma in units of their range (default
            ``FLOAT_SIGMA_INIT``, a Space's; the ablation ``bb-sigma-quarter`` uses 1/4, asng-opt
            0.4's).
        sigma_min: the real variables' smallest sigma in units of their range (default
            ``FLOAT_SIGMA_MIN``, a Space's; the ablation ``bb-resolution-1e-6`` uses 1e-6,
            asng-opt 0.14's).
        cache: ``"blackbox"`` only: whether the runner answers repeated points from its cache (as
            minimize's ``cache=True``); without it the rule is the plain restart on
            ``should_stop()``, as minimize's with ``cache=False``.
        restart_on_convergence: ``"blackbox"`` only: restart on ``should_stop()`` even where
            minimize does not (with the cache, on a space of categorical variables alone, minimize
            restarts only once the walk runs dry: fewer than ``WALK_YIELD`` new points in the last
            ``STALE_ROUNDS`` rounds; the ablation ``bb-restart-converged``, asng-opt 0.6's rule).
        fresh_after_spent: ``"blackbox"`` only: where optimizers walk, the restart after a restart
            near the best point that never improved it starts from the initial distribution
            (default True, minimize's rule since asng-opt 0.11); False: near the best point again
            unless idle (0.10's rule, the ablation ``bb-near-after-spent``).
        walk_stall: ``"blackbox"`` only: where optimizers walk, a converged one also ends once its
            elite has gone ``asng_opt._cache.walk_stall(dist)`` updates without improving (default
            True, minimize's rule since asng-opt 0.18); False: only once its walk runs dry (the
            ablation ``bb-no-walk-stall``).
        **options: more keyword arguments of ``BlackBoxASNG`` (``"blackbox"`` only).

    Attributes:
        restarts: restarts so far.
        stopped: ``"blackbox"``: minimize's rule stopped the run ("converged": restart after
            restart drew only points already evaluated); the runner ends the run.

    Raises:
        ValueError: for an unknown config or method, or options given to ``"paper"``.
    """

    counts_new = True  #: :meth:`tell` takes ``n_new`` (:func:`.runs.run_one`)

    def __init__(
        self,
        problem: Problem,
        budget: int,
        seed: int,
        config: str = "paper",
        method: str = "asng",
        lam: Optional[int | str] = None,
        near_best: bool = True,
        tell: str = "values",
        sigma_init: float = FLOAT_SIGMA_INIT,
        sigma_min: float = FLOAT_SIGMA_MIN,
        cache: bool = True,
        restart_on_convergence: bool = False,
        fresh_after_spent: bool = True,
        walk_stall: bool = True,
        **options: Any,
    ):
        if config not in CONFIGS:
            raise ValueError(f"NaturalGradient: config must be one of {list(CONFIGS)}, got {config!r}")
        if method not in ("asng", "sng") or (config == "blackbox" and method != "asng"):
            raise ValueError(f"NaturalGradient: method {method!r} does not run as config {config!r}")
        if tell not in ("ranks", "values") or (config == "paper" and tell != "values"):
            raise ValueError(f"NaturalGradient: tell must be 'ranks' or 'values' (blackbox only), got {tell!r}")
        if config == "paper" and options:
            raise ValueError(f"NaturalGradient: config 'paper' takes no options, got {sorted(options)}")
        self.p, self.config, self.method, self.near_best = problem, config, method, near_best
        self.fresh_after_spent = fresh_after_spent
        self._ranks = config == "blackbox" and tell == "ranks"
        self.restarts = 0
        self.stopped = False
        dist = search_space(problem, sigma_init, sigma_min)
        if lam == "dim" and config != "blackbox" or isinstance(lam, str) and lam != "dim":
            raise ValueError(f"NaturalGradient: lam must be an integer, None or 'dim' (blackbox), got {lam!r}")
        if config == "blackbox":
            n = default_lam(dist, budget) if lam is None else default_lam(dist) if lam == "dim" else int(lam)
            if lam is None and budget_caps_lam(dist, budget) and options.get("elite_in_descent") is None:
                options = {**options, "elite_in_descent": True}  # minimize's short budget: the descent keeps the elite
            self.opt: Any = BlackBoxASNG(dist, lam=n, seed=seed, **options)  # as minimize(fun, dist, ..., seed=seed)
        else:
            self._seeds = np.random.SeedSequence(seed)
            self._lam = 2 if lam is None else int(lam)
            self._dist = dist
            self._new_paper()
        # minimize's rule with the cache (asng_opt._cache): convergence restarts unless the space
        # walks (categorical variables alone, or with the integer margin categorical and integer ones)
        int_margin = bool(getattr(self.opt, "int_margin", False))
        walking = cache and walks(dist, True, math.inf, int_margin)
        stall = walk_stall_of(dist) if walk_stall else math.inf
        self._stale = StaleRounds(restart_on_convergence or not walking, stall)

    def _new_paper(self) -> None:
        cls = ASNG if self.method == "asng" else SNG
        self.opt = cls(self._dist, lam=self._lam, seed=np.random.default_rng(self._seeds.spawn(1)[0]))

    def ask(self) -> list[Candidate]:
        self._x = x = self.opt.ask()
        p = self.p
        if not isinstance(x, dict):  # a single part
            x = {"c" if p.n_cat else "z" if p.n_int else "r": x}
        none = np.zeros((self.opt.lam, 0), dtype=np.int64)
        c, z, r = x.get("c", none), x.get("z"), x.get("r")
        return [(c[i], None if z is None else z[i], None if r is None else r[i]) for i in range(self.opt.lam)]

    def tell(self, values: list[float], n_new: Optional[int] = None) -> None:
        """Tell the values of the last :meth:`ask` (in its order); ``n_new``: how many of them were
        new evaluations (the others answered by the runner's cache; None: all new). ``"blackbox"``
        then applies minimize's restart rule (the module's docstring), ``"paper"`` restarts on
        ``should_stop()``."""
        f = np.asarray(values, dtype=float)
        self.opt.tell(self._x, dense_ranks(f) if self._ranks else f)
        if self.config == "blackbox":
            self._blackbox_rule(len(values) if n_new is None else int(n_new))
        elif self.opt.should_stop():
            self.restarts += 1
            self._new_paper()

    def _blackbox_rule(self, n_new: int) -> None:
        """``asng_opt._minimize_run.run``'s stop-or-restart step after a round of ``n_new`` evaluations
        (the same :class:`asng_opt._cache.StaleRounds`; without the cache n_new > 0 every round, so
        an optimizer is never idle: the plain restart on ``should_stop()``)."""
        if not self._stale.after_round(n_new, self.opt.should_stop(), self.restarts, getattr(self.opt, "stall", 0)):
            return
        if self._stale.exhausted:
            self.stopped = True
            return
        # fresh_after_spent=False: asng-opt 0.10's rule, near the best point unless idle
        near = self._stale.near_best(self.opt) if self.fresh_after_spent else not self._stale.idle
        self.opt = restart(self.opt, near_best=self.near_best and near)
        self.restarts += 1
        self._stale.restarted()
