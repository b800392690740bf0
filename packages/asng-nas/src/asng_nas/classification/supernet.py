"""The search supernet of the ENAS micro space: ``model(x, genotype) -> logits``.

Macro structure (shared with :class:`asng_nas.classification.network.Network`): a 3 x 3 conv stem to
``stem_multiplier * C`` channels + BN, then ``n_cells`` cells with reduction cells at depths
``n_cells // 3`` and ``2 * n_cells // 3`` (each doubles the channels and halves the resolution),
global average pooling and a linear classifier. One sampled architecture is used by all cells of
its type and the whole batch; only its edges run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
from torch import nn

from .cells import SearchCell
from .genotype import Genotype
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
    """Weight-sharing network over :class:`asng_nas.classification.space.ENASSpace` architectures.

    Args:
        n_cells: number of cells (8 in the paper's search).
        channels: C of the first cells (16 in the paper's search).
        n_classes, in_channels: classifier outputs and image channels.
        n_nodes, ops: must match the search space.
        affine: BN affine parameters (off during search).
        stem_multiplier: the stem outputs ``stem_multiplier * C`` channels.

    ``forward(x: (N, in_channels, H, W), arch: Genotype) -> (N, n_classes)`` logits.
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

    def forward(self, x: torch.Tensor, arch: Genotype) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            geno = arch.reduce if cell.reduction else arch.normal
            s0, s1 = s1, cell(s0, s1, geno)
        return self.classifier(self.pool(s1).flatten(1))
