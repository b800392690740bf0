"""The searched space: ENAS micro cells (Pham et al. 2018; the paper's section 3.2) written with the
``asng_nas.nn`` primitives, so that every strategy runs on one and the same supernet.

Node ``i`` of a cell has two slots; a slot picks one of the ``2 + i`` earlier states with an
``InputChoice`` and an operation (``asng_nas.classification.ops.OP_NAMES``: separable 3 x 3 and
5 x 5 convolutions, 3 x 3 average and max pooling, identity) with a ``LayerChoice``. The weights
belong to (node, input, operation) and both slots of a node share them; all normal cells share one
set of labels, all reduction cells another (``4 * n_nodes`` variables per cell type). In the mixture
state (DARTS) every input runs through its mixed operation and the inputs are mixed; the cell
output is a 1 x 1 convolution of the concatenated nodes that no node reads (all nodes in the
mixture state). The same construction as ``asng_nas/examples/enas_cells.py`` (``ENASNet``), which
is not part of the installed package.
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

import asng_nas.nn as ann
from asng_nas.classification.ops import OP_NAMES, FactorizedReduce, ReLUConvBN, make_op
from asng_nas.classification.supernet import CellPlan, cell_plan, stem

__all__ = ["ENASCellNet", "count_parameters"]


def _mixture(choice: ann.InputChoice) -> bool:
    return getattr(choice, "weights", None) is not None


class _Node(nn.Module):
    def __init__(self, cell: str, i: int, ops: dict[tuple[int, str], nn.Module]):
        super().__init__()
        names = list(dict.fromkeys(op for _, op in ops))
        self.inputs = nn.ModuleList(ann.InputChoice(2 + i, label=f"{cell}.node{i}.input_{s}") for s in "ab")
        self.ops = nn.ModuleList(
            nn.ModuleList(
                ann.LayerChoice({op: ops[(j, op)] for op in names}, label=f"{cell}.node{i}.op_{s}")
                for j in range(2 + i)
            )
            for s in "ab"
        )

    def reads(self) -> list[int]:
        return [int(cast(Any, choice).chosen[0]) for choice in self.inputs]

    def forward(self, states: list[torch.Tensor]) -> torch.Tensor:
        out: torch.Tensor | None = None
        for slot in range(2):
            choice, ops = cast(Any, self.inputs[slot]), cast(Any, self.ops[slot])
            if _mixture(choice):  # DARTS: every input through its mixed operation, then mixed
                y = choice([op(x) for op, x in zip(ops, states)])
            else:  # sampled or exported: the chosen input only
                j = choice.chosen[0]
                y = ops[j](states[j])
            out = y if out is None else out + y
        assert out is not None
        return out


class _Cell(nn.Module):
    def __init__(self, plan: CellPlan, n_nodes: int, ops: tuple[str, ...], affine: bool):
        super().__init__()
        c = self.c = plan.c
        if plan.reduction_prev:
            self.pre0: nn.Module = FactorizedReduce(plan.c_pp, c, affine)
        else:
            self.pre0 = ReLUConvBN(plan.c_pp, c, 1, 1, affine)
        self.pre1 = ReLUConvBN(plan.c_p, c, 1, 1, affine)
        self.edges = nn.ModuleDict()
        nodes = []
        name = "reduce" if plan.reduction else "normal"
        for i in range(n_nodes):
            own: dict[tuple[int, str], nn.Module] = {}
            for j in range(2 + i):
                for op in ops:
                    stride = 2 if plan.reduction and j < 2 else 1
                    own[(j, op)] = self.edges[f"n{i}_i{j}_{op}"] = make_op(op, c, stride, affine)
            nodes.append(_Node(name, i, own))
        self.nodes = nn.ModuleList(nodes)
        self.out_weight = nn.Parameter(torch.empty(c, n_nodes * c, 1, 1))
        nn.init.kaiming_uniform_(self.out_weight, a=5**0.5)
        self.out_bn = nn.BatchNorm2d(c, affine=affine)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        nodes = cast(list[_Node], list(self.nodes))
        for node in nodes:
            states.append(node(states))
        mixture = _mixture(cast(Any, nodes[0].inputs[0]))
        used = set() if mixture else {j for node in nodes for j in node.reads()}
        concat = [k for k in range(2, len(states)) if k not in used]
        x = F.relu(torch.cat([states[k] for k in concat], dim=1))
        w = torch.cat([self.out_weight[:, (k - 2) * self.c : (k - 1) * self.c] for k in concat], dim=1)
        return self.out_bn(F.conv2d(x, w))


class ENASCellNet(nn.Module):
    """A stem, ``n_cells`` cells (reductions at ``n_cells // 3`` and ``2 * n_cells // 3``), global
    average pooling and a linear classifier.

    Args:
        n_cells: cells in the network; channels: ``C`` of the first cells (doubled at reductions);
        n_classes: logits; in_channels: image channels; n_nodes: nodes per cell;
        affine: affine BN (False in the supernet, as in the paper's search; True to retrain).

    ``forward(x: (N, in_channels, H, W) float) -> (N, n_classes)`` logits of the active architecture.
    """

    def __init__(
        self,
        n_cells: int = 3,
        channels: int = 8,
        n_classes: int = 10,
        in_channels: int = 1,
        n_nodes: int = 4,
        ops: tuple[str, ...] = tuple(OP_NAMES),
        affine: bool = False,
    ):
        super().__init__()
        plan = cell_plan(n_cells, channels, 3)
        self.stem = stem(in_channels, 3 * channels, affine)
        self.cells = nn.ModuleList(_Cell(p, n_nodes, tuple(ops), affine) for p in plan)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(plan[-1].c, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))


def count_parameters(module: Any) -> int:
    """Number of parameters (elements) of ``module``."""
    return int(sum(p.numel() for p in module.parameters()))
