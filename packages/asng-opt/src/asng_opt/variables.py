"""The variables of a named search space: :class:`Choice`, :class:`IntRange`, :class:`FloatRange`.

Each is an immutable value (it pickles, compares and hashes by its fields) that knows its own
values; :class:`~asng_opt.Space` (:mod:`asng_opt.space`) maps them onto the distribution the
optimizers search, and :mod:`asng_opt._space_codec` converts values to coordinates and back.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping, Set
from typing import Any, Union

import numpy as np

from .integer import INTEGER_LIMIT

__all__ = ["Choice", "IntRange", "FloatRange", "Variable"]


def _eq(a: Any, b: Any) -> bool:
    """``a == b`` answering a plain True (arrays, whose ``==`` is elementwise, NaN, and objects whose
    ``==`` raises count as different)."""
    try:
        eq = a == b
    except Exception:
        return False
    return isinstance(eq, (bool, np.bool_)) and bool(eq)


def _same(a: Any, b: Any) -> bool:
    """Labels are equal: the same object, or :func:`_eq`."""
    return a is b or _eq(a, b)


def _equals_itself(v: Any) -> bool:
    """``v == v`` answers a plain True (not so for arrays of size > 1, NaN, an ``==`` that raises)."""
    return _eq(v, v)


def _int(name: str, value: Any, where: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{where}: {name} must be an int, got {value!r}")
    return int(value)


def _float(name: str, value: Any, where: str) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{where}: {name} must be a real number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{where}: {name} must be finite, got {value!r}")
    return x


class _Frozen:
    """An immutable value object over its ``__slots__``: the fields are set once (:meth:`_set`),
    pickle as the tuple of their values, and equality and hash compare that tuple."""

    __slots__: tuple[str, ...] = ()

    def _set(self, *values: Any) -> None:
        for k, v in zip(self.__slots__, values):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable")

    def __getstate__(self) -> tuple[Any, ...]:
        return tuple(getattr(self, k) for k in self.__slots__)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._set(*state)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash((type(self).__name__, *self.__getstate__()))


class Choice(_Frozen):
    """A categorical variable: one of ``values`` (any Python objects, in a fixed order).

    Args:
        values: an ordered iterable (list, tuple, range, ...) of at least one label. Labels
            need not be hashable (dicts and lists are fine); they are compared with ``is``, then
            ``==`` (an ``==`` that raises or does not answer a bool counts as "different"), so
            each must equal itself under ``==``: numpy arrays (elementwise ``==``) and NaN are
            refused. One value is allowed and makes a constant (a category with no free parameter).

    Decoding gives back the very objects given. Category ``k`` of the underlying Categorical is
    ``values[k]``.

    Raises:
        ValueError: no value, a string / bytes / dict / set instead of a sequence, a label not
            equal to itself (an array, NaN), or two equal labels (they could not be told apart
            when encoding).
    """

    __slots__ = ("values",)
    values: tuple[Any, ...]

    def __init__(self, values: Iterable[Any]):
        if isinstance(values, (str, bytes, Mapping, Set)) or not isinstance(values, Iterable):
            raise ValueError(f"Choice: values must be a list or tuple of labels, got {type(values).__name__}")
        vals = tuple(values)
        if not vals:
            raise ValueError("Choice: needs at least one value")
        for i, v in enumerate(vals):
            if not _equals_itself(v):
                raise ValueError(
                    f"Choice: value {i} ({v!r}) does not compare equal to itself with == (a numpy array "
                    f"compares elementwise, NaN != NaN), so it could not be looked up: use a tuple, string or number"
                )
        for i in range(len(vals)):
            for j in range(i):
                if _same(vals[j], vals[i]):
                    raise ValueError(f"Choice: values {j} and {i} are equal ({vals[j]!r} == {vals[i]!r})")
        self._set(vals)

    def __getstate__(self) -> tuple[Any, ...]:  # the labels themselves (the layout of asng-opt 0.3)
        return self.values

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self._set(state)

    def __len__(self) -> int:
        return len(self.values)

    def index(self, label: Any) -> int:
        """The category of ``label``; ValueError when it is not one of the values."""
        for k, v in enumerate(self.values):
            if _same(v, label):
                return k
        raise ValueError(f"{label!r} is not one of {list(self.values)!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Choice) or len(other.values) != len(self.values):
            return False
        return all(_same(a, b) for a, b in zip(self.values, other.values))

    def __hash__(self) -> int:
        try:
            return hash(("Choice", self.values))
        except TypeError:
            return hash(("Choice", len(self.values)))

    def __repr__(self) -> str:
        return f"Choice({list(self.values)!r})"


class IntRange(_Frozen):
    """An ordinal integer variable on the grid ``low, low + step, ..., high`` (inclusive bounds).

    Args:
        low, high: ints (Python or numpy; bools and floats refused), ``low <= high``;
            ``low == high`` is allowed and makes a constant.
        step: the grid spacing, an int >= 1; ``high - low`` must be a multiple of it.

    Decoded values are Python ints. The grid index ``j = low // step + (v - low) / step`` must
    stay within +-2**51 (:data:`asng_opt.integer.INTEGER_LIMIT`).

    Raises:
        ValueError: a non-int bound or step, ``low > high``, ``step < 1``, ``high`` off the grid
            (``(high - low) % step != 0``), a grid beyond +-2**51.
    """

    __slots__ = ("low", "high", "step")
    low: int
    high: int
    step: int

    def __init__(self, low: int, high: int, step: int = 1):
        lo, hi, st = _int("low", low, "IntRange"), _int("high", high, "IntRange"), _int("step", step, "IntRange")
        if lo > hi:
            raise ValueError(f"IntRange: low={lo} > high={hi}")
        if st < 1:
            raise ValueError(f"IntRange: step must be >= 1, got {st}")
        if (hi - lo) % st:
            raise ValueError(f"IntRange: high={hi} is not on the grid low + step * k (low={lo}, step={st})")
        j0 = lo // st
        if max(abs(j0), abs(j0 + (hi - lo) // st)) > INTEGER_LIMIT:
            raise ValueError(f"IntRange({lo}, {hi}, step={st}): the grid index is beyond +-2**51")
        self._set(lo, hi, st)

    @property
    def size(self) -> int:
        """The number of grid points."""
        return (self.high - self.low) // self.step + 1

    @property
    def grid_low(self) -> int:
        """The grid index of ``low`` (the Integer variable's lower bound)."""
        return self.low // self.step

    def __repr__(self) -> str:
        return f"IntRange({self.low}, {self.high}{'' if self.step == 1 else f', step={self.step}'})"


class FloatRange(_Frozen):
    """A bounded real variable in ``[low, high]``, searched on the linear or the log scale.

    Args:
        low, high: finite real numbers (bools refused), ``low <= high``, ``high - low`` finite;
            ``low == high`` is allowed and makes a constant (its Gaussian variable then has no
            effect on the values).
        log: search ``log x`` instead of ``x`` (for learning rates, weight decays, ...);
            needs ``low > 0``.

    Decoded values are Python floats, clipped into ``[low, high]`` (see the module docstring:
    draws beyond the range land on its bounds).

    Raises:
        ValueError: non-real or non-finite bounds, ``low > high``, an infinite width, ``log``
            not a bool, ``log=True`` with ``low <= 0``.
    """

    __slots__ = ("low", "high", "log")
    low: float
    high: float
    log: bool

    def __init__(self, low: float, high: float, log: bool = False):
        lo, hi = _float("low", low, "FloatRange"), _float("high", high, "FloatRange")
        if lo > hi:
            raise ValueError(f"FloatRange: low={lo!r} > high={hi!r}")
        if not math.isfinite(hi - lo):
            raise ValueError(f"FloatRange: the width high - low = {hi!r} - {lo!r} overflows; rescale the variable")
        if not isinstance(log, (bool, np.bool_)):
            raise ValueError(f"FloatRange: log must be True or False, got {log!r}")
        if log and lo <= 0:
            raise ValueError(f"FloatRange: log=True needs low > 0, got low={lo!r}")
        self._set(lo, hi, bool(log))

    def to_values(self, u: np.ndarray) -> np.ndarray:
        """Unit coordinates (any shape) -> values in ``[low, high]``, ``u`` clipped to [0, 1] first;
        ``u = 0`` and ``u = 1`` give ``low`` and ``high`` exactly."""
        u = np.clip(u, 0.0, 1.0)
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            x = np.exp((1.0 - u) * a + u * b)
        else:
            x = (1.0 - u) * self.low + u * self.high
        # the bounds exactly at u = 0 and 1 (exp(log(high)) may fall an ulp short), within them elsewhere
        return np.where(u >= 1.0, self.high, np.where(u <= 0.0, self.low, np.clip(x, self.low, self.high)))

    def to_unit(self, x: float) -> float:
        """A value in ``[low, high]`` -> its unit coordinate in [0, 1] (0.5 for a constant range)."""
        if self.high == self.low:
            return 0.5
        if self.log:
            a, b = math.log(self.low), math.log(self.high)
            if b == a:  # a range within rounding of log: as good as a constant
                return 0.5
            u = (math.log(x) - a) / (b - a)
        else:
            u = (x - self.low) / (self.high - self.low)
        return min(max(u, 0.0), 1.0)

    def __repr__(self) -> str:
        return f"FloatRange({self.low!r}, {self.high!r}{', log=True' if self.log else ''})"


#: a variable of a :class:`~asng_opt.Space`
Variable = Union[Choice, IntRange, FloatRange]
