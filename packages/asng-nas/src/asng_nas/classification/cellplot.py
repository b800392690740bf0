"""Drawing a cell genotype as a layered left-to-right DAG (``cells.png``), with matplotlib only.

The layout follows the usual drawing of DARTS / ENAS genotypes: the cell inputs ``c_{k-2}`` and
``c_{k-1}`` on the left, each node in the layer after the latest of its inputs (longest path),
the output ``c_{k}`` on the right. An edge that spans several layers passes through a free slot
of each layer in between (a dummy point, as in Sugiyama-style layered drawing), so no edge runs
through a node; the slots of a layer are ordered by the barycentre of their predecessors to
reduce crossings. Every operation edge carries one label, placed greedily at the first point
along the edge where its box overlaps neither a node nor another label (else where it overlaps least) (checked on the
rendered text extents), trying the edge's last stretch (into its target) first, then a
smaller font, then just above or below the edge; where no free place exists, the one with the
least overlap is taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .genotype import CellGenotype

__all__ = ["CellLayout", "CellDrawing", "layout_cell", "draw_cell", "OP_COLORS"]

#: one colour per operation (edges and labels); unknown operations are drawn grey
OP_COLORS = {
    "identity": "#555555",
    "avg_pool_3x3": "#1a9850",
    "max_pool_3x3": "#d95f02",
    "sep_conv_3x3": "#2166ac",
    "sep_conv_5x5": "#b2182b",
}
BOX_W, BOX_H = 0.9, 0.42  # node box, in data units (a layer is DX wide, a slot 1 high)
DX = 2.8


@dataclass
class CellLayout:
    """Positions of a cell's drawing in data units.

    ``pos``: state -> (x, y) for the states ``0`` (c_{k-2}), ``1`` (c_{k-1}), ``2 + i`` (node i)
    and ``out``; ``edges``: (source, target, op or None for the output's concat edges, slot,
    waypoints) with ``waypoints`` the dummy points the edge passes through."""

    pos: dict[int, tuple[float, float]]
    out: int
    edges: list[tuple[int, int, str | None, int, list[tuple[float, float]]]]
    n_layers: int
    height: int


@dataclass
class CellDrawing:
    """What :func:`draw_cell` drew, in display coordinates (pixels): node boxes by state, label
    boxes, and the points of every edge path with its end states (for checks)."""

    node_boxes: dict[int, Any] = field(default_factory=dict)
    label_boxes: list[Any] = field(default_factory=list)
    edge_points: list[tuple[int, int, Any]] = field(default_factory=list)


def layout_cell(cell: CellGenotype) -> CellLayout:
    """Layers, slot order and coordinates of ``cell`` (see the module docstring)."""
    n = len(cell.nodes)
    out = n + 2
    layer = {0: 0, 1: 0}
    for i, node in enumerate(cell.nodes):
        layer[2 + i] = 1 + max(layer[j] for j, _ in node)
    layer[out] = 1 + max(layer.values())
    raw: list[tuple[int, int, str | None, int]] = [
        (j, 2 + i, op, slot) for i, node in enumerate(cell.nodes) for slot, (j, op) in enumerate(node)
    ]
    raw += [(k, out, None, 0) for k in cell.concat]
    # members of each layer: real states, then one dummy per edge crossing that layer
    members: dict[int, list[Any]] = {lv: [] for lv in range(layer[out] + 1)}
    for s in sorted(layer):
        members[layer[s]].append(("s", s))
    for e, (a, b, _, _) in enumerate(raw):
        for lv in range(layer[a] + 1, layer[b]):
            members[lv].append(("d", e, lv))

    def preds(m: Any) -> list[Any]:
        if m[0] == "d":  # a dummy: the edge's previous point
            e, lv = m[1], m[2]
            a = raw[e][0]
            return [("s", a)] if layer[a] == lv - 1 else [("d", e, lv - 1)]
        s = m[1]
        return [
            ("s", a) if layer[a] == layer[s] - 1 else ("d", e, layer[s] - 1)
            for e, (a, b, _, _) in enumerate(raw)
            if b == s
        ]

    def bary(m: Any, k: int, rank: dict[Any, float], size: int) -> tuple[float, int]:
        ps = [rank[p] for p in preds(m) if p in rank]
        return (sum(ps) / len(ps) if ps else k - (size - 1) / 2, k)

    for _ in range(3):  # barycentre sweeps, left to right; layer 0 keeps c_{k-2} above c_{k-1}
        for lv in range(1, layer[out] + 1):
            rank = {m: k - (len(members[lv - 1]) - 1) / 2 for k, m in enumerate(members[lv - 1])}
            cur = members[lv]
            keyed = sorted(((bary(m, k, rank, len(cur)), m) for k, m in enumerate(cur)), key=lambda t: t[0])
            members[lv] = [m for _, m in keyed]

    height = max(len(v) for v in members.values())
    xy: dict[Any, tuple[float, float]] = {}
    for lv, ms in members.items():
        for k, m in enumerate(ms):
            xy[m] = (lv * DX, (len(ms) - 1) / 2 - k)
    pos = {m[1]: p for m, p in xy.items() if m[0] == "s"}
    edges = [
        (a, b, op, slot, [xy[("d", e, lv)] for lv in range(layer[a] + 1, layer[b])])
        for e, (a, b, op, slot) in enumerate(raw)
    ]
    return CellLayout(pos, out, edges, layer[out] + 1, height)


def _edge_path(
    layout: CellLayout, a: int, b: int, slot: int, waypoints: list[tuple[float, float]], bulge: float = 0.0
) -> Any:
    """The path of one edge: from the right side of ``a`` (through the waypoints, straight across
    each dummy slot) to the left side of ``b``, at the port of ``slot``; cubic curves with
    horizontal tangents between layers, bowed up by ``bulge`` (two edges between the same
    states bow apart). Returns ``(path, curves)``: the matplotlib ``Path`` and its curve
    segments as control-point tuples."""
    from matplotlib.path import Path as MPath

    (xa, ya), (xb, yb) = layout.pos[a], layout.pos[b]
    port = 0.0 if b == layout.out else (0.13 if slot == 0 else -0.13)
    pts = [(xa + BOX_W / 2, ya)]
    for x, y in waypoints:
        pts += [(x - BOX_W / 2, y), (x + BOX_W / 2, y)]
    pts.append((xb - BOX_W / 2, yb + port))
    verts, codes, curves = [pts[0]], [MPath.MOVETO], []
    for k in range(0, len(pts) - 1, 2):
        p0, p3 = pts[k], pts[k + 1]
        d = (p3[0] - p0[0]) * 0.5
        p1, p2 = (p0[0] + d, p0[1] + bulge), (p3[0] - d, p3[1] + bulge)
        verts += [p1, p2, p3]
        codes += [MPath.CURVE4] * 3
        curves.append((p0, p1, p2, p3))
        if k + 2 < len(pts):  # straight across a dummy slot
            verts.append(pts[k + 2])
            codes.append(MPath.LINETO)
    return MPath(verts, codes), curves


def _bezier(c: Any, t: float) -> tuple[float, float]:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = c
    u = 1 - t
    return (
        u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
        u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3,
    )


def _overlap_area(box: Any, others: list[Any], pad: float = 1.0) -> float:
    """Total area (pixels^2) by which ``box``, grown by ``pad``, overlaps the boxes ``others``."""
    total = 0.0
    for o in others:
        w = min(box.x1 + pad, o.x1) - max(box.x0 - pad, o.x0)
        h = min(box.y1 + pad, o.y1) - max(box.y0 - pad, o.y0)
        if w > 0 and h > 0:
            total += w * h
    return total


def draw_cell(ax: Any, cell: CellGenotype, title: str, fontsize: float = 7.0) -> CellDrawing:
    """Draw ``cell`` into the matplotlib axes ``ax`` (whose figure must have its final size);
    returns what was drawn, in pixels, for checks."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    lay = layout_cell(cell)
    drawing = CellDrawing()
    ax.set_xlim(-BOX_W / 2 - 0.15, (lay.n_layers - 1) * DX + BOX_W / 2 + 0.15)
    ax.set_ylim(-(lay.height - 1) / 2 - 0.45, (lay.height - 1) / 2 + 0.45)
    ax.set_title(title, fontsize=fontsize + 3)
    ax.axis("off")
    names = {0: "$c_{k-2}$", 1: "$c_{k-1}$", lay.out: "$c_{k}$", **{2 + i: str(i) for i in range(len(cell.nodes))}}
    colors = {0: "#d9e7f5", 1: "#d9e7f5", lay.out: "#f8e0cf"}
    fig = ax.figure
    renderer = fig.canvas.get_renderer()
    for s, (x, y) in lay.pos.items():
        patch = FancyBboxPatch(
            (x - BOX_W / 2, y - BOX_H / 2),
            BOX_W,
            BOX_H,
            boxstyle="round,pad=0,rounding_size=0.08",
            fc=colors.get(s, "#eeeeee"),
            ec="#333333",
            lw=0.8,
            zorder=3,
        )
        ax.add_patch(patch)
        ax.text(x, y, names[s], ha="center", va="center", fontsize=fontsize + 2, zorder=4)
        drawing.node_boxes[s] = patch.get_window_extent(renderer)
    labels: list[tuple[str, str, list[Any]]] = []
    pairs = [(a, b) for a, b, *_ in lay.edges]
    for a, b, op, slot, way in lay.edges:
        bulge = (0.35 if slot == 0 else -0.35) if pairs.count((a, b)) > 1 else 0.0
        path, curves = _edge_path(lay, a, b, slot, way, bulge)
        color = "#999999" if op is None else OP_COLORS.get(op, "#777777")
        ax.add_patch(
            FancyArrowPatch(
                path=path,
                arrowstyle="-|>",
                mutation_scale=7,
                color=color,
                lw=1.0,
                ls="--" if op is None else "-",
                zorder=2,
                shrinkA=0,
                shrinkB=0,
            )
        )
        pts = [_bezier(c, t / 20) for c in curves for t in range(21)]
        drawing.edge_points.append((a, b, ax.transData.transform(pts)))
        if op is not None:
            labels.append((op, color, curves))
    nodes = list(drawing.node_boxes.values())
    for op, color, curves in labels:
        ts = (0.5, 0.65, 0.35, 0.8, 0.2, 0.9, 0.1, 0.575, 0.425, 0.725, 0.275, 0.85, 0.15)
        order = [(k, t) for k in reversed(range(len(curves))) for t in ts]  # near the target first
        best: tuple[float, Any, Any] | None = None
        tries = [(k, t, size, 0.0) for size in (fontsize, 0.85 * fontsize) for k, t in order]
        tries += [(k, t, 0.85 * fontsize, dy) for dy in (0.1, -0.1, 0.18, -0.18) for k, t in order]
        for k, t, size, dy in tries:  # on the edge; then just above / below it
            x, y = _bezier(curves[k], t)
            txt = ax.text(
                x,
                y + dy,
                op,
                ha="center",
                va="center",
                fontsize=size,
                color=color,
                zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.9},
            )
            box = txt.get_window_extent(renderer).expanded(1.0, 1.0)
            clash = _overlap_area(box, nodes) + _overlap_area(box, drawing.label_boxes)
            if best is None or clash < best[0]:
                if best is not None:
                    best[1].remove()
                best = (clash, txt, box)
                if clash == 0:
                    break
            else:
                txt.remove()
        assert best is not None
        drawing.label_boxes.append(best[2])
    return drawing


def figure_size(cells: list[CellGenotype]) -> tuple[float, float, list[float]]:
    """Width, height (inches) and the height ratios of a figure with ``cells`` stacked."""
    lays = [layout_cell(c) for c in cells]
    width = max(0.9 * DX * (lay.n_layers - 1) + 1.2 for lay in lays)
    heights = [0.8 * lay.height + 0.7 for lay in lays]
    return width, sum(heights), heights
