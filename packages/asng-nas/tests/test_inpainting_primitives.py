"""The inpainting spaces written with asng_nas.nn primitives (inpainting/model.py): the same variables
as CAESpace (n_theta 214 / 174), the same outputs as the previous supernet for the same sample and
weights, the old state_dict keys and parameter order, and an export to a plain module."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import asng_nas.nn as ann
from asng_nas.inpainting.model import CAEModel
from asng_nas.inpainting.space import CAESpace
from asng_nas.inpainting.supernet import CAENet, CAESupernet, cae_forward
from asng_nas.nn.mutable import Mutable
from asng_nas.nn.ops import WeightSharing
from asng_opt import ASNG

torch.set_num_threads(1)


def _space(encoding: str, **kw) -> CAESpace:
    return CAESpace(encoding, channels=(2, 4, 8), channel_range=(2, 8), **kw)


def _widths(sp: CAESpace) -> tuple[int, ...]:
    return sp.channels if sp.encoding == "cat" else sp.channel_range


@pytest.mark.parametrize("encoding, n_theta", [("cat", 214), ("int", 174)])
def test_the_model_has_the_variables_of_the_paper_space(encoding, n_theta):
    sp = CAESpace(encoding)
    with torch.device("meta"):  # the paper's widths: no memory needed to read the variables
        model = CAEModel(encoding, sp.n_nodes, sp.level_back, _widths(sp))
    ms = ann.ModelSpace(model)
    assert ms.n_theta == sp.n_theta == n_theta
    assert sorted(ms.names) == sorted(sp.names)
    for name, v in ms.variables.items():
        want = sp.variables[name]
        if v.kind == "ordinal":
            assert (v.low, v.high) == (want.low, want.high)
        else:
            assert len(v.candidates) == len(want.values)


# outputs of the previous commit's CAESupernet (torch.manual_seed(0); 4 nodes, level-back 2, widths 2..4;
# x = torch.rand(2, 3, 8, 6) from a generator seeded 1): sum, sum of |y|, first 4 values
OLD = {
    "cat": (0.2942517101764679, 1.4126336574554443, [-0.0064794444, -0.0016757164, 0.0036780548, -0.0042736446]),
    "int": (-5.011457920074463, 13.474244117736816, [-0.1076672971, -0.0349228494, 0.0517805032, 0.0325872004]),
}
SAMPLES = {
    "cat": np.array([2, 5, 0, 3] + [1, 0, 1, 0] + [1, 0, 1, 1]),
    "int": {"cat": np.array([0, 1, 1, 0, 0, 1, 1, 0]), "int": np.array([2, 1, 3, 3, 4, 3, 2, 4])},
}


@pytest.mark.parametrize("encoding", ["cat", "int"])
@pytest.mark.parametrize("given_space", [True, False])
def test_same_weights_and_outputs_as_the_previous_supernet(encoding, given_space):
    kw = dict(channels=(2, 4)) if encoding == "cat" else dict(channel_range=(2, 4))
    sp = CAESpace(encoding, n_nodes=4, level_back=2, **kw)
    torch.manual_seed(0)
    net = CAESupernet.for_space(sp) if given_space else CAESupernet(4, 4)
    x = torch.rand(2, 3, 8, 6, generator=torch.Generator().manual_seed(1))
    y = net(x, sp.decode(SAMPLES[encoding])).detach()
    total, total_abs, first = OLD[encoding]
    assert float(y.sum()) == pytest.approx(total, abs=1e-5)
    assert float(y.abs().sum()) == pytest.approx(total_abs, abs=1e-5)
    assert y.flatten()[:4].tolist() == pytest.approx(first, abs=1e-7)


@pytest.mark.parametrize("encoding", ["cat", "int"])
def test_equals_the_path_walk_of_the_fixed_network(encoding):
    """The previous forward (cae_forward on the same weights) on random samples, incl. maps that
    reach a side of 1 pixel (stride 1 there) and non-square images."""
    sp = _space(encoding, n_nodes=6, level_back=3)
    torch.manual_seed(0)
    net = CAESupernet.for_space(sp)
    samples = sp.split(ASNG(sp.make_distribution(), lam=2, seed=3).ask(12))
    for shape in ((2, 3, 8, 8), (1, 3, 2, 11)):
        x = torch.rand(*shape)
        for s in samples:
            arch = sp.decode(s)
            want = cae_forward(x, arch, net._enc, net._dec, net.out_w, net.out_b)
            assert torch.equal(net(x, arch), want)


def test_state_dict_keys_order_and_old_checkpoints():
    sp = _space("int", n_nodes=3, level_back=2)
    torch.manual_seed(0)
    net = CAESupernet.for_space(sp)
    keys = list(net.state_dict())
    assert keys[:2] == ["out_w", "out_b"] and not any(k.startswith("model.") for k in keys)
    assert len(keys) == 2 + 4 * 3 * 6
    params = [n for n, _ in net.named_parameters()]
    assert params == keys  # the order an optimizer state was saved in
    old = {k: torch.randn_like(v) for k, v in net.state_dict().items()}
    other = CAESupernet.for_space(sp)
    other.load_state_dict(old)  # strict: the old keys are all it needs
    arch = sp.decode(sp.split(ASNG(sp.make_distribution(), lam=2, seed=0).ask(2))[0])
    layer = other.model.layers(1)[arch.nodes[0].type_index]
    assert torch.equal(layer.enc.weight, old[f"enc_w.{arch.nodes[0].type_index}"])
    x = torch.rand(1, 3, 8, 8)
    assert torch.equal(other(x, arch), cae_forward(x, arch, other._enc, other._dec, other.out_w, other.out_b))


def test_a_space_that_does_not_fit_the_supernet_is_refused():
    state = torch.random.get_rng_state()
    with pytest.raises(ValueError, match="nodes"):
        CAESupernet(4, 8, space=_space("cat", n_nodes=5))
    with pytest.raises(ValueError, match="channels"):
        CAESupernet(5, 4, space=_space("cat", n_nodes=5))
    assert torch.equal(torch.random.get_rng_state(), state)  # refused before drawing any weight


@pytest.mark.parametrize("encoding", ["cat", "int"])
def test_export_is_a_plain_module_with_the_same_output(encoding):
    sp = _space(encoding, n_nodes=5, level_back=2)
    torch.manual_seed(0)
    net = CAESupernet.for_space(sp)
    x = torch.rand(2, 3, 8, 8)
    arch = sp.decode(sp.split(ASNG(sp.make_distribution(), lam=2, seed=5).ask(2))[1])
    exported = net.export(arch, example_input=x[:1])
    plain = exported.module
    assert not [m for m in plain.modules() if isinstance(m, (Mutable, WeightSharing))]
    assert torch.equal(plain(x), net(x, arch))
    # only the active layers keep weights: as many as the fixed network of the architecture
    assert sum(p.numel() for p in plain.parameters()) == sum(p.numel() for p in CAENet(arch).parameters())
    widths = _widths(sp)
    rebuilt = ann.rebuild(exported.spec, lambda: CAEModel(encoding, 5, 2, widths), plain.state_dict())
    assert torch.equal(rebuilt(x), plain(x))


def test_only_the_active_layers_run_in_the_int_encoding():
    sp = _space("int", n_nodes=5, level_back=2)
    net = CAESupernet.for_space(sp)
    arch = sp.decode(sp.split(ASNG(sp.make_distribution(), lam=2, seed=2).ask(2))[0])
    net(torch.rand(1, 3, 8, 8), arch).sum().backward()
    used = {net._slot(i, arch.nodes[i - 1].type_index) for i in arch.active()}
    assert {s for s, p in enumerate(net.dec_w) if p.grad is not None and p.grad.abs().sum() > 0} == used


def _old_draws(arch, in_channels: int = 3) -> dict[str, torch.Tensor]:
    """The weights CAENet drew before it ran the exported module, in its order (per active node:
    encoder weight, decoder weight; then the output weight; biases zero), by hand."""

    def kaiming(*shape):
        return torch.nn.init.kaiming_uniform_(torch.empty(*shape), a=5**0.5)

    active = arch.active()
    chans = [in_channels] + [arch.nodes[i - 1].channels for i in active]
    out: dict[str, torch.Tensor] = {}
    for j, i in enumerate(active, start=1):
        k, c_dec = arch.nodes[i - 1].kernel, chans[j - 1] if j > 1 else chans[1]
        out[f"enc_w.{i}"], out[f"enc_b.{i}"] = kaiming(chans[j], chans[j - 1], k, k), torch.zeros(chans[j])
        out[f"dec_w.{i}"], out[f"dec_b.{i}"] = kaiming(chans[j], c_dec, k, k), torch.zeros(c_dec)
    out["out_w"], out["out_b"] = kaiming(chans[1], in_channels, 3, 3), torch.zeros(in_channels)
    return out


@pytest.mark.parametrize("encoding", ["cat", "int"])
def test_fixed_network_runs_the_export_with_the_same_weights_and_outputs(encoding):
    """CAENet: same seed -> the same weights as before (and the same RNG state after), the plain
    exported module inside, outputs and gradients bit-identical to cae_forward on its weights."""
    sp = _space(encoding, n_nodes=6, level_back=3)
    for s in sp.split(ASNG(sp.make_distribution(), lam=2, seed=4).ask(6)):
        arch = sp.decode(s)
        torch.manual_seed(3)
        want = _old_draws(arch)
        after = torch.random.get_rng_state()
        torch.manual_seed(3)
        net = CAENet(arch)
        assert torch.equal(torch.random.get_rng_state(), after)
        got = net.state_dict()
        assert sorted(got) == sorted(want) and all(torch.equal(got[k], want[k]) for k in want)
        assert not [m for m in net.model.modules() if isinstance(m, (Mutable, WeightSharing))]
        assert {id(p) for p in net.model.parameters()} == {id(p) for p in net.parameters()}
        for shape in ((2, 3, 8, 6), (1, 3, 2, 11), (1, 3, 1, 1)):
            x = torch.rand(*shape)
            y = net(x)
            ref = cae_forward(x, arch, net._enc, net._dec, net.out_w, net.out_b)
            assert torch.equal(y, ref)
            g = torch.autograd.grad(y.square().sum(), list(net.parameters()))
            g_ref = torch.autograd.grad(ref.square().sum(), list(net.parameters()))
            assert all(torch.equal(a, b) for a, b in zip(g, g_ref))


def test_fixed_network_keeps_its_keys_order_and_old_checkpoints():
    sp = _space("int", n_nodes=5, level_back=2)
    arch = sp.decode(sp.split(ASNG(sp.make_distribution(), lam=2, seed=1).ask(2))[0])
    net = CAENet(arch)
    keys = list(net.state_dict())
    active = arch.active()
    assert keys == ["out_w", "out_b"] + [f"{n}.{i}" for n in ("enc_w", "enc_b", "dec_w", "dec_b") for i in active]
    assert [n for n, _ in net.named_parameters()] == keys  # the order an optimizer state was saved in
    old = {k: torch.randn_like(v) for k, v in net.state_dict().items()}  # a checkpoint of an earlier version
    other = CAENet(arch)
    other.load_state_dict(old)  # strict: the old keys are all it needs
    assert torch.equal(other.model.get_submodule("out").weight, old["out_w"])
    x = torch.rand(2, 3, 8, 8)
    assert torch.equal(other(x), cae_forward(x, arch, other._enc, other._dec, old["out_w"], old["out_b"]))
    opt = torch.optim.Adam(net.parameters())
    net(x).sum().backward()
    opt.step()
    opt2 = torch.optim.Adam(other.parameters())
    opt2.load_state_dict(opt.state_dict())  # the parameter order fits: same shapes in each slot
    for p in other.parameters():
        assert opt2.state[p]["exp_avg"].shape == p.shape
    with pytest.raises(ValueError, match="no active node"):
        CAENet(type(arch)(arch.nodes, 0))
