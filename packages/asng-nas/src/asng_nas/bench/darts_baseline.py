"""A DARTS-style continuous relaxation of the same space, only as a speed baseline.

Every node slot mixes *all* (input, operation) pairs with softmax weights, so every edge of the
supernet runs on every forward pass; ASNG-NAS runs only the sampled edges. The mixed network uses
the very weights of a :class:`asng_nas.classification.supernet.Supernet`, so the two are compared on identical
modules. A first-order DARTS iteration (:meth:`DartsBaseline.step`) is one forward/backward on a
weight batch with an SGD step, then one forward/backward on a theta batch with an Adam step on
the architecture logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..classification.cells import SearchCell, edge_key
from ..classification.supernet import Supernet

__all__ = ["MixedArch", "mixed_forward", "DartsBaseline"]


class MixedArch(nn.Module):
    """Architecture logits per cell type, node and slot: inputs ``(2 + i,)`` and ops ``(n_ops,)``."""

    def __init__(self, n_nodes: int, n_ops: int):
        super().__init__()
        self.inputs = nn.ParameterDict()
        self.ops = nn.ParameterDict()
        for cell in ("normal", "reduce"):
            for i in range(n_nodes):
                for slot in ("a", "b"):
                    key = f"{cell}_{i}_{slot}"
                    self.inputs[key] = nn.Parameter(1e-3 * torch.randn(2 + i))
                    self.ops[key] = nn.Parameter(1e-3 * torch.randn(n_ops))


def _mixed_cell(
    cell: SearchCell,
    s0: torch.Tensor,
    s1: torch.Tensor,
    arch: MixedArch,
    kind: str,
    ops: tuple[str, ...],
) -> torch.Tensor:
    states = [cell.pre0(s0), cell.pre1(s1)]
    n_nodes = cell.out_weight.shape[1] // cell.c
    for i in range(n_nodes):
        outs = torch.stack(
            [torch.stack([cell.edges[edge_key(i, j, op)](states[j]) for op in ops]) for j in range(2 + i)]
        )  # (2 + i, n_ops, N, C, H, W): every edge of the node runs once
        h = torch.zeros_like(outs[0, 0])
        for slot in ("a", "b"):
            key = f"{kind}_{i}_{slot}"
            w = F.softmax(arch.inputs[key], 0)[:, None] * F.softmax(arch.ops[key], 0)[None, :]
            h = h + (w[:, :, None, None, None, None] * outs).sum(dim=(0, 1))
        states.append(h)
    x = F.relu(torch.cat(states[2:], dim=1))  # all nodes, all output blocks
    return cell.out_bn(F.conv2d(x, cell.out_weight))


def mixed_forward(net: Supernet, x: torch.Tensor, arch: MixedArch, ops: tuple[str, ...]) -> torch.Tensor:
    """``(N, C_in, H, W) -> (N, n_classes)`` through the relaxed supernet."""
    s0 = s1 = net.stem(x)
    for cell in net.cells:
        assert isinstance(cell, SearchCell)
        kind = "reduce" if cell.reduction else "normal"
        s0, s1 = s1, _mixed_cell(cell, s0, s1, arch, kind, ops)
    return net.classifier(net.pool(s1).flatten(1))


class DartsBaseline:
    """First-order DARTS iteration on a supernet's weights (for timing only)."""

    def __init__(self, net: Supernet, ops: tuple[str, ...], n_nodes: int = 5, lr: float = 0.025):
        self.net, self.ops = net, ops
        self.arch = MixedArch(n_nodes, len(ops)).to(next(net.parameters()).device)
        self.w_opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=3e-4)
        self.a_opt = torch.optim.Adam(self.arch.parameters(), lr=3e-4, betas=(0.5, 0.999))

    def step(self, batch_w: tuple[torch.Tensor, torch.Tensor], batch_a: tuple[torch.Tensor, torch.Tensor]) -> float:
        self.net.train()
        x, y = batch_w
        self.w_opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(mixed_forward(self.net, x, self.arch, self.ops), y)
        loss.backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.w_opt.step()
        x, y = batch_a
        self.a_opt.zero_grad(set_to_none=True)
        self.net.zero_grad(set_to_none=True)
        F.cross_entropy(mixed_forward(self.net, x, self.arch, self.ops), y).backward()
        self.a_opt.step()
        return float(loss.detach())
