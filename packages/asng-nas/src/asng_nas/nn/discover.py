"""Find the primitives of a model, group them into named variables, and set their state:
:func:`discover`, :func:`activate` (sampled state) and :func:`set_mixture` (mixture state)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .layers import InputChoice
from .mutable import CATEGORICAL, Mutable
from .ops import WeightSharing
from .values import IntChoice
from .wired import wired_input_choices

__all__ = ["Variable", "discover", "activate", "set_mixture", "Variables"]


@dataclass(frozen=True)
class Variable:
    """One architecture variable of a model.

    Attributes:
        label: its name (an explicit label, else the path of its first primitive).
        kind: ``"categorical"`` or ``"ordinal"``.
        candidates: the values it takes (for an ordinal one: ``low, low + step, ..., high``).
        paths: where its primitives are (``"block1.op"``, ``"block1.conv.kernel_size"``).
        mutables: the primitives (modules or value choices) that share it.
    """

    label: str
    kind: str
    candidates: Sequence[Any]
    paths: tuple[str, ...]
    mutables: tuple[Mutable, ...]

    @property
    def low(self) -> int:
        return int(self.candidates[0])

    @property
    def high(self) -> int:
        return int(self.candidates[-1])

    @property
    def step(self) -> int:
        m = self.mutables[0]
        return int(m.step) if isinstance(m, IntChoice) else 1

    def convert(self, value: Any) -> Any:
        """``value`` (a candidate, or its JSON form) -> the candidate; ValueError when it is not one."""
        try:
            return self.mutables[0].from_json(value)
        except ValueError:
            raise ValueError(
                f"variable {self.label!r}: {value!r} is not a value of {self.mutables[0].describe()}"
            ) from None


Variables = dict[str, Variable]


def _found(model: nn.Module) -> list[tuple[str, Mutable]]:
    """(path, mutable) in module order; a value choice once per wrapper argument."""
    out: list[tuple[str, Mutable]] = []
    for path, m in model.named_modules():
        if isinstance(m, Mutable):
            out.append((path, m))
        if isinstance(m, WeightSharing):
            for arg, vc in m.value_choices().items():
                out.append((f"{path}.{arg}" if path else arg, vc))
    return out


def discover(model: nn.Module) -> Variables:
    """The variables of ``model``: ``{label: Variable}`` in the order their first primitive appears
    in ``model.named_modules()``.

    A primitive's label is its own, or else its path (the same value choice object passed to
    several wrappers takes the first path, and is one variable). Primitives with one label are
    one variable.

    Raises:
        ValueError: primitives sharing a label but not their kind and candidates (both paths named).
    """
    labels: dict[int, str] = {}
    paths: dict[str, list[str]] = {}
    groups: dict[str, list[tuple[str, Mutable]]] = {}
    for path, m in _found(model):
        if id(m) not in labels:
            labels[id(m)] = m.label or path or "root"
        label = labels[id(m)]
        paths.setdefault(label, []).append(path)
        group = groups.setdefault(label, [])
        if any(other is m for _, other in group):
            continue
        if group and group[0][1].signature() != m.signature():
            first_path, first = group[0]
            raise ValueError(
                f"label {label!r} is shared by {first_path} ({first.describe()}) and {path} ({m.describe()}), "
                "which differ in kind or candidates"
            )
        group.append((path, m))
    return {
        label: Variable(label, g[0][1].kind, g[0][1].candidates, tuple(paths[label]), tuple(m for _, m in g))
        for label, g in groups.items()
    }


def _variables(model_or_vars: nn.Module | Variables) -> Variables:
    return discover(model_or_vars) if isinstance(model_or_vars, nn.Module) else model_or_vars


def check_labels(variables: Variables, given: Mapping[str, Any], need_all: bool) -> None:
    if not isinstance(given, Mapping):
        raise ValueError(
            f"choices must be a {{label: value}} mapping, got a {type(given).__name__}; "
            "decode a raw sample with ModelSpace(model).decode(sample)"
        )
    unknown = [k for k in given if k not in variables]
    if unknown:
        raw = set(given) <= {"cat", "int"}  # ModelSpace.split's form, not {label: value}
        hint = "; that is a raw sample: pass ModelSpace(model).decode(sample), {label: value}" if raw else ""
        raise ValueError(f"unknown labels {unknown}; the model's variables are {list(variables)}{hint}")
    missing = [k for k in variables if k not in given]
    if need_all and missing:
        raise ValueError(f"no value for the variables {missing}")


def activate(model: nn.Module | Variables, choices: Mapping[str, Any]) -> None:
    """Sampled state: every variable of ``model`` (or of the ``discover(model)`` result) takes its
    value ``choices[label]`` (a candidate, or its JSON form). Only what the active values need
    then runs and receives gradients.

    Raises:
        ValueError: an unknown or missing label, a value that is not a candidate; nothing is
            changed then.
    """
    variables = _variables(model)
    check_labels(variables, choices, need_all=True)
    converted = {label: v.convert(choices[label]) for label, v in variables.items()}
    for label, v in variables.items():
        for m in v.mutables:
            m._set(converted[label], None)  # converted above: a candidate


def set_mixture(model: nn.Module | Variables, weights: Mapping[str, torch.Tensor]) -> None:
    """Mixture state (continuous relaxation): each categorical variable named in ``weights``
    evaluates every candidate weighted by ``weights[label]``, a ``(n_candidates,)`` tensor (e.g.
    ``softmax(alpha)``, differentiable); the other variables keep their state.

    The weights must be mixture weights: non-negative, summing to 1 (within 1e-4; e.g. a
    softmax), finite.

    Raises:
        ValueError: an unknown label, a wrong shape, negative or non-finite weights or weights not
            summing to 1, an input choice that a ``ChosenValue`` reads (when ``model`` is a module:
            it sets a layer's size, so its inputs cannot be mixed); NotImplementedError: a variable
            without a mixture mode (ordinal, or a value choice of a weight-sharing wrapper).
            Nothing is changed then.
    """
    variables = _variables(model)
    check_labels(variables, weights, need_all=False)
    wired = wired_input_choices(model) if isinstance(model, nn.Module) else {}
    for label, w in weights.items():
        v = variables[label]
        if v.kind != CATEGORICAL or any(isinstance(m, IntChoice) for m in v.mutables):
            raise NotImplementedError(f"variable {label!r} is ordinal: no mixture mode")
        n = len(v.candidates)
        if not isinstance(w, torch.Tensor) or tuple(w.shape) != (n,):
            raise ValueError(f"variable {label!r}: mixture weights must be a tensor of shape ({n},)")
        d = w.detach().double()
        if not bool(torch.isfinite(d).all()) or bool((d < 0).any()) or abs(float(d.sum()) - 1.0) > 1e-4:
            raise ValueError(
                f"variable {label!r}: mixture weights must be >= 0 and sum to 1 (e.g. softmax(alpha)), "
                f"got {[round(x, 4) for x in d.tolist()]}"
            )
        where = next((wired[id(m)] for m in v.mutables if id(m) in wired), None)
        if where is not None:
            raise ValueError(
                f"variable {label!r} sets the size ChosenValue of {where}: its inputs differ in width and "
                "cannot be mixed; select it with activate() instead"
            )
        for m in v.mutables:
            if not isinstance(m, nn.Module) or (isinstance(m, InputChoice) and m.n_chosen != 1):
                raise NotImplementedError(f"variable {label!r} ({m.describe()}) has no mixture mode")
    for label, w in weights.items():
        for m in variables[label].mutables:
            m.mix(w)
