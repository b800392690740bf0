"""The built-in ENAS micro-cell space (section 3.2) written with asng_nas.nn primitives.

The same space as ``asng_nas.classification.ENASSpace`` + ``Supernet``, as an ordinary module: node
i of a cell has two slots (a, b); each slot picks an input among the 2 + i states with an
``InputChoice`` and an operation with a ``LayerChoice``. The weights belong to (node, input,
operation), as in ``SearchCell``: every input has its own ``LayerChoice`` (one label per slot, so
one variable), and the two slots share the operation modules. All normal cells share one label set,
all reduction cells another. The variables come out in ENASSpace's order (per cell type and node:
input_a, input_b, op_a, op_b), so a sample means the same architecture in both (n_theta = 140 with
5 nodes and 5 operations). In the mixture state (``asng_nas.nn.Relaxation``: DARTS) every input
runs through its mixed operation, the inputs are mixed, and the cell output concatenates every node.

    python enas_cells.py     # n_theta, and one search iteration timed against the built-in supernet
                             # (5 cells, C = 8, batch 16, 32 x 32, 1 thread, CPU seconds, interleaved)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

import asng_nas.nn as ann
from asng_nas.classification.cells import edge_key
from asng_nas.classification.ops import OP_NAMES, FactorizedReduce, ReLUConvBN, make_op
from asng_nas.classification.supernet import cell_plan, stem


class Node(nn.Module):
    def __init__(self, cell: str, i: int, edges: nn.ModuleDict, ops: tuple[str, ...]):
        super().__init__()
        self.inputs = nn.ModuleList(ann.InputChoice(2 + i, label=f"{cell}.node{i}.input_{s}") for s in "ab")
        self.ops = nn.ModuleList(
            nn.ModuleList(
                ann.LayerChoice({op: edges[edge_key(i, inp, op)] for op in ops}, label=f"{cell}.node{i}.op_{s}")
                for inp in range(2 + i)
            )
            for s in "ab"
        )

    def reads(self) -> list[int]:
        return [choice.chosen[0] for choice in self.inputs]

    def forward(self, states: list[torch.Tensor]) -> torch.Tensor:
        out: torch.Tensor | None = None
        for choice, ops in zip(self.inputs, self.ops):
            if getattr(choice, "weights", None) is None:  # sampled (ASNG, random), or exported: one input runs
                j = choice.chosen[0]
                y = ops[j](states[j])
            else:  # mixture (DARTS): every input through its (mixed) operation, weighted by the input choice
                y = choice([op(x) for op, x in zip(ops, states)])
            out = y if out is None else out + y
        assert out is not None
        return out


class Cell(nn.Module):
    """``SearchCell``'s parameters under its names (``pre0``, ``pre1``, ``edges``, ``out_weight``,
    ``out_bn``), so the built-in supernet's ``state_dict`` loads into it."""

    def __init__(self, plan, n_nodes: int, ops: tuple[str, ...], affine: bool):
        super().__init__()
        c, self.c, self.reduction = plan.c, plan.c, plan.reduction
        pre0 = FactorizedReduce if plan.reduction_prev else lambda c_in, c_out, a: ReLUConvBN(c_in, c_out, 1, 1, a)
        self.pre0 = pre0(plan.c_pp, c, affine)
        self.pre1 = ReLUConvBN(plan.c_p, c, 1, 1, affine)
        stride = lambda inp: 2 if plan.reduction and inp < 2 else 1  # noqa: E731
        keys = [(i, inp, op) for i in range(n_nodes) for inp in range(2 + i) for op in ops]
        self.edges = nn.ModuleDict({edge_key(i, inp, op): make_op(op, c, stride(inp), affine) for i, inp, op in keys})
        name = "reduce" if plan.reduction else "normal"
        self.nodes = nn.ModuleList(Node(name, i, self.edges, ops) for i in range(n_nodes))
        self.out_weight = nn.Parameter(torch.empty(c, n_nodes * c, 1, 1))
        nn.init.kaiming_uniform_(self.out_weight, a=5**0.5)
        self.out_bn = nn.BatchNorm2d(c, affine=affine)

    def forward(self, s0: torch.Tensor, s1: torch.Tensor) -> torch.Tensor:
        states = [self.pre0(s0), self.pre1(s1)]
        for node in self.nodes:
            states.append(node(states))
        mixture = getattr(self.nodes[0].inputs[0], "weights", None) is not None
        used = set() if mixture else {j for node in self.nodes for j in node.reads()}
        concat = [k for k in range(2, len(states)) if k not in used]  # the nodes no node reads (all: DARTS)
        x = F.relu(torch.cat([states[k] for k in concat], dim=1))
        w = torch.cat([self.out_weight[:, (k - 2) * self.c : (k - 1) * self.c] for k in concat], dim=1)
        return self.out_bn(F.conv2d(x, w))


class ENASNet(nn.Module):
    """``Supernet``'s macro structure (stem, cells with reductions at n // 3 and 2n // 3, pooling,
    classifier) over :class:`Cell`; ``forward(x) -> (N, n_classes)`` for the active architecture."""

    def __init__(self, n_cells=8, channels=16, n_classes=10, in_channels=3, n_nodes=5, ops=OP_NAMES, affine=False):
        super().__init__()
        plan = cell_plan(n_cells, channels, 3)
        self.stem = stem(in_channels, 3 * channels, affine)
        self.cells = nn.ModuleList(Cell(p, n_nodes, tuple(ops), affine) for p in plan)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(plan[-1].c, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = self.stem(x)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1)
        return self.classifier(self.pool(s1).flatten(1))


def main() -> None:
    import time

    import numpy as np

    from asng_nas.classification.space import ENASSpace
    from asng_nas.classification.supernet import Supernet
    from asng_opt import ASNG

    torch.set_num_threads(1)
    torch.manual_seed(0)
    old, new = Supernet(5, 8, 10, 3), ENASNet(5, 8, 10, 3)
    new.load_state_dict(old.state_dict(), strict=False)
    enas, space = ENASSpace(), ann.ModelSpace(new)
    print(f"n_theta: built-in {enas.n_theta}, primitives {space.n_theta}")
    supernet = ann.Supernet(new, space.variables)
    opt = ASNG(enas.make_distribution(), lam=2, seed=0)
    x, y = torch.randn(16, 3, 32, 32), torch.randint(0, 10, (16,))
    times: dict[str, list[float]] = {"built-in": [], "primitives": []}
    runs = {"built-in": lambda s: old(x, enas.decode(s)), "primitives": lambda s: supernet(x, space.decode(s))}
    for r in range(7):  # one iteration: 2 architectures forward + backward, 2 forward only; interleaved
        samples = enas.split(opt.ask(4))
        for name in sorted(runs, reverse=r % 2 == 1):
            run = runs[name]
            t = time.process_time()  # CPU seconds: less sensitive to other processes than wall time
            for s in samples[:2]:
                F.cross_entropy(run(s), y).backward()
            with torch.no_grad():
                for s in samples[2:]:
                    run(s)
            times[name].append(time.process_time() - t)
    for name, ts in times.items():
        print(f"{name}: median {np.median(ts):.3f} CPU s per iteration")
    s = samples[0]
    t = time.process_time()
    for _ in range(100):
        ann.activate(space.variables, space.decode(s))
    t_new = (time.process_time() - t) / 100
    t = time.process_time()
    for _ in range(100):
        enas.decode(s)
    t_old = (time.process_time() - t) / 100
    print(f"per architecture: decode + activate {t_new * 1e3:.2f} ms (built-in decode {t_old * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
