"""The named search space of a model's variables, in the form the search loop takes.

A categorical variable of ``n`` candidates is an asng-opt ``Choice`` of the indices ``0 .. n-1``
(its candidates may be modules, tuples, anything); an ordinal one (:class:`~asng_nas.nn.values.IntChoice`)
an ``IntRange(low, high, step)``, i.e. asng-opt's ``Integer``; :func:`named_space` builds the
``asng_opt.Space`` of them (the one place that does).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from torch import nn

from asng_opt import Choice, Distribution, IntRange, Space

from ..search.space import mean_max_theta, split_samples
from .discover import Variables, discover
from .mutable import ORDINAL, jsonable

__all__ = ["ModelSpace", "named_space"]


def named_space(spec: Mapping[str, tuple[str, Any]]) -> Space:
    """The ``asng_opt.Space`` of ``spec``: ``{name: ("choice", n_candidates) | ("int", (low, high,
    step))}`` as ``Choice(range(n))`` / ``IntRange(low, high, step)``; it decodes a sample to
    ``{name: index or integer}``."""
    parts: dict[str, Any] = {}
    for name, (kind, a) in spec.items():
        parts[name] = Choice(list(range(int(a)))) if kind == "choice" else IntRange(a[0], a[1], step=a[2])
    return Space(parts)


class ModelSpace:
    """The search space of a model's primitives, for :class:`asng_nas.search.Searcher`.

    Args:
        model: the user's model (its variables are found by :func:`~asng_nas.nn.discover`), or
            the ``discover(model)`` result.

    A decoded sample (:meth:`decode`) is ``{label: candidate}``: the argument of
    :func:`~asng_nas.nn.activate` and of :func:`~asng_nas.nn.export`.

    Raises:
        ValueError: a model without any primitive.
    """

    def __init__(self, model: nn.Module | Variables):
        self.variables: Variables = discover(model) if isinstance(model, nn.Module) else dict(model)
        if not self.variables:
            raise ValueError("the model has no LayerChoice, InputChoice or ValueChoice: nothing to search")
        spec: dict[str, tuple[str, Any]] = {}
        for label, v in self.variables.items():
            spec[label] = ("int", (v.low, v.high, v.step)) if v.kind == ORDINAL else ("choice", len(v.candidates))
        self.named = named_space(spec)

    @property
    def names(self) -> list[str]:
        return list(self.variables)

    @property
    def n_theta(self) -> int:
        return int(self.named.distribution.n_theta)

    def make_distribution(self) -> Distribution:
        """The asng-opt distribution ASNG optimises (one object per space; it holds no state)."""
        return self.named.distribution

    def split(self, samples: Any) -> list[Any]:
        """A batch of samples (``ASNG.ask(k)``) -> k single samples."""
        return split_samples(samples)

    def decode(self, sample: Any) -> dict[str, Any]:
        """One sample -> ``{label: candidate}`` (a module's key, an input index or index tuple, a value)."""
        raw = self.named.decode_one(sample)
        return {
            label: (int(raw[label]) if v.kind == ORDINAL else v.candidates[int(raw[label])])
            for label, v in self.variables.items()
        }

    def encode(self, choices: Mapping[str, Any]) -> Any:
        """``{label: candidate or its JSON form}`` -> one sample of the distribution (e.g. for ``tell``)."""
        values = {}
        for label, v in self.variables.items():
            if label not in choices:
                raise ValueError(f"no value for the variable {label!r}")
            c = v.convert(choices[label])
            values[label] = c if v.kind == ORDINAL else v.candidates.index(c)
        return self.named.encode_one(values)

    def describe(self, sample: Any) -> dict[str, Any]:
        """``{"choices": {label: value as JSON}}`` of one sample."""
        return {"choices": jsonable_choices(self.decode(sample))}

    def summary(self, distribution: Distribution, theta: Any) -> float:
        """The mean over categorical variables of the largest probability (1/n at start, -> 1)."""
        return mean_max_theta(distribution, theta)

    def sample_uniform(self, rng: np.random.Generator) -> dict[str, Any]:
        """One architecture drawn uniformly (every variable independently): random search with
        weight sharing draws its architectures so."""
        return {label: v.candidates[int(rng.integers(len(v.candidates)))] for label, v in self.variables.items()}


def jsonable_choices(choices: Mapping[str, Any]) -> dict[str, Any]:
    """``{label: candidate}`` with JSON values (tuples as lists)."""
    return {k: jsonable(v) for k, v in choices.items()}
