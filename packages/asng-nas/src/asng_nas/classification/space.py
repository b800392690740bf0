"""The ENAS micro-cell search space (section 3.2) on top of the generic :class:`SearchSpace`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..search.space import Choice, SearchSpace
from .genotype import CELL_KINDS, CellGenotype, Genotype, node_labels
from .ops import OP_NAMES

__all__ = ["ENASSpace", "OPS"]

#: Operation names of the ENAS micro space, in category order.
OPS: tuple[str, ...] = OP_NAMES


class ENASSpace(SearchSpace):
    """The ENAS micro-cell space of section 3.2: a normal and a reduction cell.

    Node i (0-based) of a cell picks two inputs among ``2 + i`` states (the two cell inputs
    ``c_{k-2}``, ``c_{k-1}``, then earlier nodes) and an operation for each. Per cell and node the
    variables are ``input_a, input_b, op_a, op_b``; cells in the order normal, reduce.
    With 5 nodes and 5 operations: 40 variables, n_theta = 140.
    """

    CELLS = CELL_KINDS

    def __init__(self, n_nodes: int = 5, ops: Sequence[str] = OPS):
        self.n_nodes = int(n_nodes)
        self.ops = tuple(ops)
        variables: dict[str, Choice] = {}
        for cell in self.CELLS:
            for i in range(self.n_nodes):
                inputs = ("c_{k-2}", "c_{k-1}", *(f"node{j}" for j in range(i)))
                input_a, input_b, op_a, op_b = node_labels(cell, i)
                variables[input_a] = Choice(inputs)
                variables[input_b] = Choice(inputs)
                variables[op_a] = Choice(self.ops)
                variables[op_b] = Choice(self.ops)
        super().__init__(variables)

    def decode(self, sample: Any) -> Genotype:
        """``(40,)`` category indices -> :class:`Genotype` (input = state index, op = name)."""
        c = np.asarray(sample, dtype=np.int64)
        if c.shape != (self.n_variables,):
            raise ValueError(f"expected a ({self.n_variables},) sample, got shape {c.shape}")
        cells = []
        per_cell = 4 * self.n_nodes
        for k in range(len(self.CELLS)):
            block = c[k * per_cell : (k + 1) * per_cell].reshape(self.n_nodes, 4)
            nodes = tuple(((int(ia), self.ops[int(oa)]), (int(ib), self.ops[int(ob)])) for ia, ib, oa, ob in block)
            cells.append(CellGenotype(nodes))
        return Genotype(normal=cells[0], reduce=cells[1])

    def encode(self, genotype: Genotype) -> np.ndarray:
        """Inverse of :meth:`decode`: ``Genotype`` -> ``(40,)`` category indices."""
        out = []
        for cell in (genotype.normal, genotype.reduce):
            if len(cell.nodes) != self.n_nodes:
                raise ValueError(f"genotype has {len(cell.nodes)} nodes, space has {self.n_nodes}")
            for (ia, oa), (ib, ob) in cell.nodes:
                out += [ia, ib, self.ops.index(oa), self.ops.index(ob)]
        return np.asarray(out, dtype=np.int64)

    def describe(self, sample: Any) -> dict[str, Any]:
        return {"choices": self.assignment(sample), "genotype": self.decode(sample).to_dict()}
