"""What one run of the toy study is: the algorithm and its hyper-parameters, the random streams a
run seed gives, and the asng-opt distribution and optimizer a user would build for it.

Random streams (one design for both runners): run seed ``s`` (an int, recorded in runs.csv) gives
``SeedSequence(s).spawn(2) = (opt_seq, prob_seq)``.

* ``opt_seq`` seeds the optimizer's sampling stream: in single-run mode it is the ``seed`` given to
  :class:`asng_opt.ASNG` / ``SNG`` / ``AdamNG``, whose ``ask()`` draws ``rng.random((2, D))`` per
  call (two calls per iteration). The batched runner keeps one ``default_rng(opt_seq)`` per run and
  draws the same numbers in blocks of ``chunk`` iterations (``(chunk, 4, D)`` per run), then hands
  ``(B, 4, D)`` of them to :meth:`asng_opt.Categorical.sample_from_uniforms`.
* ``prob_seq`` seeds the problem's stream ``default_rng(prob_seq)``: first ``x0`` =
  ``standard_normal((D, K))``, then per iteration ``standard_normal(D) / K`` for the x step and
  again for the theta step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import numpy as np

from asng_opt import ASNG, SNG, AdamNG, Categorical

from .problem import LAM, D, K

__all__ = ["ALGS", "Setting", "run_streams", "make_distribution", "make_optimizer"]

ALGS = ("asng", "sng", "adam")  #: the algorithms, in the order of the tables and figures


@dataclass(frozen=True)
class Setting:
    """One point of the study. ``delta0`` is ASNG's delta_theta^0, SNG's delta, Adam's learning rate;
    ``alpha`` is used by ASNG only (NaN for the others)."""

    alg: str
    eps_x: float
    delta0: float
    alpha: float = float("nan")

    def __post_init__(self) -> None:
        if self.alg not in ALGS:
            raise ValueError(f"alg must be one of {ALGS}, got {self.alg!r}")
        if self.alg == "asng" and not self.alpha > 1:
            raise ValueError(f"ASNG needs alpha > 1, got {self.alpha!r}")
        if not (self.eps_x > 0 and self.delta0 > 0):
            raise ValueError(f"eps_x and delta0 must be > 0, got {self.eps_x!r}, {self.delta0!r}")

    @property
    def key(self) -> tuple[str, float, float, Optional[float]]:
        """A hashable identity (``alpha`` is ``None`` for SNG / Adam, since NaN != NaN)."""
        return (self.alg, float(self.eps_x), float(self.delta0), float(self.alpha) if self.alg == "asng" else None)


def run_streams(seed: int) -> tuple[np.random.SeedSequence, np.random.SeedSequence]:
    """``(opt_seq, prob_seq)``: the optimizer's sampling stream and the problem's stream of run ``seed``."""
    opt_seq, prob_seq = np.random.SeedSequence(int(seed)).spawn(2)
    return opt_seq, prob_seq


def make_distribution() -> Categorical:
    """D = 30 categorical variables with K = 5 categories (theta_min = 1/120, appendix D)."""
    return Categorical([K] * D)


def make_optimizer(setting: Setting, dist: Categorical, seed: Any) -> ASNG | SNG | AdamNG:
    """The asng-opt optimizer a user would build for ``setting`` (lam = 2)."""
    if setting.alg == "asng":
        return ASNG(dist, lam=LAM, alpha=setting.alpha, delta0=setting.delta0, seed=seed)
    if setting.alg == "sng":
        return SNG(dist, lam=LAM, delta=setting.delta0, seed=seed)
    return AdamNG(dist, lam=LAM, lr=setting.delta0, seed=seed)
