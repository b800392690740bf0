"""What :func:`~asng_opt.minimize` returns and raises: :class:`MinimizeResult`, :class:`ObjectiveError`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .optimizer import Optimizer

__all__ = ["MinimizeResult", "ObjectiveError", "STOP_REASONS"]

#: every value of :attr:`MinimizeResult.stop_reason`
STOP_REASONS = ("max_evals", "converged", "target", "callback", "failed", "interrupted", "diverged")


@dataclass(eq=False)
class MinimizeResult:
    """What :func:`minimize` found. Compared by identity (``==`` is ``is``): each run has its own
    optimizer, so no two results are equal field by field anyway; compare ``x``, ``fun`` and
    ``history`` to compare runs.

    Attributes:
        x: the best sample evaluated, as the objective saw it: an ``(n,)`` array, a dict of
            them (nested dicts for a nested :class:`Product`), or a configuration dict for a
            :class:`~asng_opt.Space`. ``None`` only in the partial result
            of a run interrupted before any evaluation succeeded.
        fun: its objective value, a float in the objective's own units (the largest value seen
            when maximising); NaN where ``x`` is None.
        n_evals: number of objective evaluations completed, failed ones included; a sample
            answered by the evaluation cache (``minimize(cache=...)``) is no evaluation. Without
            the cache a multiple of ``lam``, except for an interrupted run, which also counts the
            evaluations of its unfinished round.
        n_iterations: number of ask/tell rounds, over all restarts.
        history: one dict per finished round: ``iteration`` (1, 2, ...), ``n_evals`` (total so
            far), ``values`` (``lam`` floats, None for a failed evaluation), ``failures``
            (``[(index in the round, message)]``), ``best`` (best value so far, None before any
            success), ``delta`` (the optimizer's step size after the round; None for Adam) and
            ``restarts`` (the restarts before the round: the round ran on the optimizer of restart
            number ``restarts``, 0 for the first; always 0 without restarts); with the cache also
            ``cached`` (how many of the round's ``lam`` samples cost no evaluation: their value
            was known).
        most_likely: the mode of the final distribution (same layout as ``x``).
        stop_reason: why the run ended --

            * ``"max_evals"``: another round of ``lam`` evaluations would exceed ``max_evals``;
            * ``"converged"``: the optimizer's ``should_stop()`` held (or, with the cache,
              rounds drew only points already evaluated, even after a restart), and no
              restart was left; or the search space has a single point (every variable fixed),
              evaluated once;
            * ``"target"``: a value at least as good as ``target`` was seen;
            * ``"callback"``: the callback returned a true value;
            * ``"failed"``: only in :attr:`ObjectiveError.result` -- every evaluation failed in
              the first round or in ``max_failed_rounds`` consecutive rounds -- and in the
              ``result`` of the ``ValueError`` a callback returning a value without a truth
              value (e.g. a numpy array) raises;
            * ``"interrupted"``: only in the ``result`` attached to a ``KeyboardInterrupt``;
            * ``"diverged"``: the optimizer's ``tell`` raised ``FloatingPointError`` (its update
              would have made the state non-finite; a guard the update rules should never
              trip): the run stops with what it found, the last round recorded, and
              ``optimizer`` is as it was before that tell.
        optimizer: the optimizer, to inspect or to continue; ``optimizer.theta`` is the final
            distribution parameter (of the last restart). None for a search space with a single
            point (every variable fixed): ``minimize`` evaluates it once and builds no optimizer.
        n_restarts: how many times the search restarted (by default only ``config="blackbox"``
            restarts; any config does with ``restarts=`` > 0), 0 without restarts.
        best_at: the evaluation (1, 2, ... in submission order within rounds: results are
            collected in order) that found ``x``; 0 when ``x`` is None. Without a ``target`` the
            black-box configuration spends the whole budget: this says how much of it finding
            ``x`` took.
    """

    x: Any
    fun: float
    n_evals: int
    n_iterations: int
    history: list[dict[str, Any]] = field(repr=False)
    most_likely: Any
    stop_reason: str
    optimizer: Optimizer | None = field(repr=False)
    n_restarts: int = 0
    best_at: int = 0


class ObjectiveError(RuntimeError):
    """The objective failed on every evaluation of the first round of :func:`minimize`, or of
    ``max_failed_rounds`` consecutive rounds -- or the ``executor`` refused to take a round's
    evaluations (its ``submit`` raised: shut down or broken).

    The message names the first failure of the last round; ``__cause__`` is the first exception
    the objective raised in that round (None if it only returned bad values).

    Attributes:
        result: the partial :class:`MinimizeResult` (``stop_reason == "failed"``), history and
            best point so far included.
    """

    def __init__(self, message: str, result: MinimizeResult | None = None):
        super().__init__(message)
        self.result = result
