"""Declarative search spaces: named variables -> an ``asng_opt`` distribution -> architectures.

A :class:`SearchSpace` lists its variables (:class:`Choice` = categorical, :class:`IntRange` =
ordinal integer). It builds the distribution ASNG optimises (a ``Categorical``, or a ``Product``
``{"cat": Categorical, "int": Integer}`` when integer variables are present), splits a batch of
samples into single ones, and decodes one sample into an architecture. The default decoding is
a ``{name: choice}`` dict; subclasses (e.g.
:class:`asng_nas.classification.space.ENASSpace`) override :meth:`decode` to build a structured
architecture. The search loop only uses ``distribution``, ``split``, ``decode``,
``describe`` and ``summary``, so any object with these works (duck typing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from asng_opt import Categorical, Distribution, Integer, Product

__all__ = [
    "Choice",
    "IntRange",
    "SearchSpace",
    "split_samples",
    "mean_max_theta",
]


@dataclass(frozen=True)
class Choice:
    """A categorical variable: ``name`` takes one of ``choices`` (category index = position)."""

    name: str
    choices: tuple[Any, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "choices", tuple(self.choices))
        if not self.choices:
            raise ValueError(f"variable {self.name!r} has no choice")


@dataclass(frozen=True)
class IntRange:
    """An ordinal integer variable in ``[low, high]`` (inclusive), searched with a Gaussian."""

    name: str
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError(f"variable {self.name!r}: low={self.low} > high={self.high}")


def split_samples(samples: Any) -> list[Any]:
    """``(k, n)`` array, or dict of ``(k, ...)`` arrays -> list of k single samples."""
    if isinstance(samples, Mapping):
        k = len(next(iter(samples.values())))
        return [{key: np.asarray(v)[j] for key, v in samples.items()} for j in range(k)]
    return [row for row in np.asarray(samples)]


def mean_max_theta(distribution: Distribution, theta: Any) -> float:
    """Mean over categorical variables of max_j theta_ij (1 / m at start, -> 1 at convergence),
    from ``distribution.mode_probabilities(theta)``; NaN when there is no categorical variable."""
    p = distribution.mode_probabilities(theta)
    return float(p.mean()) if p.size else float("nan")


class SearchSpace:
    """A space defined by a list of variables.

    Args:
        variables: :class:`Choice` and :class:`IntRange` items; names must be unique.

    Samples are ``(n_cat,)`` int arrays when all variables are categorical, else dicts
    ``{"cat": (n_cat,), "int": (n_int,)}`` (categorical and integer variables each in the order
    given).
    """

    def __init__(self, variables: Sequence[Choice | IntRange]):
        names = [v.name for v in variables]
        if len(set(names)) != len(names):
            raise ValueError("variable names must be unique")
        if not variables:
            raise ValueError("a search space needs at least one variable")
        self.variables: tuple[Choice | IntRange, ...] = tuple(variables)
        self.categorical = tuple(v for v in variables if isinstance(v, Choice))
        self.integer = tuple(v for v in variables if isinstance(v, IntRange))

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]

    @property
    def n_variables(self) -> int:
        return len(self.variables)

    @property
    def n_theta(self) -> int:
        return self.make_distribution().n_theta

    def make_distribution(self) -> Distribution:
        """A fresh distribution at its initial (maximum-entropy) parameter."""
        cat = Categorical([len(v.choices) for v in self.categorical]) if self.categorical else None
        if not self.integer:
            assert cat is not None
            return cat
        ints = Integer([v.low for v in self.integer], [v.high for v in self.integer])
        return Product(cat=cat, int=ints) if cat is not None else Product(int=ints)

    def split(self, samples: Any) -> list[Any]:
        return split_samples(samples)

    def assignment(self, sample: Any) -> dict[str, Any]:
        """One sample -> ``{variable name: chosen value}`` (JSON-friendly)."""
        if isinstance(sample, Mapping):
            cat = np.asarray(sample.get("cat", []), dtype=np.int64)
            ints = np.asarray(sample.get("int", []), dtype=np.int64)
        else:
            cat, ints = np.asarray(sample, dtype=np.int64), np.zeros(0, np.int64)
        if cat.shape != (len(self.categorical),) or ints.shape != (len(self.integer),):
            raise ValueError(
                f"sample shapes {cat.shape}/{ints.shape} do not match the space "
                f"({len(self.categorical)} categorical, {len(self.integer)} integer variables)"
            )
        out: dict[str, Any] = {v.name: v.choices[int(i)] for v, i in zip(self.categorical, cat)}
        out.update({v.name: int(i) for v, i in zip(self.integer, ints)})
        return {name: out[name] for name in self.names}

    def decode(self, sample: Any) -> Any:
        """One sample -> the architecture the supernet takes (default: :meth:`assignment`)."""
        return self.assignment(sample)

    def describe(self, sample: Any) -> dict[str, Any]:
        """JSON-friendly description of one sample: each variable by name."""
        return {"choices": self.assignment(sample)}

    def summary(self, distribution: Distribution, theta: Any) -> float:
        """Scalar convergence summary of the distribution at ``theta``: the mean max probability."""
        return mean_max_theta(distribution, theta)
