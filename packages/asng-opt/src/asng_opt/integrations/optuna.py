"""``ASNGSampler``: ASNG as an optuna sampler (``pip install "asng-opt[optuna]"``).

It runs ASNG in its black-box configuration, :class:`~asng_opt.blackbox.BlackBoxASNG` (the one
:func:`asng_opt.minimize` uses by default): the paper's quantile utility on the categorical
parameters, log-rank weights on the integer ones, weighted recombination with cumulative
step-size adaptation on the real ones, a margin on the categorical probabilities and elitism
(the best trial told so far joins every update). Unlike ``minimize`` it never restarts.

Relative sampling over the study's intersection search space (the parameters every completed
trial suggested with the same distribution), mapped to one asng_opt
:class:`~asng_opt.Product` (:mod:`._optuna_space`); parameters outside it are sampled at random
(optuna's ``RandomSampler``). Trials are grouped into generations of ``lam``, each told to the
optimizer once all its members are finished (:mod:`._optuna_history`). The optimizer state is
rebuilt from the trials' system attributes, so threads (``n_jobs > 1``) and processes sharing one
storage all see the same distribution.

The optimizer comes from :func:`make_optimizer`, the one place that chooses it.
"""

from __future__ import annotations

import inspect
import math
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

try:
    from optuna.distributions import BaseDistribution
    from optuna.samplers import BaseSampler, RandomSampler
    from optuna.search_space import IntersectionSearchSpace
    from optuna.study import Study, StudyDirection
    from optuna.trial import FrozenTrial, TrialState
except ModuleNotFoundError as _missing:  # pragma: no cover -- exercised with optuna hidden
    if _missing.name is None or _missing.name.split(".")[0] != "optuna":
        raise
    raise ModuleNotFoundError(
        'asng_opt.integrations.optuna needs optuna, which is not installed: pip install "asng-opt[optuna]"',
        name="optuna",
    ) from _missing

from .. import _checks
from ..blackbox import BlackBoxASNG
from ..categorical import Categorical
from ..distribution import Distribution
from ..optimizer import Optimizer
from ._optuna_history import ATTR, PRUNED_POLICIES, Replay, mark, next_generation, replay
from ._optuna_space import SpaceCodec

__all__ = ["ASNGSampler", "make_optimizer", "default_lam", "RESERVED_OPTIONS"]

#: optimizer options the sampler sets itself, refused in ``optimizer_options``: the direction comes
#: from the study, the generation size from ``lam=``, the random numbers from ``seed=``, the
#: starting distribution from the search space (each space starts at its maximum-entropy theta)
RESERVED_OPTIONS = ("maximize", "lam", "seed", "theta")


def default_lam(n_variables: int) -> int:
    """``4 + floor(3 ln N)`` with ``N = max(n_variables, 2)``: CMA-ES's default population size
    (Hansen, *The CMA Evolution Strategy: A Tutorial*, 2016, Table 1)."""
    return 4 + int(math.floor(3.0 * math.log(max(int(n_variables), 2))))


def make_optimizer(
    distribution: Distribution, n_variables: int, lam: int | None, options: Mapping[str, Any]
) -> Optimizer:
    """The optimizer :class:`ASNGSampler` runs on ``distribution`` (the one place that chooses it):
    a :class:`~asng_opt.blackbox.BlackBoxASNG` with its defaults (margin, elitism, quantile utility
    on the categorical parts, log-rank weights on the integer and real ones), except that the
    integers always follow the real variables' separable rule (``int_update="cma"``; BlackBoxASNG's
    default chooses it only on spaces with real variables, and since asng-opt 0.10 puts the
    integers of a space without reals in the full covariance, ``"full"``, which the sampler, not
    measured with it, does not use), and the elite joins every update (``elite_in_descent=True``:
    asng-opt 0.18's default on integers alone drops it from a descent until it converges, for
    ``minimize``, whose converged distributions walk and restart; the sampler does neither and
    cannot know its budget, and studies are short: on six ``suggest_int`` over [-100, 100], an L1
    distance, 150 trials, 30 seeds, the median best was 22 without it against 17.5 with it). The
    sampler never restarts, and ASNG's step
    can shrink an integer's sigma by an order of magnitude in one generation on a wide range, for
    good without a restart: measured (10 seeds, 200 trials each, asng-opt 0.8), two
    ``suggest_int`` over 0..10000 and 0..12000 (step 4) ended at a median best of 0.5 with the real
    rule against 132 with ASNG's step, three over 0..1000 (squared error) at 1.5 against 355, and a
    categorical with five narrow integers level (0.5 against 0).

    Args:
        distribution: the space's :class:`~asng_opt.Product`.
        n_variables: the number of optuna parameters in it.
        lam: the generation size, or None for :func:`default_lam`.
        options: keyword arguments for BlackBoxASNG's constructor (``delta0``, ``alpha``,
            ``margin``, ``elitist``, ``mutant``, ``mutant_share``, ``cat_utility``,
            ``real_utility``, ``covariance``, ``real_elite_twice``, ``neutral_union``, ``int_margin``,
            ``elite_integers``, ``int_update``, ``int_steps``, ``clip_injected``, ``earn_mutants``,
            ``int_sigma0``, ``active_cma``, ``elite_in_descent``).

    Raises:
        ValueError: for values the optimizer refuses. TypeError: for an unknown option.
    """
    options = {"int_update": "cma", "elite_in_descent": True, **options}
    return BlackBoxASNG(distribution, lam=default_lam(n_variables) if lam is None else lam, **options)


class ASNGSampler(BaseSampler):
    """ASNG (Akimoto et al., ICML 2019) in its black-box configuration (:func:`make_optimizer`:
    :class:`~asng_opt.blackbox.BlackBoxASNG`) over optuna's categorical, integer and float parameters.

    Args:
        lam: trials per generation (an integer in [2, 2**31 - 1]), or None for ``4 + floor(3 ln N)`` with N the
            number of parameters in the relative space (at least 2).
        seed: seed of the sampler's random numbers (relative and independent sampling): None or
            an integer >= 0.
        pruned: how a pruned trial enters its generation: ``"worst"`` (like a failed trial, the
            default), ``"last"`` (its last reported intermediate value, compared with the final
            values of the others; worst when it reported none) or ``"ignore"`` (left out; the
            generation waits for another trial in its place).
        optimizer_options: keyword arguments for :class:`~asng_opt.blackbox.BlackBoxASNG`:
            ``delta0``, ``alpha``, ``margin``, ``elitist`` (``False`` for a noisy objective, whose
            lucky values would otherwise keep pulling), ``mutant``, ``mutant_share``,
            ``cat_utility``, ``real_utility``, ``covariance``, ``real_elite_twice``,
            ``neutral_union``, ``int_margin``, ``elite_integers``, ``int_update``, ``int_steps``,
            ``clip_injected``, ``earn_mutants``, ``int_sigma0``, ``active_cma`` (see its docstring; the mutants'
            options have no effect here: no trial is a mutant).

    Raises:
        ValueError: for ``lam`` < 2, above 2**31 - 1 or not an integer, ``seed`` not None or an integer >= 0, an
            unknown ``pruned``, ``optimizer_options`` not a mapping, one of
            :data:`RESERVED_OPTIONS` in it, an unknown option (the message lists the valid
            ones), or options the optimizer refuses (checked here, when the sampler is built);
            at the first relative sample of a multi-objective study.

    Trials whose values were fixed (``study.enqueue_trial``, a partial enqueue included) are told
    with those values. A value outside its distribution, which optuna runs with a warning, is
    mapped to the nearest point of the space for the update: a number outside ``[low, high]`` is
    clipped to the bound, an off-grid value of a stepped int / float goes to the nearest grid value
    (halfway between two: the larger), as :meth:`._optuna_space.SpaceCodec.from_params` documents;
    so the study keeps working and the trial counts for that point. A trial with a value that has
    no such point (optuna fails trials with an unknown category or NaN before they run) is left
    out of the update.

    Failed trials rank as the worst of their generation (ties among them). When the intersection
    search space changes (a parameter stops being suggested, or with another distribution), the
    trials sampled in the new space start a new distribution at the maximum-entropy start; a space
    seen before continues where its trials left it.
    """

    def __init__(
        self,
        *,
        lam: int | None = None,
        seed: int | None = None,
        pruned: str = "worst",
        optimizer_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._lam, self._options = _check_arguments(lam, pruned, optimizer_options)
        if seed is not None and (
            isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or seed < 0
        ):
            raise ValueError(f"ASNGSampler: seed must be None or an integer >= 0, got {seed!r}")
        self._pruned = pruned
        self._rng = np.random.default_rng(seed)
        self._independent = RandomSampler(seed=None if seed is None else int(self._rng.integers(2**31)))
        self._lock = threading.Lock()
        self._codecs: dict[tuple[Any, ...], SpaceCodec] = {}
        # per storage object (weakly held: a storage that is gone takes its entries with it) and study id
        self._cache: weakref.WeakKeyDictionary[Any, dict[tuple[int, str], Replay]] = weakref.WeakKeyDictionary()
        self._spaces: weakref.WeakKeyDictionary[Any, dict[int, IntersectionSearchSpace]] = weakref.WeakKeyDictionary()

    # ---- pickling (optuna's resume recipe pickles the sampler) --------------------------------
    #: what a pickle leaves out: the lock and the caches (rebuilt from the storage on demand)
    _UNPICKLED = ("_lock", "_codecs", "_cache", "_spaces")

    def __getstate__(self) -> dict[str, Any]:
        """The sampler's settings and random streams, without the lock and the caches."""
        return {k: v for k, v in self.__dict__.items() if k not in self._UNPICKLED}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore a pickled sampler with a new lock and empty caches."""
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._codecs = {}
        self._cache = weakref.WeakKeyDictionary()
        self._spaces = weakref.WeakKeyDictionary()

    # ---- optuna's interface -----------------------------------------------------------------
    def reseed_rng(self) -> None:
        """Draw fresh seeds from the OS (optuna calls this for each worker thread of ``n_jobs > 1``)."""
        with self._lock:
            self._rng = np.random.default_rng()
            self._independent.reseed_rng()

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        """The intersection search space of the completed trials, without single-valued parameters.

        Raises:
            ValueError: for a multi-objective study.
        """
        _refuse_multi_objective(study)
        return self._space(study)

    def sample_relative(
        self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        """One sample from the current distribution of ``search_space``; the trial joins a generation.

        Raises:
            ValueError: for a multi-objective study.
        """
        _refuse_multi_objective(study)
        if not search_space:
            return {}
        codec = self._codec(search_space)
        storage = study._storage
        with self._lock:
            rep, gens = self._replay(study, codec, cached=True)
            g = next_generation(gens, len(rep.told), rep.optimizer.lam)
            raw = codec.hold(codec.sample(rep.optimizer.theta, self._rng))  # values optuna keeps as drawn
            storage.set_trial_system_attr(trial._trial_id, ATTR, mark(codec.key, g, codec.raw_to_json(raw)))
        return codec.to_params(raw)

    def sample_independent(
        self, study: Study, trial: FrozenTrial, param_name: str, param_distribution: BaseDistribution
    ) -> Any:
        """A uniform random value (optuna's ``RandomSampler``) for a parameter outside the relative space."""
        return self._independent.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        """Nothing to do: a generation is told when a later trial finds it complete."""

    # ---- helpers ------------------------------------------------------------------------------
    def _codec(self, search_space: Mapping[str, BaseDistribution]) -> SpaceCodec:
        key = tuple(sorted(search_space.items(), key=lambda item: item[0]))  # distributions hash by value
        codec = self._codecs.get(key)
        if codec is None:  # a pure function of the space: two threads building it build the same one
            codec = self._codecs.setdefault(key, SpaceCodec(search_space))
        return codec

    def _new_optimizer(self, codec: SpaceCodec) -> Optimizer:
        return make_optimizer(codec.distribution, codec.n_variables, self._lam, self._options)

    def _replay(self, study: Study, codec: SpaceCodec, cached: bool) -> tuple[Replay, dict[int, list[FrozenTrial]]]:
        """The optimizer of ``codec``'s space after the study's complete generations (call with the lock held).

        All trials of the storage are read (not a pruner's filtered view of them), so that every
        worker rebuilds the same state."""
        trials = study._storage.get_all_trials(study._study_id, deepcopy=False)
        sign = -1.0 if study.direction == StudyDirection.MAXIMIZE else 1.0
        store = self._cache.setdefault(study._storage, {})
        key = (study._study_id, codec.key)
        fresh = self._new_optimizer(codec)
        rep, gens = replay(
            trials, codec, fresh.lam, sign, self._pruned, store.get(key) if cached else None, lambda: fresh
        )
        if cached:
            store[key] = rep
        return rep, gens

    def current_optimizer(self, study: Study) -> Optimizer | None:
        """The optimizer of the study's current relative space, rebuilt from the stored trials
        (None while no trial has completed). For inspection: ``.theta``, ``.most_likely()``; its
        distribution is a Product with parts ``"cat"``, ``"int"``, ``"real"``, each holding its
        parameters in sorted name order.

        Raises:
            ValueError: for a multi-objective study.
        """
        _refuse_multi_objective(study)
        space = self._space(study)
        if not space:
            return None
        with self._lock:
            return self._replay(study, self._codec(space), cached=False)[0].optimizer

    def _space(self, study: Study) -> dict[str, BaseDistribution]:
        with self._lock:  # IntersectionSearchSpace caches what it has seen: one per study, one caller at a time
            per_study = self._spaces.setdefault(study._storage, {})
            space = per_study.setdefault(study._study_id, IntersectionSearchSpace()).calculate(study)
        return {name: d for name, d in space.items() if not d.single()}


def _check_arguments(lam: Any, pruned: Any, options: Any) -> tuple[int | None, dict[str, Any]]:
    """:class:`ASNGSampler`'s ``lam`` and ``optimizer_options``, checked (``pruned`` too); bad
    options are refused now (an optimizer is built), not at the first relative sample.

    Raises:
        ValueError: as listed in :class:`ASNGSampler`.
    """
    if lam is not None:  # None: the default
        _checks.population(lam, "ASNGSampler")
    _checks.choice("pruned", pruned, "ASNGSampler", PRUNED_POLICIES)
    if options is not None and not isinstance(options, Mapping):
        raise ValueError(f"ASNGSampler: optimizer_options must be a dict, got {type(options).__name__}")
    reserved = sorted(set(options or {}) & set(RESERVED_OPTIONS))
    if reserved:
        raise ValueError(
            f"ASNGSampler: optimizer_options must not set {reserved}: the study's direction, lam=, seed= and "
            f"the search space set them"
        )
    checked = (None if lam is None else int(lam)), dict(options or {})
    valid = [k for k in inspect.signature(BlackBoxASNG).parameters if k not in ("distribution", *RESERVED_OPTIONS)]
    unknown = [k for k in checked[1] if k not in valid]
    if unknown:
        raise ValueError(
            f"ASNGSampler: optimizer_options: unknown option{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))} for BlackBoxASNG; valid options: {', '.join(valid)}"
        )
    try:
        make_optimizer(Categorical([2, 2]), 2, *checked)
    except (TypeError, ValueError) as err:  # an unknown option, or a value the optimizer refuses
        raise ValueError(f"ASNGSampler: optimizer_options: {err}") from None
    return checked


def _refuse_multi_objective(study: Study) -> None:
    n = len(study.directions)
    if n > 1:
        raise ValueError(
            f"ASNGSampler: the study has {n} objectives; ASNG ranks one objective value per trial "
            f"(use a single-objective study, or optuna's NSGAIISampler for multi-objective ones)"
        )
