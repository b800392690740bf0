""":func:`~asng_opt.minimize` on a search space with a single point (every variable fixed,
:mod:`asng_opt._constant`): no optimizer is built; the point is evaluated once (serially, through
the executor or in one vectorized call, as any round) and the run stops ``"converged"``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ._constant import single_batch
from ._evaluate import ExecutorRefused, evaluations
from ._minimize_args import Settings
from ._result import MinimizeResult, ObjectiveError
from ._samples import item
from .categorical import Categorical
from .distribution import Distribution
from .space import Space

__all__ = ["run_single_point", "check_option_values"]


def check_option_values(cls: type, options: Mapping[str, Any]) -> None:
    """Check the values of the optimizer's ``options`` for a single-point run, where no optimizer is
    built: ``cls`` is built with them on a stand-in space (``Categorical([2])``) and discarded, so a
    bad value raises the ValueError it raises on a free space. ``theta`` (a starting distribution,
    shaped like the space's parameters) has nothing to start on a single point: it must be None.

    Raises:
        ValueError: an option value the optimizer refuses, or a ``theta``.
    """
    values = dict(options)
    if values.pop("theta", None) is not None:
        raise ValueError(
            "minimize: the search space has a single point (every variable is fixed): there is no "
            "distribution to start from theta; pass no theta"
        )
    cls(Categorical([2]), lam=4, seed=0, **values)


def run_single_point(
    fun: Callable[[Any], Any], space: Distribution | Space, s: Settings, executor: Any
) -> MinimizeResult:
    """One evaluation of the single point of ``space``; the result has ``n_evals == 1``,
    ``stop_reason == "converged"``, ``x`` and ``most_likely`` the point and ``optimizer`` None.

    Raises:
        ObjectiveError: the evaluation failed (``err.result``: ``stop_reason == "failed"``,
            chained from the objective's exception), or the executor refused it.
        KeyboardInterrupt: with ``err.result`` (``stop_reason == "interrupted"``).
    """
    batch = single_batch(space)
    history: list[dict[str, Any]] = []
    n_evals = 0
    value: float | None = None

    def result(stop_reason: str) -> MinimizeResult:
        return MinimizeResult(
            x=item(batch, 0) if value is not None else None,
            fun=value if value is not None else float("nan"),
            n_evals=n_evals,
            n_iterations=len(history),
            history=history,
            most_likely=item(batch, 0),
            stop_reason=stop_reason,
            optimizer=None,
            n_restarts=0,
            best_at=1 if value is not None else 0,
        )

    outcomes = evaluations(fun, batch, 1, executor, s.vectorized)
    try:
        _, y, error = next(iter(outcomes))
    except ExecutorRefused as e:
        raise ObjectiveError(str(e), result("failed")) from e.__cause__
    except KeyboardInterrupt as e:
        e.result = result("interrupted")  # type: ignore[attr-defined]
        raise
    finally:
        outcomes.close()
    n_evals = 1
    failures = [(0, y)] if isinstance(y, str) else []
    value = None if isinstance(y, str) else y
    record: dict[str, Any] = {
        "iteration": 1,
        "n_evals": 1,
        "values": [value],
        "failures": failures,
        "best": value,
        "delta": None,
        "restarts": 0,
    }
    if s.cache:
        record["cached"] = 0
    history.append(record)
    if isinstance(y, str):
        err = ObjectiveError(
            f"minimize: the search space has a single point (every variable is fixed) and its evaluation failed: {y}",
            result("failed"),
        )
        raise err from error
    return result("converged")
