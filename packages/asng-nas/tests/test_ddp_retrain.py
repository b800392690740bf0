"""Data-parallel retraining (DDP, gloo on the CPU, 2 processes): without BatchNorm the weights
after a few steps equal one process's on the same global batch to 1e-6 (the CAE of the inpainting
retraining has none; the cell network is tested with its BatchNorm layers replaced by identities);
with BatchNorm every process ends with rank 0's running statistics, the ones saved and evaluated.
"""

import json
import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

import asng_nas.classification.retrain as R
from asng_nas.classification.data import load_digits
from asng_nas.classification.network import Network
from asng_nas.classification.space import ENASSpace
from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.retrain import InpaintRetrainConfig, retrain_inpainting
from asng_nas.inpainting.space import CAESpace
from asng_nas.search.distributed import backend_threads, batch_shard, distributed_session
from asng_opt import ASNG

TOL = 1e-6
CELL_CFG = dict(epochs=2, batch_size=16, n_cells=3, channels=4, iters_per_epoch=2, cutout=2, drop_path=0.0)
CAE_CFG = dict(iterations=4, eval_every=2, batch_size=8, checkpoint_every=0, mask="pixel")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bn_free_network(*args, **kwargs):
    """The cell network with every BatchNorm2d replaced by an identity."""
    net = Network(*args, **kwargs)
    for module in list(net.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, nn.BatchNorm2d):
                setattr(module, name, nn.Identity())
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    return net


def _genotype():
    space = ENASSpace()
    return space.decode(ASNG(space.make_distribution(), seed=4).ask(2)[0])


def _cae():
    space = CAESpace("cat", 4, 2, (4, 8), (4, 8))
    return space.decode(ASNG(space.make_distribution(), seed=0).ask(2)[0])


def _faces():
    x = embedded_faces(16)
    return x[:32], x[32:40]


def _cell_cfg(**kw):
    return R.CellRetrainConfig(**CELL_CFG, progress=False, **kw)


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    records = []
    with distributed_session("gloo", rank=rank, world_size=world):
        train, test = _faces()
        cae = retrain_inpainting(
            _cae(), train, test, f"{out}/cae", InpaintRetrainConfig(**CAE_CFG), "cpu", on_epoch_end=records.append
        )
        assert cae["world_size"] == world
        assert len(records) == (2 if rank == 0 else 0)  # on_epoch_end: rank 0 only, at each log record

        data = load_digits()
        plain = R.Network
        R.Network = _bn_free_network
        try:
            R.retrain(_genotype(), data, f"{out}/cells", _cell_cfg(), "cpu")
        finally:
            R.Network = plain

        held = {}
        summary = R.retrain(
            _genotype(),
            data,
            f"{out}/cells_bn",
            _cell_cfg(),
            "cpu",
            callbacks=[lambda st, rec: held.update(m=st.model)],
        )
        # BatchNorm: each process normalised with its own rows; at the end every process holds
        # rank 0's running statistics (broadcast before evaluating), the ones saved in model.pt
        mine = torch.cat([b.double().reshape(-1) for b in held["m"].buffers()])
        every = [torch.zeros_like(mine) for _ in range(world)]
        dist.all_gather(every, mine)
        assert all(torch.equal(e, every[0]) for e in every)
        if rank == 0:
            saved = R.load_model(f"{out}/cells_bn/model.pt")[0]
            assert torch.equal(torch.cat([b.double().reshape(-1) for b in saved.buffers()]), mine)
        errs = [None] * world
        dist.all_gather_object(errs, summary["test_error"])
        assert len(set(errs)) == 1, errs  # the test error is all-reduced: the same on every process
        assert summary["world_size"] == world
    assert not dist.is_initialized() and backend_threads() == []


def _kwargs(data):
    return R._net_kwargs(_genotype(), CELL_CFG["n_cells"], CELL_CFG["channels"], data)


def _state(path):
    return torch.load(path, weights_only=True)["state_dict"]


def _max_diff(a, b):
    assert a.keys() == b.keys()
    return max(float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].numel())


def test_batch_shard_splits_the_global_batch_evenly():
    assert [batch_shard(8, r, 2) for r in (0, 1)] == [slice(0, 4), slice(4, 8)]
    with pytest.raises(ValueError, match="not a multiple of the world size 3"):
        batch_shard(8, 0, 3)


def test_two_processes_train_like_one(tmp_path, monkeypatch):
    torch.set_num_threads(1)
    train, test = _faces()
    retrain_inpainting(_cae(), train, test, tmp_path / "one_cae", InpaintRetrainConfig(**CAE_CFG), "cpu")
    data = load_digits()
    monkeypatch.setattr(R, "Network", _bn_free_network)
    R.retrain(_genotype(), data, tmp_path / "one_cells", _cell_cfg(), "cpu")
    monkeypatch.undo()

    out = str(tmp_path / "ddp")
    mp.spawn(_worker, args=(2, _free_port(), out), nprocs=2, join=True)

    # without BatchNorm: the weights equal one process's on the same global batches
    diff_cae = _max_diff(_state(tmp_path / "one_cae" / "model.pt"), _state(tmp_path / "ddp" / "cae" / "model.pt"))
    diff_cells = _max_diff(_state(tmp_path / "one_cells" / "model.pt"), _state(tmp_path / "ddp" / "cells" / "model.pt"))
    assert diff_cae <= TOL and diff_cells <= TOL, (diff_cae, diff_cells)
    # the weights did move: the comparison is not of two untouched initialisations
    torch.manual_seed(0)  # retrain's seed_everything(seed=0) before building the network
    init = _bn_free_network(**_kwargs(data)).state_dict()
    assert _max_diff(init, _state(tmp_path / "ddp" / "cells" / "model.pt")) > 1e-3
    logs = [json.loads(x) for x in open(tmp_path / "ddp" / "cells" / "retrain_log.jsonl")]
    one = [json.loads(x) for x in open(tmp_path / "one_cells" / "retrain_log.jsonl")]
    assert [r["train_loss"] for r in logs] == pytest.approx([r["train_loss"] for r in one], rel=1e-5)
