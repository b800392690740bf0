"""Black-box minimisation driver around the ask/tell optimizers."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .distribution import Distribution
from .optimizer import ASNG, SNG, AdamNG, Optimizer

__all__ = ["minimize", "MinimizeResult"]

_METHODS: dict[str, type[Optimizer]] = {"asng": ASNG, "sng": SNG, "adam": AdamNG}


@dataclass
class MinimizeResult:
    """What :func:`minimize` found.

    Attributes:
        x: the best sample evaluated (as the objective saw it).
        fun: its objective value.
        n_evals: number of objective evaluations made (failed ones included).
        n_iterations: number of ask/tell rounds.
        history: one dict per round: ``iteration``, ``n_evals``, ``values`` (a float, or None for a
            failed evaluation), ``failures`` (``[(index, message)]``), ``best`` (best value so
            far) and ``delta`` (the optimizer's step size, where it has one).
        most_likely: the mode of the final distribution.
        stop_reason: ``"max_evals"``, ``"converged"`` or ``"target"``.
        optimizer: the optimizer, to inspect or to continue.
    """

    x: Any
    fun: float
    n_evals: int
    n_iterations: int
    history: list[dict[str, Any]] = field(repr=False)
    most_likely: Any
    stop_reason: str
    optimizer: Optimizer = field(repr=False)


def _item(samples: Any, j: int) -> Any:
    if isinstance(samples, Mapping):
        return {k: v[j] for k, v in samples.items()}
    return samples[j]


def _surrogate(values: list[float | None], maximize: bool) -> np.ndarray:
    """Ranks of the values, ties kept, failures (None) ranked worst of the batch."""
    ok = [v for v in values if v is not None]
    uniq = np.unique(np.asarray(ok, dtype=float))
    worst = -1.0 if maximize else float(len(uniq))
    return np.array([worst if v is None else float(np.searchsorted(uniq, v)) for v in values])


def minimize(
    fun: Callable[[Any], float],
    distribution: Distribution,
    max_evals: int = 1000,
    seed: Any = None,
    lam: int = 2,
    method: str = "asng",
    maximize: bool = False,
    target: float | None = None,
    callback: Callable[[Optimizer, dict[str, Any]], Any] | None = None,
    **options: Any,
) -> MinimizeResult:
    """Minimise (or maximise) a black-box function of one sample.

    Args:
        fun: objective; receives one sample -- an ``(n,)`` array, or a dict of them for a
            :class:`Product` -- and returns a float.
        distribution: the search space; its ``theta`` is updated in place.
        max_evals: evaluation budget; rounds of ``lam`` evaluations run while they fit in it.
        seed: sampling seed.
        lam: samples per round, >= 2.
        method: ``"asng"`` (default), ``"sng"`` or ``"adam"``.
        maximize: maximise instead of minimise.
        target: stop as soon as a value at least this good is seen.
        callback: ``callback(optimizer, record)`` after each round; return True to stop.
        **options: passed to the optimizer (e.g. ``alpha``, ``delta_init``; ``delta`` for SNG,
            ``lr`` for Adam).

    An evaluation that raises an exception or returns NaN or +-inf counts as the worst of its
    round, is recorded in ``history`` (value None, with the message) and the search goes on.
    The run stops at the budget, when the optimizer's ``should_stop()`` holds, or at ``target``.
    """
    if method not in _METHODS:
        raise ValueError(f"minimize: unknown method {method!r}; choose from {sorted(_METHODS)}")
    if isinstance(max_evals, bool) or not isinstance(max_evals, (int, np.integer)) or max_evals < lam:
        raise ValueError(f"minimize: max_evals must be an integer >= lam ({lam}), got {max_evals!r}")
    try:
        opt = _METHODS[method](distribution, lam=lam, seed=seed, maximize=maximize, **options)
    except TypeError as e:
        raise ValueError(f"minimize: unknown option for method {method!r}: {e}") from None
    sign = -1.0 if maximize else 1.0
    best_x: Any = None
    best_f = math.inf  # in minimisation units (sign * value)
    history: list[dict[str, Any]] = []
    n_evals = 0
    stop_reason = "max_evals"
    while n_evals + lam <= max_evals:
        samples = opt.ask()
        values: list[float | None] = []
        failures: list[tuple[int, str]] = []
        for j in range(lam):
            x = _item(samples, j)
            try:
                y = float(fun(x))
            except Exception as e:  # noqa: BLE001 -- documented: a failed evaluation is the worst
                values.append(None)
                failures.append((j, f"{type(e).__name__}: {e}"))
                continue
            if not math.isfinite(y):
                values.append(None)
                failures.append((j, f"objective returned {y}"))
                continue
            values.append(y)
            if sign * y < best_f:
                best_f, best_x = sign * y, x
        n_evals += lam
        opt.tell(samples, _surrogate(values, maximize))
        record = {
            "iteration": opt.t,
            "n_evals": n_evals,
            "values": values,
            "failures": failures,
            "best": sign * best_f if best_x is not None else None,
            "delta": getattr(opt, "delta", None),
        }
        history.append(record)
        if callback is not None and callback(opt, record):
            stop_reason = "callback"
            break
        if target is not None and best_x is not None and sign * best_f <= sign * target:
            stop_reason = "target"
            break
        if opt.should_stop():
            stop_reason = "converged"
            break
    return MinimizeResult(
        x=best_x,
        fun=sign * best_f if best_x is not None else math.nan,
        n_evals=n_evals,
        n_iterations=opt.t,
        history=history,
        most_likely=opt.most_likely(),
        stop_reason=stop_reason,
        optimizer=opt,
    )
