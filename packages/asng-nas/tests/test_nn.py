"""asng_nas.nn: the primitives, discovery and the named space, activation, export and its JSON
round trip, the mixture (relaxation) state."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import asng_nas.nn as ann
from asng_nas.nn.mutable import Mutable
from asng_nas.nn.ops import WeightSharing
from asng_nas.nn.prune import Unused
from asng_opt import ASNG

torch.set_num_threads(1)


class Net(nn.Module):
    """A small user CNN with every kind of primitive; ``width`` is shared by five layers."""

    def __init__(self) -> None:
        super().__init__()
        width = ann.IntChoice(4, 12, step=4, label="width")
        self.stem = ann.Conv2d(1, width, ann.ValueChoice([3, 5], label="kernel"), padding="same")
        self.bn = ann.BatchNorm2d(width)
        self.op = ann.LayerChoice({"conv": ann.Conv2d(width, width, 3, padding=1), "pool": nn.MaxPool2d(3, 1, 1)})
        self.acts = nn.ModuleList(ann.LayerChoice([nn.Identity(), nn.ReLU(), nn.Tanh()]) for _ in range(2))
        self.skip = ann.InputChoice(2, reduction="sum")
        self.pair = ann.InputChoice(3, n_chosen=2, reduction="mean")
        self.fc = ann.Linear(width, ann.ValueChoice([6, 8]))
        self.cls = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.bn(self.stem(x)))
        a = self.op(h)
        b = self.acts[1](self.acts[0](a))
        p = self.pair([a.mean(dim=(2, 3)), b.mean(dim=(2, 3)), h.mean(dim=(2, 3))])
        z = self.fc(torch.relu(p)) + self.skip([a, b]).amax(dim=(1, 2, 3))[:, None]
        return self.cls(F.pad(z, (0, 8 - z.shape[1])))


LABELS = ["width", "kernel", "op", "acts.0", "acts.1", "skip", "pair", "fc.out_features"]


def _samples(model: nn.Module, k: int, seed: int = 0) -> list[dict]:
    space = ann.ModelSpace(model)
    opt = ASNG(space.make_distribution(), lam=2, seed=seed)
    return [space.decode(s) for s in space.split(opt.ask(k))]


def test_discover_finds_every_primitive_and_shares_labels() -> None:
    torch.manual_seed(0)
    v = ann.discover(Net())
    assert list(v) == LABELS
    assert v["width"].kind == "ordinal" and tuple(v["width"].candidates) == (4, 8, 12)
    assert v["width"].paths == (
        "stem.out_channels",
        "bn.num_features",
        "op.choices.conv.in_channels",
        "op.choices.conv.out_channels",
        "fc.in_features",
    )
    assert len(v["width"].mutables) == 1  # one object, one variable
    assert v["op"].candidates == ("conv", "pool") and v["acts.0"].candidates == (0, 1, 2)
    assert v["pair"].candidates == ((0, 1), (0, 2), (1, 2))
    # categorical n_theta = sum(m - 1) = 1 + 1 + 2 + 2 + 1 + 2 + 1; the integer: mean and second moment
    assert ann.ModelSpace(v).n_theta == 10 + 2


def test_labels_shared_by_distinct_objects_and_conflicts() -> None:
    seq = nn.Sequential(
        ann.LayerChoice([nn.ReLU(), nn.Tanh()], label="act"), ann.LayerChoice([nn.ReLU(), nn.Tanh()], label="act")
    )
    v = ann.discover(seq)
    assert list(v) == ["act"] and len(v["act"].mutables) == 2
    ann.activate(seq, {"act": 1})
    assert all(m.value == 1 for m in v["act"].mutables)
    bad = nn.Sequential(
        ann.Linear(3, ann.ValueChoice([2, 4], label="w")), ann.Linear(3, ann.ValueChoice([2, 5], label="w"))
    )
    with pytest.raises(ValueError, match=r"label 'w' is shared by 0.out_features .* and 1.out_features"):
        ann.discover(bad)


def test_space_decode_encode_round_trip_and_uniform_sampling() -> None:
    model = Net()
    space = ann.ModelSpace(model)
    opt = ASNG(space.make_distribution(), lam=2, seed=3)
    batch = opt.ask(6)
    for s in space.split(batch):
        choices = space.decode(s)
        assert set(choices) == set(LABELS)
        enc = space.encode(choices)
        assert all(np.array_equal(enc[k], s[k]) for k in s)
        assert json.loads(json.dumps(space.describe(s)))["choices"]["pair"] in ([0, 1], [0, 2], [1, 2])
    opt.tell(batch, np.arange(6.0))
    rng = np.random.default_rng(0)
    draws = [space.sample_uniform(rng) for _ in range(200)]
    assert {d["op"] for d in draws} == {"conv", "pool"} and {d["width"] for d in draws} == {4, 8, 12}
    with pytest.raises(ValueError, match="nothing to search"):
        ann.ModelSpace(nn.Linear(2, 2))


def test_activate_refuses_bad_choices_and_changes_nothing() -> None:
    model = Net()
    good = _samples(model, 1)[0]
    ann.activate(model, good)
    before = [m.value for v in ann.discover(model).values() for m in v.mutables]
    for bad, msg in [
        ({**good, "nope": 1}, "unknown labels"),
        ({k: v for k, v in good.items() if k != "op"}, "no value for the variables"),
        (
            {**good, "op": "sep"},
            r"variable 'op': 'sep' is not a value of LayerChoice\(label=None, candidates=\['conv', 'pool'\]\)",
        ),
        (
            {**good, "width": 6},
            r"variable 'width': 6 is not a value of IntChoice\(label='width', low=4, high=12, step=4\)",
        ),
        ({**good, "acts.0": True}, "variable 'acts.0': True is not a value of"),
    ]:
        with pytest.raises(ValueError, match=msg):
            ann.activate(model, bad)
        assert [m.value for v in ann.discover(model).values() for m in v.mutables] == before
    with pytest.raises(RuntimeError, match="nothing was selected"):
        Net()(torch.zeros(1, 1, 6, 6))


def test_only_active_candidates_run_and_receive_gradients() -> None:
    torch.manual_seed(0)
    model = Net()
    calls: dict[str, int] = {}
    for name, m in model.named_modules():
        if name.startswith(("op.choices.", "acts.0.choices.")):
            m.register_forward_hook(lambda mod, i, o, name=name: calls.__setitem__(name, calls.get(name, 0) + 1))
    choices = {**_samples(model, 1)[0], "op": "conv", "acts.0": 2, "width": 8}
    ann.activate(model, choices)
    model(torch.randn(2, 1, 6, 6)).sum().backward()
    assert calls == {"op.choices.conv": 1, "acts.0.choices.2": 1}
    conv = model.op.choices["conv"]
    assert conv.weight.grad is not None
    assert conv.weight.grad[:8, :8].abs().sum() > 0 and conv.weight.grad[8:].abs().sum() == 0  # the sliced width
    ann.activate(model, {**choices, "op": "pool"})
    model.zero_grad(set_to_none=True)
    model(torch.randn(2, 1, 6, 6)).sum().backward()
    assert conv.weight.grad is None  # the inactive candidate costs nothing


def test_conv_slices_channels_and_crops_the_kernel_centre() -> None:
    torch.manual_seed(1)
    k, cout = ann.ValueChoice([1, 3, 5]), ann.ValueChoice([2, 4])
    conv = ann.Conv2d(3, cout, k, stride=2, padding="same")
    assert conv.weight.shape == (4, 3, 5, 5) and isinstance(conv, nn.Conv2d)
    x = torch.randn(2, 3, 9, 9)
    k.select(3)
    cout.select(2)
    ref = F.conv2d(x, conv.weight[:2, :, 1:4, 1:4], conv.bias[:2], stride=2, padding=1)
    assert torch.equal(conv(x), ref)
    plain = conv.to_plain()
    assert type(plain) is nn.Conv2d and plain.weight.shape == (2, 3, 3, 3) and plain.padding == (1, 1)
    assert torch.allclose(plain(x), ref, atol=1e-6)
    with pytest.raises(ValueError, match="has not the active 3 channels"):
        conv(torch.randn(1, 2, 9, 9))
    with pytest.raises(ValueError, match="all be odd or all even"):
        ann.Conv2d(3, 4, ann.ValueChoice([2, 3]))
    with pytest.raises(ValueError, match="out_channels must be integers >= 1"):
        ann.Conv2d(3, ann.ValueChoice([0, 4]), 3)


def test_batchnorm_wrapper_matches_torch_on_the_active_channels() -> None:
    torch.manual_seed(2)
    c = ann.ValueChoice([3, 6])
    bn, ref = ann.BatchNorm2d(c, momentum=None), nn.BatchNorm2d(3, momentum=None)
    with torch.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
        ref.weight.copy_(bn.weight[:3])
        ref.bias.copy_(bn.bias[:3])
    c.select(3)
    for _ in range(3):
        x = torch.randn(4, 3, 5, 5) * 2 + 1
        assert torch.allclose(bn(x), ref(x), atol=1e-6)
    assert torch.allclose(bn.running_mean[:3], ref.running_mean) and torch.allclose(bn.running_var[:3], ref.running_var)
    assert torch.equal(bn.running_mean[3:], torch.zeros(3)) and int(bn.num_batches_tracked) == 3
    bn.eval()
    ref.eval()
    x = torch.randn(2, 3, 5, 5)
    assert torch.allclose(bn(x), ref(x), atol=1e-6)
    assert torch.allclose(bn.to_plain()(x), ref(x), atol=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_export_is_a_plain_module_with_the_supernets_output(seed: int) -> None:
    torch.manual_seed(seed)
    model = Net()
    for choices in _samples(model, 3, seed):
        ann.activate(model, choices)
        model.train()
        model(torch.randn(8, 1, 6, 6))  # BN statistics that are not the initial ones
        model.eval()
        exported = ann.export(model, choices)
        fixed = exported.module
        assert not [m for m in fixed.modules() if isinstance(m, (Mutable, WeightSharing))]
        assert not fixed.training
        x = torch.randn(5, 1, 6, 6)
        ann.activate(model, choices)
        assert torch.allclose(fixed(x), model(x), atol=1e-6), choices
        assert type(fixed.stem) is nn.Conv2d and fixed.stem.out_channels == choices["width"]
    # the supernet is unchanged by an export: its weights and its active choices
    state = {k: v.clone() for k, v in model.state_dict().items()}
    ann.activate(model, choices)
    other = _samples(model, 1, seed + 10)[0]
    ann.export(model, other, init="fresh")
    assert all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    assert model.op.value == choices["op"]


def test_export_fresh_init_and_json_round_trip(tmp_path) -> None:
    torch.manual_seed(0)
    model = Net().eval()
    choices = {**_samples(model, 1)[0], "op": "conv", "width": 12}
    exported = ann.export(model, choices)
    torch.manual_seed(5)
    fresh = ann.export(model, choices, init="fresh").module
    assert not torch.equal(fresh.stem.weight, exported.module.stem.weight)
    assert fresh.stem.weight.shape == exported.module.stem.weight.shape
    # the JSON rebuilds the module from the supernet's constructor; the weights load into it
    spec = json.loads(exported.to_json())
    assert spec["choices"]["pair"] == list(choices["pair"])
    rebuilt = ann.rebuild(spec, Net)
    rebuilt.load_state_dict(exported.module.state_dict())
    rebuilt.eval()
    x = torch.randn(3, 1, 6, 6)
    assert torch.equal(rebuilt(x), exported.module(x))
    exported.save(tmp_path)
    from_files = ann.rebuild(tmp_path / "architecture.json", Net, weights=tmp_path / "model.pt").eval()
    assert torch.equal(from_files(x), exported.module(x))
    # a supernet whose code changed is refused, and so is a file that is not a spec
    spec["parameters"]["stem.weight"] = [12, 1, 7, 7]
    with pytest.raises(ValueError, match="parameters differ from the spec's: \\['stem.weight'\\]"):
        ann.rebuild(spec, Net)
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="bad.json: cannot read"):
        ann.rebuild(tmp_path / "bad.json", Net)
    with pytest.raises(ValueError, match="init must be one of"):
        ann.export(model, choices, init="random")


def test_mixture_weights_every_candidate_and_trains_alpha() -> None:
    torch.manual_seed(0)
    model = Net()
    relax = ann.Relaxation(model)
    assert relax.labels == ["op", "acts.0", "acts.1", "skip"]  # value choices, ordinal and n_chosen=2 stay sampled
    choices = _samples(model, 1)[0]
    ann.activate(model, choices)
    with torch.no_grad():
        for a in relax.alpha:
            a.normal_()
    relax.set_on(model)
    x = torch.randn(2, 1, 6, 6)
    w = relax.weights()
    # one layer choice by hand: the weighted sum of its candidates
    h = torch.randn(2, choices["width"], 6, 6)
    conv, pool = model.op.choices["conv"], model.op.choices["pool"]
    assert torch.allclose(model.op(h), w["op"][0] * conv(h) + w["op"][1] * pool(h), atol=1e-6)
    model(x).sum().backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in relax.alpha)
    assert set(relax.derive()) == set(relax.labels)
    # the export of a mixed model (derived choices) works on a copy and leaves the mixture in place
    ann.export(model, {**choices, **relax.derive()})
    assert model.op.weights is not None
    saved = {label: a.detach().clone() for label, a in zip(relax.labels, relax.alpha)}
    with pytest.raises(ValueError, match=r"alpha of 'skip' must be a tensor of shape \(2,\)"):
        relax.load_alphas({"op": torch.zeros(2), "skip": torch.zeros(3)})
    assert all(torch.equal(saved[label], a) for label, a in zip(relax.labels, relax.alpha))  # unchanged
    relax.load_alphas({"op": torch.tensor([0.0, 1.0])})
    assert relax.derive()["op"] == "pool"
    with pytest.raises(NotImplementedError, match="ordinal"):
        ann.set_mixture(model, {"width": torch.ones(3) / 3})
    with pytest.raises(NotImplementedError, match="no mixture mode"):
        ann.set_mixture(model, {"kernel": torch.ones(2) / 2})
    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        ann.set_mixture(model, {"op": torch.ones(3)})


def test_bad_constructor_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate values"):
        ann.ValueChoice([3, 3])
    with pytest.raises(ValueError, match="at least one candidate"):
        ann.ValueChoice([])
    with pytest.raises(ValueError, match="low=8 > high=4"):
        ann.IntChoice(8, 4)
    with pytest.raises(ValueError, match="step must be >= 1"):
        ann.ValueChoice.int_range(1, 4, step=0)
    with pytest.raises(ValueError, match="not an nn.Module"):
        ann.LayerChoice([nn.ReLU(), "relu"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="n_chosen <= n_candidates"):
        ann.InputChoice(2, n_chosen=3)
    with pytest.raises(ValueError, match="reduction must be one of"):
        ann.InputChoice(2, reduction="max")
    with pytest.raises(ValueError, match="label must be a non-empty string"):
        ann.LayerChoice([nn.ReLU()], label="")
    assert ann.IntChoice(16, 250, step=16).candidates[-1] == 240
    wide = ann.IntChoice(1, 10**9)  # a long range stays lazy
    assert len(wide.candidates) == 10**9 and wide.from_json(123456789) == 123456789


def test_copies_and_pickles_keep_the_state_and_the_shared_objects() -> None:
    import copy
    import io

    model = Net()
    for clone in (copy.deepcopy(model), _reload(model, io)):
        assert clone.stem.out_channels_choice is clone.bn.num_features_choice  # still one variable
        with pytest.raises(RuntimeError, match="nothing was selected"):
            clone(torch.zeros(1, 1, 6, 6))
        choices = _samples(clone, 1)[0]
        ann.activate(clone, choices)
        assert clone(torch.zeros(1, 1, 6, 6)).shape == (1, 3)


def _reload(model: nn.Module, io) -> nn.Module:
    buf = io.BytesIO()
    torch.save(model, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=False)


class Node(nn.Module):
    """An ENAS-style node: one input chosen among ``n_in`` states, and an operation whose weights
    belong to that input (one LayerChoice per input, all sharing the label ``op``: one variable)."""

    def __init__(self, n_in: int, c: int, name: str) -> None:
        super().__init__()
        self.input = ann.InputChoice(n_in, label=f"{name}.input")
        self.ops = nn.ModuleList(
            ann.LayerChoice([nn.Conv2d(c, c, 3, padding=1), nn.MaxPool2d(3, 1, 1), nn.Identity()], label=f"{name}.op")
            for _ in range(n_in)
        )

    def forward(self, states: list[torch.Tensor]) -> torch.Tensor:
        j = self.input.chosen[0]
        return self.ops[j](states[j])


class Cell(nn.Module):
    def __init__(self, c: int = 4, n_nodes: int = 3) -> None:
        super().__init__()
        self.nodes = nn.ModuleList(Node(2 + i, c, f"node{i}") for i in range(n_nodes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = [x, torch.relu(x)]
        for node in self.nodes:
            states.append(node(states))
        return states[-1]


def test_an_enas_style_cell_with_per_input_operations_shares_one_op_variable() -> None:
    torch.manual_seed(0)
    cell = Cell().eval()
    space = ann.ModelSpace(cell)
    assert space.names == ["node0.input", "node0.op", "node1.input", "node1.op", "node2.input", "node2.op"]
    assert space.n_theta == (1 + 2) + (2 + 2) + (3 + 2)  # sum over variables of (categories - 1)
    x = torch.randn(2, 4, 5, 5)
    n_pruned = 0
    for choices in _samples(cell, 4, seed=1):
        ann.activate(cell, choices)
        exported = ann.export(cell, choices).module
        assert torch.allclose(exported(x), cell(x), atol=1e-6)
        assert exported.nodes[2].input.chosen == (choices["node2.input"],)
        # pruned on an example: only the chosen input's operation keeps its weights
        rng_before = torch.get_rng_state()
        pruned = ann.export(cell, choices, example_input=x[:1])
        assert torch.equal(torch.get_rng_state(), rng_before)
        assert torch.allclose(pruned.module(x), cell(x), atol=1e-6)
        for i, node in enumerate(pruned.module.nodes):
            j, op = choices[f"node{i}.input"], choices[f"node{i}.op"]
            for k, kept in enumerate(node.ops):
                if k == j:  # the chosen input's operation: the conv keeps its weights, pool / identity have none
                    assert not isinstance(kept, Unused) and any(True for _ in kept.parameters()) == (op == 0)
                elif op == 0:  # the other inputs' convs: pruned
                    assert isinstance(kept, Unused)
        assert all(p.startswith("nodes.") for p in pruned.spec["pruned"])
        n_pruned += len(pruned.spec["pruned"])
        rebuilt = ann.rebuild(json.loads(pruned.to_json()), Cell)  # the spec carries the pruned paths
        rebuilt.load_state_dict(pruned.module.state_dict())
        assert torch.allclose(rebuilt(x), pruned.module(x), atol=1e-6)
    assert n_pruned > 0
    with pytest.raises(RuntimeError, match="not part of the exported architecture"):
        Unused()(x)
    with pytest.raises(ValueError, match="no submodule 'nodes.9' to prune"):
        ann.export(cell, choices, pruned=["nodes.9"])


def test_export_keeps_the_dtype() -> None:
    torch.manual_seed(0)
    model = Net().double().eval()
    choices = _samples(model, 1)[0]
    ann.activate(model, choices)
    x = torch.randn(2, 1, 6, 6, dtype=torch.float64)
    fixed = ann.export(model, choices).module
    assert fixed.stem.weight.dtype == fixed.bn.running_mean.dtype == torch.float64
    assert torch.allclose(fixed(x), model(x), atol=1e-12)


def test_nested_choices_and_a_choice_at_the_root_export() -> None:
    torch.manual_seed(0)
    inner = ann.LayerChoice([nn.ReLU(), ann.Linear(4, 4)], label="inner")
    root = ann.LayerChoice({"deep": nn.Sequential(nn.Linear(4, 4), inner), "flat": nn.Identity()})
    space = ann.ModelSpace(root)
    assert space.names == ["root", "inner"]
    x = torch.randn(3, 4)
    for choices in ({"root": "deep", "inner": 1}, {"root": "deep", "inner": 0}, {"root": "flat", "inner": 1}):
        ann.activate(root, choices)
        fixed = ann.export(root, choices).module
        assert not [m for m in fixed.modules() if isinstance(m, (Mutable, WeightSharing))]
        assert torch.equal(fixed(x), root(x))
    assert isinstance(ann.export(root, {"root": "deep", "inner": 1}).module[1], nn.Linear)
