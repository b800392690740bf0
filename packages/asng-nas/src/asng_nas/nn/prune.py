"""Drop the weights an exported architecture never runs.

A ``forward`` may hold modules that a fixed architecture does not call: in an ENAS-style node, one
operation per possible input, of which only the chosen input's runs. :func:`unused_paths` runs
the module once on an example input (on a copy, so no BN statistic moves) and lists the modules
holding parameters or buffers that were not called; :func:`prune` replaces them by
:class:`Unused` (no weights; calling it raises). The result depends on the example only through
control flow: a ``forward`` whose branches depend on the data values is not pruned correctly.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

__all__ = ["Unused", "unused_paths", "prune"]


class Unused(nn.Module):
    """What an exported module holds in place of a module its architecture never runs."""

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("this module is not part of the exported architecture (it was pruned at export)")


def _has_state(m: nn.Module) -> bool:
    return any(True for _ in m.parameters()) or any(True for _ in m.buffers())


def unused_paths(module: nn.Module, example_input: Any) -> list[str]:
    """The paths of the submodules with parameters or buffers that ``module(example_input)``
    does not call, neither them nor any module inside them (outermost only), in ``named_modules``
    order. ``module`` is not changed (a copy runs, in the module's train / eval mode, without
    gradients, with the RNG state restored afterwards)."""
    probe = copy.deepcopy(module)
    called: set[int] = set()
    hooks = [m.register_forward_pre_hook(lambda mod, args: called.add(id(mod))) for m in probe.modules()]
    try:
        with torch.no_grad(), torch.random.fork_rng():  # dropout in the probe leaves the RNG as it was
            probe(example_input)
    finally:
        for h in hooks:
            h.remove()
    ran: set[str] = set()  # called modules, and their ancestors (a ModuleList is iterated, not called)
    for path, m in probe.named_modules(remove_duplicate=False):
        if id(m) in called:
            parts = path.split(".")
            ran.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
    out: list[str] = []
    for path, m in module.named_modules(remove_duplicate=False):
        if path and path not in ran and _has_state(m) and not any(path.startswith(p + ".") for p in out):
            out.append(path)
    return out


def prune(module: nn.Module, paths: Sequence[str]) -> None:
    """Replace the submodules at ``paths`` by :class:`Unused` (in place).

    Raises:
        ValueError: a path that names no submodule (nothing is changed then).
    """
    for path in paths:
        try:
            module.get_submodule(path)
        except AttributeError:
            raise ValueError(f"no submodule {path!r} to prune") from None
    for path in paths:
        parent, _, name = path.rpartition(".")
        setattr(module.get_submodule(parent) if parent else module, name, Unused())
