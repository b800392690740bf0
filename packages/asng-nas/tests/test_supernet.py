import numpy as np
import pytest
import torch

from asng_nas.classification.cells import edge_key
from asng_nas.classification.genotype import CellGenotype, Genotype
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet, cell_plan
from asng_opt import ASNG

torch.set_num_threads(1)


@pytest.mark.parametrize("n_cells,size,in_ch", [(3, 8, 1), (5, 16, 3)])
def test_output_shapes_for_random_architectures(n_cells, size, in_ch):
    torch.manual_seed(0)
    space = ENASSpace()
    net = Supernet(n_cells, 4, n_classes=7, in_channels=in_ch)
    opt = ASNG(space.make_distribution(), seed=1)
    x = torch.randn(2, in_ch, size, size)
    for c in space.split(opt.ask(4)):
        y = net(x, space.decode(c))
        assert y.shape == (2, 7) and torch.isfinite(y).all()


def test_cell_plan_reductions():
    plan = cell_plan(8, 16)
    assert [p.reduction for p in plan] == [False, False, True, False, False, True, False, False]
    assert [p.c for p in plan] == [16, 16, 32, 32, 32, 64, 64, 64]
    assert plan[0].c_pp == plan[0].c_p == 48
    assert len([p for p in cell_plan(20, 36) if p.reduction]) == 2


def _genotype() -> Genotype:
    normal = CellGenotype(
        (
            ((0, "sep_conv_3x3"), (1, "identity")),
            ((2, "max_pool_3x3"), (1, "sep_conv_5x5")),
            ((0, "avg_pool_3x3"), (3, "sep_conv_3x3")),
            ((1, "sep_conv_3x3"), (1, "sep_conv_3x3")),
            ((4, "identity"), (5, "sep_conv_5x5")),
        )
    )
    reduce = CellGenotype(
        (
            ((0, "identity"), (1, "sep_conv_5x5")),
            ((2, "sep_conv_3x3"), (0, "max_pool_3x3")),
            ((1, "avg_pool_3x3"), (3, "identity")),
            ((4, "sep_conv_3x3"), (2, "sep_conv_5x5")),
            ((3, "identity"), (1, "identity")),
        )
    )
    return Genotype(normal, reduce)


def test_only_sampled_operations_run_and_receive_gradients():
    torch.manual_seed(0)
    net = Supernet(3, 4, n_classes=5, in_channels=1)
    geno = _genotype()
    ran: set[tuple[int, str]] = set()
    for k, cell in enumerate(net.cells):
        for key, mod in cell.edges.items():
            mod.register_forward_hook(lambda m, i, o, k=k, key=key: ran.add((k, key)))
    net(torch.randn(4, 1, 8, 8), geno).sum().backward()
    for k, cell in enumerate(net.cells):
        g = geno.reduce if cell.reduction else geno.normal
        wanted = {edge_key(i, j, op) for i, node in enumerate(g.nodes) for j, op in node}
        assert {key for kk, key in ran if kk == k} == wanted
        for key, mod in cell.edges.items():
            for p in mod.parameters():
                has = p.grad is not None and bool(p.grad.abs().sum() > 0)
                assert has == (key in wanted), (k, key)
        # output 1x1 conv: only the blocks of the concatenated nodes
        grad = cell.out_weight.grad.abs().sum(dim=(0, 2, 3)).view(-1, cell.c).sum(1)
        used = np.zeros(5, bool)
        used[[j - 2 for j in g.concat]] = True
        assert np.array_equal(grad.numpy() > 0, used)


def test_supernet_runs_fewer_edges_than_it_owns():
    net = Supernet(2, 4, in_channels=1)
    n_edges = sum(len(c.edges) for c in net.cells)
    assert n_edges == 2 * 5 * (2 + 3 + 4 + 5 + 6)  # every (node, input, op) per cell
