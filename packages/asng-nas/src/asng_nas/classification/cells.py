"""Search and fixed cells of the ENAS micro space.

A cell takes the outputs of the two previous cells, ``s0: (N, C_pp, H0, W0)`` and
``s1: (N, C_p, H, W)``, preprocesses them to C channels (1 x 1 ReLU-conv-BN, or a factorized
reduce for ``s0`` when the previous cell halved the resolution), computes its nodes, and returns
``(N, C, H', W')`` with ``H' = H / 2`` in a reduction cell: the unused nodes concatenated ->
ReLU -> 1 x 1 conv -> BN.

* :class:`SearchCell` owns weights for every (node, input, operation) triple and, per forward,
  runs only the edges of the architecture it is given. Its output 1 x 1 conv has a C x C block
  per node, and only the blocks of the concatenated nodes are used.
* :class:`FixedCell` holds only the edges of one exported cell (for retraining).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .genotype import CellGenotype
from .ops import OP_NAMES, FactorizedReduce, ReLUConvBN, drop_path, make_op

__all__ = ["SearchCell", "FixedCell", "edge_key"]


def edge_key(node: int, inp: int, op: str) -> str:
    """ModuleDict key of the weights of (node, input state, operation)."""
    return f"n{node}_i{inp}_{op}"


class _Cell(nn.Module):
    """Preprocessing shared by both cells."""

    def __init__(self, c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool, affine: bool):
        super().__init__()
        self.reduction, self.c = reduction, c
        self.pre0 = FactorizedReduce(c_pp, c, affine) if reduction_prev else ReLUConvBN(c_pp, c, 1, 1, affine)
        self.pre1 = ReLUConvBN(c_p, c, 1, 1, affine)

    def stride(self, inp: int) -> int:
        """Edges reading a cell input have stride 2 in a reduction cell."""
        return 2 if self.reduction and inp < 2 else 1

    def edge(self, node: int, inp: int, op: str) -> nn.Module:
        raise NotImplementedError

    def combine(self, states: list[torch.Tensor], concat: Sequence[int]) -> torch.Tensor:
        raise NotImplementedError

    def run(self, s0: torch.Tensor, s1: torch.Tensor, cell: CellGenotype, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for i, node in enumerate(cell.nodes):
            h = None
            for inp, op in node:
                y = self.edge(i, inp, op)(states[inp])
                if self.training and drop_prob > 0 and op != "identity":
                    y = drop_path(y, drop_prob)
                h = y if h is None else h + y
            assert h is not None
            states.append(h)
        return self.combine(states, cell.concat)


class SearchCell(_Cell):
    """Weight-sharing cell: all (node, input, op) edges exist, the given ones run.

    Args:
        c_pp, c_p: channels of the two inputs; c: channels of the nodes and the output.
        reduction: halve the resolution (edges reading the cell inputs get stride 2).
        reduction_prev: ``s0`` has twice the resolution of ``s1``.
        n_nodes, ops: the node count and the operation names.
        affine: BN affine parameters (off during search).
    """

    def __init__(
        self,
        c_pp: int,
        c_p: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        n_nodes: int = 5,
        ops: Sequence[str] = OP_NAMES,
        affine: bool = False,
    ):
        super().__init__(c_pp, c_p, c, reduction, reduction_prev, affine)
        self.n_nodes = n_nodes
        self.edges = nn.ModuleDict()
        for i in range(n_nodes):
            for inp in range(2 + i):
                for op in ops:
                    self.edges[edge_key(i, inp, op)] = make_op(op, c, self.stride(inp), affine)
        # output 1x1 conv: one (c, c) block per node; only the concatenated nodes' blocks are used
        self.out_weight = nn.Parameter(torch.empty(c, n_nodes * c, 1, 1))
        nn.init.kaiming_uniform_(self.out_weight, a=5**0.5)
        self.out_bn = nn.BatchNorm2d(c, affine=affine)

    def edge(self, node: int, inp: int, op: str) -> nn.Module:
        return self.edges[edge_key(node, inp, op)]

    def combine(self, states: list[torch.Tensor], concat: Sequence[int]) -> torch.Tensor:
        c = self.c
        x = F.relu(torch.cat([states[k] for k in concat], dim=1))
        w = torch.cat([self.out_weight[:, (k - 2) * c : (k - 1) * c] for k in concat], dim=1)
        return self.out_bn(F.conv2d(x, w))

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, cell: CellGenotype) -> torch.Tensor:
        return self.run(s0, s1, cell)


class FixedCell(_Cell):
    """One exported cell: only its edges' weights exist. ``drop_prob`` applies drop-path to
    non-identity edges in training mode."""

    def __init__(
        self,
        cell: CellGenotype,
        c_pp: int,
        c_p: int,
        c: int,
        reduction: bool,
        reduction_prev: bool,
        affine: bool = True,
    ):
        super().__init__(c_pp, c_p, c, reduction, reduction_prev, affine)
        self.genotype = cell
        self.edges = nn.ModuleDict()
        for i, node in enumerate(cell.nodes):
            for inp, op in node:
                key = edge_key(i, inp, op)
                if key not in self.edges:
                    self.edges[key] = make_op(op, c, self.stride(inp), affine)
        self.out = nn.Sequential(
            nn.ReLU(inplace=False),
            nn.Conv2d(len(cell.concat) * c, c, 1, bias=False),
            nn.BatchNorm2d(c, affine=affine),
        )

    def edge(self, node: int, inp: int, op: str) -> nn.Module:
        return self.edges[edge_key(node, inp, op)]

    def combine(self, states: list[torch.Tensor], concat: Sequence[int]) -> torch.Tensor:
        return self.out(torch.cat([states[k] for k in concat], dim=1))

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        return self.run(s0, s1, self.genotype, drop_prob)
