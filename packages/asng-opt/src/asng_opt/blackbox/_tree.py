"""Walking a (possibly nested) :class:`~asng_opt.Product` and the samples and parameters laid out
like it: its leaves, their counts of variables, and per-leaf maps over parameters and raw samples.
Raw samples are arrays ``(k, ...)`` for a leaf and dicts of them, keyed like the Product's parts."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import numpy as np

from ..categorical import Categorical
from ..distribution import Distribution
from ..gaussian import Gaussian
from ..integer import Integer
from ..product import Product

__all__ = [
    "leaves",
    "n_variables",
    "is_real",
    "is_integer",
    "n_real",
    "n_integer",
    "n_theta_cat",
    "map_leaves",
    "collect",
    "clip_integers",
    "integer_values",
    "take",
    "take_first",
    "take_rows",
    "append",
    "arrays",
    "copy",
    "in_cma",
    "n_cma",
    "cma_columns",
    "n_free_integer",
    "free_integers",
    "real_rows",
    "with_real_rows",
    "real_bounds",
    "per_distribution",
]

_T = TypeVar("_T")


def per_distribution(cache: weakref.WeakKeyDictionary[Any, _T], dist: Distribution, compute: Callable[[], _T]) -> _T:
    """``cache[dist]``, set to ``compute()`` on first use (a distribution's parts and counts never
    change; weak keys: forgotten with the distribution); ``compute()`` each time for a distribution
    without weak references or hash (a user's subclass defining ``__eq__``)."""
    try:
        value = cache.get(dist)
    except TypeError:
        return compute()
    if value is None:
        value = cache[dist] = compute()
    return value


def leaves(dist: Distribution) -> list[Distribution]:
    """The non-Product distributions inside ``dist``, in parameter order."""
    if isinstance(dist, Product):
        return [leaf for part in dist.parts.values() for leaf in leaves(part)]
    return [dist]


def free_integers(leaf: Integer) -> np.ndarray:
    """``(n_variables,)`` bools: which variables of an Integer part are not fixed (``low < high``)."""
    return leaf.int_high > leaf.int_low


def n_variables(dist: Distribution) -> tuple[int, int]:
    """(all variables, categorical + integer variables) of the free (non-constant) kind."""
    n_all = n_discrete = 0
    for leaf in leaves(dist):
        if isinstance(leaf, Categorical):
            k = int(np.count_nonzero(np.asarray(leaf.categories) > 1))
            n_all, n_discrete = n_all + k, n_discrete + k
        elif isinstance(leaf, Integer):  # low == high: a fixed variable, not counted
            k = int(np.count_nonzero(free_integers(leaf)))
            n_all, n_discrete = n_all + k, n_discrete + k
        else:
            n_all += getattr(leaf, "n_variables", 1)
    return n_all, n_discrete


def is_real(leaf: Distribution) -> bool:
    """A real-valued part (a Gaussian that is not an Integer)."""
    return isinstance(leaf, Gaussian) and not isinstance(leaf, Integer)


def n_real(dist: Distribution) -> int:
    """The number of real-valued variables of ``dist``."""
    return sum(cast(Gaussian, leaf).n_variables for leaf in leaves(dist) if is_real(leaf))


def is_integer(leaf: Distribution) -> bool:
    """An integer part."""
    return isinstance(leaf, Integer)


def n_integer(dist: Distribution) -> int:
    """The number of integer variables of ``dist``."""
    return sum(cast(Integer, leaf).n_variables for leaf in leaves(dist) if is_integer(leaf))


def in_cma(leaf: Distribution, joint: bool = False) -> bool:
    """Whether the full-covariance CMA-ES step (:mod:`~asng_opt.blackbox.cma`) draws and moves
    ``leaf``: a real-valued part, and with ``joint`` (BlackBoxASNG's ``int_update="full"``) an
    Integer part too."""
    return is_real(leaf) or joint and is_integer(leaf)


def cma_columns(dist: Distribution, joint: bool = False) -> np.ndarray:
    """``(n,)`` bools over the columns of :func:`real_rows` (every variable :func:`in_cma`): True
    where the variable is in the CMA-ES's vector -- every real-valued one, and (with ``joint``)
    every integer one that is not fixed (``low == high``: a fixed integer has nothing to learn and
    only slowed C's learning, whose rates fall as 1 / n^2)."""
    cols: list[np.ndarray] = []
    for leaf in leaves(dist):
        if isinstance(leaf, Integer) and joint:
            cols.append(free_integers(leaf))
        elif in_cma(leaf, joint):
            cols.append(np.ones(cast(Gaussian, leaf).n_variables, dtype=bool))
    return np.concatenate(cols) if cols else np.zeros(0, dtype=bool)


def n_cma(dist: Distribution, joint: bool = False) -> int:
    """The number of variables in the CMA-ES's vector (:func:`cma_columns`): the real-valued ones,
    with ``joint`` the free integer ones too (n of the CMA-ES step, the size of its C)."""
    return int(np.count_nonzero(cma_columns(dist, joint)))


def n_free_integer(dist: Distribution) -> int:
    """The number of integer variables that are not fixed (``low < high``)."""
    return sum(int(np.count_nonzero(free_integers(leaf))) for leaf in leaves(dist) if isinstance(leaf, Integer))


def asng_moves(leaf: Distribution, integers: bool = True) -> bool:
    """Whether ASNG's step moves ``leaf``: a Categorical, and an Integer when ``integers``
    (BlackBoxASNG's ``int_update="asng"``)."""
    return isinstance(leaf, Categorical) or integers and is_integer(leaf)


def n_theta_cat(dist: Distribution, integers: bool = True) -> int:
    """The parameters ASNG's step moves: those of the Categorical parts, and with ``integers`` of
    the Integer parts too."""
    return sum(leaf.n_theta for leaf in leaves(dist) if asng_moves(leaf, integers))


def map_leaves(dist: Distribution, theta: Any, raw: Any, fn: Any) -> Any:
    """Apply ``fn(leaf, theta, raw)`` to every leaf; the results in the layout of theta."""
    if isinstance(dist, Product):
        return {k: map_leaves(p, theta[k], raw[k], fn) for k, p in dist.parts.items()}
    return fn(dist, theta, raw)


def collect(dist: Distribution, tree: Any) -> list[Any]:
    """The per-leaf entries of ``tree`` (laid out like ``dist``), in the order of :func:`leaves`."""
    if isinstance(dist, Product):
        return [x for k, p in dist.parts.items() for x in collect(p, tree[k])]
    return [tree]


def clip_integers(dist: Distribution, raw: Any) -> Any:
    """Raw draws with every Integer part's clipped to its [low, high] (a draw beyond a bound is
    evaluated at the bound: updating with the draw itself kept sigma wide on wide ranges)."""
    if isinstance(dist, Product):
        return {k: clip_integers(p, raw[k]) for k, p in dist.parts.items()}
    if isinstance(dist, Integer):
        return np.clip(raw, dist.low, dist.high)
    return raw


def integer_values(dist: Distribution, raw: Any) -> Any:
    """Raw draws with every Integer part's replaced by the integer the objective saw
    (:meth:`~asng_opt.Integer.decode`), in raw coordinates (``value - origin``); other parts as
    they are (the same arrays)."""
    if isinstance(dist, Product):
        return {k: integer_values(p, raw[k]) for k, p in dist.parts.items()}
    if isinstance(dist, Integer):
        return dist.decode(raw).astype(float) - dist.origin
    return raw


def take(raw: Any, j: int) -> Any:
    """Sample ``j`` of ``raw``, as a batch of one (a copy)."""
    if type(raw) is not np.ndarray and isinstance(raw, Mapping):  # an array: no ABC check
        return {k: take(v, j) for k, v in raw.items()}
    return np.array(raw[j : j + 1], copy=True)


def take_first(raw: Any, k: int) -> Any:
    """The first ``k`` samples of ``raw``."""
    if type(raw) is not np.ndarray and isinstance(raw, Mapping):  # an array: no ABC check
        return {key: take_first(v, k) for key, v in raw.items()}
    return raw[:k]


def take_rows(raw: Any, idx: np.ndarray) -> Any:
    """The samples ``idx`` (an index array) of ``raw``, in that order."""
    if type(raw) is not np.ndarray and isinstance(raw, Mapping):  # an array: no ABC check
        return {key: take_rows(v, idx) for key, v in raw.items()}
    return np.asarray(raw)[idx]


def append(raw: Any, one: Any) -> Any:
    """``raw`` with the batch ``one`` appended."""
    if type(raw) is not np.ndarray and isinstance(raw, Mapping):  # an array: no ABC check
        return {k: append(v, one[k]) for k, v in raw.items()}
    return np.concatenate([raw, one], axis=0)


def arrays(raw: Any) -> list[Any]:
    """The arrays inside ``raw``."""
    if isinstance(raw, Mapping):
        return [a for v in raw.values() for a in arrays(v)]
    return [raw]


def copy(raw: Any) -> Any:
    """A deep copy of ``raw``'s arrays."""
    if isinstance(raw, Mapping):
        return {k: copy(v) for k, v in raw.items()}
    return np.array(raw, copy=True)


def real_rows(dist: Distribution, tree: Any, joint: bool = False) -> np.ndarray:
    """The real-valued variables of raw samples ``tree`` (``(k, n_leaf)`` per leaf) side by side:
    ``(k, n_real)`` floats, in :func:`leaves` order (``(k, 0)`` without real variables); with
    ``joint`` every variable :func:`in_cma`, ``(k, n_cma)``."""
    blocks = [np.asarray(x, dtype=float) for d, x in zip(leaves(dist), collect(dist, tree)) if in_cma(d, joint)]
    if not blocks:
        return np.zeros((0, 0))
    return np.concatenate(blocks, axis=-1)


def with_real_rows(dist: Distribution, tree: Any, rows: np.ndarray, joint: bool = False) -> Any:
    """``tree`` (raw samples laid out like ``dist``) with its real-valued leaves (with ``joint``:
    every leaf :func:`in_cma`) replaced by the columns of ``rows`` ``(k, n)`` (:func:`real_rows`'
    layout); other leaves are kept as they are."""
    start = 0

    def put(d: Distribution, x: Any) -> Any:
        nonlocal start
        if not in_cma(d, joint):
            return x
        n = cast(Gaussian, d).n_variables
        start += n
        return rows[:, start - n : start]

    return _put_walk(dist, tree, put)


def _put_walk(dist: Distribution, tree: Any, put: Any) -> Any:
    if isinstance(dist, Product):
        return {k: _put_walk(p, tree[k], put) for k, p in dist.parts.items()}
    return put(dist, tree)


def real_bounds(dist: Distribution, joint: bool = False) -> tuple[np.ndarray, ...]:
    """``(low, high, sigma_min, sigma_max)``, each ``(n_real,)`` (with ``joint`` ``(n_cma,)``, every
    variable :func:`in_cma`): the variables' bounds on the mean and on sigma as the projection
    (appendix D) holds them (infinite ones as ``REAL_LIMIT``)."""
    cols: list[list[np.ndarray]] = [[], [], [], []]
    for d in leaves(dist):
        if in_cma(d, joint):
            g = cast(Gaussian, d)
            for c, v in zip(cols, (g._low, g._high, g.sigma_min, g._smax)):
                c.append(np.broadcast_to(np.asarray(v, dtype=float), (g.n_variables,)))
    return tuple(np.concatenate(c) if c else np.zeros(0) for c in cols)
