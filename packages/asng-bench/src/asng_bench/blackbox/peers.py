"""The peers of the black-box comparison behind :class:`.searcher.Searcher` (optional dependencies,
``asng-bench[peers]``), each with its documented defaults:

* ``random``: uniform random search.
* ``cmaes-catcmawm``: ``cmaes.CatCMAwM`` (categorical variables in ``c_space``, integers in
  ``z_space``, reals in ``x_space`` with their box; its default population size 4 + floor(3 ln
  N)); it fits every problem here.
* ``optuna-tpe``: ``optuna.samplers.TPESampler(seed=...)`` through ``study.ask(distributions)``.
  Integers are ``IntDistribution(low, high)``, reals ``FloatDistribution(low, high)``.
* ``optuna-cmaes``: ``optuna.samplers.CmaEsSampler(seed=...)``, only on the problems with integer
  or real variables (where it applies; its categorical variables go to its default independent
  sampler, random sampling; ``warn_independent_sampling=False`` only silences optuna's warning).
* ``ng-dopo`` / ``ng-portfolio`` / ``ng-ngopt``: nevergrad's ``DiscreteOnePlusOne``,
  ``PortfolioDiscreteOnePlusOne`` and ``NGOpt`` with ``budget`` set and ``num_workers=1``.
  Categorical variables are ``ng.p.Choice(range(K), repetitions=n, deterministic=True)``;
  integers ``ng.p.Array(...).set_integer_casting()`` with the bounds, reals ``ng.p.Array(init=the
  box's centre, lower=..., upper=...)`` (nevergrad's bounded array; no categorical part where there
  is none). (``deterministic=True``
  is nevergrad's documented option for discrete optimizers; with the default stochastic
  ``Choice`` the value is re-sampled from a softmax at every ask and the three optimizers stalled
  at OneMax f = 16-33 after 3,000 evaluations.)

The names and which problems each one runs on are in :mod:`.registry`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .problems import Problem
from .searcher import Candidate, Searcher

__all__ = ["RandomSearch", "CatCMAwMSearcher", "OptunaSearcher", "NevergradSearcher"]


class RandomSearch(Searcher):
    """Uniform random search, ``batch`` candidates per ask."""

    def __init__(self, problem: Problem, budget: int, seed: int, batch: int = 32):
        self.p, self.batch = problem, batch
        self.rng = np.random.default_rng(seed)

    def ask(self) -> list[Candidate]:
        p = self.p
        c = self.rng.integers(0, p.categories, size=(self.batch, p.n_cat))
        z = self.rng.integers(p.int_low, p.int_high + 1, size=(self.batch, p.n_int)) if p.n_int else None
        r = self.rng.uniform(p.real_low, p.real_high, size=(self.batch, p.n_real)) if p.n_real else None
        return [(c[i], None if z is None else z[i], None if r is None else r[i]) for i in range(self.batch)]

    def tell(self, values: list[float]) -> None:
        pass


class CatCMAwMSearcher(Searcher):
    """cmaes' CatCMAwM: a population of categorical (one-hot) and integer candidates per ask."""

    def __init__(self, problem: Problem, budget: int, seed: int):
        from cmaes import CatCMAwM

        p = self.p = problem
        z_space = [list(range(lo, hi + 1)) for lo, hi in zip(p.int_low.tolist(), p.int_high.tolist())] or None
        x_space = [[lo, hi] for lo, hi in zip(p.real_low.tolist(), p.real_high.tolist())] or None
        c_space = p.categories.tolist() or None
        self.opt = CatCMAwM(x_space=x_space, z_space=z_space, c_space=c_space, seed=seed)

    def ask(self) -> list[Candidate]:
        self._sols = [self.opt.ask() for _ in range(self.opt.population_size)]
        out = []
        for s in self._sols:
            c = np.zeros(0, dtype=np.int64) if s.c is None else np.argmax(s.c, axis=1)  # one-hot rows -> index
            z = None if s.z is None else np.rint(s.z).astype(np.int64)
            x = None if s.x is None else np.asarray(s.x, dtype=float)
            out.append((c, z, x))
        return out

    def tell(self, values: list[float]) -> None:
        self.opt.tell(list(zip(self._sols, [float(v) for v in values])))


class OptunaSearcher(Searcher):
    """One optuna trial per ask, from ``TPESampler`` (``sampler="tpe"``) or ``CmaEsSampler``."""

    def __init__(self, problem: Problem, budget: int, seed: int, sampler: str = "tpe"):
        import optuna
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        optuna.logging.set_verbosity(optuna.logging.WARNING)
        p = self.p = problem
        self.dists: dict[str, Any] = {
            f"c{i}": CategoricalDistribution(list(range(int(k)))) for i, k in enumerate(p.categories)
        }
        for j, (lo, hi) in enumerate(zip(p.int_low.tolist(), p.int_high.tolist())):
            self.dists[f"z{j}"] = IntDistribution(lo, hi)
        for j, (lo, hi) in enumerate(zip(p.real_low.tolist(), p.real_high.tolist())):
            self.dists[f"r{j}"] = FloatDistribution(lo, hi)
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
        r = np.array([tr.params[f"r{j}"] for j in range(p.n_real)], dtype=float) if p.n_real else None
        return [(c, z, r)]

    def tell(self, values: list[float]) -> None:
        self.study.tell(self._trial, float(values[0]))


class NevergradSearcher(Searcher):
    """One candidate per ask from the nevergrad optimizer ``name`` of its registry."""

    def __init__(self, problem: Problem, budget: int, seed: int, name: str = "DiscreteOnePlusOne"):
        import nevergrad as ng

        p = self.p = problem
        ks = set(p.categories.tolist())
        parts: dict[str, Any] = {}
        if len(ks) == 1:
            parts["c"] = ng.p.Choice(range(ks.pop()), repetitions=p.n_cat, deterministic=True)
        elif ks:
            parts["c"] = ng.p.Tuple(*[ng.p.Choice(range(int(k)), deterministic=True) for k in p.categories])
        if p.n_int:
            lo, hi = p.int_low.astype(float), p.int_high.astype(float)
            parts["z"] = ng.p.Array(init=np.round((lo + hi) / 2), lower=lo, upper=hi).set_integer_casting()
        if p.n_real:
            parts["r"] = ng.p.Array(init=(p.real_low + p.real_high) / 2, lower=p.real_low, upper=p.real_high)
        param: Any = parts["c"] if list(parts) == ["c"] else ng.p.Dict(**parts)
        param.random_state = np.random.RandomState(seed)
        self.opt = ng.optimizers.registry[name](parametrization=param, budget=budget, num_workers=1)

    def ask(self) -> list[Candidate]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._cand = cand = self.opt.ask()
        v = cand.value
        if not isinstance(v, dict):
            return [(np.asarray(v, dtype=np.int64), None, None)]
        c = np.asarray(v.get("c", ()), dtype=np.int64)
        z = np.asarray(v["z"], dtype=np.int64) if "z" in v else None
        r = np.asarray(v["r"], dtype=float) if "r" in v else None
        return [(c, z, r)]

    def tell(self, values: list[float]) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.opt.tell(self._cand, float(values[0]))
