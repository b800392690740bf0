"""ASNG configured for black-box optimisation: :class:`BlackBoxASNG` and the pieces it is made of.

The paper's settings (lambda = 2, the +-1 quantile utility, appendix D's bounds) are tuned for
one-shot NAS, where every sample is one cheap mini-batch. As a black-box optimizer, where each
sample is an evaluation to pay for, ASNG does better with (each ingredient measured in
results/README.md, "Black-box defaults"):

* a population growing with the dimension, ``lam = 4 + floor(3 ln N)`` (N variables; CMA-ES's
  default, also CatCMA's), capped by the budget (:func:`default_lam`);
* the quantile utility on the categorical parts (the paper's), and positive log-rank weights
  (:func:`~asng_opt.ranking.log_rank_weights`) on the Gaussian / Integer parts: with them a step of
  learning rate <= 1 is a convex combination, so the second moment cannot be pushed below the mean's
  square and sigma does not collapse in one step (it did on small integer spaces);
* a margin on the categorical probabilities, ``theta_min,i = (1 - 0.73^(1/N')) / (K_i - 1)`` with N'
  the number of categorical and integer variables (CatCMA with margin, Hamano et al. 2024): every
  category keeps a chance to be sampled, so a wrong early decision can be undone;
* elitism: the best point evaluated so far joins every update as one more sample with its known
  value (it is not evaluated again), pulling the distribution back towards it.

Restarts (from a distribution centred near the best point) are the job of the driver,
:func:`asng_opt.minimize`, which also owns the evaluation budget.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, NamedTuple, cast

import numpy as np

from . import _checks
from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import Integer
from .optimizer import Optimizer
from .optimizers import ASNG
from .product import Product
from .ranking import log_rank_weights, ranking_utility
from .space import Space
from .updates import asng_init

__all__ = [
    "BlackBoxASNG",
    "default_lam",
    "margin_theta_min",
    "with_margin",
    "blackbox_update",
    "prior_near",
    "restart",
]


#: the utilities BlackBoxASNG can use, by name
UTILITIES = {"quantile": ranking_utility, "log": log_rank_weights}


def _leaves(dist: Distribution) -> list[Distribution]:
    """The non-Product distributions inside ``dist``, in parameter order."""
    if isinstance(dist, Product):
        return [leaf for part in dist.parts.values() for leaf in _leaves(part)]
    return [dist]


def _n_variables(dist: Distribution) -> tuple[int, int]:
    """(all variables, categorical + integer variables) of the free (non-constant) kind."""
    n_all = n_discrete = 0
    for leaf in _leaves(dist):
        if isinstance(leaf, Categorical):
            k = int(np.count_nonzero(np.asarray(leaf.categories) > 1))
            n_all, n_discrete = n_all + k, n_discrete + k
        elif isinstance(leaf, Integer):
            n_all, n_discrete = n_all + leaf.n_variables, n_discrete + leaf.n_variables
        else:
            n_all += getattr(leaf, "n_variables", 1)
    return n_all, n_discrete


def default_lam(dist: Distribution, max_evals: int | None = None) -> int:
    """The default population: ``4 + floor(3 ln N)``, N the number of (non-constant) variables
    of ``dist`` (CMA-ES's and CatCMA's rule). With a budget of ``max_evals`` evaluations it is
    capped at ``max(4, max_evals // 40)`` so that the run holds at least ~40 updates: ASNG's
    step-size adaptation needs updates, and on short budgets (150 evaluations of 100 bits: 8
    updates at lambda = 17, 37 at lambda = 4) more updates of a smaller population reach the early
    targets sooner (results/README.md, "Black-box defaults"). Never above ``max_evals``, at least 2.
    """
    n, _ = _n_variables(dist)
    lam = 4 + int(3 * math.log(max(n, 1)))
    if max_evals is not None:
        lam = max(2, min(lam, max(4, max_evals // 40), max_evals))
    return lam


def margin_theta_min(categories: Any, n_discrete: int) -> np.ndarray:
    """The margin ``(1 - 0.73^(1/N')) / (K_i - 1)`` per variable (0 for one-category variables).

    Args:
        categories: ``(n,)`` numbers of categories K_i.
        n_discrete: N', the number of categorical and integer variables of the space (>= 1).
    """
    k = np.asarray(categories, dtype=float)
    n = max(int(n_discrete), 1)
    return np.where(k > 1, (1.0 - 0.73 ** (1.0 / n)) / np.maximum(k - 1, 1), 0.0)


def with_margin(dist: Distribution) -> Distribution:
    """``dist`` with every Categorical's theta_min set to :func:`margin_theta_min` (other parts
    unchanged). A new distribution; ``dist`` is not modified. Idempotent."""
    _, n_discrete = _n_variables(dist)

    def rebuild(d: Distribution) -> Distribution:
        if isinstance(d, Product):
            return Product({k: rebuild(p) for k, p in d.parts.items()})
        if isinstance(d, Categorical):
            return Categorical(d.categories, theta_min=margin_theta_min(d.categories, n_discrete))
        return d

    return rebuild(dist)


class BlackBoxState(NamedTuple):
    """BlackBoxASNG's state: ASNG's (theta, s, gamma, Delta) for the categorical parts -- s is
    ``(n_theta,)`` with zeros at the Gaussian / Integer parameters -- and the evolution path
    p_sigma ``(n_real,)`` of the Gaussian / Integer variables' step-size adaptation."""

    theta: Any
    s: np.ndarray
    gamma: float
    Delta: float
    p_sigma: np.ndarray


def _is_real(leaf: Distribution) -> bool:
    """A real-valued part (a Gaussian that is not an Integer)."""
    return isinstance(leaf, Gaussian) and not isinstance(leaf, Integer)


def _n_real(dist: Distribution) -> int:
    return sum(cast(Gaussian, leaf).n_variables for leaf in _leaves(dist) if _is_real(leaf))


def _n_theta_cat(dist: Distribution) -> int:
    """The parameters ASNG's step moves: those of the Categorical and Integer parts."""
    return sum(leaf.n_theta for leaf in _leaves(dist) if not _is_real(leaf))


def _map(dist: Distribution, theta: Any, raw: Any, fn: Any) -> Any:
    """Apply ``fn(leaf, theta, raw)`` to every leaf; the results in the layout of theta."""
    if isinstance(dist, Product):
        return {k: _map(p, theta[k], raw[k], fn) for k, p in dist.parts.items()}
    return fn(dist, theta, raw)


def _collect(dist: Distribution, tree: Any) -> list[Any]:
    if isinstance(dist, Product):
        return [x for k, p in dist.parts.items() for x in _collect(p, tree[k])]
    return [tree]


def blackbox_update(
    dist: Distribution,
    state: BlackBoxState,
    raw: Any,
    w_cat: np.ndarray,
    w_real: np.ndarray,
    delta0: float = 1.0,
    alpha: float = 1.5,
) -> BlackBoxState:
    """One black-box step; ``raw`` holds k samples, ``w_cat`` and ``w_real`` are ``(k,)`` weights.

    * Categorical and Integer parts: ASNG (Algorithm 1, lines 2 and 4-8) on their parameters
      alone (n_theta in beta and in the radius cap counts only them), the categorical gradients
      weighted by ``w_cat``, the integer ones by ``w_real``. For an Integer part the step
      ``eta G`` is capped at ``eta <= k / sum(w_real)``: with positive weights this keeps the new
      theta a convex combination of theta and the told samples' T(x), so sigma cannot collapse in
      one step. :class:`BlackBoxASNG` scales its log-rank ``w_real`` to the total ``sum |w_cat|``
      of the categorical +-1 weights: the joint Fisher normalisation then gives the integer parts
      a share of the step comparable to the categorical ones (with weights summing to 1 their
      gradient was ~1/(2 ceil(k/4)) as long and they barely moved: the mixed problem of the study
      needed 1.6x the evaluations).
    * Real-valued (Gaussian, non-Integer) parts, with the weights ``w_real`` (used normalised):
      the natural-gradient step of a Gaussian split into a learning rate 1 for the mean (weighted
      recombination, ``mu' = sum_i w_i x_i``) and ``c_mu`` for the variances (the rank-mu update
      ``sigma_i'^2 = sigma_i^2 (1 - c_mu + c_mu sum_j w_j y_ji^2)``, ``y = (x - mu) / sigma``), the
      split CMA-ES makes (Akimoto et al. 2010 show the rank-mu update is this natural gradient), and a
      cumulative step-size adaptation of all sigmas (Hansen & Ostermeier 2001) -- without it the
      variances shrink faster than the mean travels and the search stalls far from the optimum.
      Constants from Hansen (2016), "The CMA Evolution Strategy: a tutorial" (separable c_mu of Ros
      & Hansen 2008). Sigma stays within [sigma_min, sigma_max] by the projection (appendix D).

    Returns the new state (the same object when nothing can move).
    """
    theta, s, gamma, Delta, p_sigma = state

    def _w(d: Distribution) -> np.ndarray:
        return w_cat if isinstance(d, Categorical) else w_real

    new_theta = theta
    new_s, new_gamma, new_Delta, new_p = s, gamma, Delta, p_sigma
    moved = False

    # ---- categorical parts: ASNG ----------------------------------------------------------------
    n_cat = _n_theta_cat(dist)
    if n_cat:
        floor = delta0 / math.sqrt(n_cat)  # delta <= sqrt(n_theta_cat): beta <= 1 (asng_delta_floor)
        Delta = max(Delta, floor)
        delta = delta0 / Delta  # line 2
        beta = min(delta / math.sqrt(n_cat), 1.0)
        grads = _map(dist, theta, raw, lambda d, t, x: None if _is_real(d) else d.natural_gradient(t, x, _w(d)))
        vs = [
            d.fisher_sqrt(t, g) if g is not None else np.zeros(d.n_theta)
            for d, t, g in zip(_leaves(dist), _collect(dist, theta), _collect(dist, grads))
        ]
        v = np.concatenate(vs)
        norm = math.sqrt(float(np.dot(v, v)))
        if 0 < norm < math.inf:
            moved = True
            k = len(w_real)  # samples in the update; eq. (12) averages over them

            def asng_step(d: Distribution, t: Any, g: Any) -> Any:
                if g is None:
                    return t
                eta = delta / norm  # eqs. (13)-(14), then projection
                if not isinstance(d, Categorical):  # eta sum(w) / k <= 1: a convex combination
                    total = float(np.sum(w_real))
                    eta = min(eta, k / total) if total > 0 else eta
                return d.step(t, eta * g)

            new_theta = _map(dist, theta, grads, asng_step)
            new_s = (1 - beta) * s + (math.sqrt(beta * (2 - beta)) / norm) * v  # line 6
            new_gamma = (1 - beta) ** 2 * gamma + beta * (2 - beta)  # line 7
            new_Delta = max(Delta * math.exp(beta * (new_gamma - float(np.dot(new_s, new_s)) / alpha)), floor)  # line 8

    # ---- Gaussian / Integer parts: recombination, rank-mu variances, CSA ---------------------------
    n = _n_real(dist)
    w = np.asarray(w_real, dtype=float)
    if n and np.any(w != 0):
        moved = True
        mu_eff = float(w.sum() ** 2 / np.dot(w, w))
        c_s = (mu_eff + 2) / (n + mu_eff + 5)
        d_s = 1 + 2 * max(0.0, math.sqrt((mu_eff - 1) / (n + 1)) - 1) + c_s
        c_mu = min(1.0, 2 * (mu_eff - 2 + 1 / mu_eff) / ((n + 2) ** 2 + mu_eff) * (n + 2) / 3)
        chi_n = math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n))
        leaves = [(d, t, x) for d, t, x in zip(_leaves(dist), _collect(dist, new_theta), _collect(dist, raw))]
        zs = []
        for d, t, x in leaves:
            if _is_real(d):
                mu, sigma = cast(Gaussian, d).mean_sigma(t)
                zs.append(((np.asarray(x, dtype=float) - mu) / sigma).T @ w)  # (n_leaf,) sum_j w_j y_j
        z = np.concatenate(zs) / w.sum()
        new_p = (1 - c_s) * p_sigma + math.sqrt(c_s * (2 - c_s) * mu_eff) * z
        factor = math.exp(min(1.0, (c_s / d_s) * (math.sqrt(float(np.dot(new_p, new_p))) / chi_n - 1)))

        def real_step(d: Distribution, t: Any, x: Any) -> Any:
            if not _is_real(d):
                return t
            mu, sigma = cast(Gaussian, d).mean_sigma(t)
            y = (np.asarray(x, dtype=float) - mu) / sigma
            mean = (w @ np.asarray(x, dtype=float)) / w.sum()
            var = sigma * sigma * (1 - c_mu + c_mu * (w @ (y * y)) / w.sum()) * factor * factor
            return d.project(np.stack([mean, mean * mean + var], axis=-1))

        new_theta = _map(dist, new_theta, raw, real_step)
    if not moved:
        return state
    return BlackBoxState(new_theta, new_s, float(new_gamma), float(new_Delta), new_p)


def _clip_integers(dist: Distribution, raw: Any) -> Any:
    """Raw draws with every Integer part's clipped to its [low, high] (a draw beyond a bound is
    evaluated at the bound: updating with the draw itself kept sigma wide on wide ranges)."""
    if isinstance(dist, Product):
        return {k: _clip_integers(p, raw[k]) for k, p in dist.parts.items()}
    if isinstance(dist, Integer):
        return np.clip(raw, dist.low, dist.high)
    return raw


def _take(raw: Any, j: int) -> Any:
    if isinstance(raw, Mapping):
        return {k: _take(v, j) for k, v in raw.items()}
    return np.array(raw[j : j + 1], copy=True)


def _append(raw: Any, one: Any) -> Any:
    if isinstance(raw, Mapping):
        return {k: _append(v, one[k]) for k, v in raw.items()}
    return np.concatenate([raw, one], axis=0)


def prior_near(dist: Distribution, raw: Any, rho: float = 0.5, sigma_scale: float = 0.5) -> Any:
    """A starting parameter centred near one raw sample ``raw`` (``(1, ...)`` or a dict of them):
    each categorical row is ``(1 - rho) uniform + rho onehot(sample)``; each Gaussian / Integer
    variable gets mean = the sample and ``sigma = sigma_scale`` times its initial sigma. Projected
    onto Theta. Used by :func:`asng_opt.minimize` to restart around the best point."""
    if isinstance(dist, Product):
        return {k: prior_near(p, raw[k], rho, sigma_scale) for k, p in dist.parts.items()}
    theta0 = dist.initial_theta()
    if isinstance(dist, Categorical):
        x = np.asarray(raw)[0]
        one = np.zeros_like(theta0)
        one[np.arange(x.size), x] = 1.0
        return dist.project(np.where(theta0 > 0, (1 - rho) * theta0 + rho * one, 0.0))
    if isinstance(dist, Gaussian):
        mu = np.asarray(raw, dtype=float)[0]
        _, sigma0 = dist.mean_sigma(theta0)
        sigma = sigma_scale * sigma0
        return dist.project(np.stack([mu, mu * mu + sigma * sigma], axis=-1))
    return theta0


class BlackBoxASNG(ASNG):
    """ASNG configured for black-box optimisation (see the module docstring for each ingredient).

    Args:
        distribution: the search space (a distribution or a named :class:`~asng_opt.Space`); its
            Categorical parts are rebuilt with the margin (``self.distribution`` is that copy; the
            argument is not modified).
        lam: samples per update; default ``4 + floor(3 ln N)`` (:func:`default_lam`), >= 2.
        alpha, delta0: as for :class:`ASNG` (Delta_max is unbounded).
        margin: apply the categorical margin (default True).
        elitist: add the best point seen so far to every update (default True). Assumes a
            deterministic objective: with a noisy one, a lucky value would keep pulling.
        cat_utility, real_utility: the weights of the categorical parts and of the Gaussian /
            Integer parts: ``"quantile"`` (the paper's +-1, :func:`~asng_opt.ranking.ranking_utility`)
            or ``"log"`` (:func:`~asng_opt.ranking.log_rank_weights`); defaults ``"quantile"`` and
            ``"log"``. (The other settings exist for the ablation study.)
        seed, maximize, theta: see :class:`~asng_opt.optimizer.Optimizer`.

    State: ASNG's (theta, s, gamma, Delta) plus the elite, the best raw sample told so far and its
    value (``elite``, saved in ``state_dict()``).

    Raises:
        ValueError: for arguments outside their ranges (and ASNG's checks).
    """

    def __init__(
        self,
        distribution: Distribution,
        lam: int | None = None,
        alpha: float = 1.5,
        delta0: float = 1.0,
        margin: bool = True,
        elitist: bool = True,
        cat_utility: str = "quantile",
        real_utility: str = "log",
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
        self.margin = _checks.flag("margin", margin, "BlackBoxASNG")
        self.elitist = _checks.flag("elitist", elitist, "BlackBoxASNG")
        for nm, u in (("cat_utility", cat_utility), ("real_utility", real_utility)):
            if u not in UTILITIES:
                raise ValueError(f"BlackBoxASNG: {nm} must be one of {list(UTILITIES)}, got {u!r}")
        self.cat_utility, self.real_utility = cat_utility, real_utility
        dist = with_margin(distribution) if self.margin else distribution
        lam = default_lam(distribution) if lam is None else lam
        super().__init__(dist, lam=lam, alpha=alpha, delta0=delta0, seed=seed, maximize=maximize, theta=theta)
        self.space = space  # ask/tell speak the Space's dicts; the margin lives in self.distribution
        self._elite: tuple[Any, float] | None = None  # (raw sample (1, ...), loss)
        #: restarts near the best point before this optimizer (set by :func:`restart`)
        self.n_restarts = 0
        self._candidate: tuple[Any, float] | None = None

    state_fields: tuple[str, ...] = ("theta", "s", "gamma", "Delta", "p_sigma")

    @property
    def delta(self) -> float:
        """The categorical parts' trust-region radius delta0 / Delta (at most sqrt(n_theta_cat))."""
        n_cat = _n_theta_cat(self.distribution)
        return float(self.delta0 / max(self.state.Delta, self.delta0 / math.sqrt(max(n_cat, 1))))

    def _init_state(self) -> NamedTuple:
        st = asng_init(self.distribution)
        return BlackBoxState(st.theta, st.s, 0.0, 1.0, np.zeros(_n_real(self.distribution)))

    def hyper(self) -> dict[str, Any]:
        return {
            "alpha": self.alpha,
            "delta0": self.delta0,
            "margin": self.margin,
            "elitist": self.elitist,
            "cat_utility": self.cat_utility,
            "real_utility": self.real_utility,
        }

    @property
    def elite(self) -> tuple[Any, float] | None:
        """The best raw sample told so far (``(1, ...)``, or a dict of them) and its loss; None before
        the first tell."""
        return self._elite

    def _better(self, a: float, b: float) -> bool:
        return a >= b if self.maximize else a <= b

    def _utility(self, raw: Any, f: np.ndarray) -> tuple[Any, Any]:
        raw = _clip_integers(self.distribution, raw)  # what was evaluated: beyond a bound is the bound
        j = int(np.argmax(f) if self.maximize else np.argmin(f))
        best = (_take(raw, j), float(f[j]))
        if self._elite is not None and not self._better(best[1], self._elite[1]):
            best = self._elite  # ties go to the newer point, so plateaus are crossed
        if self.elitist:  # the best point so far joins the update (twice, if it is in this batch)
            raw = _append(raw, best[0])
            f = np.append(f, best[1])
        self._candidate = best
        w_cat = UTILITIES[self.cat_utility](f, self.maximize)
        w_real = UTILITIES[self.real_utility](f, self.maximize)
        if self.real_utility == "log":  # the same total weight as the categorical +-1 (see blackbox_update)
            w_real = w_real * float(np.sum(np.abs(ranking_utility(f, maximize=self.maximize))))
        return raw, (w_cat, w_real)

    def _update(self, state: Any, raw: Any, weights: Any) -> Any:
        w_cat, w_real = weights
        return blackbox_update(self.distribution, state, raw, w_cat, w_real, self.delta0, self.alpha)

    def tell(self, samples: Any, losses: Any) -> None:
        self._candidate = None
        super().tell(samples, losses)  # raises before any change on bad input
        self._elite, self._candidate = self._candidate, None

    def state_dict(self) -> dict[str, Any]:
        out = super().state_dict()
        out["elite"] = None if self._elite is None else (_copy(self._elite[0]), self._elite[1])
        return out

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        elite = state.get("elite") if isinstance(state, Mapping) else None
        if elite is not None:
            try:
                raw, value = elite
                value = float(value)
                self.distribution.check_samples(self.distribution.decode(raw))
                finite = all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in _arrays(raw))
            except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
                raise ValueError(f"BlackBoxASNG.load_state_dict: invalid 'elite': {e}") from None
            if not finite or not math.isfinite(value):
                raise ValueError("BlackBoxASNG.load_state_dict: 'elite' must be finite")
        rest = {k: v for k, v in state.items() if k != "elite"} if isinstance(state, Mapping) else state
        super().load_state_dict(rest)
        self._elite = None if elite is None else (_copy(elite[0]), float(elite[1]))


def _arrays(raw: Any) -> list[Any]:
    if isinstance(raw, Mapping):
        return [a for v in raw.values() for a in _arrays(v)]
    return [raw]


def _copy(raw: Any) -> Any:
    if isinstance(raw, Mapping):
        return {k: _copy(v) for k, v in raw.items()}
    return np.array(raw, copy=True)


def restart(opt: Optimizer, near_best: bool = True, lam: int | None = None) -> Optimizer:
    """A fresh optimizer of the same class and settings as ``opt``, on the same random stream.

    With ``near_best`` and an optimizer that keeps an elite (:class:`BlackBoxASNG`), it starts from
    :func:`prior_near` the elite and keeps the elite; otherwise from the initial distribution.
    ``opt`` itself is not modified. This is what :func:`asng_opt.minimize` does when the
    distribution has converged with budget left.
    """
    elite = getattr(opt, "elite", None) if near_best else None
    k = getattr(opt, "n_restarts", 0) + 1
    # restarts alternate (as BIPOP alternates its regimes): odd ones wide (sigma / 2, to leave a
    # local optimum), even ones zooming in on the best point (the 2j-th: sigma / 2^(j+1))
    scale = 0.5 if k % 2 else 0.5 ** min(k // 2 + 1, 60)
    theta = None if elite is None else prior_near(opt.distribution, elite[0], sigma_scale=scale)
    space = getattr(opt, "space", None)
    new = type(opt)(
        opt.distribution if space is None else space,
        lam=opt.lam if lam is None else lam,
        seed=opt._rng,
        maximize=opt.maximize,
        theta=theta,
        **opt.hyper(),
    )
    if elite is not None and isinstance(new, BlackBoxASNG):
        new._elite = elite
        new.n_restarts = k
    return new
