"""The optimizer state of :class:`~asng_opt.integrations.optuna.ASNGSampler`, rebuilt from the study.

Every trial that the sampler samples relatively records one system attribute, ``"asng"``: the
replay version, the space's key, the generation the trial counts toward and its raw draws (one
storage write).
Nothing else is kept: the state is a function of the stored trials, so every thread and process
sharing the storage rebuilds the same one (:func:`replay`), and the sampler object only caches it.

Generations: generation ``g`` holds the trials that recorded it. It is *complete* once it has
at least ``lam`` counting members (every member, except pruned ones with ``pruned="ignore"``)
and all of them are finished; complete generations are told in order, 0, 1, ..., up to the
first incomplete one. A new trial joins the first generation at or after that one with fewer
than ``lam`` counting members (:func:`next_generation`), so trials started while a generation
is running count toward the next one. Two processes that sample at the same moment can both
join the same generation, which then has more than ``lam`` members: it is told with all of them.

The replayed state depends on how the space maps onto the distribution; :data:`REPLAY_VERSION`
names that mapping, and a study holding trials of a version outside :data:`REPLAYABLE` is refused
(:func:`generations`) rather than replayed into a state its trials were not sampled from.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from optuna.trial import FrozenTrial, TrialState

from ..optimizer import Optimizer
from ._optuna_space import SpaceCodec

__all__ = [
    *("ATTR", "KEY_VERSION", "KEY_SPACE", "KEY_GENERATION", "KEY_RAW", "REPLAY_VERSION", "REPLAYABLE"),
    "PRUNED_POLICIES",
    *("Replay", "replay", "next_generation", "mark"),
]

#: the trial system attribute the sampler writes: a dict with the four keys below
ATTR = "asng"
#: the replay version the trial was sampled under (absent before version 2)
KEY_VERSION = "version"
#: the key of the space the trial was sampled in
KEY_SPACE = "space"
#: the generation the trial counts toward
KEY_GENERATION = "generation"
#: the raw draws of the trial's relative parameters
KEY_RAW = "raw"
#: how pruned trials enter their generation
PRUNED_POLICIES = ("worst", "last", "ignore")
#: the version of the space -> distribution mapping the replayed state depends on. 1 (asng-opt 0.3,
#: no ``"version"`` key): a real parameter's sigma_min was 1e-3 of its range; 2 (0.4-0.14): 1e-6, a
#: Space's FloatRange's (one builder for both, :func:`asng_opt._space_parts.space_parts`); 3
#: (asng-opt 0.15): 1e-10, a FloatRange's since 0.15
REPLAY_VERSION = 3
#: the versions this one replays: version 2's trials replay under version 3's finer floor, a state
#: identical to theirs until a real parameter's sigma would have fallen below 1e-6 of its range
#: (where their runs had converged); version 1's (sigma >= 1e-3 from the first generation on) are refused
REPLAYABLE = (2, 3)


def mark(key: str, generation: int, raw: dict[str, Any]) -> dict[str, Any]:
    """The system attribute :data:`ATTR` of a trial sampled in space ``key`` for ``generation``
    with the raw draws ``raw`` (JSON-ready lists, ``SpaceCodec.raw_to_json``)."""
    return {KEY_VERSION: REPLAY_VERSION, KEY_SPACE: key, KEY_GENERATION: generation, KEY_RAW: raw}


@dataclass
class Replay:
    """An optimizer advanced through the complete generations of one space.

    Attributes:
        optimizer: the optimizer after ``len(told)`` generations.
        told: each told generation's members as (trial number, start time), in order: a cached
            replay is continued only where the study's complete generations begin with these.
    """

    optimizer: Optimizer
    told: list[tuple[Any, ...]] = field(default_factory=list)


def _counts(trial: FrozenTrial, pruned: str) -> bool:
    return not (pruned == "ignore" and trial.state == TrialState.PRUNED)


def generations(trials: Sequence[FrozenTrial], key: str, pruned: str) -> dict[int, list[FrozenTrial]]:
    """The counting members of each generation of space ``key``, in trial-number order.

    Raises:
        ValueError: a trial was sampled under a version outside :data:`REPLAYABLE` (by an asng-opt
            of 0.3 or earlier).
    """
    out: dict[int, list[FrozenTrial]] = {}
    for t in trials:
        attrs = t.system_attrs.get(ATTR)
        if not isinstance(attrs, dict):
            continue
        version = attrs.get(KEY_VERSION, 1)
        if version not in REPLAYABLE:
            raise ValueError(
                f"ASNGSampler: trial {t.number} was sampled by another asng-opt (replay version {version!r}; this "
                f"one replays versions {list(REPLAYABLE)}, see CHANGELOG.md); its state cannot be rebuilt: continue "
                f"the study with the asng-opt that started it, or start a new study"
            )
        g = attrs.get(KEY_GENERATION)
        if attrs.get(KEY_SPACE) == key and isinstance(g, int) and _counts(t, pruned):
            out.setdefault(g, []).append(t)
    for members in out.values():
        members.sort(key=lambda t: t.number)
    return out


def complete_prefix(gens: dict[int, list[FrozenTrial]], lam: int) -> list[list[FrozenTrial]]:
    """Generations 0, 1, ... that are complete, up to the first that is not."""
    out = []
    g = 0
    while len(gens.get(g, ())) >= lam and all(t.state.is_finished() for t in gens[g]):
        out.append(gens[g])
        g += 1
    return out


def next_generation(gens: dict[int, list[FrozenTrial]], first_open: int, lam: int) -> int:
    """The first generation at or after ``first_open`` with fewer than ``lam`` counting members."""
    g = first_open
    while len(gens.get(g, ())) >= lam:
        g += 1
    return g


def _loss(t: FrozenTrial, sign: float, pruned: str) -> float | None:
    """The trial's value to rank (lower is better), or None for "worst of its generation"."""
    if t.state == TrialState.COMPLETE and t.value is not None and not math.isnan(t.value):
        return sign * float(t.value)
    if t.state == TrialState.PRUNED and pruned == "last" and t.last_step is not None:
        v = t.intermediate_values.get(t.last_step)
        if v is not None and math.isfinite(v):
            return sign * float(v)
    return None  # failed, or pruned with "worst" (or "last" without a usable value)


def generation_losses(values: Sequence[float | None]) -> np.ndarray | None:
    """The losses to tell for one generation: the values, with "worst of the generation" (None,
    and ``+inf``) replaced by a finite value above every finite one and ``-inf`` by one below;
    None when no value is known (every member failed or scored ``+inf``: nothing to learn).

    The values themselves are kept (not only their order) so that an optimizer that compares them
    across generations (e.g. one that remembers its best point) sees them. The replacements are
    ``max + span`` and ``min - span`` with ``span = max(max - min, 1)``; where that would overflow,
    the generation is told its dense ranks instead (the same order and ties)."""
    vals = [None if v is None or v == math.inf else v for v in values]  # +inf: as bad as a failure
    known = [v for v in vals if v is not None]
    if not known:
        return None
    finite = [v for v in known if math.isfinite(v)]
    if finite:
        lo, hi = min(finite), max(finite)
        span = max(hi - lo, 1.0)
        worst, best = hi + span, lo - span
        if math.isfinite(worst) and math.isfinite(best):
            return np.array([worst if v is None else best if v == -math.inf else v for v in vals], dtype=float)
    levels = np.unique(np.asarray(known, dtype=float))
    return np.array([float(levels.size) if v is None else float(np.searchsorted(levels, v)) for v in vals])


def _raw_of(t: FrozenTrial, codec: SpaceCodec) -> dict[str, np.ndarray] | None:
    """The raw sample to tell for a trial: its stored draws if its parameters are what they decode
    to, else (values fixed by the user, e.g. an enqueued trial) its parameters themselves, mapped
    onto the space (:meth:`SpaceCodec.from_params`: clipped to the bounds, rounded to the nearest
    grid value); None -- the trial is left out of the update -- when a value has no place there."""
    raw = codec.raw_from_json(t.system_attrs[ATTR].get(KEY_RAW))
    if raw is not None:  # as the sampler stores it since asng-opt 0.17.1 (a no-op on its own draws)
        raw = codec.hold(raw)
    params = {n: t.params[n] for n in codec.names if n in t.params and t.distributions.get(n) == codec.space[n]}
    if raw is not None:
        drawn = codec.to_params(raw)
        if all(drawn[n] == v for n, v in params.items()):
            return raw
    if len(params) == len(codec.names):
        return codec.from_params(params)
    if raw is None:  # cannot happen for a trial the sampler marked; kept as a clear failure
        raise RuntimeError(f"ASNGSampler: trial {t.number} has neither raw draws nor all its parameters")
    return raw


def tell_generation(
    opt: Optimizer, members: Sequence[FrozenTrial], codec: SpaceCodec, sign: float, pruned: str
) -> None:
    """Tell one generation: its raw draws (as ``tell`` does after ``ask``) and its losses; members
    whose values have no place in the space (:func:`_raw_of` is None) are left out, and a
    generation with fewer than two members left is not told (the ranking needs two)."""
    losses = generation_losses([_loss(t, sign, pruned) for t in members])
    if losses is None:  # every member failed: nothing to learn
        return
    kept = [(r, f) for r, f in zip((_raw_of(t, codec) for t in members), losses) if r is not None]
    if len(kept) < 2:
        return
    raw = {k: np.stack([r[k] for r, _ in kept]) for k in codec.distribution.parts}
    user = codec.distribution.decode(raw)
    opt._pending = ({k: np.array(v) for k, v in user.items()}, raw)  # tell updates with these raw draws
    opt.tell(user, np.array([f for _, f in kept]))


def replay(
    trials: Sequence[FrozenTrial],
    codec: SpaceCodec,
    lam: int,
    sign: float,
    pruned: str,
    cached: Replay | None,
    new_optimizer: Any,
) -> tuple[Replay, dict[int, list[FrozenTrial]]]:
    """Advance ``cached`` (or a new optimizer) through the complete generations of ``trials``.

    Args:
        trials: the study's trials, in number order.
        codec: the space.
        lam: the generation size.
        sign: +1 to minimize, -1 to maximize.
        pruned: one of :data:`PRUNED_POLICIES`.
        cached: a previous replay of the same space; reused when its generations are a prefix
            of the complete ones (else replayed from scratch).
        new_optimizer: a callable returning a fresh optimizer for ``codec.distribution``.

    Returns:
        The replay and the generations (counting members) it was computed from.
    """
    gens = generations(trials, codec.key, pruned)
    done = complete_prefix(gens, lam)
    numbers = [tuple((t.number, t.datetime_start) for t in g) for g in done]
    if cached is None or numbers[: len(cached.told)] != cached.told:
        cached = Replay(new_optimizer())
    for members, nums in zip(done[len(cached.told) :], numbers[len(cached.told) :]):
        tell_generation(cached.optimizer, members, codec, sign, pruned)
        cached.told.append(nums)
    return cached, gens
