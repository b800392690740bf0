"""The built-in ENAS cell space written with asng_nas.nn primitives (examples/enas_cells.py): the
same variables in the same order (n_theta = 140), and for the same sample and weights the same
output as the built-in supernet; the export runs only the chosen edges."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

import asng_nas.nn as ann
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet
from asng_nas.nn.prune import Unused
from asng_opt import ASNG

torch.set_num_threads(1)

_path = Path(__file__).resolve().parents[1] / "examples" / "enas_cells.py"
_spec = importlib.util.spec_from_file_location("enas_cells", _path)
assert _spec is not None and _spec.loader is not None
enas_cells = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(enas_cells)


def test_the_primitive_enas_space_is_the_built_in_one() -> None:
    torch.manual_seed(0)
    old, new = Supernet(3, 4, 10, 3), enas_cells.ENASNet(3, 4, 10, 3)
    res = new.load_state_dict(old.state_dict(), strict=False)
    assert not res.unexpected_keys and all(".nodes." in k for k in res.missing_keys)  # aliases of edges.*
    enas, space = ENASSpace(), ann.ModelSpace(new)
    assert enas.n_theta == space.n_theta == 140
    assert space.names == enas.names  # same variables, same order: a sample means the same architecture
    assert np.array_equal(space.make_distribution().categories, enas.make_distribution().categories)
    supernet = ann.Supernet(new, space.variables)
    x = torch.randn(4, 3, 8, 8)
    samples = enas.split(ASNG(enas.make_distribution(), lam=2, seed=1).ask(3))
    for train in (True, False):
        old.train(train)
        new.train(train)
        for s in samples:
            assert torch.allclose(supernet(x, space.decode(s)), old(x, enas.decode(s)), atol=1e-6)
    choices = space.decode(samples[0])
    exported = ann.export(new.eval(), choices, example_input=x[:1])
    ann.activate(new, choices)
    assert torch.allclose(exported.module(x), new(x), atol=1e-6)
    genotype = enas.decode(samples[0])
    kept = {
        (k, key)
        for k, cell in enumerate(exported.module.cells)
        for key, m in cell.edges.items()
        if not isinstance(m, Unused)
    }
    for k, cell in enumerate(exported.module.cells):
        g = genotype.reduce if cell.reduction else genotype.normal
        used = {f"n{i}_i{inp}_{op}" for i, node in enumerate(g.nodes) for inp, op in node}
        stateful = {key for key in cell.edges if any(True for _ in old.cells[k].edges[key].parameters())}
        assert {key for kk, key in kept if kk == k} & stateful == used & stateful  # only the chosen edges keep weights


def test_the_primitive_enas_space_runs_relaxed_for_darts() -> None:
    torch.manual_seed(0)
    net = enas_cells.ENASNet(3, 4, 10, 3)
    relax = ann.Relaxation(net)
    assert len(relax.labels) == 40  # every input and operation choice of both cell types
    relax.set_on(net)
    out = net(torch.randn(2, 3, 8, 8))
    torch.nn.functional.cross_entropy(out, torch.tensor([1, 2])).backward()
    assert all(a.grad is not None and a.grad.abs().sum() > 0 for a in relax.alpha)
    # the derived architecture is an ordinary sample of the space: sampled mode again
    ann.activate(net, relax.derive())
    assert net(torch.randn(2, 3, 8, 8)).shape == (2, 10)
