"""Two gloo processes on the CPU give the theta trajectory of one process (same lambda, seeds,
data order), and the checkpoint they write resumes."""

import os
import socket

import numpy as np
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from asng_nas.distributed import DistributedSearcher
from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.task import build_inpainting_search
from asng_nas.search import SearchConfig, Searcher


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
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        try:  # every process must evaluate an architecture: lam_x = 1 < world size 2
            _build(out, DistributedSearcher, lam_x=1)
            raise AssertionError("lam_x below the world size was accepted")
        except ValueError as e:
            assert "world size" in str(e)
        s = _build(out, DistributedSearcher)
        if resume:
            assert s.resume()
        s.run(stop_after=stop_after)
        theta = s.asng.distribution.theta
        # every rank holds the same theta
        flat = torch.tensor(np.concatenate([np.ravel(theta[k]) for k in sorted(theta)]))
        gathered = [torch.zeros_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        assert all(torch.equal(g, flat) for g in gathered)
        if rank == 0:
            np.save(os.path.join(out, "theta.npy"), flat.numpy())
    finally:
        dist.destroy_process_group()


def _theta(s: Searcher) -> np.ndarray:
    t = s.asng.distribution.theta
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
