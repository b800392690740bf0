"""``Switch``: the module that runs is picked by a value choice (categorical or ordinal).

A :class:`~asng_nas.nn.layers.LayerChoice` is its own categorical variable. A :class:`Switch`
instead reads a :class:`~asng_nas.nn.values.ValueChoice` or :class:`~asng_nas.nn.values.IntChoice`
that may also be used elsewhere, so the module can depend on an *ordinal* variable (e.g. a kernel
size index searched as an integer), and nested switches can select among modules by several
variables together (e.g. one weight set per (kernel size, skip) pair).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .mutable import jsonable, module_keys
from .ops import WeightSharing
from .values import ValueChoice

__all__ = ["Switch"]


class Switch(nn.Module, WeightSharing):
    """Runs ``cases[v]`` for the active value ``v`` of ``choice``.

    Args:
        choice: the variable (its label, or this module's path plus ``".choice"``).
        cases: ``{value: module}`` with one module per candidate of ``choice``. The modules are
            submodules ``cases.<value>`` (``state_dict`` keys), or ``cases.<position>`` when a
            value cannot name a submodule (it holds a ``"."``, e.g. a float).

    In an export the switch becomes its active module (itself exported). No mixture mode.

    Raises:
        ValueError: ``choice`` is not a value choice, or the keys are not exactly its candidates.
    """

    def __init__(self, choice: ValueChoice, cases: Mapping[Any, nn.Module]):
        super().__init__()
        if not isinstance(choice, ValueChoice):
            raise ValueError(f"Switch: choice must be a ValueChoice or IntChoice, got {type(choice).__name__}")
        keys = {repr(jsonable(k)) for k in cases}
        want = {repr(jsonable(c)) for c in choice.candidates}
        if keys != want or len(cases) != len(want):
            raise ValueError(f"Switch: the cases {sorted(keys)} must be the candidates of {choice.describe()}")
        for k, m in cases.items():
            if not isinstance(m, nn.Module):
                raise ValueError(f"Switch: case {k!r} is a {type(m).__name__}, not an nn.Module")
        self.choice = choice
        by_value = {repr(jsonable(k)): m for k, m in cases.items()}  # True and 1 apart
        names = module_keys(list(choice.candidates))  # e.g. "0.1" cannot name a submodule: positions then
        self.cases = nn.ModuleDict({n: by_value[repr(jsonable(c))] for n, c in zip(names, choice.candidates)})
        self._case_names = names

    def active_case(self) -> nn.Module:
        """The module of the active value (RuntimeError when nothing is selected)."""
        return self.cases[self._case_names[self.choice.index_of(self.choice.active())]]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.active_case()(*args, **kwargs)

    def value_choices(self) -> dict[str, ValueChoice]:
        return {"choice": self.choice}

    def to_plain(self) -> nn.Module:
        from .export import _fix  # the export's recursive replacement (export imports no switch)

        return _fix(self.active_case())

    def extra_repr(self) -> str:
        return f"choice={self.choice!r}"
