"""Black-box minimisation driver around the ask/tell optimizers."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import flag, integer, is_real
from ._evaluate import ExecutorRefused, check_executor, evaluations
from ._evaluate import as_value as _as_value  # noqa: F401 -- kept importable from here
from ._samples import item as _item
from .blackbox import BlackBoxASNG, default_lam, restart
from .distribution import Distribution
from .optimizer import Optimizer
from .optimizers import ASNG, SNG, AdamNG
from .space import Space

__all__ = ["minimize", "MinimizeResult", "ObjectiveError"]

_METHODS: dict[str, type[Optimizer]] = {"asng": ASNG, "sng": SNG, "adam": AdamNG}
#: the configurations of ``minimize(config=...)``
CONFIGS = ("blackbox", "paper")

# constructor parameters that minimize sets itself; everything else is an option
_OWN_ARGS = frozenset({"distribution", "lam", "seed", "maximize"})

#: every value of :attr:`MinimizeResult.stop_reason`
STOP_REASONS = ("max_evals", "converged", "target", "callback", "failed", "interrupted")


@dataclass
class MinimizeResult:
    """What :func:`minimize` found.

    Attributes:
        x: the best sample evaluated, as the objective saw it: an ``(n,)`` array, a dict of
            them (nested dicts for a nested :class:`Product`), or a configuration dict for a
            :class:`~asng_opt.Space`. ``None`` only in the partial result
            of a run interrupted before any evaluation succeeded.
        fun: its objective value, a float in the objective's own units (the largest value seen
            when maximising); NaN where ``x`` is None.
        n_evals: number of objective evaluations completed, failed ones included. A multiple of
            ``lam``, except for an interrupted run, which also counts the evaluations of its
            unfinished round.
        n_iterations: number of ask/tell rounds, over all restarts.
        history: one dict per finished round: ``iteration`` (1, 2, ...), ``n_evals`` (total so
            far), ``values`` (``lam`` floats, None for a failed evaluation), ``failures``
            (``[(index in the round, message)]``), ``best`` (best value so far, None before any
            success) and ``delta`` (the optimizer's step size after the round; None for Adam).
        most_likely: the mode of the final distribution (same layout as ``x``).
        stop_reason: why the run ended --

            * ``"max_evals"``: another round of ``lam`` evaluations would exceed ``max_evals``;
            * ``"converged"``: the optimizer's ``should_stop()`` held;
            * ``"target"``: a value at least as good as ``target`` was seen;
            * ``"callback"``: the callback returned a true value;
            * ``"failed"``: only in :attr:`ObjectiveError.result` -- every evaluation failed in
              the first round or in ``max_failed_rounds`` consecutive rounds;
            * ``"interrupted"``: only in the ``result`` attached to a ``KeyboardInterrupt``.
        optimizer: the optimizer, to inspect or to continue; ``optimizer.theta`` is the final
            distribution parameter (of the last restart).
        n_restarts: how many times the search restarted (``config="blackbox"``), 0 otherwise.
        best_at: the evaluation (1, 2, ... in order of completion within rounds) that found ``x``;
            0 when ``x`` is None. Without a ``target`` the black-box configuration spends the whole
            budget: this says how much of it finding ``x`` took.
    """

    x: Any
    fun: float
    n_evals: int
    n_iterations: int
    history: list[dict[str, Any]] = field(repr=False)
    most_likely: Any
    stop_reason: str
    optimizer: Optimizer = field(repr=False)
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


def _surrogate(values: list[float | None], maximize: bool) -> np.ndarray:
    """Ranks of the values, ties kept, failures (None) ranked worst of the batch."""
    ok = [v for v in values if v is not None]
    uniq = np.unique(np.asarray(ok, dtype=float))
    worst = -1.0 if maximize else float(len(uniq))
    return np.array([worst if v is None else float(np.searchsorted(uniq, v)) for v in values])


def _told(values: list[float | None], maximize: bool, best: float) -> np.ndarray:
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


def _check_options(method: str, cls: type[Optimizer], options: Mapping[str, Any]) -> None:
    params = inspect.signature(cls).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    valid = [k for k in params if k not in _OWN_ARGS]
    unknown = [k for k in options if k not in valid]
    if unknown:
        raise ValueError(
            f"minimize: unknown option{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} "
            f"for method {method!r} ({cls.__name__}); valid options: {', '.join(valid)}"
        )


def minimize(
    fun: Callable[[Any], Any],
    distribution: Distribution | Space,
    max_evals: int = 1000,
    seed: Any = None,
    lam: int | None = None,
    method: str = "asng",
    config: str | None = None,
    restarts: int | None = None,
    maximize: bool = False,
    target: float | None = None,
    callback: Callable[[Optimizer, dict[str, Any]], Any] | None = None,
    max_failed_rounds: int = 10,
    executor: Any = None,
    vectorized: bool = False,
    **options: Any,
) -> MinimizeResult:
    """Minimise (or maximise) a black-box function of one sample.

    Args:
        fun: objective; receives one sample -- an ``(n,)`` array (ints for Categorical and
            Integer variables, floats for Gaussian ones), or a dict of them for a
            :class:`Product` (nested dicts for nested Products), or a configuration dict of plain
            Python values ``{name: value}`` for a :class:`~asng_opt.Space`; each call gets its own
            copy -- and returns a real number: an int, a float, a numpy real scalar, or a 0-d array /
            tensor whose ``.item()`` is one.
        distribution: the search space, a distribution or a named :class:`~asng_opt.Space`
            (structure only: they hold no parameter, so a run changes nothing the caller passed).
            With a Space, ``res.x`` and ``res.most_likely`` are configuration dicts. Start from a
            prior with the option ``theta=`` (in ``space.distribution``'s layout).
        max_evals: evaluation budget, an integer >= ``lam`` (an integral float such as ``1e4``
            is accepted); rounds of ``lam`` evaluations run while they fit in it.
        seed: sampling seed, anything ``numpy.random.default_rng`` accepts. The same seed on the
            same distribution gives the same run.
        lam: samples per round, an integer >= 2; default ``4 + floor(3 ln N)`` (N variables) capped
            at ``max(4, max_evals // 40)`` with ``config="blackbox"``
            (:func:`~asng_opt.blackbox.default_lam`), 2 with ``config="paper"``.
        method: ``"asng"`` (default), ``"sng"`` (:class:`SNG`) or ``"adam"`` (:class:`AdamNG`).
        config: how ASNG is configured: ``"blackbox"`` (the default for ``method="asng"``:
            :class:`~asng_opt.blackbox.BlackBoxASNG` -- a population growing with the dimension,
            log-rank weights on Gaussian / Integer parts, a categorical margin, elitism -- and
            restarts near the best point until the budget is spent) or ``"paper"`` (the paper's
            :class:`ASNG`, lambda = 2, stopping when the distribution has converged: the only
            configuration for ``"sng"`` and ``"adam"``).
        restarts: the most restarts allowed, an integer >= 0 or None. A restart happens when the
            distribution has converged (``should_stop()``) with budget left: a new optimizer starts
            from :func:`~asng_opt.blackbox.prior_near` the best point (categorical rows half on its
            category; sigma: odd restarts the initial one / 2, the 2j-th the initial one / 2^(j+1),
            alternating wide and zooming restarts), on the same random stream,
            keeping the elite. Default: unlimited with ``config="blackbox"``, 0 with ``"paper"``;
            once exhausted the run stops "converged".
        maximize: a bool (Python or numpy); True maximises instead of minimising.
        target: a real number (not NaN) or None; the run stops after the first round in which a
            value ``<= target`` (``>= target`` when maximising) was seen.
        callback: ``callback(optimizer, record)`` after each round (``record`` is the round's
            ``history`` entry); a true return value stops the run.
        max_failed_rounds: the run raises :class:`ObjectiveError` after this many consecutive
            rounds in which every evaluation failed (default 10; an integer >= 1). A first round
            that fails entirely raises at once.
        executor: None (evaluate in this process, one sample after the other) or a
            ``concurrent.futures.Executor`` -- ``ThreadPoolExecutor``, ``ProcessPoolExecutor`` (the
            objective must pickle: a module-level function), a Dask ``client.get_executor()``, Ray's
            or MPI's executors: anything with ``submit``. A round's ``lam`` evaluations are submitted
            together and collected in order, so a seeded run is the same whatever the executor; an
            evaluation whose future raises is a failed evaluation. The executor stays the caller's:
            minimize never shuts it down.
        vectorized: True when ``fun`` takes the whole round at once -- the batch as ``ask()``
            returns it, an ``(lam, n)`` array or a dict of ``(lam, ...)`` arrays -- and returns
            ``lam`` values (a list, tuple or ``(lam,)`` array). Each entry is checked like a single
            value; a result of another length or shape fails every evaluation of the round, and so
            does an exception from the call (recorded for each). Not with ``executor``.
        **options: passed to the optimizer's constructor: ``theta`` (a starting parameter) for
            all; ``alpha``, ``delta0``, ``margin``, ``elitist`` for the black-box ASNG; ``alpha``,
            ``delta0``, ``delta_max`` for the paper's ASNG; ``delta`` for SNG; ``lr``, ``beta1``,
            ``beta2``, ``eps`` for Adam.

    Returns:
        A :class:`MinimizeResult`; ``stop_reason`` is ``"max_evals"``, ``"converged"``,
        ``"target"`` or ``"callback"``.

    An evaluation fails when the objective raises an ``Exception`` or returns anything but a
    finite real number (NaN, +-inf, None, a string, a bool, an array of shape other than ``()``,
    ...). A failed evaluation counts as the worst of its round, is recorded in ``history`` (value
    None, with a message under ``failures``) and the search goes on -- unless every evaluation of
    the first round failed, or of ``max_failed_rounds`` consecutive rounds. The run stops at the
    budget, when the optimizer's ``should_stop()`` holds, at ``target``, or when the callback
    asks.

    Raises:
        ValueError: a bad argument: ``fun`` or ``callback`` not callable, ``executor`` without
            ``submit``, ``executor`` with ``vectorized=True``, an objective that cannot be pickled for a
            ``ProcessPoolExecutor``, ``distribution`` not an
            asng_opt distribution, ``lam`` / ``max_evals`` / ``max_failed_rounds`` not an
            integer in range, an unknown ``method``, ``maximize`` not a bool, ``target`` not a
            real number or NaN, an option the method's optimizer does not take (the message
            lists the valid ones), or an option / ``seed`` value the optimizer's constructor
            refuses (its ``ValueError``).
        ObjectiveError: every evaluation of the first round failed, or of ``max_failed_rounds``
            consecutive rounds; chained from the first exception the objective raised in that
            round; ``err.result`` is the partial result (``stop_reason == "failed"``). Also raised
            at once, chained from its error, when ``executor.submit`` fails (a shut-down or broken
            executor).
        KeyboardInterrupt: re-raised after the partial result (``stop_reason ==
            "interrupted"``, best point and finished rounds included) is attached as
            ``err.result``. With an executor, the round's pending futures are cancelled first and
            the evaluations that had already finished are counted.
        Exception: whatever ``callback`` raises, and other ``BaseException`` s of the objective
            (``SystemExit``, ...), propagate unchanged.
    """
    # ---- arguments ------------------------------------------------------------------------------
    if not callable(fun):
        raise ValueError(f"minimize: fun must be callable, got {type(fun).__name__}")
    if not isinstance(distribution, (Distribution, Space)):
        got = type(distribution).__name__
        raise ValueError(f"minimize: distribution must be an asng_opt distribution or Space, got {got}")
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"minimize: unknown method {method!r}; choose from {sorted(_METHODS)}")
    if config is None:
        config = "blackbox" if method == "asng" else "paper"
    if not isinstance(config, str) or config not in CONFIGS:
        raise ValueError(f"minimize: unknown config {config!r}; choose from {list(CONFIGS)}")
    if config == "blackbox" and method != "asng":
        raise ValueError(f"minimize: config='blackbox' configures ASNG; method {method!r} runs only as config='paper'")
    blackbox = config == "blackbox"
    max_restarts: float = (
        (math.inf if blackbox else 0) if restarts is None else integer("restarts", restarts, "minimize", 0)
    )
    cls = BlackBoxASNG if blackbox else _METHODS[method]
    if lam is None:  # the default never exceeds the budget
        lam = 2
        if blackbox:
            dist = distribution.distribution if isinstance(distribution, Space) else distribution
            lam = default_lam(dist, integer("max_evals", max_evals, "minimize", 2))
    lam = integer("lam", lam, "minimize", 2)
    max_evals = integer("max_evals", max_evals, "minimize", lam)
    max_failed_rounds = integer("max_failed_rounds", max_failed_rounds, "minimize", 1)
    maximize = flag("maximize", maximize, "minimize")
    target_arg = target
    if target is not None:
        try:
            target = float(target) if is_real(target) else math.nan
        except (OverflowError, TypeError, ValueError):
            target = math.nan
        if math.isnan(target):
            raise ValueError(f"minimize: target must be a real number (not NaN) or None, got {target_arg!r}")
    if callback is not None and not callable(callback):
        raise ValueError(f"minimize: callback must be callable or None, got {type(callback).__name__}")
    vectorized = flag("vectorized", vectorized, "minimize")
    check_executor(fun, executor, vectorized)
    _check_options(method, cls, options)
    opt = cls(distribution, lam=lam, seed=seed, maximize=maximize, **options)
    n_restarts = 0
    best_at = 0

    # ---- the run --------------------------------------------------------------------------------
    sign = -1.0 if maximize else 1.0
    best_x: Any = None
    best_f = math.inf  # in minimisation units (sign * value)
    history: list[dict[str, Any]] = []
    n_evals = 0
    n_failed_rounds = 0  # consecutive rounds in which every evaluation failed

    def result(stop_reason: str) -> MinimizeResult:
        return MinimizeResult(
            x=best_x,
            fun=sign * best_f if best_x is not None else math.nan,
            n_evals=n_evals,
            n_iterations=len(history),
            history=history,
            most_likely=opt.most_likely(),
            stop_reason=stop_reason,
            optimizer=opt,
            n_restarts=n_restarts,
            best_at=best_at,
        )

    try:
        while n_evals + lam <= max_evals:
            samples = opt.ask()
            values: list[float | None] = []
            failures: list[tuple[int, str]] = []
            errors: list[Exception] = []
            outcomes = evaluations(fun, samples, lam, executor, vectorized)
            try:
                for j, y, e in outcomes:
                    if e is not None:
                        errors.append(e)
                    n_evals += 1
                    if isinstance(y, str):
                        values.append(None)
                        failures.append((j, y))
                        continue
                    values.append(y)
                    if sign * y < best_f:
                        best_f, best_x, best_at = sign * y, _item(samples, j), n_evals
            except ExecutorRefused as e:
                raise ObjectiveError(str(e), result("failed")) from e.__cause__
            finally:
                outcomes.close()  # cancels an executor's pending futures
            opt.tell(samples, _told(values, maximize, best_f) if blackbox else _surrogate(values, maximize))
            record = {
                "iteration": len(history) + 1,
                "n_evals": n_evals,
                "values": values,
                "failures": failures,
                "best": sign * best_f if best_x is not None else None,
                "delta": getattr(opt, "delta", None),
                "restarts": n_restarts,
            }
            history.append(record)
            n_failed_rounds = n_failed_rounds + 1 if len(failures) == lam else 0
            if n_failed_rounds and (len(history) == 1 or n_failed_rounds >= max_failed_rounds):
                when = "the first round" if len(history) == 1 else f"{n_failed_rounds} consecutive rounds"
                j, msg = failures[0]
                if executor is not None and "pickle" in msg.lower():
                    msg += " (the executor could not pickle the objective, a sample or a value: define the "
                    msg += "objective at module level, or use a ThreadPoolExecutor)"
                err = ObjectiveError(
                    f"minimize: every evaluation failed in {when} (lam={lam}, {n_evals} evaluations); "
                    f"first failure of round {len(history)}, sample {j}: {msg}",
                    result("failed"),
                )
                raise err from (errors[0] if errors else None)
            del errors
            if callback is not None and callback(opt, record):
                return result("callback")
            if target is not None and best_x is not None and best_f <= sign * target:
                return result("target")
            if opt.should_stop():
                if n_evals + lam > max_evals and n_restarts < max_restarts:
                    return result("max_evals")  # a restart would have followed: the budget stopped the run
                if n_restarts >= max_restarts:
                    return result("converged")
                opt = restart(opt)
                n_restarts += 1
    except KeyboardInterrupt as e:
        e.result = result("interrupted")  # type: ignore[attr-defined]
        raise
    return result("max_evals")
