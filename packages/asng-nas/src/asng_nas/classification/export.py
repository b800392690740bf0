"""The ENAS side of the export: reading the genotype of an ``architecture.json`` back for
retraining (:func:`load_genotype`) and drawing the cells (``cells.png``, :func:`draw_genotype`).
The JSON itself is written by :func:`asng_nas.search.export.export_architecture`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .genotype import CellGenotype, Genotype

__all__ = ["load_genotype", "draw_genotype"]


def load_genotype(path: str | Path) -> Genotype:
    """The genotype of an ``architecture.json`` (or of its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "architecture.json"
    with open(p) as fh:
        doc = json.load(fh)
    if "genotype" not in doc:
        raise ValueError(f"{p} has no 'genotype' entry")
    return Genotype.from_dict(doc["genotype"])


def _draw_cell(ax: Any, cell: CellGenotype, title: str) -> None:
    n = len(cell.nodes)
    pos = {0: (0.0, 0.8), 1: (0.0, -0.8)}
    for i in range(n):
        pos[2 + i] = (1.0 + i, 1.0 if i % 2 == 0 else -1.0)
    out_pos = (n + 1.0, 0.0)
    labels = {0: "c_{k-2}", 1: "c_{k-1}", **{2 + i: f"node {i}" for i in range(n)}}
    box = {"boxstyle": "round", "fc": "#dbe9f6", "ec": "#336"}
    for k, (x, y) in pos.items():
        ax.text(x, y, labels[k], ha="center", va="center", fontsize=8, bbox=box, zorder=3)
    ax.text(*out_pos, "out", ha="center", va="center", fontsize=8, bbox={**box, "fc": "#f6e3db"}, zorder=3)
    for i, node in enumerate(cell.nodes):
        for e, (j, op) in enumerate(node):
            (x0, y0), (x1, y1) = pos[j], pos[2 + i]
            ax.annotate(
                "",
                xy=(x1, y1),
                xytext=(x0, y0),
                arrowprops={"arrowstyle": "->", "color": "#555", "connectionstyle": f"arc3,rad={0.15 if e else -0.15}"},
            )
            off = 0.12 if e else -0.12
            ax.text(
                (x0 + x1) / 2, (y0 + y1) / 2 + off, op, fontsize=6, ha="center", va="center", color="#a22", zorder=4
            )
    for k in cell.concat:
        (x0, y0) = pos[k]
        ax.annotate("", xy=out_pos, xytext=(x0, y0), arrowprops={"arrowstyle": "->", "color": "#999", "ls": "--"})
    ax.set_xlim(-0.7, n + 1.7)
    ax.set_ylim(-1.6, 1.6)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def draw_genotype(genotype: Genotype, path: str | Path) -> None:
    """Draw the normal and the reduction cell into one PNG (needs matplotlib)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    n = len(genotype.normal.nodes)
    fig, axes = plt.subplots(2, 1, figsize=(1.6 * (n + 2), 6.0))
    _draw_cell(axes[0], genotype.normal, "normal cell")
    _draw_cell(axes[1], genotype.reduce, "reduction cell")
    fig.tight_layout()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(p)
