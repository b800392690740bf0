"""The optimizers of the black-box comparison behind one batch ask/tell interface.

A searcher's ``ask()`` returns a list of candidates ``(c, z)`` (``c`` the category indices,
``z`` the integers or ``None``); ``tell(values)`` gets their objective values in the same order
(lower is better). The runner (:mod:`asng_bench.blackbox`) evaluates the candidates one by one,
counts every evaluation and times the objective separately.

Ours: ``asng-l2`` (ASNG, lambda = 2), ``asng-l16`` (lambda = 16) and ``sng`` (SNG, lambda = 2,
delta = 0.1), all with the library's defaults (alpha = 1.5, delta_init = 1, appendix D's
theta_min / sigma_min). When ``should_stop()`` holds (the distribution has converged) and budget
remains, the search restarts from the initial distribution with a fresh sampling stream; the
evaluations before the restart count.

Peers (optional dependencies, ``asng-bench[peers]``), each with its documented defaults:

* ``random``: uniform random search.
* ``cmaes-catcmawm``: ``cmaes.CatCMAwM`` (categorical variables in ``c_space``, integers in
  ``z_space``; its default population size 4 + floor(3 ln N)); it fits every problem here.
* ``optuna-tpe``: ``optuna.samplers.TPESampler(seed=...)`` through ``study.ask(distributions)``.
* ``optuna-cmaes``: ``optuna.samplers.CmaEsSampler(seed=...)``, only on the mixed problem (the one
  with integers, where it applies; its categorical variables go to its default independent
  sampler, random sampling; ``warn_independent_sampling=False`` only silences optuna's warning).
* ``ng-dopo`` / ``ng-portfolio`` / ``ng-ngopt``: nevergrad's ``DiscreteOnePlusOne``,
  ``PortfolioDiscreteOnePlusOne`` and ``NGOpt`` with ``budget`` set and ``num_workers=1``.
  Categorical variables are ``ng.p.Choice(range(K), repetitions=n, deterministic=True)``;
  integers ``ng.p.Array(...).set_integer_casting()`` with the bounds. (``deterministic=True``
  is nevergrad's documented option for discrete optimizers; with the default stochastic
  ``Choice`` the value is re-sampled from a softmax at every ask and the three optimizers stalled
  at OneMax f = 16-33 after 3,000 evaluations.)
"""

from __future__ import annotations

import warnings
from typing import Any, Callable, Optional

import numpy as np

from asng_opt import ASNG, SNG, Categorical, Integer, Product

from .blackbox_problems import Problem

__all__ = ["Candidate", "Searcher", "make_searcher", "OURS", "PEERS", "ALL_OPTIMIZERS", "available", "applies"]

Candidate = tuple[np.ndarray, Optional[np.ndarray]]


class Searcher:
    """Batch ask/tell over a :class:`Problem`'s variables."""

    def ask(self) -> list[Candidate]:
        raise NotImplementedError

    def tell(self, values: list[float]) -> None:
        raise NotImplementedError

    restarts = 0


class RandomSearch(Searcher):
    def __init__(self, problem: Problem, budget: int, seed: int, batch: int = 32):
        self.p, self.batch = problem, batch
        self.rng = np.random.default_rng(seed)

    def ask(self) -> list[Candidate]:
        p = self.p
        c = self.rng.integers(0, p.categories, size=(self.batch, p.n_cat))
        z = self.rng.integers(p.int_low, p.int_high + 1, size=(self.batch, p.n_int)) if p.n_int else None
        return [(c[i], None if z is None else z[i]) for i in range(self.batch)]

    def tell(self, values: list[float]) -> None:
        pass


class NaturalGradient(Searcher):
    """ASNG or SNG from asng_opt, restarted from the initial distribution on convergence."""

    def __init__(self, problem: Problem, budget: int, seed: int, method: str = "asng", lam: int = 2):
        self.p, self.method, self.lam = problem, method, lam
        self._seeds = np.random.SeedSequence(seed)
        self.restarts = 0
        self._new()

    def _new(self) -> None:
        p = self.p
        cat = Categorical(p.categories)
        dist = Product(c=cat, z=Integer(p.int_low, p.int_high)) if p.n_int else cat
        seed = self._seeds.spawn(1)[0]
        cls = ASNG if self.method == "asng" else SNG
        self.opt = cls(dist, lam=self.lam, seed=np.random.default_rng(seed))

    def ask(self) -> list[Candidate]:
        self._x = x = self.opt.ask()
        if isinstance(x, dict):
            return [(x["c"][i], x["z"][i]) for i in range(self.lam)]
        return [(x[i], None) for i in range(self.lam)]

    def tell(self, values: list[float]) -> None:
        self.opt.tell(self._x, np.asarray(values, dtype=float))
        if self.opt.should_stop():
            self.restarts += 1
            self._new()


class CatCMAwMSearcher(Searcher):
    def __init__(self, problem: Problem, budget: int, seed: int):
        from cmaes import CatCMAwM

        p = self.p = problem
        z_space = [list(range(lo, hi + 1)) for lo, hi in zip(p.int_low.tolist(), p.int_high.tolist())] or None
        self.opt = CatCMAwM(c_space=p.categories.tolist(), z_space=z_space, seed=seed)

    def ask(self) -> list[Candidate]:
        self._sols = [self.opt.ask() for _ in range(self.opt.population_size)]
        out = []
        for s in self._sols:
            c = np.argmax(s.c, axis=1)  # one-hot rows (zero-padded) -> category index
            z = None if s.z is None else np.rint(s.z).astype(np.int64)
            out.append((c, z))
        return out

    def tell(self, values: list[float]) -> None:
        self.opt.tell(list(zip(self._sols, [float(v) for v in values])))


class OptunaSearcher(Searcher):
    def __init__(self, problem: Problem, budget: int, seed: int, sampler: str = "tpe"):
        import optuna
        from optuna.distributions import CategoricalDistribution, IntDistribution

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        p = self.p = problem
        self.dists: dict[str, Any] = {
            f"c{i}": CategoricalDistribution(list(range(int(k)))) for i, k in enumerate(p.categories)
        }
        for j, (lo, hi) in enumerate(zip(p.int_low.tolist(), p.int_high.tolist())):
            self.dists[f"z{j}"] = IntDistribution(lo, hi)
        smp = (
            optuna.samplers.TPESampler(seed=seed)
            if sampler == "tpe"
            else optuna.samplers.CmaEsSampler(seed=seed, warn_independent_sampling=False)
        )
        self.study = optuna.create_study(sampler=smp)

    def ask(self) -> list[Candidate]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._trial = tr = self.study.ask(self.dists)
        p = self.p
        c = np.array([tr.params[f"c{i}"] for i in range(p.n_cat)], dtype=np.int64)
        z = np.array([tr.params[f"z{j}"] for j in range(p.n_int)], dtype=np.int64) if p.n_int else None
        return [(c, z)]

    def tell(self, values: list[float]) -> None:
        self.study.tell(self._trial, float(values[0]))


class NevergradSearcher(Searcher):
    def __init__(self, problem: Problem, budget: int, seed: int, name: str = "DiscreteOnePlusOne"):
        import nevergrad as ng

        p = self.p = problem
        ks = set(p.categories.tolist())
        if len(ks) == 1:
            cat: Any = ng.p.Choice(range(ks.pop()), repetitions=p.n_cat, deterministic=True)
        else:
            cat = ng.p.Tuple(*[ng.p.Choice(range(int(k)), deterministic=True) for k in p.categories])
        if p.n_int:
            lo, hi = p.int_low.astype(float), p.int_high.astype(float)
            ints = ng.p.Array(init=np.round((lo + hi) / 2), lower=lo, upper=hi).set_integer_casting()
            param: Any = ng.p.Dict(c=cat, z=ints)
        else:
            param = cat
        param.random_state = np.random.RandomState(seed)
        self.opt = ng.optimizers.registry[name](parametrization=param, budget=budget, num_workers=1)

    def ask(self) -> list[Candidate]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._cand = cand = self.opt.ask()
        v = cand.value
        if isinstance(v, dict):
            return [(np.asarray(v["c"], dtype=np.int64), np.asarray(v["z"], dtype=np.int64))]
        return [(np.asarray(v, dtype=np.int64), None)]

    def tell(self, values: list[float]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.opt.tell(self._cand, float(values[0]))


_Factory = Callable[[Problem, int, int], Searcher]

OURS: dict[str, _Factory] = {
    "asng-l2": lambda p, b, s: NaturalGradient(p, b, s, "asng", 2),
    "asng-l16": lambda p, b, s: NaturalGradient(p, b, s, "asng", 16),
    "sng": lambda p, b, s: NaturalGradient(p, b, s, "sng", 2),
}
PEERS: dict[str, _Factory] = {
    "random": lambda p, b, s: RandomSearch(p, b, s),
    "cmaes-catcmawm": lambda p, b, s: CatCMAwMSearcher(p, b, s),
    "optuna-tpe": lambda p, b, s: OptunaSearcher(p, b, s, "tpe"),
    "optuna-cmaes": lambda p, b, s: OptunaSearcher(p, b, s, "cmaes"),
    "ng-dopo": lambda p, b, s: NevergradSearcher(p, b, s, "DiscreteOnePlusOne"),
    "ng-portfolio": lambda p, b, s: NevergradSearcher(p, b, s, "PortfolioDiscreteOnePlusOne"),
    "ng-ngopt": lambda p, b, s: NevergradSearcher(p, b, s, "NGOpt"),
}
ALL_OPTIMIZERS: dict[str, _Factory] = {**OURS, **PEERS}

_MODULE = {"cmaes-catcmawm": "cmaes", "optuna-tpe": "optuna", "optuna-cmaes": "optuna"}


def available(name: str) -> bool:
    """Whether the optimizer's package imports here (ours and random search always do)."""
    mod = _MODULE.get(name, "nevergrad" if name.startswith("ng-") else None)
    if mod is None:
        return True
    try:
        __import__(mod)
    except ImportError:
        return False
    return True


def applies(name: str, problem: Problem) -> bool:
    """optuna's CmaEsSampler runs only where there are integer variables (the mixed problem)."""
    return name != "optuna-cmaes" or problem.n_int > 0


def make_searcher(name: str, problem: Problem, budget: int, seed: int) -> Searcher:
    return ALL_OPTIMIZERS[name](problem, budget, seed)
