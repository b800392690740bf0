"""The rounds of a :func:`~asng_opt.minimize` run: ask, evaluate, tell, record, stop or restart.

A round asks the optimizer for ``lam`` samples, evaluates those whose value the evaluation cache
does not hold (:mod:`asng_opt._evaluate`, :mod:`asng_opt._cache`), tells
it the values (:func:`told_losses`, black-box configuration) or the ranks (:func:`surrogate_losses`,
the paper's), records the round in the history and checks the stopping rules. :class:`Progress`
holds what the run has found so far, so that a partial result can be made at any moment (a
failure, a Ctrl-C).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ._cache import EvaluationCache, StaleRounds, batch_keys, walk_stall, walks
from ._evaluate import ExecutorRefused, evaluations
from ._minimize_args import Settings
from ._result import MinimizeResult, ObjectiveError
from ._samples import item as _item
from .blackbox import restart
from .optimizer import Optimizer

__all__ = ["run", "told_losses", "surrogate_losses", "Progress"]


def surrogate_losses(values: list[float | None], maximize: bool) -> np.ndarray:
    """Ranks of the values, ties kept, failures (None) ranked worst of the batch."""
    ok = [v for v in values if v is not None]
    uniq = np.unique(np.asarray(ok, dtype=float))
    worst = -1.0 if maximize else float(len(uniq))
    return np.array([worst if v is None else float(np.searchsorted(uniq, v)) for v in values])


def told_losses(values: list[float | None], maximize: bool, best: float) -> np.ndarray:
    """The values themselves, comparable across rounds (the black-box ASNG keeps the best point
    with its value); a failure (None) gets a value worse than every success of its round and than
    the best so far (``best``, in minimisation units; inf before any success)."""
    if all(v is not None for v in values):
        return np.asarray(values, dtype=float)
    sign = -1.0 if maximize else 1.0
    ref = [sign * v for v in values if v is not None] + ([best] if math.isfinite(best) else [])
    if not ref:
        return np.zeros(len(values))  # all tie: the update is skipped
    m = max(ref)
    fail = m + max(1.0, abs(m))
    if not math.isfinite(fail):
        fail = float(np.nextafter(m, math.inf))
        fail = fail if math.isfinite(fail) else m
    return np.array([sign * fail if v is None else v for v in values], dtype=float)


class Progress:
    """What a run has found so far: the optimizer (replaced on a restart), the best point, the
    history and the counters; :meth:`result` makes a :class:`MinimizeResult` of them."""

    def __init__(self, opt: Optimizer, settings: Settings):
        self.opt = opt
        self.s = settings
        self.sign = -1.0 if settings.maximize else 1.0
        self.best_x: Any = None
        self.best_f = math.inf  # in minimisation units (sign * value)
        self.best_at = 0
        self.history: list[dict[str, Any]] = []
        self.n_evals = 0
        self.n_restarts = 0
        self.n_failed_rounds = 0  # consecutive rounds in which every call of the objective failed
        self.cache = EvaluationCache() if settings.cache else None
        # points whose evaluation failed (they are evaluated again when drawn again, but are not new)
        self.failed = EvaluationCache() if settings.cache else None
        # with the cache: stale rounds, idle restarts; black-box runs without real variables walk
        # (without integer ones unless they have the margin)
        space = opt.distribution if getattr(opt, "space", None) is None else opt.space  # a Space knows its fixed ranges
        int_margin = bool(getattr(opt, "int_margin", False))
        walking = walks(space, settings.blackbox, settings.max_restarts, int_margin)
        self.stale = StaleRounds(not walking, walk_stall(space))
        self.last_cached = 0  # samples of the last round that cost no evaluation
        self.last_new = 0  # samples of the last round never evaluated before (the stale rule's count)
        self.last_calls = 0  # calls of the objective in the last round (the cache's answers are none)
        self.last_call_failures = 0  # of which failed
        self.last_new_failures = 0  # of which failed at a point that had not failed before

    def result(self, stop_reason: str) -> MinimizeResult:
        return MinimizeResult(
            x=self.best_x,
            fun=self.sign * self.best_f if self.best_x is not None else math.nan,
            n_evals=self.n_evals,
            n_iterations=len(self.history),
            history=self.history,
            most_likely=self.opt.most_likely(),
            stop_reason=stop_reason,
            optimizer=self.opt,
            n_restarts=self.n_restarts,
            best_at=self.best_at,
        )

    def evaluate(
        self, fun: Callable[[Any], Any], samples: Any, executor: Any
    ) -> tuple[list[Any], list[Any], list[Any]]:
        """Evaluate one round: its values (None for a failure), failures ``[(j, message)]`` and the
        exceptions raised; each evaluation is counted, and the best point kept, as it completes.
        With the cache, a sample evaluated before (or twice in the round) is evaluated once: it
        gets the known value (or its twin's outcome) and costs nothing.

        Raises:
            ObjectiveError: the executor refused the round (chained from its error).
        """
        lam = self.s.lam
        keys = batch_keys(samples, lam) if self.cache is not None else []
        known: dict[int, float] = {}
        twin: dict[int, int] = {}  # j -> the earlier sample of the round equal to it
        first: dict[bytes, int] = {}
        for j, key in enumerate(keys):  # keys is empty without the cache
            value = self.cache.get(key) if self.cache is not None else None  # (None check: for mypy)
            if value is not None:
                known[j] = value
            elif key in first:
                twin[j] = first[key]
            else:
                first[key] = j
        todo = list(range(lam)) if self.cache is None else list(first.values())
        outcome: dict[int, tuple[float | None, str | None]] = {}
        errors: list[Exception] = []
        n_repeated = 0  # evaluations of points that had failed before
        if todo:
            batch = samples if len(todo) == lam else _subset(samples, todo)
            outcomes = evaluations(fun, batch, len(todo), executor, self.s.vectorized)
            try:
                for i, y, e in outcomes:
                    j = todo[i]
                    if e is not None:
                        errors.append(e)
                    self.n_evals += 1
                    if isinstance(y, str):
                        outcome[j] = (None, y)
                        if self.failed is not None:  # a repeated failure is no new point
                            if self.failed.get(keys[j]) is not None:
                                n_repeated += 1
                            else:
                                self.failed.put(keys[j], 0.0)  # its value unused: only the key counts
                        continue
                    outcome[j] = (y, None)
                    if self.cache is not None:
                        self.cache.put(keys[j], y)
                    if self.sign * y < self.best_f:
                        self.best_f, self.best_x, self.best_at = self.sign * y, _item(samples, j), self.n_evals
            except ExecutorRefused as e:
                raise ObjectiveError(str(e), self.result("failed")) from e.__cause__
            finally:
                outcomes.close()  # cancels an executor's pending futures
        self.last_cached = lam - len(todo)
        self.last_new = len(todo) - n_repeated
        self.last_calls = len(todo)
        self.last_call_failures = sum(outcome[j][1] is not None for j in todo)
        self.last_new_failures = self.last_call_failures - n_repeated
        values: list[float | None] = []
        failures: list[tuple[int, str]] = []
        for j in range(lam):
            v, msg = (known[j], None) if j in known else outcome[twin.get(j, j)]
            values.append(v)
            if msg is not None:
                failures.append((j, msg))
        return values, failures, errors

    def record(self, values: list[Any], failures: list[Any]) -> dict[str, Any]:
        """Append the round to the history; its record."""
        record = {
            "iteration": len(self.history) + 1,
            "n_evals": self.n_evals,
            "values": values,
            "failures": failures,
            "best": self.sign * self.best_f if self.best_x is not None else None,
            "delta": getattr(self.opt, "delta", None),
            "restarts": self.n_restarts,
        }
        if self.cache is not None:
            record["cached"] = self.last_cached
        self.history.append(record)
        return record

    def check_failures(self, failures: list[Any], errors: list[Any], executor: Any) -> None:
        """Raise ObjectiveError when every evaluation of the first round, or of ``max_failed_rounds``
        consecutive rounds, failed (chained from the first exception of the round). With the cache a
        round counts by its calls of the objective: the samples the cache answered are no sign that
        the objective still works (a dead objective among cached points went on being called for
        100+ rounds' worth of failures), so a round whose every call failed, one of them at a point
        that had not failed before, counts as failed; one with a successful call resets the count;
        one answered wholly by the cache or whose calls all repeated known failures (a point that
        always fails, drawn again: the objective may work elsewhere, and the walk's stale rule ends
        such rounds) leaves it as it is. Without the cache every round's calls are all its samples."""
        lam = self.s.lam
        failed = self.last_calls > 0 and self.last_call_failures == self.last_calls and self.last_new_failures > 0
        if failed:
            self.n_failed_rounds += 1
        elif self.last_call_failures < self.last_calls:  # a call succeeded
            self.n_failed_rounds = 0
        if failed and (len(self.history) == 1 or self.n_failed_rounds >= self.s.max_failed_rounds):
            when = "the first round" if len(self.history) == 1 else f"{self.n_failed_rounds} consecutive rounds"
            j, msg = failures[0]
            if executor is not None and "pickle" in msg.lower():
                msg += " (the executor could not pickle the objective, a sample or a value: define the "
                msg += "objective at module level, or use a ThreadPoolExecutor)"
            err = ObjectiveError(
                f"minimize: every evaluation failed in {when} (lam={lam}, {self.n_evals} evaluations); "
                f"first failure of round {len(self.history)}, sample {j}: {msg}",
                self.result("failed"),
            )
            raise err from (errors[0] if errors else None)


def _subset(samples: Any, idx: list[int]) -> Any:
    """The samples ``idx`` of a batch, as a batch (a list's entries, or index arrays' rows)."""
    if isinstance(samples, list):
        return [samples[j] for j in idx]
    if isinstance(samples, Mapping):
        return {k: _subset(v, idx) for k, v in samples.items()}
    return np.asarray(samples)[idx]


def _copied(record: dict[str, Any]) -> dict[str, Any]:
    """The callback's copy of a history record (its lists copied too): editing it leaves ``history`` alone."""
    return {k: list(v) if isinstance(v, list) else v for k, v in record.items()}


def _stop_asked(answer: Any, p: Progress) -> bool:
    """``bool(answer)`` of the callback's return value; a value without a truth value (a numpy
    array of several entries, ...) raises ValueError with the partial result as ``err.result``."""
    try:
        return bool(answer)
    except Exception as e:  # noqa: BLE001 -- numpy's "ambiguous", or any __bool__ that raises
        err = ValueError(
            f"minimize: the callback returned {type(answer).__name__}"
            f"{f' of shape {answer.shape}' if hasattr(answer, 'shape') else ''}, which has no truth value "
            f"({type(e).__name__}: {e}); return True to stop, False or None to go on"
        )
        err.result = p.result("failed")  # type: ignore[attr-defined]
        raise err from e


def run(
    opt: Optimizer,
    fun: Callable[[Any], Any],
    s: Settings,
    callback: Callable[[Optimizer, dict[str, Any]], Any] | None,
    executor: Any,
) -> MinimizeResult:
    """Run rounds of ``s.lam`` evaluations while they fit in ``s.max_evals`` (see
    :func:`~asng_opt.minimize` for the stopping rules, restarts and errors)."""
    p = Progress(opt, s)
    try:
        while p.n_evals + s.lam <= s.max_evals:
            samples = p.opt.ask()
            values, failures, errors = p.evaluate(fun, samples, executor)
            told = told_losses(values, s.maximize, p.best_f) if s.blackbox else surrogate_losses(values, s.maximize)
            try:
                p.opt.tell(samples, told)
            except FloatingPointError:  # a guard of tell (its state unchanged): stop, keep the run
                p.record(values, failures)
                return p.result("diverged")
            record = p.record(values, failures)
            p.check_failures(failures, errors, executor)
            del errors
            if callback is not None and _stop_asked(callback(p.opt, _copied(record)), p):
                return p.result("callback")
            if s.target is not None and p.best_x is not None and p.best_f <= p.sign * s.target:
                return p.result("target")
            stop = p.opt.should_stop()
            stall = getattr(p.opt, "stall", 0)  # a BlackBoxASNG's updates without improvement
            if p.stale.after_round(p.last_new, stop, p.n_restarts, stall) if p.cache is not None else stop:
                if p.cache is not None and p.stale.exhausted:
                    return p.result("converged")  # restart after restart draws only points already evaluated
                if p.n_evals + s.lam > s.max_evals and p.n_restarts < s.max_restarts:
                    return p.result("max_evals")  # a restart would have followed: the budget stopped the run
                if p.n_restarts >= s.max_restarts:
                    return p.result("converged")
                # near the best point, unless that drew nothing new, or walked without improving it
                near = p.stale.near_best(p.opt) if p.cache is not None else True
                p.opt = restart(p.opt, near_best=near)
                p.n_restarts += 1
                p.stale.restarted()
    except KeyboardInterrupt as e:
        e.result = p.result("interrupted")  # type: ignore[attr-defined]
        raise
    return p.result("max_evals")
