"""Argument checks shared by the optimizers and ``minimize``: each returns the value in its
canonical type or raises ``ValueError`` naming the argument and what it got."""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["is_real", "number", "positive", "flag", "generator", "count", "integer", "population", "losses"]


def is_real(v: Any) -> bool:
    """A real number that is not a bool (``numbers.Real``: int, float, numpy reals, Fraction)."""
    return isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_))


def number(name: str, value: Any, where: str) -> float:
    """``value`` as a float; bools, strings, complex numbers, non-numbers and ints beyond float64's
    range are refused."""
    if isinstance(value, (bool, np.bool_, str, bytes, complex, np.complexfloating)):
        raise ValueError(f"{where}: {name} must be a number (a real one), got {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        what = "a number (a real one, within float64's range)"
        raise ValueError(f"{where}: {name} must be {what}, got {value!r}") from None


def positive(name: str, value: Any, where: str, upper: float = math.inf, allow_inf: bool = False) -> float:
    """``value`` as a float in (0, upper]; NaN and (unless ``allow_inf``) inf are refused."""
    x = number(name, value, where)
    if math.isnan(x) or not x > 0 or (math.isinf(x) and not allow_inf):
        what = "> 0" if allow_inf else "> 0 and finite"
        raise ValueError(f"{where}: {name} must be {what}, got {value!r}")
    if x > upper:
        raise ValueError(f"{where}: {name} must be <= {upper:g}, got {value!r}")
    return x


def choice(name: str, value: Any, where: str, options: tuple[str, ...], extra: str = "") -> str:
    """``value`` as a plain ``str`` if it is one of ``options`` (a numpy string scalar included);
    anything else -- a numpy array, bytes, a list -- is refused naming ``name`` (never numpy's
    ambiguous truth value). ``extra`` is appended to the list of options in the message."""
    if isinstance(value, str) and value in options:
        return str(value)
    raise ValueError(f"{where}: {name} must be one of {list(options)}{extra}, got {value!r}")


def flag(name: str, value: Any, where: str) -> bool:
    """A real bool (Python or numpy); ``"no"``, 0 and None are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{where}: {name} must be True or False, got {value!r}")
    return bool(value)


def generator(seed: Any, where: str) -> np.random.Generator:
    """``numpy.random.default_rng(seed)``, its TypeError / ValueError as a ValueError naming ``seed``."""
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as e:
        raise ValueError(
            f"{where}: seed must be None, a non-negative int (or sequence of them), a SeedSequence, "
            f"BitGenerator or Generator, got {seed!r} ({e})"
        ) from None


def count(name: str, value: Any, where: str, minimum: int = 0) -> int:
    """An int >= minimum (Python or numpy integer; bools refused)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def integer(name: str, value: Any, where: str, minimum: int) -> int:
    """Like :func:`count`, but integral floats (``1e4``) are accepted too."""
    if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
        value = int(value)
    return count(name, value, where, minimum)


#: the most samples one batch may hold (``lam``, ``ask(n)``): 2**31 - 1. Beyond, a batch cannot be
#: allocated (2**31 samples of one real variable are 16 GiB) and numpy fails with an error that
#: does not name the argument (a shape beyond its index range, or a MemoryError)
MAX_SAMPLES = 2**31 - 1


def population(lam: Any, where: str) -> int:
    """``lam``, the samples per update: an int in ``[2, MAX_SAMPLES]`` (the ranking needs two
    samples; bools refused)."""
    if isinstance(lam, (bool, np.bool_)) or not isinstance(lam, (int, np.integer)) or not 2 <= lam <= MAX_SAMPLES:
        raise ValueError(
            f"{where}: lam must be an integer >= 2 (the ranking needs two samples) and at most 2**31 - 1 "
            f"(the samples of one batch), got {lam!r}"
        )
    return int(lam)


def losses(values: Any, k: int, where: str) -> np.ndarray:
    """The ``(k,)`` finite real objective values of ``k >= 2`` told samples, as a float array.

    Raises:
        ValueError: another shape, a non-numeric or bool dtype (bools among the values too), NaN
            or +-inf (their indices named), then ``k < 2`` (the ranking needs two samples).
    """
    if isinstance(values, (list, tuple)) and any(isinstance(v, (bool, np.bool_)) for v in values):
        bad = [i for i, v in enumerate(values) if isinstance(v, (bool, np.bool_))]
        raise ValueError(f"{where}: losses must be real numbers, not bools (at {bad[:5]})")
    f = np.asarray(values)
    if f.shape != (k,):
        raise ValueError(f"{where}: losses must have shape ({k},) to match the samples, got {f.shape}")
    if f.dtype.kind not in "iuf":  # bools too: a flag is no objective value (as minimize refuses one)
        raise ValueError(f"{where}: losses must be real numbers, got dtype {f.dtype}")
    f = f.astype(float)
    if not np.isfinite(f).all():
        bad = np.flatnonzero(~np.isfinite(f)).tolist()
        raise ValueError(f"{where}: losses must be finite; got NaN or inf at {bad}")
    if k < 2:
        raise ValueError(f"{where}: at least 2 samples are needed (lambda >= 2), got {k}")
    return f
