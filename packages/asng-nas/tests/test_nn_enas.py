"""The built-in ENAS supernet is written with asng_nas.nn primitives: its variables are ENASSpace's
in the same order (n_theta = 140); a genotype (the search loop), the nn choices and the export
give the same output, equal to the fixed network of that genotype built from the same weights
(an independent implementation of the cell); its state_dict keeps one key per tensor (the keys
of the supernet before the primitives); DARTS's mixture runs on it; examples/enas_cells.py runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import asng_nas.nn as ann
from asng_nas.classification.aliases import alias_keys
from asng_nas.classification.genotype import Genotype
from asng_nas.classification.network import Network
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet
from asng_nas.nn.prune import Unused
from asng_opt import ASNG

torch.set_num_threads(1)


def _samples(k: int, seed: int = 1) -> list[np.ndarray]:
    enas = ENASSpace()
    return enas.split(ASNG(enas.make_distribution(), lam=2, seed=seed).ask(k))


def _fixed_network(net: Supernet, genotype: Genotype) -> Network:
    """The genotype's :class:`Network` (FixedCell: its own forward) with the supernet's weights."""
    fixed = Network(genotype, len(net.cells), net.cells[0].c, 10, 3, auxiliary=False, affine=False)
    for src, dst in zip(net.cells, fixed.cells):
        c, concat = src.c, dst.genotype.concat
        state = {k: v for k, v in src.state_dict().items() if not k.startswith(("out_weight", "out_bn"))}
        state = {k: v for k, v in state.items() if not k.startswith("edges.") or k.split(".")[1] in dst.edges}
        state["out.1.weight"] = torch.cat([src.out_weight[:, (k - 2) * c : (k - 1) * c] for k in concat], 1)
        state.update({f"out.2.{k}": v for k, v in src.out_bn.state_dict().items()})
        dst.load_state_dict(state)
    for name in ("stem", "classifier"):
        getattr(fixed, name).load_state_dict(getattr(net, name).state_dict())
    return fixed


def test_the_built_in_supernet_is_the_primitives_space() -> None:
    torch.manual_seed(0)
    net = Supernet(3, 4, 10, 3)
    enas, space = ENASSpace(), ann.ModelSpace(net)
    assert enas.n_theta == space.n_theta == 140
    assert space.names == enas.names  # same variables, same order: a sample means the same architecture
    assert np.array_equal(space.make_distribution().categories, enas.make_distribution().categories)
    x = torch.randn(4, 3, 8, 8)
    for train in (True, False):
        net.train(train)
        for s in _samples(3):
            genotype = enas.decode(s)
            fixed = _fixed_network(net, genotype).train(train)
            ref = fixed(x)[0]
            assert torch.allclose(net(x, genotype), ref, atol=1e-5)
            assert torch.equal(net(x, genotype), net(x, space.decode(s)))  # search loop == nn strategies
            assert torch.equal(net(x), net(x, genotype))  # None: the architecture activated last


def test_the_export_runs_only_the_chosen_edges() -> None:
    torch.manual_seed(0)
    net = Supernet(3, 4, 10, 3).eval()
    enas, space = ENASSpace(), ann.ModelSpace(net)
    s = _samples(1)[0]
    x = torch.randn(2, 3, 8, 8)
    exported = ann.export(net, space.decode(s), example_input=x[:1]).module
    assert torch.allclose(exported(x), net(x, enas.decode(s)), atol=1e-6)
    genotype = enas.decode(s)
    for k, cell in enumerate(exported.cells):
        g = genotype.reduce if cell.reduction else genotype.normal
        used = {f"n{i}_i{inp}_{op}" for i, node in enumerate(g.nodes) for inp, op in node}
        stateful = {key for key in cell.edges if any(True for _ in net.cells[k].edges[key].parameters())}
        kept = {key for key, m in cell.edges.items() if not isinstance(m, Unused)}
        assert kept & stateful == used & stateful  # only the chosen edges keep weights


def test_state_dict_has_one_key_per_tensor_and_loads_both_ways() -> None:
    torch.manual_seed(0)
    net = Supernet(3, 4, 10, 3)
    state = net.state_dict()
    assert len(state) == len(list(net.parameters())) + len(list(net.buffers()))
    parts = {k.split(".")[2] for k in state if k.startswith("cells.")}
    assert parts == {"pre0", "pre1", "edges", "out_weight", "out_bn"}  # the keys of the pre-primitives cell
    assert "cells.0.edges.n4_i5_sep_conv_5x5.1.weight" in state
    other = Supernet(3, 4, 10, 3)
    other.load_state_dict(state)  # strict: the repeated paths are filled from the first
    # a dict with every repeated path (as torch writes without the hook) loads too, into the same tensors
    aliased = {k: v + 1 if k.endswith("weight") else v for k, v in state.items()}
    for k, cell in enumerate(net.cells):
        aliased.update({f"cells.{k}.{a}": aliased[f"cells.{k}.{c}"] for a, c in alias_keys(cell).items()})
    key = "cells.0.nodes.0.ops.0.1.choices.sep_conv_3x3.1.weight"  # node 0, slot a, input 1
    assert key in aliased and len(aliased) > 2 * len(state)
    third = Supernet(3, 4, 10, 3)
    third.load_state_dict(aliased)
    assert torch.equal(third.cells[0].edges["n0_i1_sep_conv_3x3"][1].weight, aliased[key])
    assert torch.equal(third.state_dict()["cells.0.pre0.1.weight"], aliased["cells.0.pre0.1.weight"])
    genotype = ENASSpace().decode(_samples(1)[0])
    x = torch.randn(2, 3, 8, 8)
    assert torch.equal(other.eval()(x, genotype), net.eval()(x, genotype))
    with pytest.raises(RuntimeError, match="Missing key"):
        other.load_state_dict({k: v for k, v in state.items() if "n0_i1_sep_conv_3x3" not in k})


def test_train_and_eval_reach_every_submodule() -> None:
    net = Supernet(3, 4, 10, 3)
    assert all(not m.training for m in net.eval().modules())  # edges too (reached once, via ``edges``)
    assert all(m.training for m in net.train().modules())
    assert net.cells[1].train(False) is net.cells[1] and not net.cells[1].edges["n2_i3_sep_conv_5x5"][3].training


def test_choices_must_be_the_networks() -> None:
    net = Supernet(2, 4, 10, 3)  # no reduction cell: only the normal.* variables
    assert ann.ModelSpace(net).n_theta == 70
    s = _samples(1)[0]
    assert net(torch.randn(1, 3, 8, 8), ENASSpace().decode(s)).shape == (1, 10)
    with pytest.raises(ValueError, match="unknown labels"):
        net(torch.randn(1, 3, 8, 8), ann.ModelSpace(Supernet(3, 4, 10, 3)).decode(s))


def test_the_built_in_supernet_runs_relaxed_for_darts() -> None:
    torch.manual_seed(0)
    net = Supernet(3, 4, 10, 3)
    relax = ann.Relaxation(net)
    assert len(relax.labels) == 40  # every input and operation choice of both cell types
    relax.set_on(net)
    out = net(torch.randn(2, 3, 8, 8))
    torch.nn.functional.cross_entropy(out, torch.tensor([1, 2])).backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in relax.alpha)
    assert all(cell.out_weight.grad.abs().sum(dim=(0, 2, 3)).gt(0).all() for cell in net.cells)  # every node
    ann.activate(net, relax.derive())  # the derived architecture is an ordinary sample: sampled mode again
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 10)


def test_the_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    path = Path(__file__).resolve().parents[1] / "examples" / "enas_cells.py"
    spec = importlib.util.spec_from_file_location("enas_cells", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(n_cells=3, channels=4, size=8)
    out = capsys.readouterr().out
    assert "ENASSpace 140, primitives 140; same order: True" in out
    assert "same logits three ways: True True" in out and "over 40 variables" in out
