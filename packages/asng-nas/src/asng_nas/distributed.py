"""Multi-process search with ``torch.distributed`` (one process per GPU, or per CPU with gloo).

The paper's remark (section 2.3): with several GPUs set lambda_x = lambda_theta = #GPUs and
evaluate the architectures in parallel. :class:`DistributedSearcher` is the single-process
:class:`~asng_nas.search.Searcher` with its three hooks filled in:

* every rank draws the same architectures (the ASNG state and its RNG are identical on all
  ranks) and evaluates those with index j = rank (mod world size), on the same mini-batch -- the
  paper uses one mini-batch for all architectures of an iteration, and every rank reads the same
  data order, so data loading is replicated and the architectures are what is split;
* the weight gradients are summed with one all-reduce of a flat buffer (parameters an
  architecture did not use contribute zeros; a parameter no rank used keeps ``grad = None``, so
  SGD skips it exactly as in one process);
* the theta-step losses are all-gathered (an all-reduce of a zero-padded vector) and every rank
  calls the same ``ASNG.tell``: theta never diverges between ranks.

Rank 0 alone writes logs, checkpoints and the export, and evaluates the most likely
architecture; every rank can resume from the shared checkpoint (same world size). With the same
lambda, seed and data order, the theta trajectory equals a one-process run's (tested with gloo).

Launch: ``torchrun --nproc_per_node=N -m asng_nas search ...`` (see the package README).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.distributed as dist

from .search import Searcher

__all__ = ["DistributedSearcher", "init_distributed", "world_info"]


def world_info() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) without it."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def init_distributed(backend: str | None = None) -> torch.device:
    """Join the process group torchrun describes; returns this process's device.

    ``backend`` defaults to NCCL with CUDA (device ``cuda:LOCAL_RANK``) and gloo otherwise.
    """
    rank, world, local = world_info()
    cuda = torch.cuda.is_available()
    backend = backend or ("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{local}") if cuda and backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
    return device


class DistributedSearcher(Searcher):
    """:class:`Searcher` across the processes of an initialised default process group.

    Construct it exactly like a :class:`Searcher` on every rank (same config, seeds, data);
    only rank 0 keeps the test loader and writes files.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        if not dist.is_initialized():
            raise RuntimeError("DistributedSearcher needs torch.distributed initialised (see init_distributed)")
        super().__init__(*args, **kwargs)
        self.rank, self.world = dist.get_rank(), dist.get_world_size()
        if min(self.cfg.lam_x, self.cfg.lam_theta) < self.world:
            raise ValueError(
                f"lam_x={self.cfg.lam_x} and lam_theta={self.cfg.lam_theta} must be >= the world size "
                f"{self.world}: every process evaluates at least one architecture"
            )
        if self.rank != 0:
            self.test_loader = None
            self.cfg.progress = False
        self._params = [p for p in self.model.parameters() if p.requires_grad]

    # ---- hooks --------------------------------------------------------------------------------
    def local_indices(self, k: int) -> Sequence[int]:
        return range(self.rank, k, self.world)

    def reduce_gradients(self) -> None:
        used = torch.tensor([p.grad is not None for p in self._params], dtype=torch.float32, device=self.device)
        flat = torch.cat([(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in self._params])
        dist.all_reduce(flat)
        dist.all_reduce(used)
        offset = 0
        for p, u in zip(self._params, used.tolist()):
            n = p.numel()
            p.grad = flat[offset : offset + n].view_as(p).clone() if u > 0 else None
            offset += n

    def gather_losses(self, local: dict[int, float], k: int) -> np.ndarray:
        buf = torch.zeros(k, dtype=torch.float64, device=self.device)
        for j, v in local.items():
            buf[j] = v
        dist.all_reduce(buf)
        return buf.cpu().numpy()

    # ---- only rank 0 writes -------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        if self.rank == 0:
            super().save_checkpoint()
        dist.barrier()

    def write_logs(self) -> None:
        if self.rank == 0:
            super().write_logs()

    def run(self, stop_after: int | None = None) -> Any:
        if self.rank != 0:
            self.export = lambda *a, **k: None  # noqa: E731 -- rank 0 exports
        return super().run(stop_after)
