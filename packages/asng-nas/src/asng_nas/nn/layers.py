"""Choice modules: :class:`LayerChoice` (one of several modules runs) and :class:`InputChoice`
(choose among incoming tensors), and :class:`FixedInputs`, what an exported input choice becomes."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from .mutable import CATEGORICAL, Mutable, module_keys

__all__ = ["LayerChoice", "InputChoice", "FixedInputs", "REDUCTIONS", "reduce_inputs"]

REDUCTIONS = ("sum", "mean", "concat")


class LayerChoice(Mutable, nn.Module):
    """One of ``candidates`` runs.

    Args:
        candidates: a list of modules (the variable's values are the positions 0, 1, ...) or a
            dict ``{name: module}`` (the values are the names, strings). The modules are the
            submodules ``choices.<name>`` (``state_dict`` keys), or ``choices.<position>`` when a
            name cannot name a submodule (it holds a ``"."``, or is a ``ModuleDict`` attribute).
        label: the variable's name (default: this module's path in the model, e.g. ``"block1.op"``).

    In the sampled state only the active candidate runs (the others receive no gradient and cost
    nothing); in the mixture state (:meth:`Mutable.mix`) the output is ``sum_i w_i * candidate_i(x)``
    over every candidate (a continuous relaxation, e.g. DARTS with ``w = softmax(alpha)``); the
    candidates' outputs must then have one shape.

    Raises:
        ValueError: no candidate, a candidate that is not a module, non-string dict keys.
    """

    kind = CATEGORICAL

    def __init__(self, candidates: Sequence[nn.Module] | Mapping[str, nn.Module], label: str | None = None):
        nn.Module.__init__(self)
        if isinstance(candidates, Mapping):
            items = list(candidates.items())
            if any(not isinstance(k, str) or not k for k, _ in items):
                raise ValueError("LayerChoice: the keys of a dict of candidates must be non-empty strings")
            keys: tuple[Any, ...] = tuple(k for k, _ in items)
        else:
            items = [(str(i), m) for i, m in enumerate(candidates)]
            keys = tuple(range(len(items)))
        for k, m in items:
            if not isinstance(m, nn.Module):
                raise ValueError(f"LayerChoice: candidate {k!r} is a {type(m).__name__}, not an nn.Module")
        self._init_mutable(keys, label)
        self._module_names = module_keys(list(keys))  # a name with "." cannot name a submodule: positions then
        self.choices = nn.ModuleDict({n: m for n, (_, m) in zip(self._module_names, items)})

    def candidate(self, key: Any) -> nn.Module:
        """The module of candidate ``key`` (a position or a name); ValueError for another key."""
        return self.choices[self._module_names[self.index_of(key)]]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        if self.weights is not None:
            outs = [m(*args, **kwargs) for m in self.choices.values()]
            w = self.weights.to(dtype=outs[0].dtype, device=outs[0].device)
            return sum(w[i] * o for i, o in enumerate(outs))
        return self.candidate(self.active())(*args, **kwargs)

    def extra_repr(self) -> str:
        return f"label={self.label!r}"


class InputChoice(Mutable, nn.Module):
    """Choose ``n_chosen`` of ``n_candidates`` incoming tensors and reduce them.

    Args:
        n_candidates: how many tensors :meth:`forward` receives (a list).
        n_chosen: how many are kept (``1 <= n_chosen <= n_candidates``). The variable's values are
            the index (``n_chosen == 1``) or the sorted index tuples (``itertools.combinations``).
        reduction: ``"sum"``, ``"mean"`` or ``"concat"`` (along dim 1, channels) of the kept ones.
        label: the variable's name (default: this module's path in the model).

    In the mixture state the output is ``sum_i w_i * inputs[i]`` (``n_chosen == 1`` only).

    Raises:
        ValueError: bad counts or reduction; at forward, inputs that are not a list / tuple (e.g.
            one tensor) or a list of the wrong length.
    """

    kind = CATEGORICAL

    def __init__(self, n_candidates: int, n_chosen: int = 1, reduction: str = "sum", label: str | None = None):
        nn.Module.__init__(self)
        if not isinstance(n_candidates, int) or n_candidates < 1:
            raise ValueError(f"InputChoice: n_candidates must be an integer >= 1, got {n_candidates!r}")
        if not isinstance(n_chosen, int) or not 1 <= n_chosen <= n_candidates:
            raise ValueError(f"InputChoice: need 1 <= n_chosen <= n_candidates={n_candidates}, got {n_chosen!r}")
        if reduction not in REDUCTIONS:
            raise ValueError(f"InputChoice: reduction must be one of {REDUCTIONS}, got {reduction!r}")
        self.n_candidates, self.n_chosen, self.reduction = n_candidates, n_chosen, reduction
        values: tuple[Any, ...] = (
            tuple(range(n_candidates))
            if n_chosen == 1
            else tuple(itertools.combinations(range(n_candidates), n_chosen))
        )
        self._init_mutable(values, label)

    def mix(self, weights: torch.Tensor) -> None:
        if self.n_chosen != 1:
            raise NotImplementedError(f"{self.describe()}: a mixture needs n_chosen == 1")
        super().mix(weights)

    @property
    def chosen(self) -> tuple[int, ...]:
        """The active input indices (sorted); as :attr:`FixedInputs.chosen`, so a ``forward`` that
        reads it (e.g. to run the operation that belongs to the chosen input) runs exported too."""
        v = self.active()
        return (v,) if isinstance(v, int) else tuple(v)

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        _check_inputs(self.describe(), inputs)
        if len(inputs) != self.n_candidates:
            raise ValueError(f"{self.describe()}: expected {self.n_candidates} inputs, got {len(inputs)}")
        if self.weights is not None:
            w = self.weights.to(dtype=inputs[0].dtype, device=inputs[0].device)
            return sum(w[i] * x for i, x in enumerate(inputs))  # type: ignore[return-value]
        return reduce_inputs([inputs[i] for i in self.chosen], self.reduction)

    def extra_repr(self) -> str:
        return f"n_candidates={self.n_candidates}, n_chosen={self.n_chosen}, reduction={self.reduction!r}, " + (
            f"label={self.label!r}"
        )


def _check_inputs(owner: str, inputs: Any) -> None:
    """ValueError unless ``inputs`` is a list or tuple (of tensors): a tensor would be read by rows."""
    if not isinstance(inputs, (list, tuple)):
        raise ValueError(f"{owner}: inputs must be a list or tuple of tensors, got a {type(inputs).__name__}")


def reduce_inputs(xs: Sequence[torch.Tensor], reduction: str) -> torch.Tensor:
    """``sum`` / ``mean`` / ``concat`` (dim 1) of one or more tensors."""
    if len(xs) == 1:
        return xs[0]
    if reduction == "concat":
        return torch.cat(list(xs), dim=1)
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    return out / len(xs) if reduction == "mean" else out


class FixedInputs(nn.Module):
    """An exported :class:`InputChoice`: keeps the inputs at ``chosen`` of a list of
    ``n_candidates`` and reduces them (no variable; an ordinary module)."""

    def __init__(self, n_candidates: int, chosen: Sequence[int], reduction: str = "sum"):
        super().__init__()
        self.n_candidates, self.chosen, self.reduction = n_candidates, tuple(int(i) for i in chosen), reduction

    def forward(self, inputs: Sequence[torch.Tensor]) -> torch.Tensor:
        _check_inputs("FixedInputs", inputs)
        if len(inputs) != self.n_candidates:
            raise ValueError(f"FixedInputs: expected {self.n_candidates} inputs, got {len(inputs)}")
        return reduce_inputs([inputs[i] for i in self.chosen], self.reduction)

    def extra_repr(self) -> str:
        return f"n_candidates={self.n_candidates}, chosen={self.chosen}, reduction={self.reduction!r}"
