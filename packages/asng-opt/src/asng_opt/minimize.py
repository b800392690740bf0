"""Black-box minimisation driver around the ask/tell optimizers: :func:`minimize`.

Its pieces: the arguments are checked and resolved in :mod:`asng_opt._minimize_args`, the rounds
run in :mod:`asng_opt._minimize_run`, one round's evaluations in :mod:`asng_opt._evaluate`, and
the result and error types live in :mod:`asng_opt._result` (all importable from here).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._checks import generator
from ._evaluate import as_value as _as_value  # noqa: F401 -- kept importable from here
from ._minimize_args import CONFIGS as CONFIGS
from ._minimize_args import resolve
from ._minimize_run import run
from ._minimize_run import surrogate_losses as _surrogate  # noqa: F401 -- kept importable from here
from ._minimize_run import told_losses as _told  # noqa: F401 -- kept importable from here
from ._minimize_single import check_option_values, run_single_point
from ._result import STOP_REASONS as STOP_REASONS
from ._result import MinimizeResult, ObjectiveError
from .distribution import Distribution
from .optimizer import Optimizer
from .space import Space

__all__ = ["minimize", "MinimizeResult", "ObjectiveError"]


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
    cache: bool | None = None,
    **options: Any,
) -> MinimizeResult:
    """Minimise (or maximise) a black-box function of one sample.

    Args:
        fun: objective; receives one sample -- an ``(n,)`` array (ints for Categorical and
            Integer variables, floats for Gaussian ones), or a dict of them for a
            :class:`Product` (nested dicts for nested Products), or a configuration dict of plain
            Python values ``{name: value}`` for a :class:`~asng_opt.Space`; each call gets its own
            copy -- and returns a real number: an int, a float, a numpy real scalar, or a 0-d
            array / tensor whose ``.item()`` is one. A :class:`Gaussian`'s ``low`` / ``high``
            bound its *mean* only: its samples can fall outside them (a Space's ``FloatRange``
            clips its values to the range).
        distribution: the search space, a distribution or a named :class:`~asng_opt.Space`
            (structure only: they hold no parameter, so a run changes neither; only a Generator
            passed as ``seed`` is advanced, see ``seed``).
            With a Space, ``res.x`` and ``res.most_likely`` are configuration dicts. Start from a
            prior with the option ``theta=`` (in ``space.distribution``'s layout).
        max_evals: evaluation budget, an integer >= ``lam`` (an integral float such as ``1e4``
            is accepted); rounds of ``lam`` samples run while ``lam`` more evaluations fit in it
            (with the cache, a round may cost fewer).
        seed: sampling seed, anything ``numpy.random.default_rng`` accepts. The same seed on the
            same distribution gives the same run. A ``numpy.random.Generator`` (or BitGenerator)
            is used in place, not copied: the run advances it, so passing the same Generator
            object twice gives two different runs.
        lam: samples per round, an integer in [2, 2**31 - 1]; default ``4 + floor(3 ln N)`` (N variables) capped
            at ``max(4, max_evals // 40)`` and at ``max_evals`` (at least 2) with ``config="blackbox"``
            (:func:`~asng_opt.blackbox.default_lam`), 2 with ``config="paper"``. Where that cap
            applies (a budget of fewer than ~40 rounds of the dimension's population), the
            black-box optimizer is built with ``elite_in_descent=True`` unless the options say
            otherwise: a short run's descent must be fast, and the elite speeds it up
            (:class:`~asng_opt.blackbox.BlackBoxASNG`). A ``lam`` given here is no capped default:
            the optimizer keeps its own default (pass ``elite_in_descent=True`` for a short run).
        method: ``"asng"`` (default), ``"sng"`` (:class:`SNG`) or ``"adam"`` (:class:`AdamNG`).
        config: how ASNG is configured: ``"blackbox"`` (the default for ``method="asng"``:
            :class:`~asng_opt.blackbox.BlackBoxASNG` -- a population growing with the dimension,
            log-rank weights on Gaussian / Integer parts, categorical and integer margins, elitism -- and
            restarts near the best point until the budget is spent) or ``"paper"`` (the paper's
            :class:`ASNG`, lambda = 2, stopping when the distribution has converged: the only
            configuration for ``"sng"`` and ``"adam"``).
        restarts: the most restarts allowed, an integer >= 0 or None. A restart happens when the
            distribution has converged (``should_stop()``) with budget left -- with the cache and
            ``config="blackbox"``, on a space without real variables (fixed variables aside) --
            of categorical variables alone, or of categorical and integer ones with the integer
            margin (``int_margin``, the default) -- only once its last
            :data:`~asng_opt._cache.STALE_ROUNDS` rounds drew fewer
            than :data:`~asng_opt._cache.WALK_YIELD` (20, two a round) new points together, or, since
            asng-opt 0.18, once its best point has not improved for
            :func:`~asng_opt._cache.walk_stall` updates (20 per free categorical or integer
            variable: on wide integer ranges the mutants draw new points in every round) (a converged
            categorical or integer distribution keeps drawing single-variable changes of its mode, thanks to
            its margin: a local search whose repeated draws cost nothing; points whose evaluation
            failed before count as known; see ``cache``): a new optimizer starts
            from :func:`~asng_opt.blackbox.prior_near` the best point (categorical rows half on its
            category; sigma: odd restarts the initial one / 2, the 2j-th the initial one / 2^(j+1),
            alternating wide and zooming restarts), on the same random stream,
            keeping the elite (with ``config="paper"``, ``"sng"`` and ``"adam"`` a restart starts
            from the initial distribution: only BlackBoxASNG keeps an elite to restart near).
            Where the distribution walks (as above), a restart near the best point whose walk ran
            dry without improving it is followed by one from the initial distribution, without the
            elite (asng-opt 0.11: that basin is spent); the restart after that one starts near
            the new optimizer's own best point, wide again (sigma / 2), and ``res.x`` stays the
            best point of the whole run.
            Default: unlimited with ``config="blackbox"``, 0 with ``"paper"``;
            once exhausted the run stops "converged". With ``restarts=0`` (and with
            ``config="paper"``) the run stops at the first ``should_stop()``, as the paper's ASNG.
        maximize: a bool (Python or numpy); True maximises instead of minimising.
        target: a real number (not NaN; a 0-d integer or float array counts) or None; the run
            stops after the first round in which a value ``<= target`` (``>= target`` when
            maximising) was seen.
        callback: ``callback(optimizer, record)`` after each round (``record`` is a copy of the
            round's ``history`` entry: editing it leaves ``history`` alone); a true return value
            (``bool(value)``) stops the run. A value without a truth value (a numpy array of
            several entries) raises ValueError, with the partial result as ``err.result``.
        max_failed_rounds: the run raises :class:`ObjectiveError` after this many consecutive
            rounds in which every evaluation failed (default 10; an integer >= 1). A first round
            that fails entirely raises at once. With the cache a round counts by its calls of the
            objective (the samples the cache answers are no evaluations): it fails when every
            call failed, one at a point that had not failed before; a round answered wholly by
            the cache, or whose calls all repeated known failures, neither counts nor breaks the
            count. So a dead objective fails at no more than about ``max_failed_rounds * lam``
            new points.
        executor: None (evaluate in this process, one sample after the other) or a
            ``concurrent.futures.Executor`` -- ``ThreadPoolExecutor``, ``ProcessPoolExecutor`` (the
            objective must pickle: a module-level function), a Dask ``client.get_executor()``, Ray's
            or MPI's executors: anything with ``submit``. A round's ``lam`` evaluations are submitted
            together and collected in order, so a seeded run is the same whatever the executor; an
            evaluation whose future raises is a failed evaluation. The executor stays the caller's:
            minimize never shuts it down.
        vectorized: True when ``fun`` takes the whole round at once -- the batch as ``ask()``
            returns it, an ``(lam, n)`` array, a dict of ``(lam, ...)`` arrays or, for a Space, a
            list of ``lam`` configuration dicts -- and returns
            ``lam`` values (a list, tuple or ``(lam,)`` array). Each entry is checked like a single
            value; a result of another length or shape fails every evaluation of the round, and so
            does an exception from the call (recorded for each). Not with ``executor``. With the
            cache, the batch holds only the round's samples not evaluated before (``lam`` or
            fewer; no call when there is none), and ``fun`` returns that many values.
        cache: whether a sample equal to one evaluated before in the run (or earlier in the same
            round) is not evaluated again but gets the known value -- it costs no evaluation and
            does not count in ``max_evals`` or ``n_evals`` (the optimizer is told the same values,
            so its trajectory is unchanged; only the evaluations are fewer). For deterministic
            objectives: pass False when the objective is noisy. Failed evaluations are not
            remembered. Default (None): on with ``config="blackbox"`` (which already assumes a
            deterministic objective: its elite), off with ``config="paper"``. It remembers up to
            :data:`~asng_opt._cache.CACHE_SIZE` (100,000) points, the least recently used
            forgotten first (:class:`~asng_opt.EvaluationCache`). With it, ten rounds in a row
            without a new point (:data:`~asng_opt._cache.STALE_ROUNDS`) count as
            convergence -- on spaces without real variables (of categorical variables alone, or
            with the black-box integer margin, ``int_margin``, of categorical and integer ones),
            with ``config="blackbox"`` and restarts, the walk's end (fewer than 20 new points in
            its last ten rounds, or, asng-opt 0.18, ``walk_stall`` updates without improving the
            best point) is the only convergence that restarts (``restarts``): a
            restart, from the initial distribution when the optimizer drew no new point at all
            (or, asng-opt 0.11, was itself a restart near the best point that never improved it);
            after ten such restarts in a row the run stops "converged" (e.g. once a small space
            has been evaluated whole). That stop is the cache's: with ``cache=False`` every draw
            is evaluated, no round is free, and only ``max_evals``, ``target``, ``restarts`` or the
            callback end the run. A converged discrete distribution with the
            black-box margin draws its mode about 73 % of the time: measured on the black-box
            study (results/README.md, ablation ``bb-no-cache``), the cache reaches LeadingOnes'
            optimum (n = 100) in 16 of 25 runs instead of 3 (ERT x5.7 lower) and saves 17-34 %
            of the evaluations on the categorical sphere, ellipsoid, toy and mixed problems; it
            changes nothing on OneMax, real-valued spaces or 150-evaluation budgets.
            ``minimize`` runs cannot be checkpointed: for a resumable run, drive the optimizer
            with ask/tell and ``state_dict()`` (and an :class:`~asng_opt.EvaluationCache` of
            your own, if you want one).
        **options: passed to the optimizer's constructor: ``theta`` (a starting parameter) for
            all; for the black-box ASNG, :class:`~asng_opt.blackbox.BlackBoxASNG`'s (its docstring
            has the full list): ``alpha``, ``delta0``, ``margin``, ``elitist``, ``mutant``,
            ``mutant_share``, ``cat_utility``, ``real_utility``, ``covariance``,
            ``real_elite_twice``, ``neutral_union``, ``int_margin``, ``elite_integers``,
            ``int_update``, ``int_steps``, ``clip_injected``, ``earn_mutants``, ``int_sigma0``,
            ``active_cma``, ``elite_in_descent``; ``alpha``, ``delta0``,
            ``delta_max`` for the
            paper's ASNG;
            ``delta`` for SNG; ``lr``, ``beta1``, ``beta2``, ``eps`` for Adam.

    Returns:
        A :class:`MinimizeResult`; ``stop_reason`` is ``"max_evals"``, ``"converged"``,
        ``"target"``, ``"callback"`` or ``"diverged"`` (the optimizer's ``tell`` raised
        ``FloatingPointError``, a guard against a non-finite update: the run stops there and
        returns what it found, the round recorded, the optimizer as before that tell).

    A search space with a single point (every variable fixed: ``Categorical([1])``,
    ``Integer(3, 3)``, a Space of ``Choice([v])`` / ``IntRange(v, v)`` / ``FloatRange(v, v)``, and
    Products of those) has nothing to optimise: whatever the method, config and cache, the point is
    evaluated once (through ``executor`` or ``vectorized`` as a round would be) and the run stops
    ``"converged"`` with ``n_evals == 1``, ``x`` and ``most_likely`` the point, ``optimizer`` None
    (no optimizer is built: the optimizer classes refuse such spaces) and no callback call; its
    failure raises :class:`ObjectiveError`. ``max_evals=1`` is enough there; the optimizer's
    ``options`` are checked as on a free space (their values are not used), and a ``theta`` is
    refused (there is no distribution to start).

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
            lists the valid ones), a bad ``seed`` (named as minimize's), or an option value the
            optimizer's constructor refuses (its ``ValueError``); a callback's return value
            without a truth value (``err.result`` holds the partial result).
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
    settings = resolve(
        fun,
        distribution,
        max_evals,
        lam,
        method,
        config,
        restarts,
        maximize,
        target,
        callback,
        max_failed_rounds,
        executor,
        vectorized,
        options,
        cache,
    )
    rng = generator(seed, "minimize")  # the Generator itself: the optimizer uses it in place
    if settings.single:  # nothing to optimise: one evaluation, "converged"
        check_option_values(settings.cls, options)  # as a free space would (no optimizer is built)
        return run_single_point(fun, distribution, settings, executor)
    if settings.short_budget and options.get("elite_in_descent") is None:  # None: as not given
        options = {**options, "elite_in_descent": True}  # a descent that must be fast keeps the elite
    opt = settings.cls(distribution, lam=settings.lam, seed=rng, maximize=settings.maximize, **options)
    return run(opt, fun, settings, callback, executor)
