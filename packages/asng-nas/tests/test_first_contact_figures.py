"""The figures a newcomer looks at first (issue 13): ``cells.png`` as a layered left-to-right DAG
whose labels overlap nothing and whose edges run through no node, and the inpainting grid with
grayscale kept grayscale and the known pixels composited."""

import numpy as np
import pytest
import torch

pytest.importorskip("matplotlib")

from asng_nas.classification.cellplot import layout_cell  # noqa: E402
from asng_nas.classification.export import draw_genotype  # noqa: E402
from asng_nas.classification.genotype import CellGenotype, Genotype  # noqa: E402
from asng_nas.inpainting.figures import composite, missing_pixels, save_inpainting_grid  # noqa: E402

OPS = ("identity", "avg_pool_3x3", "max_pool_3x3", "sep_conv_3x3", "sep_conv_5x5")


def _random_cell(rng: np.random.Generator, n: int = 5) -> CellGenotype:
    nodes = []
    for i in range(n):
        a, b = rng.integers(0, 2 + i, 2)
        nodes.append(((int(a), str(rng.choice(OPS))), (int(b), str(rng.choice(OPS)))))
    return CellGenotype(tuple(nodes))


CHAIN = CellGenotype(tuple(((i + 1, "sep_conv_3x3"), (0, "identity")) for i in range(5)))  # deepest, longest edges
FAN = CellGenotype(tuple(((0, "max_pool_3x3"), (0, "sep_conv_5x5")) for _ in range(5)))  # all from c_{k-2}


def test_the_layout_is_layered_left_to_right():
    lay = layout_cell(CHAIN)
    xs = [lay.pos[s][0] for s in (0, 2, 3, 4, 5, 6, lay.out)]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # a chain: one layer per node
    for a, b, _, _, _ in lay.edges:
        assert lay.pos[a][0] < lay.pos[b][0]  # every edge runs left to right
    assert lay.pos[0][1] > lay.pos[1][1]  # c_{k-2} above c_{k-1}
    fan = layout_cell(FAN)
    assert len({fan.pos[2 + i][0] for i in range(5)}) == 1  # independent nodes share a layer


@pytest.mark.parametrize("seed", range(6))
def test_labels_overlap_nothing_and_edges_avoid_nodes(tmp_path, seed):
    rng = np.random.default_rng(seed)
    cells = [(CHAIN, FAN), (FAN, CHAIN)][seed] if seed < 2 else (_random_cell(rng), _random_cell(rng))
    drawings = draw_genotype(Genotype(*cells), tmp_path / "cells.png")
    assert (tmp_path / "cells.png").read_bytes()[:4] == b"\x89PNG"
    for cell, d in zip(cells, drawings):
        assert len(d.label_boxes) == 2 * len(cell.nodes)  # one label per operation edge
        boxes = d.label_boxes
        for i, a in enumerate(boxes):
            assert not any(a.overlaps(b) for b in boxes[i + 1 :]), "labels overlap"
            assert not any(a.overlaps(n) for n in d.node_boxes.values()), "a label sits on a node"
        for src, dst, pts in d.edge_points:
            for s, box in d.node_boxes.items():
                if s in (src, dst):
                    continue
                inside = (pts[:, 0] > box.x0) & (pts[:, 0] < box.x1) & (pts[:, 1] > box.y0) & (pts[:, 1] < box.y1)
                assert not inside.any(), f"edge {src}->{dst} runs through node {s}"


def test_composite_keeps_the_known_pixels():
    g = torch.Generator().manual_seed(0)
    truth = torch.rand(2, 3, 8, 8, generator=g) * 0.9 + 0.05
    mask = torch.zeros(2, 1, 8, 8, dtype=torch.bool)
    mask[:, :, 2:6, 2:6] = True
    masked = truth * ~mask
    assert torch.equal(missing_pixels(masked), mask)
    restored = torch.full_like(truth, 2.0)
    out = composite(masked, restored, mask)
    assert torch.equal(out[~mask.expand_as(out)], truth[~mask.expand_as(truth)])
    assert torch.all(out[mask.expand_as(out)] == 1.0)  # the output, clipped to [0, 1]


def test_the_grid_of_gray_faces_stays_gray(tmp_path):
    import matplotlib.image as mpimg

    g = torch.Generator().manual_seed(1)
    gray = torch.rand(4, 1, 16, 16, generator=g).repeat(1, 3, 1, 1)
    mask = torch.zeros(4, 1, 16, 16, dtype=torch.bool)
    mask[:, :, 4:12, 4:12] = True
    restored = torch.rand(4, 3, 16, 16, generator=g)
    restored[:, 0] += 0.5  # a colour cast, as a young network's output has
    path = save_inpainting_grid(gray * ~mask, restored, gray, tmp_path / "grid.png", "center mask")
    img = mpimg.imread(path)[..., :3]
    assert np.abs(img[..., 0] - img[..., 1]).max() < 1e-6 and np.abs(img[..., 1] - img[..., 2]).max() < 1e-6
