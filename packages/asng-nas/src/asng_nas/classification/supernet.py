"""The search supernet of the ENAS micro space: ``model(x, genotype) -> logits``, one module
written with the :mod:`asng_nas.nn` primitives, which the built-in search (``asng-nas search``),
the ``asng_nas.nn`` strategies (random sampling with weight sharing, DARTS's relaxation) and
:func:`asng_nas.nn.export` all run.

Macro structure (shared with :class:`asng_nas.classification.network.Network`): a 3 x 3 conv stem to
``stem_multiplier * C`` channels + BN, then ``n_cells`` cells with reduction cells at depths
``n_cells // 3`` and ``2 * n_cells // 3`` (each doubles the channels and halves the resolution),
global average pooling and a linear classifier. One sampled architecture is used by all cells of
its type and the whole batch; only its edges run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import torch
from torch import nn

from ..nn.discover import activate, discover
from .cells import SearchCell
from .genotype import CELL_KINDS, Genotype, genotype_choices
from .ops import OP_NAMES

__all__ = ["Supernet", "CellPlan", "cell_plan"]


class CellPlan(NamedTuple):
    """Channels and strides of one cell in the macro structure."""

    c_pp: int
    c_p: int
    c: int
    reduction: bool
    reduction_prev: bool


def cell_plan(n_cells: int, channels: int, stem_multiplier: int = 3) -> list[CellPlan]:
    """Per-cell channel plan: reductions at ``n_cells // 3`` and ``2 * n_cells // 3``."""
    if n_cells < 1 or channels < 1:
        raise ValueError("n_cells and channels must be >= 1")
    reductions = {n_cells // 3, 2 * n_cells // 3} if n_cells >= 3 else set()
    c_pp = c_p = stem_multiplier * channels
    c, red_prev, plan = channels, False, []
    for k in range(n_cells):
        red = k in reductions
        if red:
            c *= 2
        plan.append(CellPlan(c_pp, c_p, c, red, red_prev))
        c_pp, c_p, red_prev = c_p, c, red
    return plan


def stem(in_channels: int, out_channels: int, affine: bool) -> nn.Sequential:
    """3 x 3 conv + BN: ``(N, in, H, W) -> (N, out, H, W)``."""
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False),
        nn.BatchNorm2d(out_channels, affine=affine),
    )


class Supernet(nn.Module):
    """Weight-sharing network of the ENAS micro space, written with the :mod:`asng_nas.nn` primitives.

    Args:
        n_cells: number of cells (8 in the paper's search).
        channels: C of the first cells (16 in the paper's search).
        n_classes, in_channels: classifier outputs and image channels.
        n_nodes, ops: must match the search space (:class:`~asng_nas.classification.space.ENASSpace`).
        affine: BN affine parameters (off during search; on to retrain an export).
        stem_multiplier: the stem outputs ``stem_multiplier * C`` channels.

    ``forward(x: (N, in_channels, H, W), arch=None) -> (N, n_classes)`` logits. ``arch``: a
    :class:`Genotype` (what ``ENASSpace.decode`` returns; the search loop passes it) or
    ``{label: value}`` choices (what ``asng_nas.nn.ModelSpace.decode`` returns) is activated
    first (:func:`asng_nas.nn.activate`); None runs the architecture active now, e.g. one set
    by a strategy of :mod:`asng_nas.nn` (sampled, or DARTS's mixture). The variables of the
    primitives are ENASSpace's, in its order (``ModelSpace(net).names == ENASSpace().names``; a
    network without reduction cells, ``n_cells < 3``, has only the ``normal.*`` ones). Raises
    ValueError for choices that are not the network's.
    """

    def __init__(
        self,
        n_cells: int = 8,
        channels: int = 16,
        n_classes: int = 10,
        in_channels: int = 3,
        n_nodes: int = 5,
        ops: Sequence[str] = OP_NAMES,
        affine: bool = False,
        stem_multiplier: int = 3,
    ):
        super().__init__()
        plan = cell_plan(n_cells, channels, stem_multiplier)
        self.stem = stem(in_channels, stem_multiplier * channels, affine)
        self.cells = nn.ModuleList(
            SearchCell(p.c_pp, p.c_p, p.c, p.reduction, p.reduction_prev, n_nodes, ops, affine) for p in plan
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(plan[-1].c, n_classes)
        self._kinds = tuple(kind for kind in CELL_KINDS if any((kind == "reduce") == p.reduction for p in plan))
        self._variables = discover(self)

    def forward(self, x: torch.Tensor, arch: Genotype | Mapping[str, Any] | None = None) -> torch.Tensor:
        if arch is not None:
            activate(self._variables, genotype_choices(arch, self._kinds) if isinstance(arch, Genotype) else arch)
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))
