"""Search spaces with a single point: every variable fixed (a Categorical with one category, an
Integer with ``low == high``, a Choice of one value, ``IntRange(v, v)``, ``FloatRange(v, v)``, and
Products / Spaces of only those). There is nothing to optimise: the optimizers refuse them
(:func:`refuse`, one message for all), and :func:`~asng_opt.minimize` evaluates the point once
and stops ``"converged"`` (:func:`single_batch`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .categorical import Categorical
from .distribution import Distribution
from .integer import Integer
from .product import Product
from .space import Space
from .variables import Choice, IntRange

__all__ = ["is_single_point", "single_batch", "refuse"]


def is_single_point(space: Distribution | Space) -> bool:
    """Whether every variable of ``space`` (a distribution or a Space) is fixed. A Gaussian is
    never fixed (sigma >= sigma_min > 0); an unknown distribution type is taken as free."""
    if isinstance(space, Space):
        return all(fixed_variable(v) for v in space.variables.values())
    if isinstance(space, Product):
        return all(is_single_point(p) for p in space.parts.values())
    if isinstance(space, Integer):
        return bool(np.all(space.int_low == space.int_high))
    if isinstance(space, Categorical):
        return bool(np.all(np.asarray(space.categories) == 1))
    return False


def fixed_variable(var: Any) -> bool:
    if isinstance(var, Choice):
        return len(var.values) == 1
    if isinstance(var, IntRange):
        return var.size == 1
    return bool(var.low == var.high)  # FloatRange


def single_batch(space: Distribution | Space) -> Any:
    """The single point of a :func:`is_single_point` space as a batch of one, as ``ask(1)`` would
    give it: a ``(1, n)`` int64 array, a dict of them for a Product, or for a Space a list of one
    configuration dict (the Choice's own label, an ``int``, a ``float``)."""
    if isinstance(space, Space):
        return [{name: _value(var) for name, var in space.variables.items()}]
    if isinstance(space, Product):
        return {k: single_batch(p) for k, p in space.parts.items()}
    if isinstance(space, Integer):
        return space.int_low[None].astype(np.int64)
    assert isinstance(space, Categorical)
    return np.zeros((1, space.n_variables), dtype=np.int64)


def _value(var: Any) -> Any:
    if isinstance(var, Choice):
        return var.values[0]
    if isinstance(var, IntRange):
        return var.low
    return float(var.low)


def refuse(space: Distribution | Space, name: str) -> None:
    """Raise ValueError, naming ``name`` (the optimizer), if ``space`` has a single point."""
    if is_single_point(space):
        raise ValueError(
            f"{name}: the search space has a single point (every variable is fixed: no free parameter); "
            "there is nothing to optimise: evaluate it directly (minimize does: one evaluation, "
            "stop_reason 'converged')"
        )
