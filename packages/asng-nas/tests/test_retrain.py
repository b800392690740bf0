import json

import pytest
import torch

from asng_nas.classification.data import load_digits
from asng_nas.classification.network import Network, count_parameters
from asng_nas.classification.retrain import CellRetrainConfig, choose_channels, evaluate_model, load_model, retrain
from asng_nas.classification.space import ENASSpace
from asng_opt import ASNG

torch.set_num_threads(1)


def _genotype(seed=0):
    space = ENASSpace()
    return space.decode(ASNG(space.make_distribution(), seed=seed).ask(2)[0])


def test_exported_network_holds_only_the_exported_edges():
    g = _genotype()
    net = Network(g, n_cells=5, channels=8, n_classes=10, in_channels=1)
    for cell in net.cells:
        cg = cell.genotype
        keys = {f"n{i}_i{j}_{op}" for i, node in enumerate(cg.nodes) for j, op in node}
        assert set(cell.edges.keys()) == keys
    net.train()
    logits, aux = net(torch.randn(2, 1, 8, 8))
    assert logits.shape == (2, 10) and aux.shape == (2, 10)
    net.eval()
    assert net(torch.randn(2, 1, 8, 8))[1] is None


def test_width_for_parameter_budget():
    g = _genotype(1)
    c = choose_channels(g, n_cells=20, target_params=4.0e6)
    n = lambda k: count_parameters(Network(g, 20, k, auxiliary=False))  # noqa: E731
    assert n(c) <= 4.0e6 < n(c + 1)
    assert count_parameters(Network(g, 20, c)) == n(c)  # aux head not counted
    assert 20 <= c <= 80


def test_retrain_builds_expected_network_and_saves(tmp_path):
    g = _genotype(2)
    data = load_digits()
    cfg = CellRetrainConfig(
        epochs=2,
        batch_size=32,
        n_cells=3,
        channels=None,
        target_params=2.0e4,
        iters_per_epoch=3,
        cutout=2,
        progress=False,
    )
    summary = retrain(g, data, tmp_path, cfg)
    c = summary["channels"]
    assert c == choose_channels(g, 3, 2.0e4, 10, 1)
    expected = count_parameters(Network(g, 3, c, 10, 1, auxiliary=False))
    assert summary["n_params"] == expected <= 2.0e4
    assert 0.0 <= summary["test_error"] <= 1.0
    model, info = load_model(tmp_path / "model.pt")
    assert count_parameters(model) == expected and info["channels"] == c
    ev = evaluate_model(tmp_path / "model.pt", data, "cpu")
    assert ev["test_error"] == pytest.approx(summary["test_error"])
    rows = [json.loads(x) for x in open(tmp_path / "retrain_log.jsonl")]
    assert [r["epoch"] for r in rows] == [1, 2] and rows[1]["drop_path"] == pytest.approx(0.15)


def test_retrain_with_default_settings_learns_digits(tmp_path):
    """The default cutout is half the image side: a 16-pixel cutout on 8 x 8 digits (the CIFAR-10
    value) would blank every image and leave the network at chance."""
    data = load_digits()
    cfg = CellRetrainConfig(epochs=3, batch_size=32, n_cells=3, channels=8, progress=False)
    summary = retrain(_genotype(0), data, tmp_path, cfg)
    assert summary["test_error"] < 0.5  # chance is 0.9; measured 0.18 with this setting


_INDUCTOR_SCRIPT = r"""
import dataclasses, sys, torch
torch.set_num_threads(1)
try:  # does torch.compile's default backend (inductor: C++ code generation) work on this CPU?
    torch.compile(lambda x: x.sin() + 1)(torch.ones(3))
except Exception as e:
    print(f"{type(e).__name__}: {e}".splitlines()[0], file=sys.stderr)
    sys.exit(77)
from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.space import CAESpace
from asng_nas.inpainting.retrain import InpaintRetrainConfig, retrain_inpainting
from asng_opt import ASNG
space = CAESpace("cat", 3, 2, (4, 8), (4, 8))
arch = space.decode(ASNG(space.make_distribution(), seed=1).ask(2)[0])
# 3 x 3 kernels only: torch 2.13's CPU conv2d backward corrupts the heap for a channels_last
# input with a 1 x 1 kernel, stride 2 and 3-4 input channels (eager too), a layout inductor picks
arch = dataclasses.replace(arch, nodes=tuple(dataclasses.replace(n, kernel=3) for n in arch.nodes))
x = embedded_faces(16)
for mode, out in (("off", sys.argv[1]), ("on", sys.argv[2])):
    cfg = InpaintRetrainConfig(iterations=2, eval_every=2, batch_size=8, checkpoint_every=0, compile=mode)
    retrain_inpainting(arch, x[:16], x[16:24], out, cfg, "cpu")
"""


def test_inductor_compiled_retraining_runs_on_cpu(tmp_path):
    """``compile="on"`` (inductor) on the CPU, in a child process (a compiler crash cannot take
    the test session down); skipped, with the compiler's error, where inductor cannot compile
    at all (e.g. no C++ compiler). The compiled run's weights equal the eager run's up to rounding."""
    import os
    import subprocess
    import sys

    a, b = tmp_path / "eager", tmp_path / "compiled"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", _INDUCTOR_SCRIPT, str(a), str(b)],
            capture_output=True,
            text=True,
            env=env,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("inductor took over 300 s to compile a 2-layer autoencoder on this CPU")
    if proc.returncode == 77:
        pytest.skip(f"torch.compile (inductor) does not work on this CPU: {proc.stderr.strip()}")
    assert proc.returncode == 0, proc.stderr[-3000:]
    wa = torch.load(a / "model.pt", weights_only=False)["state_dict"]
    wb = torch.load(b / "model.pt", weights_only=False)["state_dict"]
    assert wa.keys() == wb.keys()
    for k in wa:
        torch.testing.assert_close(wa[k], wb[k], rtol=1e-4, atol=1e-5)
