"""The network of one exported architecture, for retraining and evaluation.

Same macro structure as :class:`asng_nas.classification.supernet.Supernet`, but each cell holds only the edges
of the exported genotype (the unused supernet weights do not exist), BN is affine by default,
drop-path applies to non-identity edges, and an optional auxiliary head reads the output of the
second reduction cell.
"""

from __future__ import annotations

import torch
from torch import nn

from .cells import FixedCell
from .genotype import Genotype
from .supernet import cell_plan, stem

__all__ = ["Network", "AuxiliaryHead", "count_parameters"]


class AuxiliaryHead(nn.Module):
    """ReLU -> avg-pool to 2 x 2 -> 1 x 1 conv 128 -> BN -> ReLU -> 2 x 2 conv 768 -> BN -> ReLU
    -> linear: ``(N, C, H, W) -> (N, n_classes)`` (any H, W >= 1)."""

    def __init__(self, c: int, n_classes: int):
        super().__init__()
        self.features = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.AdaptiveAvgPool2d(2),
            nn.Conv2d(c, 128, 1, bias=False),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.Conv2d(128, 768, 2, bias=False),
            nn.BatchNorm2d(768),
            nn.ReLU(inplace=True),
        )
        self.classifier = nn.Linear(768, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x).flatten(1))


class Network(nn.Module):
    """Fixed network of ``genotype``.

    Args:
        genotype: the exported cells.
        n_cells, channels: depth (20 for the paper's retraining) and width C.
        n_classes, in_channels: classifier outputs and image channels.
        auxiliary: add the auxiliary head (after the second reduction cell).
        affine: BN affine parameters.
        stem_multiplier: the stem outputs ``stem_multiplier * C`` channels.

    Set :attr:`drop_prob` (drop-path rate) before each epoch. ``forward(x: (N, in, H, W))``
    returns ``(logits, aux_logits)``; ``aux_logits`` is None in eval mode or without the head.
    """

    def __init__(
        self,
        genotype: Genotype,
        n_cells: int = 20,
        channels: int = 36,
        n_classes: int = 10,
        in_channels: int = 3,
        auxiliary: bool = True,
        affine: bool = True,
        stem_multiplier: int = 3,
    ):
        super().__init__()
        self.genotype = genotype
        plan = cell_plan(n_cells, channels, stem_multiplier)
        self.stem = stem(in_channels, stem_multiplier * channels, affine)
        self.cells = nn.ModuleList(
            FixedCell(
                genotype.reduce if p.reduction else genotype.normal,
                p.c_pp,
                p.c_p,
                p.c,
                p.reduction,
                p.reduction_prev,
                affine,
            )
            for p in plan
        )
        reductions = [k for k, p in enumerate(plan) if p.reduction]
        self.aux_index = reductions[1] if auxiliary and len(reductions) >= 2 else None
        self.aux_head = AuxiliaryHead(plan[self.aux_index].c, n_classes) if self.aux_index is not None else None
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(plan[-1].c, n_classes)
        self.drop_prob = 0.0

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        s0 = s1 = self.stem(x)
        aux = None
        for k, cell in enumerate(self.cells):
            s0, s1 = s1, cell(s0, s1, self.drop_prob)
            if k == self.aux_index and self.aux_head is not None and self.training:
                aux = self.aux_head(s1)
        return self.classifier(self.pool(s1).flatten(1)), aux


def count_parameters(model: nn.Module, exclude_aux: bool = True) -> int:
    """Number of trainable parameters, without the auxiliary head by default."""
    return sum(
        p.numel()
        for name, p in model.named_parameters()
        if p.requires_grad and not (exclude_aux and name.startswith("aux_head."))
    )
