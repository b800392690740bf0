"""The ENAS side of the export: reading the genotype of an ``architecture.json`` back for
retraining (:func:`load_genotype`) and drawing the cells (``cells.png``, :func:`draw_genotype`).
The JSON itself is written by :func:`asng_nas.search.export.export_architecture`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .cellplot import CellDrawing, draw_cell, figure_size
from .genotype import Genotype

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


def draw_genotype(genotype: Genotype, path: str | Path) -> list[CellDrawing]:
    """Draw the normal and the reduction cell into one PNG (needs matplotlib), each as a layered
    left-to-right DAG with one label per operation edge (:mod:`.cellplot`). The file is written
    atomically with the user's usual file mode. Returns what was drawn (for checks)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    width, height, ratios = figure_size([genotype.normal, genotype.reduce])
    fig, axes = plt.subplots(2, 1, figsize=(width, height), gridspec_kw={"height_ratios": ratios})
    fig.subplots_adjust(left=0.02, right=0.98, top=0.95, bottom=0.02, hspace=0.25)
    drawings = [
        draw_cell(axes[0], genotype.normal, "normal cell"),
        draw_cell(axes[1], genotype.reduce, "reduction cell"),
    ]
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    tmp = p.with_name(f".{p.name}.tmp.png")
    fig.savefig(tmp, dpi=120)
    plt.close(fig)
    tmp.replace(p)
    return drawings
