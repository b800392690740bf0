"""The elitist mutants: samples drawn around the best point seen, as a (1 + 1) optimizer would
(DiscreteOnePlusOne's mutation: each discrete variable changed with probability 1 / N', at least
one), so that the neighbours of the elite are probed every batch however far the distribution is
from it (how many per batch: :meth:`~asng_opt.blackbox.BlackBoxASNG.n_mutants`)."""

from __future__ import annotations

import itertools
import weakref
from typing import Any, NamedTuple, cast

import numpy as np

from .. import _checks
from .._samples import n_samples
from ..categorical import Categorical
from ..distribution import Distribution
from ..gaussian import Gaussian
from ..integer import Integer
from ..product import Product
from ._tree import append, free_integers, is_real, leaves, map_leaves, per_distribution, take_first

__all__ = [
    *("INT_STEPS", "LENGTHS", "UNIFORM_SHARE"),
    *("can_mutate", "mutate", "mutate_many", "last_mutated", "int_step_lengths"),
]

#: how far a mutated integer moves: ``"harmonic-uniform"`` (the default since asng-opt 0.17) a
#: harmonic step or, with probability :data:`UNIFORM_SHARE`, a value of its box drawn uniformly;
#: ``"harmonic"`` (0.9-0.16) a length ``1 <= j <= room`` with P(j) ~ 1 / j
#: (:func:`int_step_lengths`); ``"unit"`` one step (before 0.9)
INT_STEPS = ("harmonic-uniform", "harmonic", "unit")
#: the step lengths :func:`int_step_lengths` draws (``"harmonic-uniform"`` mixes in values of the
#: box, which need the variable's value and bounds: :func:`mutate`, :func:`mutate_many`)
LENGTHS = ("harmonic", "unit")
#: with ``"harmonic-uniform"``, the probability that a changed integer takes a value of its box
#: drawn uniformly (every value but its own alike) instead of a harmonic step: the integer
#: counterpart of a categorical mutant's uniform other category, and DiscreteOnePlusOne's fresh
#: value. Half and half keeps at least half the harmonic steps' rate of every move, and gives each
#: value of a box of ``r + 1`` at least ``1 / (2 r)`` where the harmonic law gives a jump of ``j``
#: about ``1 / (j log r)``: the study's ``int-schwefel`` needs a jump of ~724 into a window ~130
#: wide on the other side of its box of 1,001, about 1.4 % of the harmonic steps (half of them
#: in the wrong direction) and 13 % of the uniform values
UNIFORM_SHARE = 0.5


def int_step_lengths(rng: np.random.Generator, room: np.ndarray, int_steps: str) -> np.ndarray:
    """The lengths of integer mutation steps, floats ``(n,)`` in ``[1, room]`` (``room`` ``(n,)``,
    floats >= 1: how far each variable can move in its step's direction before its bound).
    Raises ValueError for an ``int_steps`` not in :data:`LENGTHS` (``"harmonic-uniform"``'s
    uniform values are no lengths: :func:`mutate` draws them) or a room below 1 (or NaN).

    ``"unit"``: all 1 (no draw from ``rng``). ``"harmonic"``: ``j = floor((room + 1) ** u)``, ``u``
    uniform in ``[0, 1)`` (one draw per step), so that ``P(j) = log(1 + 1/j) / log(room + 1)``, about
    ``1 / (j log room)``: the harmonic mutation strength of Doerr, Doerr and Koetzing ("Static and
    self-adjusting mutation strengths for multi-valued decision variables", Algorithmica 2018),
    which does not need to know how far the better values are: a move of any length ``j`` is
    proposed with probability ~1 / (j log room), so a local optimum of the +-1 neighbourhood is
    left at a cost that grows only like ``j log room`` in the jump ``j`` it needs."""
    if isinstance(int_steps, str) and int_steps == "harmonic-uniform":
        raise ValueError(
            "int_step_lengths: int_steps 'harmonic-uniform' mixes lengths with uniform values of the range, which "
            "need the variable's value and bounds: mutate() and mutate_many() draw them; lengths are 'harmonic' "
            "(that rule's lengths) or 'unit'"
        )
    _checks.choice("int_steps", int_steps, "int_step_lengths", LENGTHS)
    room = np.asarray(room, dtype=float)
    if not np.all(np.isfinite(room) & (room >= 1)):  # NaN and inf included
        raise ValueError(f"int_step_lengths: every room must be finite and >= 1 (a variable that can move), got {room}")
    if int_steps == "unit":
        return np.ones(room.shape)
    return np.minimum(np.floor((room + 1.0) ** rng.random(room.shape)), room)


def _lengthened(
    rng: np.random.Generator, step: np.ndarray, v: np.ndarray, low: np.ndarray, high: np.ndarray, int_steps: str
) -> np.ndarray:
    """The moves ``(n,)`` of integers at ``v`` in ``[low, high]`` (``low < high``) given their
    directions ``step`` (+-1 each): ``step`` itself with ``"unit"`` (no draw); ``step`` times
    :func:`int_step_lengths` of the room on its side with ``"harmonic"`` (one draw each); with
    ``"harmonic-uniform"`` that, or with probability :data:`UNIFORM_SHARE` the move to a value
    of ``[low, high]`` other than ``v``, uniform (three draws each: the length, the choice, the
    value)."""
    if int_steps == "unit":
        return step
    out = step * int_step_lengths(rng, np.maximum(np.where(step > 0, high - v, v - low), 1.0), "harmonic")
    if int_steps == "harmonic-uniform":
        uniform = rng.random(out.shape) < UNIFORM_SHARE
        width = high - low  # the other values: low + k, k < width, skipping v
        k = np.minimum(np.floor(rng.random(out.shape) * width), width - 1.0)
        value = low + k
        value = np.where(value >= v, value + 1.0, value)
        out = np.where(uniform, value - v, out)
    return out


def _check_elite(dist: Distribution, elite: Any, where: str) -> None:
    """Raise ValueError unless ``elite`` is one raw sample of ``dist``: per leaf an array of shape
    ``(1, n_variables)``, in a dict keyed as the parts of each Product."""
    if isinstance(dist, Product):
        if not (isinstance(elite, dict) and set(elite) == set(dist.parts)):
            got = sorted(elite) if isinstance(elite, dict) else type(elite).__name__
            raise ValueError(f"{where}: elite must be a dict with the parts {sorted(dist.parts)}, got {got}")
        for k, part in dist.parts.items():
            _check_elite(part, elite[k], where)
        return
    shape, n = np.shape(elite), int(cast(Any, dist).n_variables)  # a leaf: Categorical, Integer, Gaussian
    if shape != (1, n):
        raise ValueError(
            f"{where}: elite must be one raw sample of the distribution, shape (1, {n}) for "
            f"{type(dist).__name__}(n_variables={n}), got shape {shape}"
        )


def mutate(dist: Distribution, theta: Any, elite: Any, rng: np.random.Generator, int_steps: str = "unit") -> Any:
    """A raw sample ``(1, ...)`` (or a dict of them) near ``elite``: each categorical variable takes
    another category (uniform) and each integer moves (up or down, inwards at a bound, by a length
    of :func:`int_step_lengths`: +-1 with ``"unit"``, harmonic with ``"harmonic"``; with
    ``"harmonic-uniform"`` by a harmonic length or, with probability :data:`UNIFORM_SHARE`, to a
    uniform other value of its range) with probability
    1 / N' (N' the discrete variables that can change; at least one changes when there are any):
    a categorical with one category or an integer with low == high never changes and is never the
    one forced to; each real variable is the elite's plus sigma N(0, 1), sigma the distribution's
    current one (``theta``). ``elite`` is a raw sample ``(1, ...)`` of ``dist`` (integers as
    floats, as drawn); it is not modified. With ``"harmonic"`` one more uniform number is drawn per
    integer that changes, with ``"harmonic-uniform"`` three, none for the others. ``int_steps``
    defaults to ``"unit"`` here (the function's rule since asng-opt 0.4); BlackBoxASNG passes its
    own (``"harmonic-uniform"`` by default).

    Raises:
        ValueError: ``int_steps`` not one of :data:`INT_STEPS`; ``elite`` not one raw sample of
            ``dist`` (shape ``(1, n_variables)`` per part).
    """
    _checks.choice("int_steps", int_steps, "mutate", INT_STEPS)
    _check_elite(dist, elite, "mutate")
    free = _changeable(dist)
    rate = 1.0 / max(sum(int(f.sum()) for f in free), 1)
    masks = [(rng.random(f.size) < rate) & f for f in free]
    if any(f.any() for f in free) and not any(m.any() for m in masks):  # at least one discrete variable changes
        sizes = [int(f.sum()) for f in free]
        j = int(rng.integers(sum(sizes)))
        for f, m in zip(free, masks):
            if j < f.sum():
                m[np.flatnonzero(f)[j]] = True
                break
            j -= int(f.sum())
    it = iter(masks)

    def one(d: Distribution, t: Any, x: Any) -> Any:
        x = np.array(x, copy=True)
        if isinstance(d, Categorical):
            m = next(it)
            k = np.asarray(d.categories)
            x[0, m] = (x[0, m] + rng.integers(1, np.maximum(k[m], 2))) % k[m]
        elif isinstance(d, Integer):
            m = next(it)
            v, low, high = _user_ints(d, x[0])
            step = np.where(rng.random(m.size) < 0.5, -1.0, 1.0)
            step = np.where(v >= high, -1.0, np.where(v <= low, 1.0, step))  # at a bound: inwards
            if int_steps != "unit":  # a length for each integer that changes (no draw for the others)
                step = np.array(np.broadcast_to(step, m.shape))
                vm, lm, hm = (np.broadcast_to(a, m.shape)[m] for a in (v, low, high))
                step[m] = _lengthened(rng, step[m], vm, lm, hm, int_steps)
            x[0] = _to_raw(d, np.clip(v + m * step, low, high))
        elif isinstance(d, Gaussian):
            _, sigma = cast(Gaussian, d).mean_sigma(t)
            x[0] = x[0] + sigma * rng.standard_normal(sigma.shape)
        return x

    return map_leaves(dist, theta, elite, one)


def mutate_many(
    dist: Distribution, theta: Any, elite: Any, m: int, rng: np.random.Generator, int_steps: str = "unit"
) -> Any:
    """``m`` independent mutants of ``elite`` at once: a raw batch ``(m, ...)`` (or a dict of them,
    laid out like ``dist.sample``), each mutant drawn from the same distribution as :func:`mutate`
    (the same per-variable change rate 1 / N', at least one changeable discrete variable changed,
    chosen uniformly when none was drawn; categoricals to another category, integers up or down by
    a length of :func:`int_step_lengths` (inwards at a bound) as ``int_steps`` says, or with
    ``"harmonic-uniform"`` and probability :data:`UNIFORM_SHARE` to a uniform other value; reals plus
    sigma N(0, 1)), from another stream of ``rng`` than ``m`` calls
    of :func:`mutate`. ``elite`` (``(1, ...)``) is not modified.

    Raises:
        ValueError: if ``m`` is not a positive integer, ``int_steps`` not one of :data:`INT_STEPS`,
            or ``elite`` not one raw sample of ``dist`` (shape ``(1, n_variables)`` per part).
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
        raise ValueError(f"mutate_many: m must be a positive integer, got {m!r}")
    _checks.choice("int_steps", int_steps, "mutate_many", INT_STEPS)
    _check_elite(dist, elite, "mutate_many")
    lay = _layout(dist)
    flat, n_free = lay.flat, lay.n_free
    masks = (rng.random((m, flat.size)) < 1.0 / max(n_free, 1)) & flat
    if n_free:  # at least one discrete variable changes in each mutant
        unchanged = np.flatnonzero(~masks.any(axis=1))
        masks[unchanged, lay.free_index[rng.integers(n_free, size=unchanged.size)]] = True
    it = iter([masks[:, a:b] for a, b in lay.spans])  # each leaf's columns (views)

    def many(d: Distribution, t: Any, x: Any) -> Any:
        x = np.asarray(x)
        if isinstance(d, Categorical):
            rows, cols = np.nonzero(next(it))
            out = np.repeat(x, m, axis=0)
            k = np.asarray(d.categories)[cols]
            out[rows, cols] = (out[rows, cols] + rng.integers(1, np.maximum(k, 2))) % k
            return out
        if isinstance(d, Integer):
            rows, cols = np.nonzero(next(it))
            v, low, high = _user_ints(d, x[0])  # as mutate: the elite rounded, in range
            low, high = (np.broadcast_to(b, x.shape[1:]) for b in (low, high))
            out = np.repeat(v[None], m, axis=0).astype(x.dtype)
            step = np.where(rng.random(rows.size) < 0.5, -1.0, 1.0)
            vc, lo, hi = v[cols], low[cols], high[cols]
            step = np.where(vc >= hi, -1.0, np.where(vc <= lo, 1.0, step))  # at a bound: inwards
            out[rows, cols] = np.clip(vc + _lengthened(rng, step, vc, lo, hi, int_steps), lo, hi)
            return _to_raw(d, out)
        if isinstance(d, Gaussian):
            _, sigma = cast(Gaussian, d).mean_sigma(t)
            return x + sigma * rng.standard_normal((m,) + sigma.shape)
        return np.repeat(x, m, axis=0)

    return map_leaves(dist, theta, elite, many)


def _user_ints(d: Integer, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(v, low, high)``: the integer values ``v`` of the raw draws ``x`` ``(n,)`` as the objective
    sees them and the bounds they live in, floats. An unshifted Integer: ``x`` rounded (``rint``)
    into ``[low, high]``, as since asng-opt 0.4 (the random stream and its values unchanged); a
    shifted one (raw draws are ``value - origin``, ``origin`` possibly a half-integer) in the
    user's coordinates (:meth:`~asng_opt.Integer.decode`), where a step of one is a neighbour."""
    if not d._shifted:
        low, high = np.asarray(d.low, dtype=float), np.asarray(d.high, dtype=float)
        return np.clip(np.rint(x), low, high), low, high
    v = d.decode(np.asarray(x, dtype=float)[None])[0].astype(float)
    return v, d.int_low, d.int_high


def _to_raw(d: Integer, values: np.ndarray) -> np.ndarray:
    """Integer values from :func:`_user_ints`' coordinates back to raw draws (``- origin`` when shifted)."""
    return values - d.origin if d._shifted else values


def _changeable(dist: Distribution) -> list[np.ndarray]:
    """Per categorical or integer leaf of ``dist`` (in :func:`._tree.leaves` order), a boolean
    ``(n_variables,)``: which of its variables can take another value (more than one category;
    low < high)."""
    return [
        np.asarray(d.categories) > 1 if isinstance(d, Categorical) else free_integers(d)
        for d in leaves(dist)
        if isinstance(d, (Categorical, Integer))
    ]


class _Layout(NamedTuple):
    """What :func:`mutate_many` and :func:`can_mutate` need of a distribution (fixed by it)."""

    flat: np.ndarray  # (n_discrete,) bool: :func:`_changeable` of every leaf, concatenated
    n_free: int  # its True count
    free_index: np.ndarray  # (n_free,) the indices of its True entries
    spans: list[tuple[int, int]]  # each categorical / integer leaf's columns of ``flat``
    can_mutate: bool


#: :class:`_Layout` by distribution (computed once per distribution object; forgotten with it)
_LAYOUTS: weakref.WeakKeyDictionary[Distribution, _Layout] = weakref.WeakKeyDictionary()


def _layout(dist: Distribution) -> _Layout:
    """:class:`_Layout` of ``dist``, cached (:func:`._tree.per_distribution`)."""

    def compute() -> _Layout:
        free = _changeable(dist)
        flat = np.concatenate(free) if free else np.zeros(0, dtype=bool)
        flat.flags.writeable = False
        ends = list(itertools.accumulate(f.size for f in free))
        can = any(is_real(d) for d in leaves(dist)) or any(f.any() for f in free)
        return _Layout(flat, int(flat.sum()), np.flatnonzero(flat), list(zip([0] + ends[:-1], ends)), can)

    return per_distribution(_LAYOUTS, dist, compute)


def can_mutate(dist: Distribution) -> bool:
    """Whether :func:`mutate` can give another point than the elite: some real variable, or some
    categorical or integer variable that can change (see :func:`_changeable`)."""
    return _layout(dist).can_mutate


def last_mutated(
    dist: Distribution, theta: Any, elite: Any, raw: Any, rng: np.random.Generator, int_steps: str = "unit"
) -> Any:
    """The batch ``raw`` (k samples) with its last sample replaced by :func:`mutate` of ``elite``;
    ``raw`` itself (no mutant) where no variable of ``dist`` can change (:func:`can_mutate`: the
    mutant would be the elite again)."""
    if not can_mutate(dist):
        return raw
    return append(take_first(raw, n_samples(raw) - 1), mutate(dist, theta, elite, rng, int_steps))
