"""Cell architectures (genotypes) of the ENAS micro space, with JSON round trips.

A cell has states ``0 = c_{k-2}``, ``1 = c_{k-1}`` and ``2 + i`` = node i. Node i is
``((input_a, op_a), (input_b, op_b))`` with inputs < 2 + i. The cell output concatenates the
nodes no other node of the cell reads (:attr:`CellGenotype.concat`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["CellGenotype", "Genotype", "format_genotype", "node_labels", "genotype_choices", "CELL_KINDS"]

#: The cell types, in the order of the search space's variables.
CELL_KINDS = ("normal", "reduce")

Edge = tuple[int, str]


@dataclass(frozen=True)
class CellGenotype:
    """One cell: ``nodes[i] = ((input_a, op_a), (input_b, op_b))``."""

    nodes: tuple[tuple[Edge, Edge], ...]

    def __post_init__(self) -> None:
        for i, node in enumerate(self.nodes):
            if len(node) != 2:
                raise ValueError(f"node {i} must have exactly two (input, op) edges")
        nodes = tuple(((int(a[0]), str(a[1])), (int(b[0]), str(b[1]))) for a, b in self.nodes)
        for i, node in enumerate(nodes):
            for j, _ in node:
                if not 0 <= j < 2 + i:
                    raise ValueError(f"node {i} reads state {j}; allowed 0..{i + 1}")
        object.__setattr__(self, "nodes", nodes)

    @property
    def concat(self) -> tuple[int, ...]:
        """State indices of the nodes no node reads (the cell output); never empty."""
        used = {j for node in self.nodes for j, _ in node}
        return tuple(2 + i for i in range(len(self.nodes)) if 2 + i not in used)

    def to_dict(self) -> dict[str, Any]:
        return {
            "nodes": [[[j, op] for j, op in node] for node in self.nodes],
            "concat": list(self.concat),
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> CellGenotype:
        nodes = [[(int(j), str(op)) for j, op in node] for node in d["nodes"]]
        return cls(tuple((a, b) for a, b in nodes))


@dataclass(frozen=True)
class Genotype:
    """A normal and a reduction cell."""

    normal: CellGenotype
    reduce: CellGenotype

    def to_dict(self) -> dict[str, Any]:
        return {"normal": self.normal.to_dict(), "reduce": self.reduce.to_dict()}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Genotype:
        return cls(CellGenotype.from_dict(d["normal"]), CellGenotype.from_dict(d["reduce"]))


def format_genotype(genotype: Genotype) -> str:
    """Human-readable text of both cells, one node per line."""
    names = ["c_{k-2}", "c_{k-1}"] + [f"node{i}" for i in range(len(genotype.normal.nodes))]
    lines = []
    for title, cell in (("normal", genotype.normal), ("reduce", genotype.reduce)):
        lines.append(f"{title} cell:")
        for i, ((ja, oa), (jb, ob)) in enumerate(cell.nodes):
            lines.append(f"  node{i} = {oa}({names[ja]}) + {ob}({names[jb]})")
        lines.append(f"  output = concat({', '.join(names[k] for k in cell.concat)})")
    return "\n".join(lines)


def node_labels(kind: str, i: int) -> tuple[str, str, str, str]:
    """The variable names of node ``i`` of cell type ``kind``: ``input_a, input_b, op_a, op_b``
    (``"normal.node0.input_a"``, ...): the names of :class:`~asng_nas.classification.space.ENASSpace`
    and the labels of the primitives of :class:`~asng_nas.classification.cells.SearchNode`."""
    return (f"{kind}.node{i}.input_a", f"{kind}.node{i}.input_b", f"{kind}.node{i}.op_a", f"{kind}.node{i}.op_b")


def genotype_choices(genotype: Genotype, kinds: tuple[str, ...] = CELL_KINDS) -> dict[str, Any]:
    """The cells of ``kinds`` of ``genotype`` as choices of the primitives ``{label: value}``: an
    input is its state index (``int``), an operation its name; what ``asng_nas.nn.activate`` takes."""
    out: dict[str, Any] = {}
    for kind in kinds:
        cell = genotype.normal if kind == "normal" else genotype.reduce
        for i, ((ia, oa), (ib, ob)) in enumerate(cell.nodes):
            out.update(zip(node_labels(kind, i), (ia, ib, oa, ob)))
    return out
