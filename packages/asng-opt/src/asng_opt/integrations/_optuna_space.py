"""An optuna search space as one asng_opt :class:`~asng_opt.Product`, and the way back.

Each optuna distribution becomes one variable of one of three parts:

* ``"cat"`` -- :class:`~asng_opt.Categorical`: a ``CategoricalDistribution`` with ``m`` choices is
  a variable with ``m`` categories (the choice's index, optuna's internal representation).
* ``"int"`` -- :class:`~asng_opt.Integer` over the grid index ``k`` in ``[0, K]``, ``K <= 2**51``:
  an ``IntDistribution`` without ``log`` (value ``low + k * step``, ``K = (high - low) // step``)
  and a ``FloatDistribution`` with ``step`` (value ``low + k * step``, clipped to ``high``).
  optuna holds every value as a float64 and keeps a sampled value only if its own check, in float
  arithmetic, finds it on the grid: a grid value it would not keep (an int beyond 2**53 in
  magnitude, a float step finer than float64 resolves there) goes to the nearest one it keeps
  (:func:`_held_index`, :meth:`SpaceCodec.hold`).
* ``"real"`` -- :class:`~asng_opt.Gaussian` in the unit coordinate ``u``: a ``FloatDistribution``
  without ``step`` (``x = low + u (high - low)``, or ``exp`` of that on the log scale when
  ``log=True``), an ``IntDistribution`` with ``log=True`` (the log of ``[low - 1/2, high + 1/2]``
  mapped to ``[0, 1]``, then rounded, as optuna's CMA-ES sampler does) and a stepped int / float
  distribution whose grid has more than 2**51 steps (:data:`~asng_opt.integer.INTEGER_LIMIT`,
  beyond which an :class:`~asng_opt.Integer` is not exact in float64): ``[low - step/2, high +
  step/2]`` mapped linearly to ``[0, 1]``, then rounded to the nearest grid value that optuna's
  float64 can hold (:func:`_held_index`; searched as a real: to about ``REAL_SIGMA_MIN`` of its
  range, not to single steps). The mean is bounded to
  ``[0, 1]``, samples are clipped to it; sigma starts at ``REAL_SIGMA0`` and stays in
  ``[REAL_SIGMA_MIN, REAL_SIGMA_MAX]``: a named :class:`~asng_opt.Space`'s ``"float"`` part
  (the parts are built by :func:`asng_opt._space_parts.space_parts`, as a Space's are).

Single-valued distributions are not part of a relative space (optuna suggests their one value
itself). A *raw* sample is what the distribution drew: category indices, the Integer's raw
Gaussian draws (clipped and rounded only when decoded) and the Gaussian's ``u`` before clipping.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    distribution_to_json,
)

from .._space_parts import FLOAT_SIGMA_INIT, FLOAT_SIGMA_MAX, FLOAT_SIGMA_MIN, space_parts
from ..integer import INTEGER_LIMIT
from ..product import Product

__all__ = ["SpaceCodec", "REAL_SIGMA0", "REAL_SIGMA_MIN", "REAL_SIGMA_MAX"]

#: initial sigma of a real variable in the unit coordinate (a Space's FloatRange's)
REAL_SIGMA0 = FLOAT_SIGMA_INIT
#: the smallest sigma of a real variable: 1e-10 of its (log-)range (1e-3 before replay version 2, 1e-6
#: before version 3)
REAL_SIGMA_MIN = FLOAT_SIGMA_MIN
#: the largest sigma of a real variable: half its range (as an Integer's)
REAL_SIGMA_MAX = FLOAT_SIGMA_MAX

PARTS = ("cat", "int", "real")
#: the codec's part of each part of :func:`~asng_opt._space_parts.space_parts`
_PART_OF = {"cat": "cat", "int": "int", "float": "real"}


class SpaceCodec:
    """The asng_opt distribution of an optuna search space, and sample <-> parameter conversions.

    Args:
        search_space: ``{name: distribution}`` of optuna distributions, none of them single-valued.

    Attributes:
        names: the parameter names, sorted.
        distribution: a :class:`~asng_opt.Product` with the parts ``"cat"``, ``"int"``, ``"real"``
            that have variables.
        n_variables: the number of parameters.
        key: a short hash of the space (names and distributions), stored with each trial.

    Raises:
        ValueError: for an empty space, a single-valued or unknown distribution type.
    """

    def __init__(self, search_space: Mapping[str, BaseDistribution]):
        if not search_space:
            raise ValueError("ASNGSampler: the relative search space is empty")
        self.names = sorted(search_space)
        self.space = {n: search_space[n] for n in self.names}
        self.slots: dict[str, tuple[str, int]] = {}  # name -> (part, index in the part)
        cats: list[int] = []
        grid: list[int] = []
        n_real = 0
        for name in self.names:
            d = self.space[name]
            if d.single():
                raise ValueError(f"ASNGSampler: parameter {name!r} has a single value; it is not sampled")
            if isinstance(d, CategoricalDistribution):
                self.slots[name] = ("cat", len(cats))
                cats.append(len(d.choices))
            elif _stepped(d) and _grid_size(d) <= INTEGER_LIMIT:
                self.slots[name] = ("int", len(grid))
                grid.append(_grid_size(d))
            elif isinstance(d, (IntDistribution, FloatDistribution)):
                self.slots[name] = ("real", n_real)
                n_real += 1
            else:
                raise ValueError(f"ASNGSampler: parameter {name!r} has an unsupported distribution {d!r}")
        parts = space_parts(cats, [0] * len(grid), grid, n_real)
        self.distribution = Product({_PART_OF[k]: p for k, p in parts.items()})
        self.n_variables = len(self.names)
        text = json.dumps([[n, distribution_to_json(self.space[n])] for n in self.names])
        self.key = hashlib.sha1(text.encode()).hexdigest()[:16]

    # ---- one sample ---------------------------------------------------------------------------
    def sample(self, theta: Any, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """One raw sample from p_theta: ``{part: (n_part,) array}``."""
        raw = self.distribution.sample(theta, 1, rng)
        return {k: np.asarray(v)[0] for k, v in raw.items()}

    def hold(self, raw: Mapping[str, Any]) -> dict[str, np.ndarray]:
        """``raw`` with each ``"int"`` entry whose grid value optuna would not keep (:func:`_holds`)
        moved to the nearest grid index whose value it keeps (:func:`_held_index`), so that the
        raw sample stored with a trial decodes to the value the trial evaluates; the other entries
        as drawn. Only grids with values beyond 2**53 in magnitude, or float steps finer than
        float64 resolves at their values, change anything."""
        out = {k: np.array(v) for k, v in raw.items()}
        if "int" not in out:
            return out
        part = self.distribution.parts["int"]
        user = part.decode(out["int"][None])[0]
        held = np.array(user)
        for name in self.names:
            kind, i = self.slots[name]
            if kind == "int":
                held[i] = _held_index(self.space[name], int(user[i]))
        moved = held != user
        if np.any(moved):
            raw_held, _ = part.check_samples(held[None])
            out["int"] = np.where(moved, np.asarray(raw_held)[0], out["int"])
        return out

    def to_params(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        """The optuna parameter values (external representation) of one raw sample."""
        user = self.distribution.decode({k: np.asarray(v)[None] for k, v in raw.items()})
        out: dict[str, Any] = {}
        for name in self.names:
            part, i = self.slots[name]
            d = self.space[name]
            v = user[part][0, i]
            if part == "cat":
                assert isinstance(d, CategoricalDistribution)
                out[name] = d.choices[int(v)]
            elif part == "int":
                out[name] = _grid_value(d, _held_index(d, int(v)))
            else:
                out[name] = _real_value(d, float(np.clip(v, 0.0, 1.0)))
        return out

    def from_params(self, params: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
        """A raw sample whose decoded values are ``params`` (for trials whose values were fixed,
        e.g. enqueued): category indices, grid indices, unit coordinates; None when a value has
        no place in the space (a category not among the choices, NaN, not a number).

        A value optuna ran although its distribution does not contain it (an enqueued trial:
        optuna only warns) is mapped to the nearest point of the space: a number outside
        ``[low, high]`` (+-inf included) is clipped to the bound, an off-grid value of a stepped
        distribution goes to the nearest grid value (halfway: the larger one, ``floor(k + 1/2)``),
        a log-scaled int to its nearest unit coordinate. So such a trial teaches the optimizer
        about the point of the space nearest to what was evaluated, and every later sample keeps
        working."""
        user: dict[str, list[Any]] = {p: [] for p in self.distribution.parts}
        for name in self.names:
            part, _ = self.slots[name]
            d = self.space[name]
            x = params[name]
            try:  # numbers directly: optuna's to_internal_repr refuses a log scale's x <= 0
                if part == "cat":
                    v: Any = int(d.to_internal_repr(x))
                elif isinstance(d, IntDistribution) and isinstance(x, (int, np.integer)) and not isinstance(x, bool):
                    v = int(x)  # exact: a float would round an int beyond 2**53
                else:
                    v = float(x)
            except (TypeError, ValueError, OverflowError):
                return None
            if part == "cat":
                if not 0 <= v < len(d.choices):  # type: ignore[attr-defined]
                    return None
            elif isinstance(v, float) and math.isnan(v):
                return None
            elif part == "int":
                v = _grid_index(d, v)
            else:
                v = _real_unit(d, v)
            user[part].append(v)
        raw, _ = self.distribution.check_samples({k: np.array([v]) for k, v in user.items()})
        return {k: np.asarray(v)[0] for k, v in raw.items()}

    # ---- storage ------------------------------------------------------------------------------
    def raw_to_json(self, raw: Mapping[str, Any]) -> dict[str, list[Any]]:
        """A raw sample as JSON-ready lists (floats round-trip exactly through JSON)."""
        return {k: np.asarray(v).tolist() for k, v in raw.items()}

    def raw_from_json(self, data: Any) -> dict[str, np.ndarray] | None:
        """The raw sample stored by :meth:`raw_to_json`, or None if it does not fit this space."""
        if not isinstance(data, Mapping) or set(data) != set(self.distribution.parts):
            return None
        out: dict[str, np.ndarray] = {}
        for k, part in self.distribution.parts.items():
            v = np.asarray(data[k], dtype=np.int64 if k == "cat" else float)
            if v.shape != (part.n_variables,):  # type: ignore[attr-defined]
                return None
            out[k] = v
        return out


def _grid_value(d: BaseDistribution, k: int) -> Any:
    """``low + k * step`` of an int / stepped float distribution (floats clipped to ``high``)."""
    if isinstance(d, IntDistribution):
        return int(d.low + k * d.step)
    assert isinstance(d, FloatDistribution) and d.step is not None
    return float(min(d.low + k * d.step, d.high))


#: how many grid steps either side :func:`_held_index` looks for a value optuna keeps
HOLD_SEARCH = 2**12
#: how many float64 values either side of an int grid value :func:`_held_index` tries first (an int
#: that float64 holds exactly is one of them, at any magnitude; one in ``step`` of them lies on the grid)
HOLD_FLOATS = 64


def _holds(d: BaseDistribution, v: Any) -> bool:
    """Whether optuna keeps grid value ``v`` of ``d`` as it is: it holds a parameter as a float64
    (an int beyond 2**53 in magnitude is rounded) and takes a relatively sampled value only when
    the distribution's own check, in float arithmetic, finds it on the grid; otherwise it samples
    the parameter at random instead (``Trial._is_relative_param``)."""
    x = d.to_internal_repr(v)
    return d._contains(x) and (not isinstance(d, IntDistribution) or x == v)


def _held_index(d: BaseDistribution, k: int) -> int:
    """The grid index nearest to ``k`` whose value optuna keeps (:func:`_holds`): ``k`` itself when
    it does (every grid whose values stay within 2**53 in magnitude and whose step float64
    resolves); for an int grid, else the grid value nearest to it among the :data:`HOLD_FLOATS`
    float64 values either side (at any magnitude); else the nearest within :data:`HOLD_SEARCH`
    grid steps; else the nearest there that optuna's check passes although it rounds it (an int it
    evaluates rounded); else ``k`` (a value optuna replaces: a float step far finer than float64
    resolves near ``low``, e.g. ``step=1e-9`` on [1000, 1002], has few kept values)."""
    v = _grid_value(d, k)
    if _holds(d, v):
        return k
    size = _grid_size(d)
    if isinstance(d, IntDistribution):  # the float64 values nearest to v, outwards
        for x in _outwards(float(v)):
            w = int(x)
            if d.low <= w <= d.high and (w - d.low) % d.step == 0 and _holds(d, w):
                return (w - d.low) // d.step
    passing = None
    for j in range(1, HOLD_SEARCH + 1):
        for i in (k - j, k + j):
            if 0 <= i <= size:
                w = _grid_value(d, i)
                if _holds(d, w):
                    return i
                if passing is None and d._contains(d.to_internal_repr(w)):
                    passing = i
    return k if passing is None else passing


def _outwards(x: float) -> Any:
    """``x``, then the float64 values next to it, alternately above and below, :data:`HOLD_FLOATS`
    each way."""
    up = down = x
    yield x
    for _ in range(HOLD_FLOATS):
        up, down = math.nextafter(up, math.inf), math.nextafter(down, -math.inf)
        yield up
        yield down


def _stepped(d: BaseDistribution) -> bool:
    """Whether ``d`` is a grid ``low + k * step``: an int distribution without ``log``, or a float
    distribution with ``step``."""
    if isinstance(d, IntDistribution):
        return not d.log
    return isinstance(d, FloatDistribution) and d.step is not None


def _log_bounds(d: BaseDistribution) -> tuple[float, float]:
    """The interval the unit coordinate spans: ``(low, high)``, their logs, for a log-scaled
    integer the logs of ``low - 1/2`` and ``high + 1/2`` (each integer gets its share), or for a
    grid too wide for an Integer ``low - step/2`` and ``high + step/2``."""
    low, high = float(d.low), float(d.high)  # type: ignore[attr-defined]
    if _stepped(d):
        half = float(d.step) / 2  # type: ignore[attr-defined]
        return low - half, high + half
    if isinstance(d, IntDistribution):
        return math.log(low - 0.5), math.log(high + 0.5)
    if d.log:  # type: ignore[attr-defined]
        return math.log(low), math.log(high)
    return low, high


def _real_value(d: BaseDistribution, u: float) -> Any:
    """The parameter value at unit coordinate ``u`` in [0, 1]."""
    a, b = _log_bounds(d)
    y = a + u * (b - a)
    low, high = d.low, d.high  # type: ignore[attr-defined]
    if _stepped(d):  # a grid too wide for an Integer: its value nearest to y
        return _grid_value(d, _held_index(d, _grid_index(d, y)))
    if isinstance(d, IntDistribution):
        return int(min(max(int(math.floor(math.exp(y) + 0.5)), low), high))
    x = math.exp(y) if d.log else y  # type: ignore[attr-defined]
    return float(min(max(x, low), high))


def _grid_size(d: BaseDistribution) -> int:
    """The last grid index of a stepped int / float distribution: ``high = low + size * step``."""
    if isinstance(d, FloatDistribution):
        return int(round((d.high - d.low) / d.step))  # type: ignore[operator]
    return int((d.high - d.low) // d.step)  # type: ignore[attr-defined]


def _grid_index(d: BaseDistribution, x: float | int) -> int:
    """The index ``k`` of the grid value ``low + k * step`` nearest to ``x`` (halfway: the larger),
    ``x`` clipped to ``[low, high]`` first (so +-inf go to the ends); in exact integer arithmetic
    for an int ``x`` of an int distribution."""
    if isinstance(x, int) and isinstance(d, IntDistribution):
        c = min(max(x, d.low), d.high) - d.low
        return min((2 * c + d.step) // (2 * d.step), _grid_size(d))
    low, high, step = float(d.low), float(d.high), float(d.step)  # type: ignore[attr-defined]
    k = math.floor((min(max(x, low), high) - low) / step + 0.5)
    return min(max(k, 0), _grid_size(d))


def _real_unit(d: BaseDistribution, x: float) -> float:
    """The unit coordinate of value ``x`` (inverse of :func:`_real_value` up to rounding); ``x``
    outside ``[low, high]`` (+-inf, a log scale's ``x <= 0`` included) is clipped to it first."""
    a, b = _log_bounds(d)
    x = min(max(x, float(d.low)), float(d.high))  # type: ignore[attr-defined]
    y = x if _stepped(d) else math.log(x) if (isinstance(d, IntDistribution) or d.log) else x  # type: ignore[attr-defined]
    return float(min(max((y - a) / (b - a), 0.0), 1.0))
