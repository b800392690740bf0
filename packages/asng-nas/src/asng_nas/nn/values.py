"""Value choices: a categorical choice of a value (:class:`ValueChoice`) and an ordinal integer
(:class:`IntChoice`), passed as arguments of the weight-sharing wrappers
(:mod:`asng_nas.nn.ops`). The same object passed to several wrappers is one variable (e.g. the
out channels of a convolution and the features of the batch norm after it)."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from .mutable import CATEGORICAL, ORDINAL, Mutable, check_jsonable, jsonable, python_scalar

__all__ = ["ValueChoice", "IntChoice", "max_value", "current"]


class ValueChoice(Mutable):
    """A categorical choice of one value among ``values`` (JSON-able values: ``None``, bools, ints,
    finite floats, strings, or tuples / lists of these -- what ``architecture.json`` and the logs
    can hold and give back; the variable's categories are the positions in ``values``). numpy
    (and 0-d torch) scalars are taken as the Python numbers they are (``np.int64(3)`` is ``3``).

    Args:
        values: the candidates, distinct, at least one: a list or tuple (not a string).
        label: the variable's name (default: the path of the first wrapper using it, plus the
            argument's name, e.g. ``"block1.conv.kernel_size"``).

    Raises:
        ValueError: no value, ``values`` a string (or not a sequence), a value that is not JSON-able
            (e.g. a class or an object: choose among names instead), duplicate values, a bad label.
    """

    kind = CATEGORICAL

    def __init__(self, values: Sequence[Any], label: str | None = None):
        try:
            vals = tuple(values) if not isinstance(values, (str, bytes)) else None
        except TypeError:
            vals = None
        if vals is None:
            raise ValueError(f"ValueChoice: values must be a list or tuple of candidates, got {values!r}")
        for v in vals:
            check_jsonable("ValueChoice", v)
        vals = tuple(plain(v) for v in vals)
        j = [jsonable(v) for v in vals]
        if len({repr(v) for v in j}) != len(j):
            raise ValueError(f"ValueChoice: duplicate values in {list(vals)!r}")
        self._init_mutable(vals, label)

    @staticmethod
    def int_range(low: int, high: int, step: int = 1, label: str | None = None) -> IntChoice:
        """An ordinal integer ``low, low + step, ..., <= high`` (see :class:`IntChoice`)."""
        return IntChoice(low, high, step, label)

    def mix(self, weights: Any) -> None:
        """Refused: the weight-sharing wrappers evaluate one value at a time (``NotImplementedError``)."""
        raise NotImplementedError(
            f"{self.describe()}: value choices have no mixture (continuous relaxation) mode; select a value"
        )

    def __repr__(self) -> str:
        return self.describe()


class IntChoice(ValueChoice):
    """An ordinal integer in ``{low, low + step, ..., low + k * step <= high}``, searched by
    asng-opt's ``Integer`` (a Gaussian whose draws are clipped and rounded; section 3.3 of the
    paper) rather than as unordered categories.

    Raises:
        ValueError: non-integer bounds or step, ``low > high``, ``step < 1``.
    """

    kind = ORDINAL

    def __init__(self, low: int, high: int, step: int = 1, label: str | None = None):
        for name, v in (("low", low), ("high", high), ("step", step)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise ValueError(f"IntChoice: {name} must be an integer, got {v!r}")
        if step < 1:
            raise ValueError(f"IntChoice: step must be >= 1, got {step}")
        if low > high:
            raise ValueError(f"IntChoice: low={low} > high={high}")
        self.low, self.step = int(low), int(step)
        self.high = self.low + (int(high) - self.low) // self.step * self.step  # the largest value reached
        self._init_mutable(range(self.low, self.high + 1, self.step), label)  # lazy: ranges may be long

    def from_json(self, value: Any) -> int:
        v = jsonable(value)
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or not self.low <= int(v) <= self.high:
            raise ValueError(f"{value!r} is not a value of {self.describe()}")
        if (int(v) - self.low) % self.step:
            raise ValueError(f"{value!r} is not a value of {self.describe()} (off the step)")
        return int(v)

    def describe(self) -> str:
        return f"IntChoice(label={self.label!r}, low={self.low}, high={self.high}, step={self.step})"


def plain(value: Any) -> Any:
    """``value`` with numpy (and 0-d torch) scalars made Python numbers, also inside tuples and
    lists (which stay tuples and lists): a candidate as it is written to JSON and read back."""
    if type(value) in (tuple, list):
        return type(value)(plain(v) for v in value)
    return python_scalar(value)


def max_value(x: Any) -> Any:
    """The largest candidate of a value choice, or ``x`` itself for a plain value."""
    if isinstance(x, ValueChoice):
        return x.candidates[-1] if isinstance(x.candidates, range) else max(x.candidates)
    return x


def current(x: Any) -> Any:
    """The active candidate of a value choice (RuntimeError when none), or ``x`` itself."""
    return x.active() if isinstance(x, ValueChoice) else x
