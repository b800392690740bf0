"""The common state of every searchable primitive: its variable and how it is evaluated now.

A :class:`Mutable` is one architecture variable of a user's model: a categorical one (a
:class:`~asng_nas.nn.layers.LayerChoice`, an :class:`~asng_nas.nn.layers.InputChoice`, a
:class:`~asng_nas.nn.values.ValueChoice`) over a tuple of candidate values, or an ordinal integer
one (:class:`~asng_nas.nn.values.IntChoice`). Mutables sharing a label are one variable.

How a mutable is evaluated is decided by the search strategy, through one of two states:

* **sampled** (:meth:`Mutable.select`; ASNG's default, and random sampling with weight sharing):
  one candidate value is active; only what it needs runs and receives gradients;
* **mixture** (:meth:`Mutable.mix`; a continuous relaxation such as DARTS): every candidate is
  evaluated and weighted by a ``(n_candidates,)`` tensor of mixture weights (e.g. softmax(alpha)).
  Categorical layer and input choices support it; ordinal variables and value choices inside the
  weight-sharing wrappers refuse it with a ``NotImplementedError``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = [
    "Mutable",
    "CATEGORICAL",
    "ORDINAL",
    "UNSET",
    "jsonable",
    "python_scalar",
    "check_jsonable",
    "same_value",
    "check_label",
    "module_keys",
]

CATEGORICAL = "categorical"
ORDINAL = "ordinal"


class _Unset:
    """The value of a mutable in which nothing is selected: one object, also across copies and pickles."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __reduce__(self) -> str:
        return "UNSET"

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unset:
        return self


UNSET: Any = _Unset()


def python_scalar(value: Any) -> Any:
    """A numpy (or 0-d torch) scalar as the Python number it is; anything else unchanged."""
    if hasattr(value, "item") and hasattr(value, "dtype") and getattr(value, "ndim", 1) == 0:
        return value.item()
    return value


def jsonable(value: Any) -> Any:
    """A candidate value as plain JSON types (tuples become lists, numpy scalars Python numbers)."""
    if isinstance(value, (tuple, list)):
        return [jsonable(v) for v in value]
    return python_scalar(value)


def check_jsonable(owner: str, value: Any) -> None:
    """ValueError unless ``value`` is JSON-able as a candidate: ``None``, a bool, an int, a finite
    float, a string, or a (nested) tuple / list of these (numpy scalars count as numbers).
    Candidates are written to JSON (logs, ``architecture.json``) and read back, so nothing else
    (objects, classes, dicts, NaN) could be found again."""
    j = jsonable(value)
    if isinstance(j, list):
        for v in j:
            check_jsonable(owner, v)
        return
    if j is None or isinstance(j, (bool, int, str)) or (isinstance(j, float) and math.isfinite(j)):
        return
    raise ValueError(
        f"{owner}: candidate {value!r} is not JSON-able; use None, bools, ints, finite floats, strings "
        "or tuples / lists of them (e.g. a name, and map it to the object in your model)"
    )


def module_keys(values: Sequence[Any]) -> list[str]:
    """Submodule names for the candidates ``values`` (one module each), in order.

    ``str(value)`` for each when all of them are valid, distinct ``nn.ModuleDict`` keys (the names
    of existing models, so their ``state_dict`` keys stay as they were); else the positions
    ``"0", "1", ...`` for all (a value with ``"."``, e.g. a float, or two values printed alike,
    such as ``1`` and ``"1"``)."""
    names = [str(jsonable(v)) for v in values]
    taken = set(dir(nn.ModuleDict()))
    if len(set(names)) == len(names) and all(n and "." not in n and n not in taken for n in names):
        return names
    return [str(i) for i in range(len(names))]


def same_value(a: Any, b: Any) -> bool:
    """JSON-level equality that keeps ``True`` apart from ``1`` (both already :func:`jsonable`)."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    return isinstance(a, bool) == isinstance(b, bool) and type(a) is not list and type(b) is not list and a == b


def _key(j: Any) -> Any:
    """A hashable key of a JSON-able value that keeps ``True`` apart from ``1`` and ``1.0``."""
    if isinstance(j, list):
        return tuple(_key(v) for v in j)
    return (type(j).__name__, j)


def check_label(label: Any) -> str | None:
    """``None`` or a non-empty string, else ``ValueError``."""
    if label is not None and (not isinstance(label, str) or not label):
        raise ValueError(f"a label must be a non-empty string or None, got {label!r}")
    return label


class Mutable:
    """One architecture variable: ``label``, ``kind``, ``candidates`` and the evaluation state.

    Subclasses call :meth:`_init_mutable` in their constructor. ``value`` is the active candidate
    (sampled state; :data:`UNSET` otherwise), ``weights`` the mixture weights (mixture state, or
    None); at most one is set.
    """

    kind: str = CATEGORICAL
    label: str | None
    candidates: Sequence[Any]  # a tuple, or a range for an ordinal integer
    value: Any
    weights: torch.Tensor | None
    _lookup: dict[Any, Any]

    def _init_mutable(self, candidates: Sequence[Any], label: str | None) -> None:
        if not candidates:
            raise ValueError(f"{type(self).__name__}: needs at least one candidate")
        self.label = check_label(label)
        self.candidates = candidates if isinstance(candidates, range) else tuple(candidates)
        lookup: dict[Any, Any] = {}
        for c in () if isinstance(candidates, range) else self.candidates:  # a range is searched by arithmetic
            try:
                lookup.setdefault(_key(jsonable(c)), c)
            except TypeError:  # an unhashable value (e.g. a dict) is found by the slow path
                pass
        object.__setattr__(self, "_lookup", lookup)
        self._set(UNSET, None)

    def signature(self) -> tuple[Any, ...]:
        """What must agree between mutables sharing a label: kind and candidates."""
        c = self.candidates
        return (self.kind, ("range", c.start, c.stop, c.step) if isinstance(c, range) else jsonable(c))

    def from_json(self, value: Any) -> Any:
        """The candidate whose JSON form equals ``value`` (a value read back from JSON), else ValueError."""
        j = jsonable(value)
        try:  # the common case: a candidate, or its JSON form, found by its key
            return self._lookup[_key(j)]
        except (KeyError, TypeError, AttributeError):
            pass
        for c in self.candidates:
            if same_value(jsonable(c), j):
                return c
        raise ValueError(f"{value!r} is not a candidate of {self.describe()}")

    def index_of(self, value: Any) -> int:
        """The position of candidate ``value`` (or its JSON form) in ``candidates``; ValueError otherwise."""
        c = self.from_json(value)
        if isinstance(self.candidates, range):
            return self.candidates.index(c)
        return next(i for i, x in enumerate(self.candidates) if x is c)

    def describe(self) -> str:
        return f"{type(self).__name__}(label={self.label!r}, candidates={list(self.candidates)!r})"

    def select(self, value: Any) -> None:
        """Sampled state: ``value`` (one of ``candidates``) is active. ValueError otherwise (state unchanged)."""
        value = self.from_json(value)
        self._set(value, None)

    def mix(self, weights: torch.Tensor) -> None:
        """Mixture state: every candidate weighted by ``weights`` (``(n_candidates,)``, e.g.
        softmax(alpha)); ValueError for a wrong shape (state unchanged)."""
        if self.kind != CATEGORICAL:
            raise NotImplementedError(f"{self.describe()}: a mixture needs a categorical variable")
        if not isinstance(weights, torch.Tensor) or tuple(weights.shape) != (len(self.candidates),):
            shape = tuple(weights.shape) if isinstance(weights, torch.Tensor) else type(weights).__name__
            raise ValueError(
                f"{self.describe()}: mixture weights must be a tensor of shape ({len(self.candidates)},), got {shape}"
            )
        self._set(UNSET, weights)

    def _set(self, value: Any, weights: torch.Tensor | None) -> None:
        # plain attributes, also on an nn.Module (a Parameter given as weights is not registered)
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "weights", weights)

    def clear(self) -> None:
        """Neither state: the next forward raises until :meth:`select` or :meth:`mix` is called."""
        self._set(UNSET, None)

    def active(self) -> Any:
        """The active candidate; RuntimeError when none was selected (or a mixture is set)."""
        if self.value is UNSET:
            state = "a mixture is set" if self.weights is not None else "nothing was selected"
            raise RuntimeError(
                f"{self.describe()}: {state}; call asng_nas.nn.activate(model, choices) before running the model"
            )
        return self.value
