"""Declarative search spaces: named variables -> an ``asng_opt`` distribution -> architectures.

The vocabulary is asng-opt's own (:class:`asng_opt.Choice`, :class:`asng_opt.IntRange`,
:class:`asng_opt.FloatRange`, re-exported here); a variable's name is its key in the space. A
:class:`SearchSpace` holds an :class:`asng_opt.Space` (``space.space``) and adds what the search
loop needs: the distribution ASNG optimises (``space.space.distribution``: a ``Categorical``, or a
``Product`` ``{"cat": Categorical, "int": Integer}`` when integer variables are present), the
split of a batch of samples into single ones, and the decoding of one sample into an
architecture. The default decoding is a ``{name: value}`` dict; subclasses (e.g.
:class:`asng_nas.classification.space.ENASSpace`) override :meth:`decode` to build a structured
architecture. The search loop only uses ``make_distribution``, ``split``, ``decode``,
``describe`` and ``summary``, so any object with these works (duck typing).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Union

import numpy as np

from asng_opt import Choice, Distribution, FloatRange, IntRange, Space

__all__ = [
    "Choice",
    "IntRange",
    "FloatRange",
    "SearchSpace",
    "split_samples",
    "mean_max_theta",
]

Variable = Union[Choice, IntRange, FloatRange]


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
    """A space of named variables and its decoding into architectures.

    ``SearchSpace(act=Choice(("relu", "gelu")), width=IntRange(8, 32))``, or
    ``SearchSpace({"node1.op": Choice(OPS), ...})`` for names that are not identifiers, or
    ``SearchSpace(asng_opt_space)``.

    Args:
        variables: a mapping name -> :class:`asng_opt.Choice` / :class:`asng_opt.IntRange` /
            :class:`asng_opt.FloatRange`, or an :class:`asng_opt.Space` (positional only), then
            keyword variables.

    Samples are ``(n_cat,)`` int arrays when all variables are categorical, else dicts
    ``{"cat": (n_cat,), "int": (n_int,)}`` (plus ``"float": (n_float,)`` unit coordinates for
    FloatRanges), categorical and integer variables each in the order given.

    Raises:
        ValueError: what :class:`asng_opt.Space` refuses (no variable, a name given twice, a
            name that is not a string, a value that is not a variable).
    """

    def __init__(self, variables: Mapping[str, Variable] | Space | None = None, /, **named: Variable):
        if isinstance(variables, Space):
            variables = variables.variables
        #: the asng-opt space: names, variables, the distribution, encode / decode
        self.space = Space(variables, **named)

    @property
    def variables(self) -> Mapping[str, Variable]:
        """Read-only mapping name -> variable, in definition order."""
        return self.space.variables

    @property
    def names(self) -> list[str]:
        return list(self.space.names)

    @property
    def n_variables(self) -> int:
        return len(self.space)

    @property
    def n_theta(self) -> int:
        return self.space.distribution.n_theta

    def make_distribution(self) -> Distribution:
        """The distribution ASNG optimises (structure only: it holds no parameter)."""
        return self.space.distribution

    def split(self, samples: Any) -> list[Any]:
        return split_samples(samples)

    def assignment(self, sample: Any) -> dict[str, Any]:
        """One sample -> ``{variable name: chosen value}`` in definition order (JSON-friendly when
        the labels are). Raises ValueError for a sample that does not fit the space."""
        return self.space.decode_one(sample)

    def decode(self, sample: Any) -> Any:
        """One sample -> the architecture the supernet takes (default: :meth:`assignment`)."""
        return self.assignment(sample)

    def describe(self, sample: Any) -> dict[str, Any]:
        """JSON-friendly description of one sample: each variable by name."""
        return {"choices": self.assignment(sample)}

    def summary(self, distribution: Distribution, theta: Any) -> float:
        """Scalar convergence summary of the distribution at ``theta``: the mean max probability."""
        return mean_max_theta(distribution, theta)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.space!r})"
