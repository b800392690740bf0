"""Values of a named space's variables <-> their coordinates in the distribution (for :class:`~asng_opt.Space`).

A *coordinate* is what the distribution samples: a category index for a :class:`Choice`, the grid
index ``low // step + (v - low) / step`` for an :class:`IntRange`, the unit coordinate ``u`` in
[0, 1] for a :class:`FloatRange`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from .variables import Choice, IntRange, Variable

__all__ = ["decode_column", "coordinate", "check_config", "decode_batch", "encode_batch"]


def decode_column(var: Variable, column: np.ndarray) -> list[Any]:
    """``(k,)`` coordinates of one variable -> its ``k`` values as plain Python objects: the
    Choice's own labels, ``int`` for an IntRange, ``float`` for a FloatRange (the unit coordinate
    clipped to [0, 1], mapped, clipped into [low, high])."""
    if isinstance(var, Choice):
        return [var.values[c] for c in column.astype(np.int64).tolist()]
    if isinstance(var, IntRange):
        return [var.low + var.step * (j - var.grid_low) for j in column.astype(np.int64).tolist()]
    return var.to_values(column.astype(float)).tolist()


def check_config(config: Any, variables: Mapping[str, Variable], where: str) -> None:
    """A configuration is a mapping with exactly the names of ``variables`` (the space's).

    Raises:
        ValueError: not a mapping, an unknown name, a missing name (the first one is named).
    """
    if not isinstance(config, Mapping):
        raise ValueError(f"{where}: a configuration must be a dict name -> value, got {type(config).__name__}")
    unknown = [k for k in config if k not in variables]
    if unknown:
        raise ValueError(f"{where}: unknown variable {unknown[0]!r} (the space has {list(variables)})")
    missing = [k for k in variables if k not in config]
    if missing:
        raise ValueError(f"{where}: missing variable {missing[0]!r}")


def coordinate(var: Variable, name: str, value: Any, where: str) -> Any:
    """One value of variable ``name`` -> its coordinate (category, grid index or unit coordinate).

    Raises:
        ValueError: a label not among a Choice's values; for an IntRange a value that is not an
            integer (bools refused), out of range or off the grid; for a FloatRange a value that is
            not a finite real number within [low, high]. The message names the variable.
    """
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


def decode_batch(
    variables: Mapping[str, Variable], groups: Mapping[str, tuple[str, ...]], parts: Mapping[str, np.ndarray]
) -> list[dict[str, Any]]:
    """A checked batch as ``kind -> (k, n_kind)`` coordinates -> ``k`` configurations (dicts in the
    order of ``variables``); ``groups`` maps each kind to its variables' names, in column order.
    The values are :func:`decode_column`'s; Choice and IntRange columns are decoded row by row
    at once (one ``tolist`` per kind, not one call per variable)."""
    k = next(iter(parts.values())).shape[0]
    names: list[str] = []
    rows: list[list[Any]] = [[] for _ in range(k)]
    for kind, group in groups.items():
        names += group
        for row, values in zip(rows, _decode_rows(kind, [variables[n] for n in group], parts[kind])):
            row += values
    if tuple(names) == tuple(variables):  # one kind, or kinds already in definition order
        return [dict(zip(names, row)) for row in rows]
    order = [names.index(n) for n in variables]
    keys = list(variables)
    return [dict(zip(keys, [row[i] for i in order])) for row in rows]


def _decode_rows(kind: str, group: list[Variable], coords: np.ndarray) -> list[list[Any]]:
    """``(k, n)`` coordinates of one kind's variables -> ``k`` rows of values (as :func:`decode_column`)."""
    if kind == "cat":
        labels = [var.values for var in group]  # type: ignore[union-attr]
        return [[lab[c] for lab, c in zip(labels, row)] for row in coords.astype(np.int64).tolist()]
    if kind == "int":
        grid = [(var.low, var.step, var.grid_low) for var in group]  # type: ignore[union-attr]
        return [[lo + st * (j - g) for (lo, st, g), j in zip(grid, row)] for row in coords.astype(np.int64).tolist()]
    columns = [decode_column(var, coords[:, i]) for i, var in enumerate(group)]
    return [list(row) for row in zip(*columns)] if columns else [[] for _ in range(coords.shape[0])]


def encode_batch(
    variables: Mapping[str, Variable], groups: Mapping[str, tuple[str, ...]], configs: list[Any], where: str
) -> dict[str, np.ndarray]:
    """``k`` configurations -> ``kind -> (k, n_kind)`` coordinates: int64 categories and grid
    indices, float64 unit coordinates.

    Raises:
        ValueError: from :func:`check_config` and :func:`coordinate`, naming the sample.
    """
    cols: dict[str, list[list[Any]]] = {kind: [] for kind in groups}
    for j, config in enumerate(configs):
        at = f"{where}: sample {j}"
        check_config(config, variables, at)
        for kind, names in groups.items():
            cols[kind].append([coordinate(variables[name], name, config[name], at) for name in names])
    out: dict[str, np.ndarray] = {}
    for kind, names in groups.items():
        dtype = float if kind == "float" else np.int64
        out[kind] = np.array(cols[kind], dtype=dtype).reshape(len(configs), len(names))
    return out
