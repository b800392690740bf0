"""An optimizer's ``ask`` and the raw draws behind its samples: which raw samples a ``tell``
updates with.

``ask`` keeps ``opt._pending = (decoded samples, raw draws)``. Told samples equal to the decoded
ones -- in any order: they are matched as a multiset (:func:`~asng_opt._match.match_rows`) -- are
those draws (so an :class:`~asng_opt.Integer` updates with its unrounded Gaussian draws), and the
told values are put back in the ask's order, so the update is exactly that of an in-order tell;
any other valid samples are used as given. With a named :class:`~asng_opt.Space` the told
configurations are the ask's own dicts, unedited (recognised by identity: no encoding), or else
they are encoded and compared with the ask's configurations encoded.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ._checks import MAX_SAMPLES
from ._match import match_each, match_rows
from ._samples import copy_samples, n_samples, samples_equal

if TYPE_CHECKING:
    from .optimizer import Optimizer

__all__ = ["ask", "publish", "check_n", "told_raw", "asked_rows", "Asked"]


class Asked(NamedTuple):
    """A Space optimizer's last ask as it handed it out (``opt._asked``)."""

    #: the ``opt._pending`` it belongs to (stale once that is replaced)
    pending: Any
    #: the configuration dicts returned (the very objects)
    configs: list[dict[str, Any]]
    #: shallow copies of them, taken before the caller could edit them
    snapshots: list[dict[str, Any]]
    #: the snapshots encoded (``space.encode``), filled by the first tell that needs them
    codes: list[Any]


def check_n(opt: Optimizer, n: Any) -> int:
    """``n`` as an int in ``[1, MAX_SAMPLES]``, or ValueError naming ``<Optimizer>.ask``."""
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or not 1 <= n <= MAX_SAMPLES:
        raise ValueError(f"{type(opt).__name__}.ask: n must be a positive integer at most 2**31 - 1, got {n!r}")
    return int(n)


def ask(opt: Optimizer, n: Any) -> Any:
    """``n`` samples of ``opt``'s distribution at its theta, remembered as the pending ask: the raw
    draws decoded (``distribution.decode``), or with a Space their configurations.

    Raises:
        ValueError: if ``n`` is not a positive integer (before anything is drawn).
    """
    n = check_n(opt, n)
    return publish(opt, opt.distribution.sample(opt.theta, n, opt._rng))


def publish(opt: Optimizer, raw: Any) -> Any:
    """Make the raw draws ``raw`` ``opt``'s pending ask and return its samples (decoded; with a
    Space, ``k`` new configuration dicts, remembered by identity for the tell)."""
    user = opt.distribution.decode(raw)
    opt._pending = (copy_samples(user), raw)
    if opt.space is None:
        return user
    configs = opt.space.decode(user)
    opt._asked = Asked(opt._pending, configs, [dict(c) for c in configs], [])
    return configs


def told_raw(opt: Optimizer, samples: Any) -> tuple[Any, int, np.ndarray | None]:
    """The raw samples ``opt.tell(samples, ...)`` updates with, their number ``k``, and ``perm``:
    None when they are in the order told, else the pending ask's samples with ``samples[i]`` its
    sample ``perm[i]`` (the told values go to ``perm``: :func:`~asng_opt._match.in_pending_order`).

    Args:
        opt: the optimizer (its distribution, space and pending ask are read; the cache of the
            asked configurations' encoding may be filled).
        samples: ``(k, ...)`` samples of ``opt.distribution``, or with a Space a list of ``k``
            configuration dicts.

    Raises:
        ValueError: samples (or configurations) that do not fit the space, named by
            ``distribution.check_samples`` / ``space.encode`` and prefixed ``<Optimizer>.tell:``.
    """
    pending = opt._pending
    if opt.space is not None:
        perm = _own_configs(opt, samples)
        if perm is None:
            samples, perm = _encode_configs(opt, samples)
        if perm is not None and pending is not None:
            return pending[1], n_samples(pending[1]), _or_none(perm)
    elif pending is not None:
        if samples_equal(samples, pending[0]):
            return pending[1], n_samples(pending[1]), None
        perm = match_rows(samples, pending[0])
        if perm is not None:
            return pending[1], n_samples(pending[1]), _or_none(perm)
    try:
        raw, k = opt.distribution.check_samples(samples)
    except ValueError as e:
        raise ValueError(f"{type(opt).__name__}.tell: {e}") from None
    return raw, k, None


def asked_rows(opt: Optimizer, raw: Any) -> np.ndarray:
    """``(k,)`` ints: for each of the ``k`` raw samples that :func:`told_raw` returned for a tell,
    the pending ask's sample it is (its row in the ask's order), -1 for one that no ask drew. The
    ask's own batch (told whole, in any order: :func:`told_raw` returns the pending raw draws
    themselves) is ``arange(k)``; any other batch is matched sample by sample as a multiset
    (:func:`~asng_opt._match.match_each`), in the user's values (with a Space, the asked
    configurations encoded), so that a batch with samples dropped, added or of one's own keeps
    each asked sample recognised.

    Args:
        opt: the optimizer (its distribution, space and pending ask are read; the cache of the
            asked configurations' encoding may be filled).
        raw: ``(k, ...)`` raw samples, as :func:`told_raw` returned them (before any change).
    """
    k = n_samples(raw)
    pending = opt._pending
    if pending is None:
        return np.full(k, -1, dtype=np.intp)
    if raw is pending[1]:
        return np.arange(k)
    asked = pending[0] if opt.space is None else _asked_codes(opt)
    rows = match_each(opt.distribution.decode(raw), asked)
    return np.full(k, -1, dtype=np.intp) if rows is None else rows


def _or_none(perm: np.ndarray) -> np.ndarray | None:
    """``perm``, or None where it is the identity (the samples were told in order)."""
    return None if np.array_equal(perm, np.arange(len(perm))) else perm


def _own_configs(opt: Optimizer, configs: Any) -> np.ndarray | None:
    """``perm`` when ``configs`` are the pending ask's own dicts (the very objects, in any order,
    each once) holding the very values it gave them; None otherwise (then they are encoded)."""
    asked: Asked | None = getattr(opt, "_asked", None)
    if asked is None or asked.pending is not opt._pending or not isinstance(configs, (list, tuple)):
        return None
    if len(configs) != len(asked.configs):
        return None
    where = {id(c): j for j, c in enumerate(asked.configs)}
    perm = np.empty(len(configs), dtype=np.intp)
    seen = set()
    for i, c in enumerate(configs):
        j = where.get(id(c))
        if j is None or j in seen:
            return None
        snap = asked.snapshots[j]
        if c.keys() != snap.keys() or not all(map(operator.is_, c.values(), snap.values())):
            return None  # edited since the ask: encoded like any other configuration
        seen.add(j)
        perm[i] = j
    return perm


def _encode_configs(opt: Optimizer, configs: Any) -> tuple[Any, np.ndarray | None]:
    """Told configurations -> ``(batch, perm)``: the pending ask's batch and ``perm`` (see
    :func:`told_raw`) when they encode as its configurations do, in any order; else their own
    batch and None."""
    space = opt.space
    assert space is not None
    try:
        batch = space.encode(configs)
    except ValueError as e:
        raise ValueError(f"{type(opt).__name__}.tell: {e}") from None
    pending = opt._pending
    if pending is None:
        return batch, None
    codes = _asked_codes(opt)
    if samples_equal(batch, codes):
        return pending[0], np.arange(n_samples(codes))
    return batch, match_rows(batch, codes)


def _asked_codes(opt: Optimizer) -> Any:
    """The pending ask's configurations encoded (``space.encode`` of the snapshots taken at the
    ask), computed once per ask and cached in ``opt._asked``; needs a Space and a pending ask."""
    space, pending = opt.space, opt._pending
    assert space is not None and pending is not None
    asked: Asked | None = getattr(opt, "_asked", None)
    if asked is None or asked.pending is not pending:  # after load_state_dict: from the pending ask
        asked = opt._asked = Asked(pending, [], space.decode(pending[0]), [])
    if not asked.codes:
        asked.codes.append(space.encode(asked.snapshots))
    return asked.codes[0]
