"""Named search spaces: hyper-parameters by name and value on top of the asng_opt distributions.

``Space(optimizer=Choice(["sgd", "adam"]), layers=IntRange(1, 8), lr=FloatRange(1e-5, 1e-1, log=True))``
describes a configuration as a dict of plain Python values and builds the distribution the
optimizers search (:attr:`Space.distribution`):

* every :class:`Choice` is one variable of a single :class:`~asng_opt.Categorical` (category
  index = position in ``values``);
* every :class:`IntRange` is one variable of a single :class:`~asng_opt.Integer` over the grid
  index ``j = low // step + (v - low) / step`` (``j = v`` when ``step == 1``, ``j = v / step`` when
  ``step`` divides ``low``), so that neighbouring grid points are one unit apart;
* every :class:`FloatRange` is one variable of a single :class:`~asng_opt.Gaussian` over the
  unit coordinate ``u`` in [0, 1]: ``x = (1 - u) low + u high``, or ``log x = (1 - u) log low +
  u log high`` with ``log=True``. The mean stays in [0, 1] (the Gaussian's bounds); a draw
  outside [0, 1] is **clipped** to the nearer bound before it is decoded, and the decoded value
  is clipped into ``[low, high]`` again (rounding of ``exp``); the update still uses the raw
  draw. The search starts at ``u = 0.5`` (the middle, the geometric middle on the log scale)
  with sigma = :data:`FLOAT_SIGMA_INIT` and keeps sigma in [:data:`FLOAT_SIGMA_MIN`,
  :data:`FLOAT_SIGMA_MAX`] (in units of the range).

The distribution is the ``Categorical`` itself when every variable is a ``Choice`` (the layout
asng-nas's spaces and checkpoints use), else a :class:`~asng_opt.Product` with parts ``"cat"``,
``"int"`` and ``"float"`` in that order, empty ones left out. Within a part the variables keep
their definition order.
"""

from __future__ import annotations

import keyword
import math
import numbers
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from types import MappingProxyType
from typing import Any, Union

import numpy as np

from .categorical import Categorical
from .distribution import Distribution
from .gaussian import Gaussian
from .integer import INTEGER_LIMIT, Integer
from .product import Product

__all__ = ["Choice", "IntRange", "FloatRange", "Space", "FLOAT_SIGMA_INIT", "FLOAT_SIGMA_MIN", "FLOAT_SIGMA_MAX"]

#: a FloatRange's initial sigma, in units of its range (the unit coordinate u)
FLOAT_SIGMA_INIT = 0.25
#: a FloatRange's smallest sigma (its resolution), in units of its range; ``should_stop`` waits for it
FLOAT_SIGMA_MIN = 1e-6
#: a FloatRange's largest sigma, in units of its range
FLOAT_SIGMA_MAX = 0.5


def _same(a: Any, b: Any) -> bool:
    """Labels are equal: the same object, or ``a == b`` answering a plain bool (arrays, whose
    ``==`` is elementwise, and objects whose ``==`` raises count as different)."""
    if a is b:
        return True
    try:
        eq = a == b
    except Exception:
        return False
    return bool(eq) if isinstance(eq, (bool, np.bool_)) else False


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


class Choice:
    """A categorical variable: one of ``values`` (any Python objects, in a fixed order).

    Args:
        values: an ordered iterable (list, tuple, range, ...) of at least one label. Labels
            need not be hashable; they are compared with ``is``, then ``==`` (an ``==`` that
            raises or does not answer a bool counts as "different"). One value is allowed and
            makes a constant (a category with no free parameter).

    Decoding gives back the very objects given. Category ``k`` of the underlying Categorical is
    ``values[k]``.

    Raises:
        ValueError: no value, a string / bytes / dict / set instead of a sequence, or two equal
            labels (they could not be told apart when encoding).
    """

    __slots__ = ("values",)
    values: tuple[Any, ...]

    def __init__(self, values: Iterable[Any]):
        if isinstance(values, (str, bytes, Mapping, Set)) or not isinstance(values, Iterable):
            raise ValueError(f"Choice: values must be a list or tuple of labels, got {type(values).__name__}")
        vals = tuple(values)
        if not vals:
            raise ValueError("Choice: needs at least one value")
        for i in range(len(vals)):
            for j in range(i):
                if _same(vals[j], vals[i]):
                    raise ValueError(f"Choice: values {j} and {i} are equal ({vals[j]!r} == {vals[i]!r})")
        object.__setattr__(self, "values", vals)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Choice is immutable")

    def __getstate__(self) -> tuple[Any, ...]:
        return self.values

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        object.__setattr__(self, "values", state)

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


class IntRange:
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
        for k, v in (("low", lo), ("high", hi), ("step", st)):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("IntRange is immutable")

    def __getstate__(self) -> tuple[int, int, int]:
        return (self.low, self.high, self.step)

    def __setstate__(self, state: tuple[int, int, int]) -> None:
        for k, v in zip(("low", "high", "step"), state):
            object.__setattr__(self, k, v)

    @property
    def size(self) -> int:
        """The number of grid points."""
        return (self.high - self.low) // self.step + 1

    @property
    def grid_low(self) -> int:
        """The grid index of ``low`` (the Integer variable's lower bound)."""
        return self.low // self.step

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntRange) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(("IntRange", self.low, self.high, self.step))

    def __repr__(self) -> str:
        return f"IntRange({self.low}, {self.high}{'' if self.step == 1 else f', step={self.step}'})"


class FloatRange:
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
        for k, v in (("low", lo), ("high", hi), ("log", bool(log))):
            object.__setattr__(self, k, v)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("FloatRange is immutable")

    def __getstate__(self) -> tuple[float, float, bool]:
        return (self.low, self.high, self.log)

    def __setstate__(self, state: tuple[float, float, bool]) -> None:
        for k, v in zip(("low", "high", "log"), state):
            object.__setattr__(self, k, v)

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

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FloatRange) and self.__getstate__() == other.__getstate__()

    def __hash__(self) -> int:
        return hash(("FloatRange", self.low, self.high, self.log))

    def __repr__(self) -> str:
        return f"FloatRange({self.low!r}, {self.high!r}{', log=True' if self.log else ''})"


Variable = Union[Choice, IntRange, FloatRange]
_KINDS: tuple[tuple[str, type], ...] = (("cat", Choice), ("int", IntRange), ("float", FloatRange))


class Space:
    """Named variables -> the distribution the optimizers search, and back (see the module docstring).

    ``Space(optimizer=Choice(["sgd", "adam"]), layers=IntRange(1, 8))``, or
    ``Space({"model.depth": IntRange(1, 8), ...})`` for names that are not identifiers (both
    forms may be combined; the mapping's names come first).

    Args:
        variables: a mapping name -> variable (positional only), then keyword variables.

    Attributes:
        names: the names in definition order (a tuple).
        variables: read-only mapping name -> :class:`Choice` / :class:`IntRange` / :class:`FloatRange`.
        distribution: the :class:`~asng_opt.Distribution` underneath (structure only, no parameter).

    A *configuration* is a dict ``{name: value}`` with every name of the space. A *batch* is what
    ``optimizer.ask()`` returns for :attr:`distribution` (an ``(k, n_cat)`` int array for a
    Categorical, else a dict of ``(k, n_part)`` arrays); a *sample* is one row of it (what
    :func:`~asng_opt.minimize` hands its objective).

    Raises:
        ValueError: no variable, a name given twice, a name that is not a non-empty string, a
            value that is not a Choice / IntRange / FloatRange.
    """

    def __init__(self, variables: Mapping[str, Variable] | None = None, /, **named: Variable):
        if variables is not None and not isinstance(variables, Mapping):
            raise ValueError(f"Space: the positional argument must be a dict name -> variable, got {variables!r}")
        merged: dict[str, Variable] = {}
        for k, v in [*(variables or {}).items(), *named.items()]:
            if not isinstance(k, str) or not k:
                raise ValueError(f"Space: variable names must be non-empty strings, got {k!r}")
            if k in merged:
                raise ValueError(f"Space: variable {k!r} given twice")
            if not isinstance(v, (Choice, IntRange, FloatRange)):
                raise ValueError(f"Space: variable {k!r} is {type(v).__name__}, not a Choice, IntRange or FloatRange")
            merged[k] = v
        if not merged:
            raise ValueError("Space: needs at least one variable")
        self._variables = merged
        self.names: tuple[str, ...] = tuple(merged)
        #: kind -> the names of that kind's variables, in definition order (empty kinds left out)
        self._groups: dict[str, tuple[str, ...]] = {}
        for kind, cls in _KINDS:
            group = tuple(k for k, v in merged.items() if isinstance(v, cls))
            if group:
                self._groups[kind] = group
        self.distribution: Distribution = self._build()

    def _build(self) -> Distribution:
        parts: dict[str, Distribution] = {}
        v = self._variables
        if "cat" in self._groups:
            parts["cat"] = Categorical([len(v[k]) for k in self._groups["cat"]])  # type: ignore[arg-type]
        if "int" in self._groups:
            ints: list[Any] = [v[k] for k in self._groups["int"]]
            parts["int"] = Integer([r.grid_low for r in ints], [r.grid_low + r.size - 1 for r in ints])
        if "float" in self._groups:
            n = len(self._groups["float"])
            parts["float"] = Gaussian(
                mean=0.5,
                sigma=FLOAT_SIGMA_INIT,
                sigma_min=FLOAT_SIGMA_MIN,
                sigma_max=FLOAT_SIGMA_MAX,
                low=0.0,
                high=1.0,
                size=n,
            )
        if list(parts) == ["cat"]:
            return parts["cat"]
        return Product(parts)

    # ---- container protocol -------------------------------------------------------------------
    @property
    def variables(self) -> Mapping[str, Variable]:
        return MappingProxyType(self._variables)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._variables

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Space) or other.names != self.names:
            return False
        return all(self._variables[k] == other._variables[k] for k in self.names)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        items = self._variables.items()
        if all(k.isidentifier() and not keyword.iskeyword(k) for k in self.names):
            return f"{type(self).__name__}(" + ", ".join(f"{k}={v!r}" for k, v in items) + ")"
        return f"{type(self).__name__}({{" + ", ".join(f"{k!r}: {v!r}" for k, v in items) + "})"

    # ---- batch <-> configurations -------------------------------------------------------------
    def _parts(self, batch: Any, where: str) -> dict[str, np.ndarray]:
        """A batch checked against the distribution, as kind -> ``(k, n_kind)`` array."""
        try:
            self.distribution.check_samples(batch)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        if isinstance(self.distribution, Product):
            return {kind: np.asarray(batch[kind]) for kind in self._groups}
        return {"cat": np.asarray(batch)}

    def decode(self, batch: Any) -> list[dict[str, Any]]:
        """A batch (as ``ask()`` returns it for :attr:`distribution`) -> ``k`` configurations.

        Values are plain Python objects: the Choice's own labels, ``int`` for IntRange, ``float``
        for FloatRange (the unit coordinate clipped to [0, 1], mapped, clipped into [low, high]).

        Raises:
            ValueError: a batch that does not fit :attr:`distribution` (layout, shapes, categories
                or integers out of range, non-finite reals).
        """
        parts = self._parts(batch, f"{type(self).__name__}.decode")
        k = next(iter(parts.values())).shape[0]
        columns: dict[str, list[Any]] = {}
        v = self._variables
        for kind, names in self._groups.items():
            arr = parts[kind]
            for i, name in enumerate(names):
                var: Any = v[name]
                if kind == "cat":
                    columns[name] = [var.values[c] for c in arr[:, i].astype(np.int64).tolist()]
                elif kind == "int":
                    columns[name] = [
                        var.low + var.step * (j - var.grid_low) for j in arr[:, i].astype(np.int64).tolist()
                    ]
                else:
                    columns[name] = var.to_values(arr[:, i].astype(float)).tolist()
        return [{name: columns[name][j] for name in self.names} for j in range(k)]

    def decode_one(self, sample: Any) -> dict[str, Any]:
        """One sample (a row of a batch: an ``(n_cat,)`` array, or a dict of ``(n_part,)`` arrays)
        -> its configuration. Raises ValueError like :meth:`decode`."""
        if isinstance(sample, Mapping):
            batch: Any = {k: np.asarray(x)[None] for k, x in sample.items()}
        else:
            batch = np.asarray(sample)[None]
        try:
            return self.decode(batch)[0]
        except ValueError as e:
            raise ValueError(str(e).replace(".decode:", ".decode_one:", 1)) from None

    def _check_config(self, config: Any, where: str) -> None:
        if not isinstance(config, Mapping):
            raise ValueError(f"{where}: a configuration must be a dict name -> value, got {type(config).__name__}")
        unknown = [k for k in config if k not in self._variables]
        if unknown:
            raise ValueError(f"{where}: unknown variable {unknown[0]!r} (the space has {list(self.names)})")
        missing = [k for k in self.names if k not in config]
        if missing:
            raise ValueError(f"{where}: missing variable {missing[0]!r}")

    def _code(self, name: str, value: Any, where: str) -> Any:
        """One value -> its coordinate (category, grid index or unit coordinate), checked."""
        var = self._variables[name]
        if isinstance(var, Choice):
            try:
                return var.index(value)
            except ValueError as e:
                raise ValueError(f"{where}: variable {name!r}: {e}") from None
        if isinstance(var, IntRange):
            ok = (
                type(value) is int
                or isinstance(value, numbers.Integral)
                or (isinstance(value, numbers.Real) and math.isfinite(float(value)) and float(value).is_integer())
            )
            if isinstance(value, (bool, np.bool_)) or not ok:
                raise ValueError(f"{where}: variable {name!r}: {value!r} is not an integer")
            x = int(value)
            if not var.low <= x <= var.high:
                raise ValueError(f"{where}: variable {name!r}: {x} is outside [{var.low}, {var.high}]")
            if (x - var.low) % var.step:
                raise ValueError(f"{where}: variable {name!r}: {x} is not on the grid {var!r}")
            return var.grid_low + (x - var.low) // var.step
        if type(value) is not float and (isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real)):
            raise ValueError(f"{where}: variable {name!r}: {value!r} is not a real number")
        f = float(value)
        if not math.isfinite(f):
            raise ValueError(f"{where}: variable {name!r}: {value!r} is not finite")
        if not var.low <= f <= var.high:
            raise ValueError(f"{where}: variable {name!r}: {f!r} is outside [{var.low!r}, {var.high!r}]")
        return var.to_unit(f)

    def encode(self, configs: Sequence[Mapping[str, Any]]) -> Any:
        """Configurations (any, not only decoded ones) -> the batch :attr:`distribution` takes.

        Categories are int64, IntRange grid indices int64, FloatRange unit coordinates float64.
        ``encode(decode(b))`` equals ``b`` for categories and integers; floats come back to
        within rounding (``exp`` / ``log`` on the log scale), and draws decoded after clipping
        come back clipped.

        Raises:
            ValueError: not a list of dicts, an unknown or missing name, a label not among a
                Choice's values, an integer that is not one (bools refused), out of range or off
                the grid, a real that is not a finite number within [low, high]. The message
                names the sample and the variable.
        """
        where = f"{type(self).__name__}.encode"
        if isinstance(configs, (Mapping, str, bytes)) or not isinstance(configs, Iterable):
            got = type(configs).__name__
            raise ValueError(f"{where}: expects a list of dicts (use encode_one for one dict), got {got}")
        configs = list(configs)
        cols: dict[str, list[list[Any]]] = {kind: [] for kind in self._groups}
        for j, config in enumerate(configs):
            at = f"{where}: sample {j}"
            self._check_config(config, at)
            for kind, names in self._groups.items():
                cols[kind].append([self._code(name, config[name], at) for name in names])
        out: dict[str, np.ndarray] = {}
        for kind, names in self._groups.items():
            dtype = float if kind == "float" else np.int64
            out[kind] = np.array(cols[kind], dtype=dtype).reshape(len(configs), len(names))
        return out if isinstance(self.distribution, Product) else out["cat"]

    def encode_one(self, config: Mapping[str, Any]) -> Any:
        """One configuration -> one sample (a row of :meth:`encode`). Raises ValueError like it."""
        if not isinstance(config, Mapping):
            got = type(config).__name__
            raise ValueError(f"{type(self).__name__}.encode_one: expects a dict name -> value, got {got}")
        try:
            batch = self.encode([config])
        except ValueError as e:
            raise ValueError(str(e).replace(".encode: sample 0:", ".encode_one:", 1)) from None
        if isinstance(batch, dict):
            return {k: x[0] for k, x in batch.items()}
        return batch[0]

    def mode(self, theta: Any) -> dict[str, Any]:
        """The most likely configuration under one (unbatched) parameter ``theta`` of
        :attr:`distribution`: each Choice's most likely label, each IntRange's mean rounded onto
        the grid, each FloatRange's mean mapped (on the log scale: the median of the value).

        Raises:
            ValueError: a ``theta`` that does not fit :attr:`distribution`.
        """
        try:
            t = self.distribution.check_theta(theta)
        except ValueError as e:
            raise ValueError(f"{type(self).__name__}.mode: {e}") from None
        return self.decode_one(self.distribution.mode(t))
