"""Search and fixed cells of the ENAS micro space.

A cell takes the outputs of the two previous cells, ``s0: (N, C_pp, H0, W0)`` and
``s1: (N, C_p, H, W)``, preprocesses them to C channels (1 x 1 ReLU-conv-BN, or a factorized
reduce for ``s0`` when the previous cell halved the resolution), computes its nodes, and returns
``(N, C, H', W')`` with ``H' = H / 2`` in a reduction cell: the unused nodes concatenated ->
ReLU -> 1 x 1 conv -> BN.

* :class:`SearchCell` owns weights for every (node, input, operation) triple; its nodes
  (:class:`SearchNode`) are written with the :mod:`asng_nas.nn` primitives (``InputChoice``,
  ``LayerChoice``), so the architecture is whatever was activated on them (sampled: only its
  edges run; mixture, as DARTS: all of them). Its output 1 x 1 conv has a C x C block per node,
  and only the blocks of the concatenated nodes are used.
* :class:`FixedCell` holds only the edges of one genotype (for retraining).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.layers import InputChoice, LayerChoice
from .aliases import hide_aliases, train_once
from .genotype import CellGenotype, node_labels
from .ops import OP_NAMES, FactorizedReduce, ReLUConvBN, drop_path, make_op

__all__ = ["SearchCell", "SearchNode", "FixedCell", "edge_key"]


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


class SearchNode(nn.Module):
    """Node ``i`` of a :class:`SearchCell` in primitives: two slots (a, b); slot s picks an input
    among the ``2 + i`` states (``InputChoice``, label ``{cell}.node{i}.input_{s}``) and an
    operation (label ``{cell}.node{i}.op_{s}``). The operation is a ``LayerChoice`` per input
    (``ops[s][j]``) over the edge modules of (node, input j, operation), which both slots share;
    all ``LayerChoice`` s of one slot carry one label, so they are one variable.

    ``forward(states)``: ``states`` holds ``2 + i`` tensors ``(N, C, H, W)`` (the cell's
    preprocessed inputs, then earlier nodes); returns the sum of both slots. Sampled (or exported):
    only the chosen input's chosen operation runs per slot. Mixture (DARTS): every input through
    its (mixed) operation, mixed by the input choice.
    """

    def __init__(self, cell: str, i: int, edges: nn.ModuleDict, ops: Sequence[str]):
        super().__init__()
        input_a, input_b, op_a, op_b = node_labels(cell, i)
        self.inputs = nn.ModuleList(InputChoice(2 + i, label=label) for label in (input_a, input_b))
        self.ops = nn.ModuleList(
            nn.ModuleList(LayerChoice({op: edges[edge_key(i, j, op)] for op in ops}, label=label) for j in range(2 + i))
            for label in (op_a, op_b)
        )

    def reads(self) -> list[int]:
        """The state indices the two slots read (sampled or exported state)."""
        return [int(cast(Any, choice).chosen[0]) for choice in self.inputs]

    def forward(self, states: list[torch.Tensor]) -> torch.Tensor:
        out: torch.Tensor | None = None
        for choice, ops in zip(self.inputs, cast(list[nn.ModuleList], self.ops)):
            if _mixed(choice):
                y = choice([op(x) for op, x in zip(ops, states)])
            else:
                j = cast(Any, choice).chosen[0]
                y = ops[j](states[j])
            out = y if out is None else out + y
        assert out is not None
        return out


def _mixed(choice: nn.Module) -> bool:
    """An input choice in the mixture state (an exported ``FixedInputs`` never is)."""
    return getattr(choice, "weights", None) is not None


class SearchCell(_Cell):
    """Weight-sharing cell: every (node, input, op) edge exists (``edges[edge_key(...)]``), the
    active architecture of its :class:`SearchNode` s runs.

    Args:
        c_pp, c_p: channels of the two inputs; c: channels of the nodes and the output.
        reduction: halve the resolution (edges reading the cell inputs get stride 2).
        reduction_prev: ``s0`` has twice the resolution of ``s1``.
        n_nodes, ops: the node count and the operation names.
        affine: BN affine parameters (off during search).

    The output 1 x 1 conv has a C x C block per node (``out_weight: (C, n_nodes * C, 1, 1)``);
    sampled, only the blocks of the nodes no node reads are used (:attr:`CellGenotype.concat`),
    in the mixture state every node's. The labels are ``normal.*`` or ``reduce.*`` (all cells of
    a type share them). ``state_dict`` lists each edge once, under ``edges`` (:mod:`.aliases`).
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
        self.edges = nn.ModuleDict()
        for i in range(n_nodes):
            for inp in range(2 + i):
                for op in ops:
                    self.edges[edge_key(i, inp, op)] = make_op(op, c, self.stride(inp), affine)
        kind = "reduce" if reduction else "normal"
        self.nodes = nn.ModuleList(SearchNode(kind, i, self.edges, ops) for i in range(n_nodes))
        # output 1x1 conv: one (c, c) block per node; only the concatenated nodes' blocks are used
        self.out_weight = nn.Parameter(torch.empty(c, n_nodes * c, 1, 1))
        nn.init.kaiming_uniform_(self.out_weight, a=5**0.5)
        self.out_bn = nn.BatchNorm2d(c, affine=affine)
        hide_aliases(self)

    def train(self, mode: bool = True) -> SearchCell:
        """As ``nn.Module.train``, but each submodule once (every edge is also reached through
        the ``LayerChoice`` s of its node; the search loop calls ``train()`` every step)."""
        train_once(self, mode)
        return self

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        nodes = cast(list[SearchNode], self.nodes)
        for node in nodes:
            states.append(node(states))
        if any(_mixed(choice) for node in nodes for choice in node.inputs):
            concat = list(range(2, len(states)))
        else:
            used = {j for node in nodes for j in node.reads()}
            concat = [k for k in range(2, len(states)) if k not in used]
        c = self.c
        x = F.relu(torch.cat([states[k] for k in concat], dim=1))
        w = torch.cat([self.out_weight[:, (k - 2) * c : (k - 1) * c] for k in concat], dim=1)
        return self.out_bn(F.conv2d(x, w))


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

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for i, node in enumerate(self.genotype.nodes):
            h = None
            for inp, op in node:
                y = self.edges[edge_key(i, inp, op)](states[inp])
                if self.training and drop_prob > 0 and op != "identity":
                    y = drop_path(y, drop_prob)
                h = y if h is None else h + y
            assert h is not None
            states.append(h)
        return self.out(torch.cat([states[k] for k in self.genotype.concat], dim=1))
