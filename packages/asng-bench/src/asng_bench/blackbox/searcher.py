"""The batch ask/tell interface every optimizer of the black-box comparison is wrapped in.

A searcher's ``ask()`` returns a list of candidates ``(c, z, r)`` (``c`` the category indices,
``z`` the integers or ``None``, ``r`` the reals or ``None``); ``tell(values)`` gets their
objective values in the same order (lower is better). The runner (:mod:`.runner`) evaluates the
candidates one by one, counts every evaluation and times the objective separately.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .problems import Problem

__all__ = ["Candidate", "Searcher", "SearcherFactory"]

Candidate = tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]


class Searcher:
    """Batch ask/tell over a :class:`.problems.Problem`'s variables."""

    def ask(self) -> list[Candidate]:
        raise NotImplementedError

    def tell(self, values: list[float]) -> None:
        raise NotImplementedError

    restarts = 0


SearcherFactory = Callable[[Problem, int, int], Searcher]  #: ``factory(problem, budget, seed)``
