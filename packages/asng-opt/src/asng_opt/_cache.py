"""The evaluation cache of :func:`~asng_opt.minimize`: the values of the points a run has already
evaluated, so that a point drawn again costs no evaluation (:class:`EvaluationCache`).

Why: a discrete search distribution that has concentrated draws the same points again and again
(with the black-box margin, a variable sits on its most likely category with probability about
0.73^(1/N') once converged, so about 73 % of the late draws are the mode itself), and its elitist
mutants revisit the elite's neighbours. With a deterministic objective, evaluating such a point
again only repeats a known value. The optimizer's trajectory is unchanged (it is told the same
values); only the evaluations it costs are fewer. With a noisy objective the cache is wrong: switch
it off (``minimize(..., cache=False)``), as the black-box configuration's elite already assumes a
deterministic objective.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict, deque
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._checks import integer, number
from ._constant import fixed_variable, is_single_point
from .blackbox._tree import leaves, n_variables
from .categorical import Categorical
from .integer import Integer
from .space import Space
from .variables import Choice, IntRange

__all__ = [
    "EvaluationCache",
    "StaleRounds",
    "restarts_on_convergence",
    "walks",
    "walk_stall",
    "sample_key",
    "batch_keys",
    "CACHE_SIZE",
    "STALE_ROUNDS",
    "WALK_YIELD",
    "WALK_STALL_PER_VARIABLE",
]

#: the most points :func:`~asng_opt.minimize`'s cache remembers (least recently used forgotten
#: first); about 150 bytes each, whatever the sample's size (a 16-byte digest is the key)
CACHE_SIZE = 100_000


#: with the cache, this many rounds in a row in which every sample was a point already evaluated
#: count as convergence (a restart, as when ``should_stop()`` holds): the distribution only draws
#: what it has seen, and such rounds cost no evaluation, so the budget would never end them; and
#: after this many restarts in a row that ended without a new evaluation the run stops
#: "converged" (a small space evaluated whole, say)
STALE_ROUNDS = 10

#: a walking optimizer (:class:`StaleRounds`) ends when its last :data:`STALE_ROUNDS` rounds drew
#: fewer new points than this, together
WALK_YIELD = 2 * STALE_ROUNDS

#: a walking optimizer (:class:`StaleRounds`) also ends once its distribution has converged and its
#: elite has gone this many updates per free categorical or integer variable without improving
#: (:func:`walk_stall`)
WALK_STALL_PER_VARIABLE = 20


#: types fed as ``v<type name>:<repr>;`` without further checks (exact types: no subclass)
_PLAIN = frozenset({int, float, str, bool, type(None)})


def _feed(h: Any, x: Any) -> None:
    """Feed a canonical byte form of ``x`` (arrays with dtype and shape, dicts by sorted key,
    lists / tuples in order, other values by type and repr) to the hash ``h``, in one update
    (the same digest as feeding the pieces one by one, which asng-opt < 0.7 did)."""
    out: list[bytes] = []
    _pieces(x, out)
    h.update(b"".join(out))


def _pieces(x: Any, out: list[bytes]) -> None:
    """Append the canonical byte form of ``x`` (see :func:`_feed`) to ``out``."""
    t = type(x)
    if t is np.ndarray:  # exact types first (no ABC isinstance): the bytes of the branches below
        _array_pieces(x, out)
    elif t is tuple or t is list:
        _sequence_pieces(x, out)
    elif x is None:
        out.append(b"vNoneType:None;")
    elif t in _PLAIN:  # the common leaves: no ABC isinstance for them
        out.append(f"v{t.__name__}:{x!r};".encode())
    elif t is dict or isinstance(x, Mapping):
        out.append(b"{")
        text: list[str] = []  # a run of plain names and values, encoded at once
        for k, name in _sorted_names(x):
            v = x[k]
            if name is not None and type(v) in _PLAIN:  # a configuration's name and plain value
                text += (name, f"v{type(v).__name__}:{v!r};")
                continue
            if name is not None:  # a str key: its bytes join the run, then the value's pieces
                out.append("".join(text).encode() + name.encode())
                text = []
                _pieces(v, out)
                continue
            if text:
                out.append("".join(text).encode())
                text = []
            _pieces(k, out)
            _pieces(v, out)
        if text:
            out.append("".join(text).encode())
        out.append(b"}")
    elif isinstance(x, (list, tuple)):
        _sequence_pieces(x, out)
    elif isinstance(x, (np.ndarray, np.generic)):
        _array_pieces(x, out)
    else:
        out.append(f"v{type(x).__name__}:{x!r};".encode())


def _sequence_pieces(x: Any, out: list[bytes]) -> None:
    out.append(b"[")
    for v in x:  # arrays and None (the study's (c, z, r) candidates) without a call of _pieces
        if type(v) is np.ndarray:
            _array_pieces(v, out)
        elif v is None:
            out.append(b"vNoneType:None;")
        else:
            _pieces(v, out)
    out.append(b"]")


def _array_pieces(x: Any, out: list[bytes]) -> list[bytes]:
    """An array's (or numpy scalar's) dtype, shape and C-order bytes, as ``np.ascontiguousarray``
    lays it out (a 0-d array or scalar as shape ``(1,)``); no copy of a C-contiguous ndarray."""
    a = x if type(x) is np.ndarray and x.ndim and x.flags.c_contiguous else np.ascontiguousarray(x)
    out += (f"a{a.dtype.str}{a.shape}".encode(), a.tobytes())
    return out


#: the last dict layout :func:`_sorted_names` met, ``(keys, their order with name pieces)``, in a
#: one-element list (read and replaced as one reference: safe with runs in several threads)
_last_names: list[tuple[tuple[Any, ...], list[tuple[Any, str | None]]]] = [((), [])]


def _sorted_names(x: Mapping[Any, Any]) -> list[tuple[Any, str | None]]:
    """The keys of ``x`` sorted by repr, each with its byte form as text for a str key (None for
    another key). Remembered for the last layout: a run's configurations all share one."""
    keys = tuple(x)
    last = _last_names[0]
    if keys == last[0]:
        return last[1]
    order = [(k, f"vstr:{k!r};" if type(k) is str else None) for k in sorted(keys, key=repr)]
    _last_names[0] = (keys, order)
    return order


def sample_key(sample: Any) -> bytes:
    """A 16-byte key of one sample (an array, a dict of them, or a configuration dict): equal
    samples (same values, dtypes and shapes) get equal keys; different ones collide with
    probability about 2^-128 (BLAKE2b digest)."""
    if type(sample) is np.ndarray:  # a plain array: its pieces joined at once (the same bytes)
        data = b"".join(_array_pieces(sample, []))
    else:
        out: list[bytes] = []
        _pieces(sample, out)
        data = b"".join(out)
    return hashlib.blake2b(data, digest_size=16).digest()  # = one update of the empty hash


def _row(samples: Any, j: int) -> Any:
    """Sample ``j`` of a batch, without copying (a view of an array row)."""
    if isinstance(samples, list):
        return samples[j]
    if isinstance(samples, Mapping):
        return {k: _row(v, j) for k, v in samples.items()}
    return samples[j]


def batch_keys(samples: Any, lam: int) -> list[bytes]:
    """:func:`sample_key` of each of the ``lam`` samples of a batch (``(lam, ...)`` array, dict of
    them, or a Space's list of configuration dicts), in order."""
    return [sample_key(_row(samples, j)) for j in range(lam)]


class EvaluationCache:
    """The values of evaluated samples, by :func:`sample_key`, the least recently used forgotten
    first beyond ``max_size`` entries.

    For ask/tell loops too: look each sample up with ``get(EvaluationCache.key(sample))`` before
    evaluating it and :meth:`put` what was evaluated. Only successful (finite) values belong in
    it: a failure may not repeat.

    Args:
        max_size: the most entries kept, an integer >= 1 (default :data:`CACHE_SIZE`).

    Attributes:
        hits: lookups answered from the cache so far.

    Raises:
        ValueError: ``max_size`` not an integer >= 1.
    """

    #: the key of one sample (:func:`sample_key`)
    key = staticmethod(sample_key)

    def __init__(self, max_size: int = CACHE_SIZE):
        self.max_size = integer("max_size", max_size, "EvaluationCache", 1)
        self._values: OrderedDict[bytes, float] = OrderedDict()
        self.hits = 0

    def __len__(self) -> int:
        return len(self._values)

    def get(self, key: bytes) -> float | None:
        """The value stored under ``key`` (a :func:`sample_key`), or None; a hit counts in
        :attr:`hits` and makes the entry the most recently used."""
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
            self.hits += 1
        return value

    def put(self, key: bytes, value: float) -> None:
        """Store ``value`` (a finite real number) under ``key``, forgetting the least recently used
        entry beyond ``max_size``.

        Raises:
            ValueError: ``value`` is not a finite real number (NaN, +-inf: a failed evaluation is
                not remembered, it may not fail again; a bool, a string, ...); nothing is stored.
        """
        v = number("value", value, "EvaluationCache.put")
        if not math.isfinite(v):
            raise ValueError(f"EvaluationCache.put: value must be finite (a failure is not cached), got {v!r}")
        self._values[key] = v
        self._values.move_to_end(key)
        if len(self._values) > self.max_size:
            self._values.popitem(last=False)


class StaleRounds:
    """What the cache means for convergence, round by round (the rule of :func:`~asng_opt.minimize`
    and of the black-box study's runner): :meth:`after_round` says whether the current optimizer
    counts as converged, :meth:`restarted` records a restart.

    Two kinds of optimizer:

    * one that restarts on convergence (``restart_on_convergence=True``): ``should_stop()`` ends
      it, and so do :data:`STALE_ROUNDS` rounds in a row without a new point (a distribution that
      only draws what it has seen costs no evaluation, so the budget would never end it);
    * one that walks (``restart_on_convergence=False``; :func:`~asng_opt.minimize` passes it for
      the black-box configuration on distributions of categorical variables alone -- and of
      categorical and integer ones, with the integer margin -- with restarts allowed:
      :func:`walks`): ``should_stop()`` does not end it. A converged categorical
      distribution is not stuck -- its lower bounds on the probabilities (the margin, or appendix
      D's theta_min; an integer's margin) keep it drawing single-variable changes of its mode, a local search whose
      repeated draws the cache answers for free. It ends when that search runs dry: its last
      :data:`STALE_ROUNDS` rounds drew fewer than :data:`WALK_YIELD` new points together. (Walking
      until 10 rounds in a row draw nothing new instead spends more rounds on draws the cache
      answers: the same results for about 4x the library time per evaluation on the black-box study's
      NK landscape; below two new points a round, a round costs several times per new point what a
      restart's draws cost.) It also ends once ``should_stop()`` holds and the elite has not
      improved for ``walk_stall`` updates (asng-opt 0.18, :func:`walk_stall`): on wide integer
      ranges the elitist mutants draw new points in every round, so the yield never runs dry.

    Args:
        restart_on_convergence: the kind, as above.
        walk_stall: where optimizers walk, the updates without improvement of the elite after which
            a converged one ends (:func:`walk_stall`; inf: only when its yield runs dry, the rule
            before asng-opt 0.18).

    Attributes:
        idle: whether the optimizer that just converged drew no new point since it started (and
            is a restarted one, or the stale rule fired): the next restart should start wide.
        idle_in_a_row: such optimizers in a row; at :data:`STALE_ROUNDS` the run should stop.
    """

    def __init__(self, restart_on_convergence: bool = True, walk_stall: float = math.inf) -> None:
        self.restart_on_convergence = bool(restart_on_convergence)
        self.walk_stall = float(walk_stall)
        self.recent: deque[int] = deque(maxlen=STALE_ROUNDS)  # new points of the last rounds
        self.new_since_restart = 0  # evaluations since the current optimizer started
        self.idle = False
        self.idle_in_a_row = 0

    def after_round(self, n_new: int, should_stop: bool, n_restarts: int, stall: int = 0) -> bool:
        """After a round with ``n_new`` new points evaluated: whether the optimizer has converged
        (see the class; ``stall``: its updates since the elite last improved,
        :attr:`BlackBoxASNG.stall <asng_opt.blackbox.BlackBoxASNG.stall>`, 0 for optimizers
        without an elite); sets :attr:`idle` and :attr:`idle_in_a_row` when it has."""
        self.new_since_restart += n_new
        self.recent.append(n_new)
        least = 1 if self.restart_on_convergence else WALK_YIELD  # new points the window must hold
        stale = len(self.recent) == STALE_ROUNDS and sum(self.recent) < least
        walked = should_stop and not self.restart_on_convergence and stall >= self.walk_stall
        if not (should_stop and self.restart_on_convergence or stale or walked):
            return False
        self.idle = self.new_since_restart == 0 and (stale or n_restarts > 0)
        self.idle_in_a_row = self.idle_in_a_row + 1 if self.idle else 0
        return True

    @property
    def exhausted(self) -> bool:
        """:data:`STALE_ROUNDS` optimizers in a row ended without a new point: stop the run."""
        return self.idle_in_a_row >= STALE_ROUNDS

    def near_best(self, opt: Any) -> bool:
        """Whether the restart after ``opt`` (which :meth:`after_round` just ended) should start
        near the best point: not after an idle optimizer (it drew nothing new there: go wide), and,
        where optimizers walk, not after a restart near the best point (``opt.n_restarts > 0``)
        whose elite never improved (asng-opt 0.11): that descent and its walk found nothing better
        around the best point, so the next one starts from the initial distribution, free of the
        elite's pull. Measured on the black-box study (one process): ``int-rosenbrock`` reached its
        optimum in 53/60 runs instead of 23/60, ``int-rotated-ellipsoid`` in 52/100 instead of
        45/100; the knapsack's median final gap 9 instead of 8 (90 seeds), the others identical."""
        if self.idle:
            return False
        if self.restart_on_convergence:
            return True
        improved = getattr(opt, "elite_improved", True)
        return not (getattr(opt, "n_restarts", 0) > 0 and not improved)

    def restarted(self) -> None:
        """A new optimizer starts now."""
        self.recent.clear()
        self.new_since_restart = 0


def restarts_on_convergence(dist: Any, int_margin: bool = False) -> bool:
    """Whether, with the cache, ``should_stop()`` should restart an optimizer of ``dist`` (a
    :class:`~asng_opt.distribution.Distribution` or a :class:`~asng_opt.Space`): when it has a
    free real-valued variable, or a free integer one and no integer margin (``int_margin`` false);
    fixed variables -- ``IntRange(v, v)``, ``FloatRange(v, v)``, an Integer with ``low == high``
    -- are ignored. Real draws never repeat (the stale rule would never fire), and a converged
    real variable moves by sigma_min: zooming restarts are the faster search. A converged integer
    variable without the margin moves by one step at a time for the same reason. With the
    black-box configuration's integer margin (:class:`~asng_opt.Integer`'s ``margin``) a converged
    integer keeps drawing its neighbours, as a converged categorical variable does, so a space of
    categorical and integer variables walks (see :class:`StaleRounds`). Measured with the margin
    (50 seeds each, minimize's defaults otherwise), evaluations to the optimum walking vs
    restarting: 736 vs 884 on a 10-integer ellipsoid, 879 vs 888 on 30 integers, 29 vs 38 on
    ``Integer(0, 2)`` with ``Integer(10, 200)``, 84 vs 87 on ``abs(v - 100)`` over
    ``Integer(0, 10**6)``; the black-box study's mixed problem (100 seeds) 481 vs 512."""
    if isinstance(dist, Space):
        return any(
            not isinstance(v, Choice) and not fixed_variable(v) and not (int_margin and isinstance(v, IntRange))
            for v in dist.variables.values()
        )
    return any(
        not isinstance(leaf, Categorical)
        and not is_single_point(leaf)
        and not (int_margin and isinstance(leaf, Integer))
        for leaf in leaves(dist)
    )


def walk_stall(dist: Any) -> int:
    """The updates without improvement after which a converged walking optimizer of ``dist`` (a
    distribution or a :class:`~asng_opt.Space`) ends (:class:`StaleRounds`):
    :data:`WALK_STALL_PER_VARIABLE` times its free categorical and integer variables, so that a
    walk tries each variable about as often whatever the space's size (a mutant changes about
    one). Measured (asng-opt 0.18; the black-box study's runs, one process, 40 seeds, 3,000
    evaluations): on 8 integers, 160 updates; ``int-zakharov`` solved in 40 runs (ERT 1,056)
    instead of 38 (1,201) with a cap of 100 updates, and ``int-rastrigin``, whose walks do find
    its optimum, in 30 runs instead of 38 with that cap and 38 with 200; the study's problems of
    categorical variables alone ran as before (their walks run dry first)."""
    d = dist.distribution if isinstance(dist, Space) else dist
    n_discrete = n_variables(d)[1]
    return WALK_STALL_PER_VARIABLE * max(n_discrete, 1)


def walks(dist: Any, blackbox: bool, max_restarts: float, int_margin: bool = False) -> bool:
    """Whether :func:`~asng_opt.minimize` lets an optimizer of ``dist`` walk after convergence
    (:class:`StaleRounds`): with the cache, the black-box configuration, restarts allowed and no
    variable that restarts on convergence (:func:`restarts_on_convergence`: categorical variables
    alone, or with ``int_margin`` categorical and integer ones). The paper's configuration
    and ``restarts=0`` stop at the first ``should_stop()``, as the paper's ASNG does."""
    return blackbox and max_restarts > 0 and not restarts_on_convergence(dist, int_margin)
