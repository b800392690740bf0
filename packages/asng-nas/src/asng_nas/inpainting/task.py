"""Inpainting as a search task, and the builders of an inpainting search and retraining.

The search reuses :class:`asng_nas.search.Searcher` unchanged: the task corrupts each batch with
fresh masks and scores restorations by MSE over the whole image (section 3.3); the loaders are
the classification ``Loader`` with no standardisation, whose label slot carries each image's
index so that test images always get the same, seeded mask.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..classification.data import Loader
from ..search.distributed import batch_shard, group_info, torchrun_group, wrap_ddp
from ..search.searcher import SearchConfig, Searcher
from ..search.training import (
    Callback,
    CheckpointCallback,
    TensorBoardLogger,
    TrainState,
    check_compile,
    compile_model,
    train_loop,
)
from ..search.utils import atomic_torch_save, atomic_write_text, resolve_device, seed_everything, to_jsonable
from .arch import CAEArch, NodeSpec
from .masks import MASKS, apply_mask, make_masks
from .metrics import capped_psnr, ssim
from .space import CAESpace
from .supernet import CAENet, CAESupernet

__all__ = [
    "InpaintingTask",
    "build_inpainting_search",
    "export_inpainting",
    "InpaintingExport",
    "load_cae_arch",
    "InpaintRetrainConfig",
    "retrain_inpainting",
]


class InpaintingTask:
    """Batches ``(images (B, C, H, W) in [0, 1], indices (B,))`` -> ``(masked, images)``.

    Training batches are flipped horizontally at random and get new masks from the searcher's
    generator; evaluation batches keep the images as they are and use the masks drawn once from
    ``test_seed`` for the ``n_test`` test images (indexed by the label slot).
    """

    metric = "psnr"

    def __init__(self, mask: str, height: int, width: int, n_test: int = 0, test_seed: int = 12345):
        if mask not in MASKS:
            raise ValueError(f"unknown mask {mask!r}; choose from {MASKS}")
        self.mask = mask
        g = torch.Generator().manual_seed(test_seed)
        self.test_masks = make_masks(mask, n_test, height, width, g) if n_test else None

    def prepare(self, batch: Any, train: bool, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        x, idx = batch
        if train:
            if generator is None:
                raise ValueError("training batches need a generator")
            flip = torch.rand(x.shape[0], generator=generator, device=generator.device) < 0.5
            x = torch.where(flip.to(x.device).view(-1, 1, 1, 1), x.flip(-1), x)
            m = make_masks(self.mask, x.shape[0], x.shape[-2], x.shape[-1], generator, device=x.device)
        else:
            if self.test_masks is None:
                raise ValueError("this task has no test masks (n_test=0)")
            m = self.test_masks[idx.cpu()].to(x.device)
        return apply_mask(x, m), x

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(outputs.float(), targets.float())

    def metrics(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        p = capped_psnr(outputs.float(), targets)
        return {"psnr": float(p.mean()), "ssim": float(ssim(outputs.float(), targets).mean())}


def _skip(it: Iterator[Any], n: int) -> Iterator[Any]:
    """``it`` after its first ``n`` items."""
    for _ in range(n):
        next(it)
    return it


def evaluate_restoration(net: Any, task: InpaintingTask, loader: Loader, n_images: int) -> dict[str, float]:
    """Mean PSNR (:func:`~.metrics.capped_psnr`, the same convention as
    :meth:`InpaintingTask.metrics`) and SSIM of ``net``'s restorations over the ``n_images``
    images of ``loader`` (call under ``torch.no_grad()``)."""
    tot = {"psnr": 0.0, "ssim": 0.0}
    for batch in loader.epoch(0):
        masked, truth = task.prepare(batch, False, None)
        y = net(masked)
        tot["psnr"] += float(capped_psnr(y, truth).sum())
        tot["ssim"] += float(ssim(y, truth).sum())
    return {k: v / n_images for k, v in tot.items()}


def _loader(images: torch.Tensor, batch: int, device: torch.device, **kw: Any) -> Loader:
    c = images.shape[1]
    return Loader(images, torch.arange(len(images)), batch, (0.0,) * c, (1.0,) * c, device=device, **kw)


def build_inpainting_search(
    train: torch.Tensor,
    test: torch.Tensor,
    out_dir: str | Path | None,
    config: SearchConfig | None = None,
    encoding: str = "cat",
    mask: str = "center",
    n_nodes: int = 20,
    level_back: int = 5,
    channels: tuple[int, ...] = (64, 128, 256),
    channel_range: tuple[int, int] | None = None,
    batch_size: int = 16,
    iterations: int | None = None,
    device: str | torch.device | None = None,
    searcher_cls: type[Searcher] = Searcher,
) -> Searcher:
    """A :class:`Searcher` over :class:`CAESpace`: ``train`` (uint8 (N, C, H, W)) split in halves
    (first -> weights, second -> theta), ``test`` for the most likely architecture's PSNR/SSIM.

    ``iterations`` (e.g. the paper's 50,000) sets epochs of at most 1,000 iterations each with
    cosine annealing per iteration; without it ``config`` is used as given. ``searcher_cls``:
    e.g. :class:`asng_nas.search.distributed.DistributedSearcher` for a multi-process search.
    """
    cfg = config or SearchConfig(schedule="iteration")
    dev = resolve_device(device)
    seed_everything(cfg.seed)
    space = CAESpace(encoding, n_nodes, level_back, channels, channel_range)
    model = CAESupernet(n_nodes, space.max_channels, train.shape[1])
    half = len(train) // 2
    if half < batch_size:
        raise ValueError(f"{len(train)} training images: each half needs at least batch_size={batch_size}")
    w_loader = _loader(train[:half], batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed)
    t_loader = _loader(train[half:], batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed + 7919)
    test_loader = _loader(test, 64, dev)
    if iterations is not None:
        ipe = min(len(w_loader), len(t_loader), 1000)
        cfg.iters_per_epoch = ipe
        cfg.epochs = max(1, math.ceil(iterations / ipe))
        cfg.schedule = "iteration"
    task = InpaintingTask(mask, train.shape[-2], train.shape[-1], n_test=len(test), test_seed=cfg.seed + 12345)

    export = InpaintingExport(model, task, test_loader)
    return searcher_cls(model, space, task, w_loader, t_loader, test_loader, cfg, out_dir, device=dev, export=export)


class InpaintingExport:
    """The export of an inpainting search, called by the searcher as
    ``export(out_dir, space, distribution, theta, extra=...)``: :func:`export_inpainting` with the
    supernet ``model`` (the searcher's: ``Searcher`` moves modules in place), the ``task`` and the
    ``test_loader`` given here, at construction."""

    def __init__(self, model: CAESupernet, task: InpaintingTask, test_loader: Loader | None = None):
        self.model, self.task, self.test_loader = model, task, test_loader

    def __call__(
        self, out_dir: str | Path, space: CAESpace, distribution: Any, theta: Any, extra: dict | None = None
    ) -> dict[str, Any]:
        return export_inpainting(
            out_dir, space, distribution, theta, extra, model=self.model, task=self.task, test_loader=self.test_loader
        )


def export_inpainting(
    out_dir: str | Path,
    space: CAESpace,
    distribution: Any,
    theta: Any,
    extra: dict | None = None,
    model: CAESupernet | None = None,
    task: InpaintingTask | None = None,
    test_loader: Loader | None = None,
) -> dict[str, Any]:
    """``architecture.json`` (choices by name, the architecture, theta), ``architecture.png``
    and, given the supernet ``model``, the ``task`` and a ``test_loader``, ``inpainting.png``
    (masked / restored / truth on the first test images)."""
    out = Path(out_dir)
    mode = distribution.mode(theta)
    doc = {
        "space": "CAESpace",
        "encoding": space.encoding,
        "n_theta": int(distribution.n_theta),
        "space_config": {
            "n_nodes": space.n_nodes,
            "level_back": space.level_back,
            "channels": list(space.channels),
            "channel_range": list(space.channel_range),
        },
        "most_likely": to_jsonable(mode),
        **space.describe(mode),
        "theta": to_jsonable(theta),
        **to_jsonable(dict(extra or {})),
    }
    atomic_write_text(out / "architecture.json", json.dumps(doc, indent=2) + "\n")
    try:
        from .figures import draw_cae, save_inpainting_grid

        arch = space.decode(mode)
        draw_cae(arch, out / "architecture.png")
        if model is not None and task is not None and test_loader is not None:
            batch = next(iter(test_loader.epoch(0)))
            masked, truth = task.prepare(batch, False, None)
            with torch.no_grad():
                model.eval()
                restored = model(masked[:8], arch)
                model.train()
            save_inpainting_grid(masked[:8], restored, truth[:8], out / "inpainting.png", f"{task.mask} mask")
    except ImportError:
        pass
    return doc


def load_cae_arch(path: str | Path) -> CAEArch:
    """The architecture of an inpainting ``architecture.json`` (or of its folder)."""
    p = Path(path)
    if p.is_dir():
        p = p / "architecture.json"
    doc = json.loads(p.read_text())
    if "architecture" not in doc or "nodes" not in doc["architecture"]:
        raise ValueError(f"{p} is not an inpainting architecture (no 'architecture.nodes')")
    a = doc["architecture"]
    nodes = tuple(NodeSpec(n["kernel"], bool(n["skip"]), int(n["channels"]), int(n["input"])) for n in a["nodes"])
    return CAEArch(nodes=nodes, output=int(a["output"]))


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
        check_compile(self.compile)


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
    run's up to rounding. Rank 0 alone writes files. Raises ``ValueError`` if the world size does
    not divide ``batch_size`` and ``ImportError`` for ``tensorboard`` without the package (before
    anything is written).
    """
    cfg = config or InpaintRetrainConfig()
    with torchrun_group(device) as dev:
        return _retrain_inpainting(arch, train, test, Path(out_dir), cfg, dev, resume, callbacks, on_epoch_end)


def _retrain_inpainting(
    arch: CAEArch,
    train: torch.Tensor,
    test: torch.Tensor,
    out: Path,
    cfg: InpaintRetrainConfig,
    dev: torch.device,
    resume: bool,
    callbacks: Sequence[Callback],
    on_epoch_end: Callable[[dict[str, Any]], None] | None,
) -> dict[str, Any]:
    rank, world = group_info()
    lead = rank == 0
    rows = batch_shard(cfg.batch_size, rank, world)
    tb = TensorBoardLogger(cfg.tensorboard) if cfg.tensorboard and lead else None
    seed_everything(cfg.seed)
    if lead:
        out.mkdir(parents=True, exist_ok=True)
    net = CAENet(arch, train.shape[1]).to(dev)
    fwd = compile_model(wrap_ddp(net, dev), cfg.compile)  # the training network; ``net`` keeps the weights
    opt = torch.optim.Adam(net.parameters(), lr=cfg.lr)
    steps = [int(cfg.iterations * 2 / 5), int(cfg.iterations * 4 / 5)]
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=steps, gamma=0.1)
    task = InpaintingTask(cfg.mask, train.shape[-2], train.shape[-1], n_test=len(test), test_seed=cfg.seed + 12345)
    loader = _loader(train, cfg.batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed)
    test_loader = _loader(test, 64, dev)
    gen = torch.Generator(device=dev).manual_seed(cfg.seed + 1)
    state = TrainState(net, opt, dev, generator=gen, scheduler=sched)
    state.extra = {"epoch": 0, "batch": 0}  # position in the data order: epoch, batches used of it
    if resume:
        state.resume(out / "retrain_checkpoint.pt")
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
            if tb is not None:
                tb.log(st.step, row)
            if on_epoch_end is not None:
                on_epoch_end(dict(row))

    save = CheckpointCallback(out / "retrain_checkpoint.pt", cfg.iterations, cfg.checkpoint_every)
    try:
        train_loop(state, cfg.iterations, iteration, [record, save, *callbacks] if lead else [record, *callbacks])
    finally:
        if tb is not None:
            tb.close()
    final = state.history[-1]
    result = {
        "architecture": arch.to_dict(),
        "parameters": sum(p.numel() for p in net.parameters()),
        "test_psnr": final["psnr"],
        "test_ssim": final["ssim"],
        "config": asdict(cfg),
        "seconds": state.seconds,
        "world_size": world,
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
        pass
    return result
