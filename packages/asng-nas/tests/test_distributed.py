"""Two gloo processes on the CPU give the theta trajectory of one process (same lambda, seeds,
data order), the checkpoint they write resumes, and the process group is torn down completely."""

import os
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.task import build_inpainting_search
from asng_nas.search.distributed import DistributedSearcher, backend_threads, distributed_session
from asng_nas.search.searcher import SearchConfig, Searcher


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _build(out, cls, lam_x=2, epochs=2):
    x = embedded_faces(16)
    cfg = SearchConfig(epochs=epochs, seed=3, progress=False, schedule="iteration", lam_x=lam_x, lam_theta=2)
    return build_inpainting_search(
        x[:64],
        x[64:72],
        out,
        cfg,
        encoding="int",
        mask="pixel",
        n_nodes=4,
        level_back=2,
        channels=(4, 8),
        channel_range=(4, 8),
        batch_size=8,
        device="cpu",
        searcher_cls=cls,
    )


def _worker(rank: int, world: int, port: int, out: str, stop_after, resume: bool) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    with distributed_session("gloo", rank=rank, world_size=world):
        try:  # every process must evaluate an architecture: lam_x = 1 < world size 2
            _build(out, DistributedSearcher, lam_x=1)
            raise AssertionError("lam_x below the world size was accepted")
        except ValueError as e:
            assert "world size" in str(e)
        s = _build(out, DistributedSearcher)
        if resume:
            assert s.resume()
        s.run(stop_after=stop_after)
        theta = s.asng.theta
        # every rank holds the same theta
        flat = torch.tensor(np.concatenate([np.ravel(theta[k]) for k in sorted(theta)]))
        gathered = [torch.zeros_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        assert all(torch.equal(g, flat) for g in gathered)
        if rank == 0:
            np.save(os.path.join(out, "theta.npy"), flat.numpy())
    # The group is gone with its threads: none of gloo's may run on into interpreter shutdown,
    # where one releasing the last collective's tensors aborts the process (SIGABRT,
    # "terminate called without an active exception"). This held only by chance before
    # init_distributed imported torch's dist.group.WORLD readers ahead of the group.
    assert not dist.is_initialized()
    assert backend_threads() == [], backend_threads()


def _theta(s: Searcher) -> np.ndarray:
    t = s.asng.theta
    return np.concatenate([np.ravel(t[k]) for k in sorted(t)])


def test_two_processes_match_one_process_across_a_resume(tmp_path):
    """Kill a 2-process run after one epoch, resume it with 2 processes: the final theta equals
    the uninterrupted single-process run's, bit for bit."""
    torch.set_num_threads(1)
    single = _build(tmp_path / "single", Searcher)
    single.run()
    out = str(tmp_path / "ddp")
    mp.spawn(_worker, args=(2, _free_port(), out, 1, False), nprocs=2, join=True)
    assert os.path.exists(os.path.join(out, "checkpoint.pt")) and os.path.exists(os.path.join(out, "log.csv"))
    mp.spawn(_worker, args=(2, _free_port(), out, None, True), nprocs=2, join=True)
    assert np.array_equal(np.load(os.path.join(out, "theta.npy")), _theta(single))


def test_session_tears_the_group_down_also_when_the_block_raises(monkeypatch):
    """One in-process gloo rank: the session destroys the group it created -- its threads with
    it -- when the block raises (the exception propagates), and leaves a group it did not create."""
    monkeypatch.setenv("MASTER_ADDR", "127.0.0.1")
    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    with pytest.raises(KeyError, match="inside the session"):
        with distributed_session("gloo", rank=0, world_size=1):
            assert dist.is_initialized() and backend_threads()
            torch.optim.SGD(torch.nn.Linear(2, 2).parameters(), lr=0.1)  # what used to pin the group
            raise KeyError("raised inside the session")
    assert not dist.is_initialized() and backend_threads() == []

    monkeypatch.setenv("MASTER_PORT", str(_free_port()))
    dist.init_process_group("gloo", rank=0, world_size=1)
    try:
        with distributed_session("gloo"):
            pass
        assert dist.is_initialized()  # not the session's group: left to its creator
    finally:
        dist.destroy_process_group()
