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

Multi-process *retraining* (data parallel, ``DistributedDataParallel``) uses the helpers at the
end of this module: :func:`torchrun_group`, :func:`group_info`, :func:`wrap_ddp`,
:func:`batch_shard`, :func:`all_reduce_sum` and :func:`broadcast_buffers` (see
``docs/retraining.md``).

Process-group lifetime: use :func:`distributed_session` (or :func:`init_distributed` with
:func:`shutdown_distributed` in a ``finally``). Before creating the group, :func:`init_distributed`
imports the torch modules that read ``dist.group.WORLD`` into default arguments at import time
(``torch._dynamo`` pulls them in, and the first ``torch.optim`` optimizer imports
``torch._dynamo``). Imported after the group exists -- as when a searcher is built after
``init_process_group`` -- they keep the group referenced for the life of the interpreter, so
``destroy_process_group()`` cannot free it: gloo's worker and transport threads (and rank 0's
TCPStore thread) run on into interpreter shutdown, and a gloo worker that releases the last
collective's tensors there has to take the GIL, which a finalizing CPython answers with
``pthread_exit``; the forced unwind through a ``noexcept`` destructor ends in
``std::terminate`` ("terminate called without an active exception", SIGABRT).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
import torch.distributed as dist
from torch import nn

from .searcher import Searcher
from .utils import resolve_device

__all__ = [
    "DistributedSearcher",
    "all_reduce_sum",
    "backend_threads",
    "batch_shard",
    "broadcast_buffers",
    "group_info",
    "torchrun_group",
    "wrap_ddp",
    "distributed_session",
    "init_distributed",
    "is_lead",
    "shutdown_distributed",
    "world_info",
]

# Modules that evaluate ``dist.group.WORLD`` at import time (``torch.distributed.nn.functional``'s
# and ``torch.distributed.fsdp``'s default ``group=`` arguments); ``torch._dynamo`` imports both.
_WORLD_READING_MODULES = ("torch.distributed.nn", "torch.distributed.fsdp", "torch._dynamo")

# Names of the threads a process group runs (Linux thread names): gloo's work loops and
# transport loop, the TCPStore server's loop on the rank that hosts it.
_BACKEND_THREAD_PREFIXES = ("pt_gloo", "gloo_", "pt_tcpstore")

_owned = False  # whether init_distributed created the default group (then shutdown destroys it)


def world_info() -> tuple[int, int, int]:
    """(rank, world size, local rank) from torchrun's environment; (0, 1, 0) without it."""
    return int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))


def is_lead() -> bool:
    """Whether this process is the lead: rank 0 under torchrun (every rank runs the command; the
    lead alone prints and writes the records), or a process of its own."""
    return world_info()[0] == 0


def _import_world_readers() -> None:
    """Import the modules of ``_WORLD_READING_MODULES`` while no group exists, so that they
    capture ``None`` instead of a reference to the group (see the module docstring)."""
    for name in _WORLD_READING_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


def backend_threads() -> list[str]:
    """Names of this process's threads that belong to a process group (gloo, TCPStore); empty
    after a complete teardown. Linux only (``/proc/self/task``); elsewhere always empty."""
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return []
    names = []
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/comm") as fh:
                name = fh.read().strip()
        except OSError:  # the thread has just exited
            continue
        if name.startswith(_BACKEND_THREAD_PREFIXES):
            names.append(name)
    return sorted(names)


def init_distributed(
    backend: str | None = None, *, rank: int | None = None, world_size: int | None = None, local_rank: int | None = None
) -> torch.device:
    """Join the process group torchrun describes; returns this process's device.

    ``backend`` defaults to NCCL with CUDA (device ``cuda:LOCAL_RANK``) and gloo otherwise.
    ``rank``, ``world_size`` and ``local_rank`` override torchrun's environment (e.g. for
    ``torch.multiprocessing.spawn`` workers; ``MASTER_ADDR`` / ``MASTER_PORT`` still come from
    the environment). A group created here is torn down by :func:`shutdown_distributed`; one
    that already exists is left to whoever created it.
    """
    global _owned
    env_rank, env_world, env_local = world_info()
    rank = env_rank if rank is None else rank
    world = env_world if world_size is None else world_size
    local = env_local if local_rank is None else local_rank
    cuda = torch.cuda.is_available()
    backend = backend or ("nccl" if cuda else "gloo")
    device = torch.device(f"cuda:{local}") if cuda and backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        _import_world_readers()
        dist.init_process_group(backend=backend, rank=rank, world_size=world)
        _owned = True
    return device


def shutdown_distributed(barrier: bool = True) -> None:
    """Destroy the process group :func:`init_distributed` created (a no-op otherwise).

    ``barrier``: first wait until every rank got here, so that no rank tears its connections
    down while another still works (the normal end of a run). Pass ``False`` on an exception
    path, where the other ranks may never arrive. Warns if the group's threads outlive it
    (something still references the group; they would then run into interpreter shutdown).
    """
    global _owned
    if not (_owned and dist.is_initialized()):
        return
    try:
        if barrier:
            dist.barrier()
    finally:
        _owned = False
        dist.destroy_process_group()
    left = backend_threads()
    if left:
        warnings.warn(
            f"process-group threads {left} are still running after destroy_process_group(): the group is "
            "still referenced (was a module reading dist.group.WORLD imported after init_process_group?); "
            "they may abort the process at interpreter shutdown",
            RuntimeWarning,
            stacklevel=2,
        )


@contextlib.contextmanager
def distributed_session(
    backend: str | None = None, *, rank: int | None = None, world_size: int | None = None, local_rank: int | None = None
) -> Iterator[torch.device]:
    """``with distributed_session(...) as device:`` -- :func:`init_distributed` on entry,
    :func:`shutdown_distributed` on exit: after a barrier when the block completes, without one
    when it raises (the exception propagates)."""
    device = init_distributed(backend, rank=rank, world_size=world_size, local_rank=local_rank)
    completed = False
    try:
        yield device
        completed = True
    finally:
        shutdown_distributed(barrier=completed)


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
        self.cfg.check_lambdas(self.world)  # the config's rule, against the group's real size
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


# ---- data-parallel retraining ------------------------------------------------------------------


def group_info() -> tuple[int, int]:
    """``(rank, world size)`` of the default process group; ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


@contextlib.contextmanager
def torchrun_group(device: str | torch.device | None = None) -> Iterator[torch.device]:
    """``with torchrun_group(device) as dev:`` -- this process's device for a run that may be
    one of torchrun's processes.

    Under torchrun (``WORLD_SIZE`` > 1) with no default group yet, joins one with
    :func:`init_distributed` (gloo when ``device`` is the CPU, else NCCL with CUDA) and tears it
    down on exit (:func:`shutdown_distributed`: after a barrier when the block completes, without
    one when it raises). A group that already exists is used as it is and left open. A CUDA
    ``device`` without an index becomes ``cuda:LOCAL_RANK`` when the group has several
    processes. Without torchrun and without a group: ``resolve_device(device)``, no group.
    """
    _, env_world, local = world_info()
    dev = resolve_device(device)
    if env_world > 1 and not dist.is_initialized():
        with distributed_session("gloo" if dev.type == "cpu" else None) as joined:
            yield joined
        return
    if dist.is_initialized() and dist.get_world_size() > 1 and dev.type == "cuda" and dev.index is None:
        dev = torch.device(f"cuda:{local}")
    yield dev


def wrap_ddp(model: nn.Module, device: torch.device, find_unused_parameters: bool = False) -> nn.Module:
    """``DistributedDataParallel(model)`` when the default group has several processes, else
    ``model`` itself. The wrapper averages the gradients over the processes during ``backward``
    and broadcasts rank 0's buffers (BN running statistics) before every forward; ``model``
    keeps the weights (use it for ``state_dict`` and evaluation)."""
    _, world = group_info()
    if world == 1:
        return model
    from torch.nn.parallel import DistributedDataParallel

    ids = [device] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids, find_unused_parameters=find_unused_parameters)


def batch_shard(n: int, rank: int, world: int) -> slice:
    """This process's rows of a global batch of ``n``: the ``rank``-th of ``world`` equal,
    contiguous parts. Raises ``ValueError`` unless ``world`` divides ``n`` (unequal parts would
    weight the samples unequally in DDP's average of the per-process mean gradients)."""
    if n % world:
        raise ValueError(f"the batch size {n} is not a multiple of the world size {world}")
    k = n // world
    return slice(rank * k, (rank + 1) * k)


def all_reduce_sum(values: Sequence[float], device: torch.device | str = "cpu") -> list[float]:
    """The element-wise sums of ``values`` over the processes of the default group (float64,
    one all-reduce); ``values`` unchanged without a group of several processes."""
    _, world = group_info()
    if world == 1:
        return [float(v) for v in values]
    buf = torch.tensor([float(v) for v in values], dtype=torch.float64, device=device)
    dist.all_reduce(buf)
    return [float(v) for v in buf.tolist()]


def broadcast_buffers(model: nn.Module, src: int = 0) -> None:
    """Copy rank ``src``'s buffers (BN running statistics, counters) to every process: after a
    training step each process's BN running averages have moved with its own part of the batch;
    call this before evaluating or saving so that all processes hold rank ``src``'s. A no-op
    without a group of several processes."""
    _, world = group_info()
    if world == 1:
        return
    for b in model.buffers():
        dist.broadcast(b.data, src)
