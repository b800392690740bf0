"""How a strategy evaluates the primitives.

* ASNG-NAS (the default, :func:`asng_nas.nn.search`): each step draws architectures from
  p_theta and puts the model in the **sampled** state (:func:`~asng_nas.nn.activate`);
* random sampling with weight sharing: the same sampled state, with architectures drawn by
  :meth:`ModelSpace.sample_uniform <asng_nas.nn.space.ModelSpace.sample_uniform>`;
* a continuous relaxation (DARTS): the **mixture** state, :class:`Relaxation` below holds one
  logit vector alpha per categorical variable and sets ``softmax(alpha)`` on the primitives
  (:func:`~asng_nas.nn.set_mixture`); the architecture is derived by argmax.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from .discover import Variables, discover, set_mixture
from .layers import InputChoice
from .mutable import CATEGORICAL
from .wired import wired_input_choices

__all__ = ["Relaxation"]


class Relaxation(nn.Module):
    """Architecture logits alpha for the relaxable variables of ``model``: categorical layer and
    input choices (``n_chosen == 1``); value choices and ordinal variables are left to be selected,
    and so is an input choice that a :class:`~asng_nas.nn.ChosenValue` reads (it sets a layer's
    size, e.g. a ``WiredConv2d``'s in channels, so its inputs have different widths and cannot be
    mixed; found when ``model`` is a module, not a ``discover`` result). Select the left-out
    variables with :func:`~asng_nas.nn.activate` before :meth:`set_on`.

    ``alpha[label]``: ``(n_candidates,)`` parameters, zero at start (uniform mixture).

    Methods: :meth:`set_on` (put ``model`` in the mixture state with ``softmax(alpha / temperature)``),
    :meth:`derive` (``{label: argmax candidate}``).
    """

    def __init__(self, model: nn.Module | Variables):
        super().__init__()
        variables = discover(model) if isinstance(model, nn.Module) else model
        wired = wired_input_choices(model) if isinstance(model, nn.Module) else {}
        self.labels: list[str] = []
        self.candidates: dict[str, Sequence[Any]] = {}
        alphas = []
        for label, v in variables.items():
            modules = all(isinstance(m, nn.Module) for m in v.mutables)
            single = all(not isinstance(m, InputChoice) or m.n_chosen == 1 for m in v.mutables)
            sized = any(id(m) in wired for m in v.mutables)
            if v.kind == CATEGORICAL and modules and single and not sized:
                self.labels.append(label)
                self.candidates[label] = v.candidates
                alphas.append(nn.Parameter(torch.zeros(len(v.candidates))))
        self.alpha = nn.ParameterList(alphas)
        self._variables = variables

    def weights(self, temperature: float = 1.0) -> dict[str, torch.Tensor]:
        """``{label: softmax(alpha / temperature)}`` (differentiable in alpha)."""
        return {label: torch.softmax(a / temperature, dim=0) for label, a in zip(self.labels, self.alpha)}

    def set_on(self, model: nn.Module | None = None, temperature: float = 1.0) -> None:
        """Set the mixture weights on the primitives (of ``model``, default: the one given at construction)."""
        set_mixture(self._variables if model is None else model, self.weights(temperature))

    def derive(self) -> dict[str, Any]:
        """``{label: the candidate of the largest alpha}``."""
        return {label: self.candidates[label][int(torch.argmax(a))] for label, a in zip(self.labels, self.alpha)}

    def load_alphas(self, alphas: Mapping[str, torch.Tensor]) -> None:
        """Set alpha from ``{label: (n_candidates,) tensor}`` (some or all labels, e.g. a saved run).

        Raises:
            ValueError: an unknown label or a wrong shape; nothing is changed then.
        """
        index = {label: i for i, label in enumerate(self.labels)}
        for label, a in alphas.items():
            if label not in index:
                raise ValueError(f"no relaxed variable {label!r}; they are {self.labels}")
            n = len(self.candidates[label])
            if not isinstance(a, torch.Tensor) or tuple(a.shape) != (n,):
                raise ValueError(f"alpha of {label!r} must be a tensor of shape ({n},)")
        with torch.no_grad():
            for label, a in alphas.items():
                self.alpha[index[label]].copy_(a)
