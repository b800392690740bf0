import numpy as np
import pytest
import torch

from asng_nas.inpainting.space import CAESpace
from asng_nas.inpainting.supernet import CAESupernet


def test_paper_sizes():
    assert CAESpace("cat").n_theta == 214
    assert CAESpace("int").n_theta == 174
    assert CAESpace("cat").n_variables == 60  # n_c = 60 (appendix E.3)
    assert CAESpace("int").n_variables == 80


def test_layouts_are_unchanged():
    """Checkpoints written before the adoption of asng-opt's vocabulary still fit."""
    from asng_opt import Categorical, Integer, Product

    cat = CAESpace("cat", n_nodes=4, level_back=2, channels=(4, 8, 16))
    assert cat.make_distribution().spec() == Categorical([6] * 4 + [3] * 4 + [2] * 4).spec()
    sp = CAESpace("int", n_nodes=3, level_back=2, channel_range=(4, 16))
    want = Product(cat=Categorical([2] * 3 + [2] * 3), int=Integer([1, 1, 1, 4, 4, 4], [3, 3, 3, 16, 16, 16]))
    assert sp.make_distribution().spec() == want.spec()
    assert sp.names[:4] == ["node1.skip", "node2.skip", "node3.skip", "node2.input"]


def test_decode_cat_by_hand():
    sp = CAESpace("cat", n_nodes=4, level_back=2, channels=(4, 8, 16))
    # types: node1 k3 skip (2), node2 k1 no-skip (1), node3 k5 skip (4), node4 k5 no-skip (5)
    # widths: 16, 4, 8, 8; inputs: node2 <- 1 (idx 0), node3 <- 1 (idx 1), node4 <- 3; output <- node3 (idx 1)
    sample = np.array([2, 1, 4, 5, 2, 0, 1, 1, 0, 1, 0, 1])
    arch = sp.decode(sample)
    assert [n.kernel for n in arch.nodes] == [3, 1, 5, 5]
    assert [n.skip for n in arch.nodes] == [True, False, True, False]
    assert [n.channels for n in arch.nodes] == [16, 4, 8, 8]
    assert [n.input for n in arch.nodes] == [0, 1, 1, 3]
    assert arch.output == 3 and arch.active() == [1, 3]


def test_decode_int_clips_rounded_integers():
    sp = CAESpace("int", n_nodes=3, level_back=2, channel_range=(4, 16))
    arch = sp.decode({"cat": np.array([0, 1, 0, 0, 0, 1]), "int": np.array([1, 2, 3, 4, 9, 16])})
    assert [n.kernel for n in arch.nodes] == [1, 3, 5]
    assert [n.skip for n in arch.nodes] == [True, False, True]
    assert [n.channels for n in arch.nodes] == [4, 9, 16]
    assert arch.output == 2 and arch.active() == [1, 2]


def _chain_cat(sp, type_index):
    n = sp.n_nodes
    return np.array([type_index] * n + [0] * n + [0] * (n - 1) + [0])


@pytest.mark.parametrize("encoding", ["cat", "int"])
def test_forward_shapes_random_architectures(encoding):
    torch.manual_seed(0)
    sp = CAESpace(encoding, n_nodes=6, level_back=3, channels=(2, 4, 8), channel_range=(2, 8))
    net = CAESupernet(n_nodes=6, max_channels=sp.max_channels)
    rng = np.random.default_rng(0)
    x = torch.rand(2, 3, 16, 16)
    for _ in range(10):
        dist = sp.make_distribution()
        sample = dist.decode(dist.sample(dist.initial_theta(), 1, rng))
        one = {k: v[0] for k, v in sample.items()} if isinstance(sample, dict) else sample[0]
        y = net(x, sp.decode(one))
        assert y.shape == x.shape and torch.isfinite(y).all()


def test_deepest_and_all_skip_architectures():
    sp = CAESpace("cat", n_nodes=8, level_back=5, channels=(2, 4))
    net = CAESupernet(n_nodes=8, max_channels=4)
    x = torch.rand(1, 3, 12, 12)
    deepest = sp.decode(_chain_cat(sp, 1))  # every node active, all downsampling (k=1, no skip)
    assert deepest.active() == list(range(1, 9))
    assert net(x, deepest).shape == x.shape  # 12 -> 6 -> 3 -> 2 -> 1 -> 1 ... and back
    all_skip = sp.decode(_chain_cat(sp, 4))  # k=5 skip everywhere: no downsampling
    assert net(x, all_skip).shape == x.shape


def test_only_active_layers_receive_gradients():
    sp = CAESpace("cat", n_nodes=5, level_back=2, channels=(2, 4))
    net = CAESupernet(n_nodes=5, max_channels=4)
    sample = np.array([0] * 5 + [1] * 5 + [1, 0, 1, 1, 1])  # node1 k1 skip; inputs 2<-0, 3<-2, 4<-2, 5<-3; out <- 4
    arch = sp.decode(sample)
    assert arch.active() == [2, 4]
    net(torch.rand(1, 3, 8, 8), arch).sum().backward()
    used = {net._slot(i, arch.nodes[i - 1].type_index) for i in arch.active()}
    for slot, p in enumerate(net.enc_w):
        assert (p.grad is not None and p.grad.abs().sum() > 0) == (slot in used)


def test_fixed_network_matches_supernet_and_drops_unused_weights():
    from asng_nas.inpainting.supernet import CAENet

    sp = CAESpace("cat", n_nodes=5, level_back=2, channels=(2, 4))
    sup = CAESupernet(n_nodes=5, max_channels=4)
    arch = sp.decode(np.array([2, 5, 0, 3, 1] + [1, 0, 1, 0, 1] + [1, 0, 1, 1, 1]))
    net = CAENet(arch)
    # copy the supernet's sliced weights into the fixed net: same function, same output
    with torch.no_grad():
        for i in arch.active():
            spec = arch.nodes[i - 1]
            w, b = net._enc(i, spec, 0, 0)
            sw, sb = sup._enc(i, spec, w.shape[1], w.shape[0])
            w.copy_(sw), b.copy_(sb)
            w, b = net._dec(i, spec, 0, 0)
            sw, sb = sup._dec(i, spec, w.shape[0], w.shape[1])
            w.copy_(sw), b.copy_(sb)
        net.out_w.copy_(sup.out_w[: net.out_w.shape[0]]), net.out_b.copy_(sup.out_b)
    x = torch.rand(2, 3, 8, 8)
    assert torch.allclose(net(x), sup(x, arch), atol=1e-6)
    n_params = sum(p.numel() for p in net.parameters())
    expect = 0
    chans = [3] + [arch.nodes[i - 1].channels for i in arch.active()]
    for j, i in enumerate(arch.active(), start=1):
        k = arch.nodes[i - 1].kernel
        c_dec = chans[j - 1] if j > 1 else chans[1]
        expect += chans[j] * chans[j - 1] * k * k + chans[j] + chans[j] * c_dec * k * k + c_dec
    expect += chans[1] * 3 * 9 + 3
    assert n_params == expect < sum(p.numel() for p in sup.parameters())


def test_figures(tmp_path):
    pytest.importorskip("matplotlib")
    from asng_nas.inpainting.figures import draw_cae, save_inpainting_grid

    sp = CAESpace("cat", n_nodes=5, level_back=2, channels=(2, 4))
    arch = sp.decode(np.array([0, 1, 2, 3, 4] + [0] * 5 + [0] * 5))
    p = draw_cae(arch, tmp_path / "arch.png")
    assert p.stat().st_size > 1000
    x = torch.rand(4, 3, 16, 16)
    g = save_inpainting_grid(x * 0.5, x, x, tmp_path / "grid.png", title="center")
    assert g.stat().st_size > 1000
