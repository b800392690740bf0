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
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ._checks import integer

__all__ = ["EvaluationCache", "StaleRounds", "sample_key", "batch_keys", "CACHE_SIZE", "STALE_ROUNDS"]

#: the most points :func:`~asng_opt.minimize`'s cache remembers (least recently used forgotten
#: first); about 150 bytes each, whatever the sample's size (a 16-byte digest is the key)
CACHE_SIZE = 100_000


#: with the cache, this many rounds in a row in which every sample was a point already evaluated
#: count as convergence (a restart, as when ``should_stop()`` holds): the distribution only draws
#: what it has seen, and such rounds cost no evaluation, so the budget would never end them; and
#: after this many restarts in a row that ended without a new evaluation the run stops
#: "converged" (a small space evaluated whole, say)
STALE_ROUNDS = 10


def _feed(h: Any, x: Any) -> None:
    """Feed a canonical byte form of ``x`` (arrays with dtype and shape, dicts by sorted key,
    lists / tuples in order, other values by type and repr) to the hash ``h``."""
    if isinstance(x, Mapping):
        h.update(b"{")
        for k in sorted(x, key=repr):
            _feed(h, k)
            _feed(h, x[k])
        h.update(b"}")
    elif isinstance(x, (list, tuple)):
        h.update(b"[")
        for v in x:
            _feed(h, v)
        h.update(b"]")
    elif isinstance(x, (np.ndarray, np.generic)):
        a = np.ascontiguousarray(x)
        h.update(f"a{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    else:
        h.update(f"v{type(x).__name__}:{x!r};".encode())


def sample_key(sample: Any) -> bytes:
    """A 16-byte key of one sample (an array, a dict of them, or a configuration dict): equal
    samples (same values, dtypes and shapes) get equal keys; different ones collide with
    probability about 2^-128 (BLAKE2b digest)."""
    h = hashlib.blake2b(digest_size=16)
    _feed(h, sample)
    return h.digest()


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
        """Store ``value`` (a finite float) under ``key``, forgetting the least recently used entry
        beyond ``max_size``."""
        self._values[key] = float(value)
        self._values.move_to_end(key)
        if len(self._values) > self.max_size:
            self._values.popitem(last=False)


class StaleRounds:
    """What the cache means for convergence, round by round (the rule of :func:`~asng_opt.minimize`
    and of the black-box study's runner): :meth:`after_round` says whether the current optimizer
    counts as converged, :meth:`restarted` records a restart.

    Attributes:
        idle: whether the optimizer that just converged drew no new point since it started (and
            is a restarted one, or the stale rule fired): the next restart should start wide.
        idle_in_a_row: such optimizers in a row; at :data:`STALE_ROUNDS` the run should stop.
    """

    def __init__(self) -> None:
        self.stale = 0  # rounds in a row without a new evaluation
        self.new_since_restart = 0  # evaluations since the current optimizer started
        self.idle = False
        self.idle_in_a_row = 0

    def after_round(self, n_new: int, should_stop: bool, n_restarts: int) -> bool:
        """After a round with ``n_new`` new evaluations: whether the optimizer has converged
        (``should_stop``, or :data:`STALE_ROUNDS` rounds in a row without a new point); sets
        :attr:`idle` and :attr:`idle_in_a_row` when it has."""
        self.new_since_restart += n_new
        self.stale = 0 if n_new else self.stale + 1
        stale = self.stale >= STALE_ROUNDS
        if not (should_stop or stale):
            return False
        self.idle = self.new_since_restart == 0 and (stale or n_restarts > 0)
        self.idle_in_a_row = self.idle_in_a_row + 1 if self.idle else 0
        return True

    @property
    def exhausted(self) -> bool:
        """:data:`STALE_ROUNDS` optimizers in a row ended without a new point: stop the run."""
        return self.idle_in_a_row >= STALE_ROUNDS

    def restarted(self) -> None:
        """A new optimizer starts now."""
        self.stale = self.new_since_restart = 0
