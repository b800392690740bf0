"""Retraining of an exported architecture from scratch, and evaluation of a saved model.

The network (:class:`asng_nas.classification.network.Network`) holds only the exported cells' weights; its width
is by default the largest C with at most ``target_params`` parameters (auxiliary head not
counted). Training: SGD with cosine annealing, drop-path rising linearly to ``drop_path``,
auxiliary loss weight ``aux_weight``, cutout, gradient clipping; a checkpoint per epoch
(``retrain_checkpoint.pt``) for resume, logs ``retrain_log.csv`` / ``.jsonl`` (and TensorBoard
scalars with ``tensorboard``), and the final ``model.pt`` (genotype, network arguments, weights,
test error).

Several processes (``torchrun``, or a process group the caller made) train data-parallel with
``DistributedDataParallel``: ``batch_size`` is the global batch, each process trains on its
``batch_size / world`` rows of it and the gradients are averaged, so without BatchNorm the weights
follow the one-process run's; BatchNorm normalises with each process's own rows (see
``docs/retraining.md``). ``compile``: ``torch.compile`` of the training network (off by default).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..search.config import TrainConfig
from ..search.distributed import (
    all_reduce_sum,
    broadcast_buffers,
)
from ..search.loop import cosine_lr, epoch_line, show_bar, write_logs
from ..search.training import (
    Callback,
    CheckpointCallback,
    RetrainRun,
    TrainState,
    check_compile,
    retrain_run,
    train_loop,
)
from ..search.utils import atomic_write_text, autocast, check_batch_fits
from .augment import Augment
from .data import ImageData, Loader
from .genotype import Genotype
from .model_file import evaluate_model, evaluate_network, load_model, save_model
from .network import Network, count_parameters

__all__ = ["CellRetrainConfig", "check_fits", "choose_channels", "retrain", "evaluate_model", "load_model"]


@dataclass
class CellRetrainConfig(TrainConfig):
    """Retraining hyper-parameters (defaults: the paper's CIFAR-10 retraining): those of
    :class:`~asng_nas.search.config.TrainConfig` (600 epochs here) and the network's."""

    epochs: int = 600
    batch_size: int = 80
    eval_batch_size: int = 256
    drop_path: float = 0.3
    aux_weight: float = 0.4
    cutout: int | None = None  # side of the cutout square; None: half the image side (16 on CIFAR-10)
    n_cells: int = 20
    channels: int | None = None  # None: the largest width with <= target_params parameters
    target_params: float = 4.0e6
    compile: str = "off"  # torch.compile of the training network: off, on (= inductor), inductor, aot_eager, eager
    tensorboard: str | None = None  # folder for TensorBoard event files (None: no TensorBoard; needs tensorboard)

    def __post_init__(self) -> None:
        """Raises ``ValueError`` naming the field(s) for a value out of range (and as
        :class:`~asng_nas.search.config.TrainConfig` does, naming both for ``lr_min > lr``)."""
        super().__post_init__()
        check_compile(self.compile)
        if min(self.batch_size, self.eval_batch_size, self.n_cells) < 1:
            raise ValueError(
                f"need batch_size, eval_batch_size and n_cells >= 1; got {self.batch_size}, {self.eval_batch_size}, "
                f"{self.n_cells}"
            )
        if not (0 <= self.drop_path < 1 and self.aux_weight >= 0 and self.target_params > 0):
            raise ValueError(
                f"need 0 <= drop_path < 1, aux_weight >= 0 and target_params > 0; got {self.drop_path}, "
                f"{self.aux_weight}, {self.target_params}"
            )
        if (self.channels is not None and self.channels < 1) or (self.cutout is not None and self.cutout < 0):
            raise ValueError(f"need channels >= 1 and cutout >= 0 (or None); got {self.channels}, {self.cutout}")


def check_fits(config: CellRetrainConfig, data: ImageData, name: str = "batch_size") -> None:
    """Raise ``ValueError`` (one line naming the batch size, the training set's size and what
    fits) when ``config.batch_size`` is larger than ``data``'s training set: with the incomplete
    batch dropped an epoch would train on nothing. ``name``: the argument's name in the message
    (``batch_size``; the command line passes ``--batch-size``)."""
    check_batch_fits(config.batch_size, len(data.x_train), "training images", name)


def _net_kwargs(genotype: Genotype, n_cells: int, channels: int, data: ImageData) -> dict[str, Any]:
    return {
        "genotype": genotype,
        "n_cells": n_cells,
        "channels": channels,
        "n_classes": data.n_classes,
        "in_channels": data.in_channels,
        "auxiliary": True,
    }


def choose_channels(
    genotype: Genotype,
    n_cells: int = 20,
    target_params: float = 4.0e6,
    n_classes: int = 10,
    in_channels: int = 3,
    max_channels: int = 512,
) -> int:
    """The largest width C whose network has at most ``target_params`` parameters (without the
    auxiliary head). Networks are built on the meta device, so this is cheap."""

    def count(c: int) -> int:
        with torch.device("meta"):
            net = Network(genotype, n_cells, c, n_classes, in_channels, auxiliary=False)
        return count_parameters(net)

    if count(1) > target_params:
        raise ValueError(f"even C = 1 has more than {target_params:g} parameters")
    lo, hi = 1, max_channels
    while lo < hi:  # largest c with count(c) <= target
        mid = (lo + hi + 1) // 2
        if count(mid) <= target_params:
            lo = mid
        else:
            hi = mid - 1
    return lo


def retrain(
    genotype: Genotype,
    data: ImageData,
    out_dir: str | Path,
    config: CellRetrainConfig | None = None,
    device: str | torch.device | None = None,
    resume: bool = False,
    callbacks: Sequence[Callback] = (),
    on_epoch_end: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Train the network of ``genotype`` on the whole training set, evaluate on the test set.

    ``resume``: continue from ``out_dir/retrain_checkpoint.pt`` when it exists. ``callbacks``: more
    :data:`~asng_nas.search.training.Callback` s, called after each epoch's record, checkpoint and
    logs, on every process. ``on_epoch_end(record)``: called with each epoch's log record (a
    dict: epoch, lr, drop_path, train_loss, train_accuracy, train_seconds and, when evaluated,
    test_loss / test_accuracy / test_error), on rank 0 only, after the logs are written.

    Under ``torchrun`` (``WORLD_SIZE`` > 1), or inside a process group the caller created, the
    processes train data-parallel (see the module docstring); rank 0 alone writes files.

    Returns a summary ``{"test_error", "n_params", "channels", ...}`` (also in ``model.pt`` and
    ``retrain_summary.json`` under ``out_dir``). Raises ``ValueError`` if ``batch_size`` is larger
    than the training set (:func:`check_fits`) or the world size does not divide it,
    ``ImportError`` if ``config.tensorboard`` is set without the tensorboard package (all before
    anything is written).
    """
    cfg = config or CellRetrainConfig()
    check_fits(cfg, data)
    with retrain_run(device, Path(out_dir), cfg, resume, callbacks, on_epoch_end) as run:
        return _retrain(genotype, data, cfg, run)


def _retrain(
    genotype: Genotype,
    data: ImageData,
    cfg: CellRetrainConfig,
    run: RetrainRun,
) -> dict[str, Any]:
    dev, lead, rows, out = run.device, run.lead, run.rows, run.out
    channels = cfg.channels or choose_channels(
        genotype, cfg.n_cells, cfg.target_params, data.n_classes, data.in_channels
    )
    kwargs = _net_kwargs(genotype, cfg.n_cells, channels, data)
    model = Network(**kwargs).to(dev)
    cl = dev.type == "cuda" and cfg.channels_last
    if cl:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    n_params = count_parameters(model)
    # the training network: DDP (with several processes) and torch.compile (on request) around
    # ``model``, which keeps the weights. Some weights may get no gradient (a cell input no node
    # reads, the auxiliary head with aux_weight 0): DDP has to look for them
    net = run.training_network(model, find_unused_parameters=True)
    common: dict[str, Any] = dict(mean=data.mean, std=data.std, device=dev, channels_last=cl)
    train = Loader(data.x_train, data.y_train, cfg.batch_size, shuffle=True, drop_last=True, seed=cfg.seed, **common)
    test = Loader(data.x_test, data.y_test, cfg.eval_batch_size, **common)
    cutout = data.x_train.shape[-1] // 2 if cfg.cutout is None else cfg.cutout
    aug = Augment(data.augment.pad, data.augment.flip, cutout)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed + 1)
    sgd = torch.optim.SGD(model.parameters(), lr=cfg.lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay)
    state = TrainState(model, sgd, dev, generator=gen)
    run.start(state)
    n_iter = len(train) if not cfg.iters_per_epoch else min(len(train), cfg.iters_per_epoch)
    from tqdm.auto import tqdm

    def epoch_step(st: TrainState) -> dict[str, Any]:
        epoch = st.step
        lr = cosine_lr(cfg.lr, cfg.lr_min, epoch, cfg.epochs)
        for g in sgd.param_groups:
            g["lr"] = lr
        model.drop_prob = cfg.drop_path * epoch / cfg.epochs
        model.train()
        tot, correct, n = 0.0, 0, 0
        batches = train.epoch(epoch)
        bar = tqdm(
            total=n_iter,
            desc=f"retrain {epoch + 1}/{cfg.epochs}",
            disable=not (show_bar(cfg.progress) and lead),
            leave=False,
            dynamic_ncols=True,
        )
        for _ in range(n_iter):
            x, y = next(batches)
            x = aug(x, gen)  # the whole global batch on every process: the generator stays in step
            x, y = x[rows], y[rows]
            if cl:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast(dev, cfg.amp):
                logits, aux = net(x)
                loss = F.cross_entropy(logits.float(), y)
                if aux is not None and cfg.aux_weight > 0:
                    loss = loss + cfg.aux_weight * F.cross_entropy(aux.float(), y)
            sgd.zero_grad(set_to_none=True)
            loss.backward()  # DDP: the gradients are averaged over the processes here
            if cfg.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            sgd.step()
            tot += float(loss.detach()) * len(y)
            correct += int((logits.argmax(1) == y).sum())
            n += len(y)
            bar.set_postfix(loss=f"{tot / n:.3f}", acc=f"{correct / n:.3f}", refresh=False)
            bar.update(1)
        bar.close()
        tot, c, m = all_reduce_sum([tot, correct, n], dev)
        return {
            "epoch": epoch + 1,
            "lr": lr,
            "drop_path": model.drop_prob,
            "train_loss": tot / max(m, 1),
            "train_accuracy": c / max(m, 1),
        }

    def record(st: TrainState, rec: dict[str, Any]) -> None:
        rec["train_seconds"] = st.seconds
        broadcast_buffers(model)  # every process holds rank 0's BN statistics (what is saved)
        if (cfg.eval_every and st.step % cfg.eval_every == 0) or st.step == cfg.epochs:
            rec.update(evaluate_network(model, test, cfg.amp))
        st.history.append(rec)

    def report(st: TrainState, rec: dict[str, Any]) -> None:
        write_logs(out, st.history, stem="retrain_log")
        run.report(st.step, rec)
        if cfg.progress:  # the whole record is in retrain_log.jsonl / .csv
            print(epoch_line("retrain", rec, cfg.epochs), flush=True)

    save = CheckpointCallback(run.checkpoint, cfg.epochs)
    steps: list[Callback] = [record, save, report] if lead else [record]
    train_loop(state, cfg.epochs, epoch_step, [*steps, *run.callbacks])
    seconds = state.seconds
    final = evaluate_network(model, test, cfg.amp)
    summary = {
        "test_error": final["test_error"],
        "test_accuracy": final["test_accuracy"],
        "n_params": n_params,
        "channels": channels,
        "n_cells": cfg.n_cells,
        "epochs": cfg.epochs,
        "train_seconds": seconds,
        "world_size": run.world,
        "dataset": data.name,
        "genotype": genotype.to_dict(),
        "config": asdict(cfg),
    }
    if lead:
        save_model(out / "model.pt", model, kwargs, summary)
        atomic_write_text(out / "retrain_summary.json", json.dumps(summary, indent=2) + "\n")
    return summary
