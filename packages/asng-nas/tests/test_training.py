"""The shared training loop: an interrupted and resumed retraining ends with the same weights as
an uninterrupted one (inpainting and cells)."""

import json

import pytest
import torch

from asng_nas.classification.data import load_digits
from asng_nas.classification.retrain import CellRetrainConfig, retrain
from asng_nas.classification.space import ENASSpace
from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.space import CAESpace
from asng_nas.inpainting.task import InpaintRetrainConfig, retrain_inpainting
from asng_nas.search.training import TrainState
from asng_opt import ASNG

torch.set_num_threads(1)


class Interrupt(Exception):
    pass


def _stop_after(k):
    def cb(state, record):
        if state.step == k:
            raise Interrupt

    return cb


def _weights(path):
    return torch.load(path, weights_only=False)["state_dict"]


def _same(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.fixture(scope="module")
def faces():
    x = embedded_faces(16)
    return x[:40], x[40:56]


@pytest.fixture(scope="module")
def cae():
    space = CAESpace("cat", 4, 2, (4, 8), (4, 8))
    return space.decode(ASNG(space.make_distribution(), seed=0).ask(2)[0])


@pytest.mark.parametrize("stop", [4, 5])  # 5 batches an epoch: interrupted at / inside an epoch's end
def test_inpainting_retrain_resume_is_bit_exact(faces, cae, tmp_path, stop):
    train, test = faces
    cfg = InpaintRetrainConfig(iterations=12, eval_every=3, batch_size=8, checkpoint_every=1)
    full = retrain_inpainting(cae, train, test, tmp_path / "a", cfg, "cpu")
    with pytest.raises(Interrupt):
        retrain_inpainting(cae, train, test, tmp_path / "b", cfg, "cpu", callbacks=[_stop_after(stop)])
    assert torch.load(tmp_path / "b" / "retrain_checkpoint.pt", weights_only=False)["step"] == stop
    res = retrain_inpainting(cae, train, test, tmp_path / "b", cfg, "cpu", resume=True)
    _same(_weights(tmp_path / "a" / "model.pt"), _weights(tmp_path / "b" / "model.pt"))
    assert (res["test_psnr"], res["test_ssim"]) == (full["test_psnr"], full["test_ssim"])
    logs = [[json.loads(x) for x in open(tmp_path / d / "log.jsonl")] for d in "ab"]
    for la in logs:
        for r in la:
            r.pop("seconds")
    assert logs[0] == logs[1] and [r["iteration"] for r in logs[0]] == [3, 6, 9, 12]


def test_inpainting_checkpoint_every(faces, cae, tmp_path):
    train, test = faces
    cfg = InpaintRetrainConfig(iterations=7, eval_every=7, batch_size=8, checkpoint_every=3)
    with pytest.raises(Interrupt):
        retrain_inpainting(cae, train, test, tmp_path, cfg, "cpu", callbacks=[_stop_after(5)])
    st = torch.load(tmp_path / "retrain_checkpoint.pt", weights_only=False)
    assert st["step"] == 3 and st["extra"] == {"epoch": 0, "batch": 3}
    assert st["scheduler"]["last_epoch"] == 3
    retrain_inpainting(cae, train, test, tmp_path, cfg, "cpu", resume=True)
    assert torch.load(tmp_path / "retrain_checkpoint.pt", weights_only=False)["step"] == 7  # the last one


def test_cell_retrain_resume_is_bit_exact(tmp_path):
    space = ENASSpace()
    g = space.decode(ASNG(space.make_distribution(), seed=2).ask(2)[0])
    data = load_digits()
    cfg = CellRetrainConfig(epochs=3, batch_size=32, n_cells=3, channels=4, iters_per_epoch=2, cutout=2, progress=False)
    full = retrain(g, data, tmp_path / "a", cfg)
    with pytest.raises(Interrupt):
        retrain(g, data, tmp_path / "b", cfg, callbacks=[_stop_after(2)])
    res = retrain(g, data, tmp_path / "b", cfg, resume=True)
    _same(_weights(tmp_path / "a" / "model.pt"), _weights(tmp_path / "b" / "model.pt"))
    assert res["test_error"] == full["test_error"]
    logs = [[json.loads(x) for x in open(tmp_path / d / "retrain_log.jsonl")] for d in "ab"]
    for la in logs:
        for r in la:
            r.pop("train_seconds")
    assert logs[0] == logs[1] and len(logs[0]) == 3


def test_train_state_reads_the_old_cell_retrain_checkpoint():
    net = torch.nn.Linear(2, 2)
    sgd = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    gen = torch.Generator().manual_seed(3)
    old = {
        "model": net.state_dict(),
        "sgd": sgd.state_dict(),
        "generator": gen.get_state(),
        "torch_rng": torch.get_rng_state(),
        "cuda_rng": None,
        "epoch": 4,
        "seconds": 1.5,
        "history": [{"epoch": 4}],
    }
    st = TrainState(torch.nn.Linear(2, 2), torch.optim.SGD(net.parameters(), lr=0.1), torch.device("cpu"))
    st.load_state_dict(old)
    assert (st.step, st.seconds, st.history, st.extra) == (4, 1.5, [{"epoch": 4}], {})
    _same(st.model.state_dict(), net.state_dict())
