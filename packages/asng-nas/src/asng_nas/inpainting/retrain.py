"""Retraining of an exported inpainting architecture (appendix E.3): :class:`InpaintRetrainConfig`,
:func:`retrain_inpainting` (one process or torchrun's, with checkpoints and resume)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from ..search.training import (
    Callback,
    CheckpointCallback,
    RetrainRun,
    TrainState,
    check_compile,
    retrain_run,
    train_loop,
)
from ..search.utils import atomic_torch_save, atomic_write_text, check_batch_fits, to_jsonable
from .arch import CAEArch
from .masks import MASKS
from .supernet import CAENet
from .task import InpaintingTask, evaluate_restoration, face_loader

__all__ = ["InpaintRetrainConfig", "check_fits", "retrain_inpainting"]


@dataclass
class InpaintRetrainConfig:
    """Retraining of an exported CAE (appendix E.3: Adam 1e-3, 500k iterations, x0.1 at 2/5 and
    4/5 of the run)."""

    iterations: int = 500_000
    lr: float = 1e-3
    batch_size: int = 16
    mask: str = "center"
    seed: int = 0
    eval_every: int = 10_000
    checkpoint_every: int = 10_000  # iterations between two ``retrain_checkpoint.pt`` (0: only at the end)
    compile: str = "off"  # torch.compile of the training network: off, on (= inductor), inductor, aot_eager, eager
    tensorboard: str | None = None  # folder for TensorBoard event files (None: no TensorBoard; needs tensorboard)

    def __post_init__(self) -> None:
        """Raises ``ValueError`` naming the field(s) for a value out of range or an unknown mask."""
        check_compile(self.compile)
        if min(self.iterations, self.batch_size, self.eval_every) < 1:
            raise ValueError(
                f"need iterations, batch_size and eval_every >= 1; got {self.iterations}, {self.batch_size}, "
                f"{self.eval_every}"
            )
        if not (self.lr > 0 and self.seed >= 0 and self.checkpoint_every >= 0):
            raise ValueError(
                f"need lr > 0, seed >= 0 and checkpoint_every >= 0; got {self.lr}, {self.seed}, {self.checkpoint_every}"
            )
        if self.mask not in MASKS:
            raise ValueError(f"unknown mask {self.mask!r}; choose from {', '.join(MASKS)}")


def check_fits(config: InpaintRetrainConfig, train: torch.Tensor, name: str = "batch_size") -> None:
    """Raise ``ValueError`` (one line naming the batch size, the number of training images and
    what fits) when ``config.batch_size`` is larger than ``train``: with the incomplete batch
    dropped no iteration would get a batch. ``name``: the argument's name in the message
    (``batch_size``; the command line passes ``--batch-size``)."""
    check_batch_fits(config.batch_size, len(train), "training images", name)


def retrain_inpainting(
    arch: CAEArch,
    train: torch.Tensor,
    test: torch.Tensor,
    out_dir: str | Path,
    config: InpaintRetrainConfig | None = None,
    device: str | torch.device | None = None,
    resume: bool = False,
    callbacks: Sequence[Callback] = (),
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Train :class:`CAENet` of ``arch`` from scratch on all of ``train``; report test PSNR/SSIM.

    Writes ``out_dir/model.pt``, ``metrics.json``, ``log.jsonl`` (at each evaluation) and
    ``inpainting.png``, and ``retrain_checkpoint.pt`` every ``checkpoint_every`` iterations and at
    the end. ``resume``: continue from that checkpoint when it exists (the weights are then the
    same as an uninterrupted run's). ``callbacks``: more
    :data:`~asng_nas.search.training.Callback` s, called after each iteration on every process.
    ``on_epoch_end(record)``: called with each log record (every ``eval_every`` iterations and at
    the end: iteration, loss, psnr, ssim, seconds), on rank 0 only; ``config.tensorboard`` writes
    the same records as TensorBoard scalars.

    Under ``torchrun`` (``WORLD_SIZE`` > 1), or in a process group the caller created, the
    processes train data-parallel (``DistributedDataParallel``): ``batch_size`` is the global
    batch, masks and flips are drawn for all of it on every process, each trains on its
    ``batch_size / world`` rows; the CAE has no BatchNorm, so the weights follow the one-process
    run's up to rounding. Rank 0 alone writes files. Raises ``ValueError`` if ``batch_size`` is
    larger than ``train`` (:func:`check_fits`) or the world size does not divide it, and
    ``ImportError`` for ``tensorboard`` without the package (before anything is written).
    """
    cfg = config or InpaintRetrainConfig()
    check_fits(cfg, train)
    with retrain_run(device, Path(out_dir), cfg, resume, callbacks, on_epoch_end) as run:
        return _retrain_inpainting(arch, train, test, cfg, run)


def _retrain_inpainting(
    arch: CAEArch,
    train: torch.Tensor,
    test: torch.Tensor,
    cfg: InpaintRetrainConfig,
    run: RetrainRun,
) -> dict[str, Any]:
    dev, lead, rows, out = run.device, run.lead, run.rows, run.out
    net = CAENet(arch, train.shape[1]).to(dev)
    fwd = run.training_network(net)  # ``net`` keeps the weights
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = [int(cfg.iterations * 2 / 5), int(cfg.iterations * 4 / 5)]
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=steps, gamma=0.1)
    task = InpaintingTask(cfg.mask, train.shape[-2], train.shape[-1], n_test=len(test), test_seed=cfg.seed + 12345)
    loader = face_loader(train, cfg.batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed)
    test_loader = face_loader(test, 64, dev)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed + 1)
    state = TrainState(net, opt, dev, generator=gen, scheduler=sched)
    state.extra = {"epoch": 0, "batch": 0}  # position in the data order: epoch, batches used of it
    run.start(state)
    batches = _skip(loader.epoch(state.extra["epoch"]), state.extra["batch"])

    def iteration(st: TrainState) -> dict[str, Any]:
        nonlocal batches
        batch = next(batches, None)
        if batch is None:  # the epoch is over: the next one's order
            st.extra["epoch"], st.extra["batch"] = st.extra["epoch"] + 1, 0
            batches = loader.epoch(st.extra["epoch"])
            batch = next(batches)
        st.extra["batch"] += 1
        masked, truth = task.prepare(batch, True, gen)  # the whole global batch: the generator stays in step
        loss = task.loss(fwd(masked[rows]), truth[rows])
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP: the gradients are averaged over the processes here
        opt.step()
        sched.step()
        return {"loss": loss}

    def record(st: TrainState, rec: dict[str, Any]) -> None:
        if st.step % cfg.eval_every == 0 or st.step == cfg.iterations:
            net.eval()
            with torch.no_grad():
                res = evaluate_restoration(net, task, test_loader, len(test))
            net.train()
            row = {"iteration": st.step, "loss": float(rec["loss"].detach()), **res, "seconds": st.seconds}
            st.history.append(row)
            if not lead:
                return
            atomic_write_text(out / "log.jsonl", "".join(json.dumps(to_jsonable(r)) + "\n" for r in st.history))
            run.report(st.step, row)

    save = CheckpointCallback(run.checkpoint, cfg.iterations, cfg.checkpoint_every)
    train_loop(state, cfg.iterations, iteration, [record, save, *run.callbacks] if lead else [record, *run.callbacks])
    final = state.history[-1]
    result = {
        "architecture": arch.to_dict(),
        "parameters": sum(p.numel() for p in net.parameters()),
        "test_psnr": final["psnr"],
        "test_ssim": final["ssim"],
        "config": asdict(cfg),
        "seconds": state.seconds,
        "world_size": run.world,
    }
    if not lead:
        return result
    atomic_torch_save(
        {"state_dict": net.state_dict(), "architecture": arch.to_dict(), "config": asdict(cfg)}, out / "model.pt"
    )
    atomic_write_text(out / "metrics.json", json.dumps(to_jsonable(result), indent=2) + "\n")
    atomic_write_text(out / "log.jsonl", "".join(json.dumps(to_jsonable(r)) + "\n" for r in state.history))
    try:
        from .figures import save_inpainting_grid

        batch = next(iter(test_loader.epoch(0)))
        masked, truth = task.prepare(batch, False, None)
        with torch.no_grad():
            net.eval()
            save_inpainting_grid(masked[:8], net(masked[:8]), truth[:8], out / "inpainting.png", f"{cfg.mask} mask")
    except ImportError:
        warnings.warn("matplotlib is not installed: inpainting.png not drawn", stacklevel=2)
    return result


def _skip(it: Iterator[Any], n: int) -> Iterator[Any]:
    """``it`` after its first ``n`` items."""
    for _ in range(n):
        next(it)
    return it
