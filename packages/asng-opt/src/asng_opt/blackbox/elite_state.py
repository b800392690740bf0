"""The saved parts of :class:`~.elite.Elitism` in a ``state_dict()``, checked before a load:
``"elite"`` (:func:`check_elite`) and ``"elitism"`` (:func:`check_counters`), both by
:func:`checked`."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import _checks
from .._samples import n_samples, same_layout, samples_equal
from ..distribution import Distribution
from ..integer import Integer
from ..product import Product
from ._tree import arrays, copy, take
from .mutant import _to_raw, _user_ints

__all__ = ["checked", "check_elite", "check_counters", "check_earned", "check_union"]


def checked(dist: Distribution, state: Any) -> tuple[Any, tuple[Any, int, list[Any], Any, int]]:
    """``state`` (a ``state_dict()``) without its ``"elite"`` and ``"elitism"`` entries, and those
    checked: ``(elite, stall, mutants, union, earned)`` for :meth:`~.elite.Elitism.load`. A dict that is no
    mapping is returned as it is (the optimizer's loader refuses it by name).

    Raises:
        ValueError: an entry is invalid (see :func:`check_elite`, :func:`check_counters`,
            :func:`check_union`, :func:`check_earned`).
    """
    if not isinstance(state, Mapping):
        return state, (None, 0, [], None, 0)
    elite = state.get("elite")
    check_elite(dist, elite)
    pending = state.get("pending")
    pending_raw = pending[1] if isinstance(pending, (tuple, list)) and len(pending) == 2 else None
    stall, mutants = check_counters(dist, state.get("elitism"), pending_raw)
    union = check_union(dist, state.get("elitism"), elite, state.get("hyper"))
    earned = check_earned(state.get("elitism"), state.get("hyper"), state.get("t"))
    rest = {k: v for k, v in state.items() if k not in ("elite", "elitism")}
    return rest, (elite, stall, mutants, union, earned)


def check_counters(dist: Distribution, saved: Any, pending_raw: Any) -> tuple[int, list[Any]]:
    """Check a saved :meth:`Elitism.counters` dict (None: a dict of asng-opt <= 0.4, stall 0 and no
    mutants) against the state's pending ask (its raw draws ``(k, ...)``, or None) and return
    ``(stall, mutants)``: the mutants must be the pending ask's last samples, in order, at most
    ``max(1, k - 2)`` of the k (one for a batch of 1 or 2, as :meth:`BlackBoxASNG.n_mutants` gives).

    Raises:
        ValueError: naming the problem (``BlackBoxASNG.load_state_dict: invalid 'elitism': ...``).
    """
    if saved is None:
        return 0, []
    where = "BlackBoxASNG.load_state_dict: invalid 'elitism'"
    if not isinstance(saved, dict) or set(saved) - {"union", "earned"} != {"stall", "mutants"}:
        raise ValueError(
            f"{where}: expected a dict with keys 'stall', 'mutants', (asng-opt >= 0.7) 'union' and "
            "(asng-opt >= 0.12) 'earned'"
        )
    stall = _checks.count("'stall'", saved["stall"], where)
    mutants = saved["mutants"]
    if not isinstance(mutants, (list, tuple)):
        raise ValueError(f"{where}: 'mutants' must be a list of raw samples")
    for x in mutants:
        _check_one(dist, x, where)
    k = 0 if pending_raw is None else n_samples(pending_raw)
    if len(mutants) > (0 if k == 0 else max(1, k - 2)):  # what BlackBoxASNG.n_mutants(k) can give
        raise ValueError(f"{where}: {len(mutants)} mutant(s) for a pending ask of {k} sample(s)")
    for j, x in enumerate(mutants):
        if not samples_equal(take(pending_raw, k - len(mutants) + j), x):
            raise ValueError(f"{where}: mutant {j} is not the pending ask's sample {k - len(mutants) + j}")
    return stall, [copy(x) for x in mutants]


def _true(flag: Any) -> bool:
    """A saved flag that is True (a Python or numpy bool, as the constructor's checks accept)."""
    return isinstance(flag, (bool, np.bool_)) and bool(flag)


def check_earned(saved: Any, hyper: Any = None, t: Any = None) -> int:
    """The saved count of the mutants' successes (``state_dict()["elitism"]["earned"]``): a count,
    at most the state's updates ``t`` (one success per tell at most). It may be absent (0) only
    where it has no effect, a state without ``earn_mutants=True`` in its ``hyper`` (asng-opt before
    0.12, or 0.11's rule chosen); absent from one with it, the run would not resume as it ran. Call
    after :func:`check_counters` (which checks the dict's keys).

    Raises:
        ValueError: it is not a non-negative integer, exceeds ``t``, or is missing where needed.
    """
    where = "BlackBoxASNG.load_state_dict: invalid 'elitism'"
    needed = isinstance(hyper, Mapping) and _true(hyper.get("earn_mutants"))
    if saved is None and needed:
        raise ValueError(
            f"{where}: no 'elitism' (with 'earned', the mutants' successes); the state has earn_mutants=True"
        )
    if not isinstance(saved, dict):
        return 0
    if "earned" not in saved:
        if needed:
            raise ValueError(f"{where}: 'earned' (the mutants' successes) is missing; the state has earn_mutants=True")
        return 0
    earned = _checks.count("'earned'", saved["earned"], where)
    if isinstance(t, (int, np.integer)) and not isinstance(t, bool) and earned > t:
        raise ValueError(f"{where}: 'earned' ({earned}) exceeds the updates made ({t}): at most one success per tell")
    return earned


def check_union(dist: Distribution, saved: Any, elite: Any = None, hyper: Any = None) -> Any:
    """The saved neutral union (``state_dict()["elitism"]["union"]``, absent before asng-opt 0.7:
    None) checked and copied: None, or one finite raw sample ``(1, ...)`` of the distribution laid
    out as the saved ``elite`` (the same keys, shapes and kinds of dtype), its integers integral and
    in range as the objective sees them (what a union is made of: mutants' values). A union needs
    an elite and ``hyper`` with ``mutant``, a ``mutant_share`` and ``neutral_union``. Call after
    :func:`check_counters` (which checks the dict's keys) and :func:`check_elite`.

    Raises:
        ValueError: naming the problem (``BlackBoxASNG.load_state_dict: invalid 'elitism'
            'union': ...``).
    """
    union = saved.get("union") if isinstance(saved, dict) else None
    if union is None:
        return None
    where = "BlackBoxASNG.load_state_dict: invalid 'elitism' 'union'"
    if elite is None:
        raise ValueError(f"{where}: a union without an elite")
    h = hyper if isinstance(hyper, Mapping) else {}
    if not (_true(h.get("mutant")) and h.get("mutant_share") is not None and _true(h.get("neutral_union"))):
        raise ValueError(f"{where}: a union needs mutant=True, a mutant_share and neutral_union=True")
    _check_one(dist, union, where)
    if not same_layout(union, elite[0]):
        raise ValueError(f"{where}: not laid out as the elite (keys, shapes, dtypes)")
    if not _integral(dist, union):
        raise ValueError(f"{where}: an integer that is not an in-range integer value")
    return copy(union)


def _integral(dist: Distribution, x: Any) -> bool:
    """Whether every Integer part of raw sample ``x`` (laid out like ``dist``) is the raw form of
    its in-range integer values (:func:`~.mutant._user_ints`)."""
    if isinstance(dist, Product):
        return all(_integral(d, x[k]) for k, d in dist.parts.items())
    if isinstance(dist, Integer):
        raw = np.asarray(x, dtype=float)[0]
        return bool(np.array_equal(_to_raw(dist, _user_ints(dist, raw)[0]), raw))
    return True


def check_elite(dist: Distribution, saved: Any) -> None:
    """Check a saved elite (``state_dict()["elite"]``) before :meth:`Elitism.load`: None, or
    ``(raw sample (1, ...) of the distribution, finite value)``.

    Raises:
        ValueError: naming the problem (``BlackBoxASNG.load_state_dict: invalid 'elite': ...``
            or ``... 'elite' must be finite``).
    """
    if saved is None:
        return
    where = "BlackBoxASNG.load_state_dict: invalid 'elite'"
    try:
        raw, value = saved
        value = float(value)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: {e}") from None
    _check_one(dist, raw, where)
    if not math.isfinite(value):
        raise ValueError("BlackBoxASNG.load_state_dict: 'elite' must be finite")


def _check_one(dist: Distribution, x: Any, where: str) -> None:
    """Raise ValueError (prefixed ``where``) unless ``x`` is one finite raw sample ``(1, ...)`` of
    the distribution."""
    try:
        dist.check_samples(dist.decode(x))
        if n_samples(x) != 1:
            raise ValueError(f"must be one sample (1, ...), got {n_samples(x)}")
        finite = all(np.all(np.isfinite(np.asarray(a, dtype=float))) for a in arrays(x))
    except (TypeError, ValueError, KeyError, IndexError, AttributeError) as e:
        raise ValueError(f"{where}: {e}") from None
    if not finite:
        raise ValueError(f"{where}: must be finite")
