"""Our optimizers in the black-box comparison: ASNG and SNG from asng-opt behind :class:`.searcher.Searcher`.

All run with the library's defaults (alpha = 1.5, delta0 = 1, appendix D's theta_min /
sigma_min); the configurations compared (lambda, SNG's delta) are in :mod:`.registry`. When
``should_stop()`` holds (the distribution has converged) and budget remains, the search restarts
from the initial distribution with a fresh sampling stream; the evaluations before the restart count.
"""

from __future__ import annotations

import numpy as np

from asng_opt import ASNG, SNG, Categorical, Integer, Product

from .problems import Problem
from .searcher import Candidate, Searcher

__all__ = ["NaturalGradient"]


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
