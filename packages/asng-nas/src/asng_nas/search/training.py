"""The training loop shared by the retrainings: one saved / restored :class:`TrainState` and a loop
of steps (an epoch, an iteration, ...) followed by callbacks (records, logs, checkpoints, progress).

Around the loop: :func:`retrain_run`, the set-up of one of the processes of a retraining.
Beside the loop: :func:`on_record` turns a user's ``on_epoch_end(record)`` into a callback,
:class:`TensorBoardLogger` writes each log record's numbers as TensorBoard scalars (optional:
needs the ``tensorboard`` package, asked for only when the logger is built) and
:func:`compile_model` applies ``torch.compile`` to a fixed network on request.

A checkpoint holds the weights, the optimizer and the scheduler, the task's generator, the torch
(and CUDA) RNG states, the number of completed steps, the training seconds, the history and a
free ``extra`` dictionary (e.g. the position in the data order), so that a resumed run continues
exactly as an uninterrupted one. It holds tensors and plain data only and is read back with
``torch.load(..., weights_only=True)`` (:func:`read_train_checkpoint`).
"""

from __future__ import annotations

import contextlib
import math
import pickle
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import torch
from torch import nn

from .distributed import batch_shard, group_info, torchrun_group, wrap_ddp
from .utils import atomic_torch_save, seed_everything

__all__ = [
    "TrainState",
    "Callback",
    "CheckpointCallback",
    "train_loop",
    "read_train_checkpoint",
    "on_record",
    "TensorBoardLogger",
    "COMPILE_CHOICES",
    "check_compile",
    "compile_model",
    "RetrainRun",
    "retrain_run",
]

FORMAT = "asng-nas-train-v1"


class TrainState:
    """Everything a training run changes: ``model``, ``optimizer``, optional ``scheduler`` and
    ``generator``, plus ``step`` (completed steps), ``seconds``, ``history`` and ``extra``."""

    def __init__(
        self,
        model: nn.Module,
        optimizer: torch.optim.Optimizer,
        device: torch.device,
        generator: torch.Generator | None = None,
        scheduler: Any = None,
    ):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.generator, self.device = generator, device
        self.step = 0
        self.seconds = 0.0
        self.history: list[dict[str, Any]] = []
        self.extra: dict[str, Any] = {}

    def state_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler is not None else None,
            "generator": self.generator.get_state() if self.generator is not None else None,
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None,
            "step": self.step,
            "seconds": self.seconds,
            "history": self.history,
            "extra": self.extra,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state.get("format") != FORMAT:  # the cell retraining's checkpoints before this module
            state = {**state, "optimizer": state["sgd"], "step": state["epoch"]}
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        if self.scheduler is not None and state.get("scheduler") is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if self.generator is not None and state.get("generator") is not None:
            self.generator.set_state(state["generator"])
        torch.set_rng_state(state["torch_rng"])
        if self.device.type == "cuda" and state.get("cuda_rng") is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        self.step = int(state["step"])
        self.seconds = float(state["seconds"])
        self.history = list(state["history"])
        self.extra = dict(state.get("extra") or {})

    def save(self, path: str | Path) -> None:
        """Atomic ``torch.save`` of :meth:`state_dict` to ``path``."""
        atomic_torch_save(self.state_dict(), path)

    def resume(self, path: str | Path) -> bool:
        """Load the checkpoint at ``path`` if it exists; returns whether it did. Read with
        :func:`read_train_checkpoint` (``weights_only=True``): ``ValueError`` naming the file for
        one torch refuses or cannot read, before anything is changed."""
        p = Path(path)
        if not p.is_file():
            return False
        self.load_state_dict(read_train_checkpoint(p))
        return True


def read_train_checkpoint(path: str | Path) -> dict[str, Any]:
    """The dict in the checkpoint ``path`` (on the CPU), read with ``torch.load(...,
    weights_only=True)``: a training checkpoint holds only tensors and plain data (the optimizer
    and scheduler states, RNG states as byte tensors, the history of numbers and strings), so
    nothing needs allow-listing and no code in the file runs. Raises ``ValueError`` (one line,
    naming the file) for a file torch refuses or cannot read, or that holds no dict."""
    p = Path(path)
    try:
        state = torch.load(p, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"{p}: not a readable training checkpoint ({first})") from None
    if not isinstance(state, dict):
        raise ValueError(f"{p}: not a training checkpoint (holds a {type(state).__name__}, not a dict)")
    return state


Callback = Callable[[TrainState, dict[str, Any]], None]
"""Called after each step with the state (``step`` already counts it) and the step's record."""


class CheckpointCallback:
    """Save the state to ``path`` every ``every`` steps and after the last (``total``) one."""

    def __init__(self, path: str | Path, total: int, every: int = 1):
        self.path, self.total, self.every = Path(path), total, every

    def __call__(self, state: TrainState, record: dict[str, Any]) -> None:
        if (self.every > 0 and state.step % self.every == 0) or state.step >= self.total:
            state.save(self.path)


def train_loop(
    state: TrainState,
    total: int,
    step: Callable[[TrainState], dict[str, Any]],
    callbacks: Sequence[Callback] = (),
) -> TrainState:
    """Run ``step(state)`` until ``state.step == total``; after each, add its duration to
    ``state.seconds``, count it in ``state.step`` and call the ``callbacks`` in order."""
    while state.step < total:
        t0 = time.perf_counter()
        record = step(state)
        state.seconds += time.perf_counter() - t0
        state.step += 1
        for cb in callbacks:
            cb(state, record)
    return state


def on_record(fn: Callable[[dict[str, Any]], None]) -> Callback:
    """The callback that calls ``fn(record)`` after each step, e.g. a user's
    ``on_epoch_end(record)``; ``record`` is the dictionary that goes into the logs."""

    def cb(state: TrainState, record: dict[str, Any]) -> None:
        fn(record)

    return cb


def _scalars(record: Mapping[str, Any]) -> dict[str, float]:
    """The finite real numbers of ``record`` (ints, floats, 0-d tensors; not booleans)."""
    out = {}
    for k, v in record.items():
        if isinstance(v, torch.Tensor) and v.numel() == 1:
            v = float(v.detach().float())
        if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[str(k)] = float(v)
    return out


class TensorBoardLogger:
    """A callback writing every number of each log record as a TensorBoard scalar (tag = the
    record's key, step = ``state.step``, or the ``step`` given to :meth:`log`) to event files
    under ``log_dir``.

    Needs the optional ``tensorboard`` package (``torch.utils.tensorboard`` imports it): without
    it the constructor raises ``ImportError`` naming the package. The constructor only checks
    that import; the folder and the event file are created at the first record. Call
    :meth:`close` at the end (the retrainings do).
    """

    def __init__(self, log_dir: str | Path):
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError as e:  # tensorboard missing (or broken)
            raise ImportError(
                f"TensorBoard logging to {log_dir} needs the tensorboard package (pip install tensorboard): {e}"
            ) from e
        self.log_dir = Path(log_dir)
        self._writer_cls = SummaryWriter
        self.writer: Any = None

    def log(self, step: int, record: Mapping[str, Any]) -> None:
        """Write the finite numbers of ``record`` (ints, floats, one-element tensors) at ``step``."""
        if self.writer is None:
            self.writer = self._writer_cls(log_dir=str(self.log_dir))
        for k, v in _scalars(record).items():
            self.writer.add_scalar(k, v, step)
        self.writer.flush()

    def __call__(self, state: TrainState, record: dict[str, Any]) -> None:
        self.log(state.step, record)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


COMPILE_CHOICES = ("off", "on", "inductor", "aot_eager", "eager")
"""``compile`` settings of the retraining configs: ``off`` (eager, the default); ``on`` (the same
as ``inductor``: ``torch.compile``'s default backend, which needs a C++ compiler on the CPU and
Triton on a GPU); ``aot_eager`` / ``eager`` (``torch.compile`` without code generation:
checks that the network traces, no speed-up)."""


def check_compile(value: str) -> None:
    """Raise ``ValueError`` unless ``value`` is one of :data:`COMPILE_CHOICES`."""
    if value not in COMPILE_CHOICES:
        raise ValueError(f"compile must be one of {', '.join(COMPILE_CHOICES)}; got {value!r}")


def compile_model(model: nn.Module, mode: str = "off") -> nn.Module:
    """``model`` itself for ``mode="off"``, else ``torch.compile(model, backend=...)`` (see
    :data:`COMPILE_CHOICES`; ``on`` is ``inductor``). The compiled module shares ``model``'s
    parameters and buffers: keep ``model`` for ``state_dict`` and evaluation. Compilation itself
    happens at the first call. Raises ``ValueError`` for an unknown ``mode``."""
    check_compile(mode)
    if mode == "off":
        return model
    return torch.compile(model, backend="inductor" if mode == "on" else mode)  # type: ignore[return-value]


class RetrainSettings(Protocol):
    """What :func:`retrain_run` reads of a retraining's config."""

    batch_size: int
    seed: int
    tensorboard: str | None
    compile: str


@dataclass(frozen=True)
class RetrainRun:
    """One process's run of a retraining (made by :func:`retrain_run`): where it runs, where it
    writes, and the caller's ``resume`` / ``callbacks`` / ``on_epoch_end``."""

    device: torch.device
    rank: int
    world: int
    rows: slice  # this process's rows of each global batch (:func:`~.distributed.batch_shard`)
    out: Path
    tensorboard: TensorBoardLogger | None  # on rank 0 when asked for, else None
    compile: str = "off"  # torch.compile of the training network (:data:`COMPILE_CHOICES`)
    resume: bool = False
    callbacks: tuple[Callback, ...] = ()  # the caller's, after the retraining's own, on every process
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None  # rank 0, with each log record

    @property
    def lead(self) -> bool:
        """Rank 0: the process that writes files."""
        return self.rank == 0

    @property
    def checkpoint(self) -> Path:
        """``out/retrain_checkpoint.pt``."""
        return self.out / "retrain_checkpoint.pt"

    def training_network(self, model: nn.Module, find_unused_parameters: bool = False) -> nn.Module:
        """The module that trains ``model`` here: ``DistributedDataParallel`` around it when the
        group has several processes (:func:`~.distributed.wrap_ddp`), then ``torch.compile`` as
        :attr:`compile` says (:func:`compile_model`). ``model`` keeps the weights: use it for
        ``state_dict`` and evaluation."""
        return compile_model(wrap_ddp(model, self.device, find_unused_parameters), self.compile)

    def start(self, state: TrainState) -> None:
        """With ``resume``, continue ``state`` from :attr:`checkpoint` when it exists."""
        if self.resume:
            state.resume(self.checkpoint)

    def report(self, step: int, record: dict[str, Any]) -> None:
        """A log record (written to the logs by the caller): to TensorBoard and ``on_epoch_end``."""
        if self.tensorboard is not None:
            self.tensorboard.log(step, record)
        if self.on_epoch_end is not None:
            self.on_epoch_end(dict(record))


@contextlib.contextmanager
def retrain_run(
    device: str | torch.device | None,
    out: Path,
    config: RetrainSettings,
    resume: bool = False,
    callbacks: Sequence[Callback] = (),
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> Iterator[RetrainRun]:
    """``with retrain_run(device, out, config, resume, callbacks, on_epoch_end) as run:`` -- the
    set-up the two retrainings share, for one process or one of torchrun's.

    Joins torchrun's process group if there is one (:func:`~.distributed.torchrun_group`), takes
    this process's rows of each global batch of ``config.batch_size``, builds the TensorBoard
    logger of ``config.tensorboard`` on rank 0, seeds every RNG with ``config.seed`` and creates
    ``out`` on rank 0; on exit closes the logger (and leaves the group it joined).

    Raises ``ValueError`` if the world size does not divide ``batch_size`` and ``ImportError``
    for ``tensorboard`` without the tensorboard package, both before anything is written.
    """
    with torchrun_group(device) as dev:
        rank, world = group_info()
        rows = batch_shard(config.batch_size, rank, world)
        tb = TensorBoardLogger(config.tensorboard) if config.tensorboard and rank == 0 else None
        seed_everything(config.seed)
        if rank == 0:
            out.mkdir(parents=True, exist_ok=True)
        try:
            yield RetrainRun(dev, rank, world, rows, out, tb, config.compile, resume, tuple(callbacks), on_epoch_end)
        finally:
            if tb is not None:
                tb.close()
