"""Inpainting as a search task, and the builder of an inpainting search (its export:
:mod:`.export`; the retraining: :mod:`.retrain`).

The search reuses :class:`asng_nas.search.Searcher` unchanged: the task corrupts each batch with
fresh masks and scores restorations by MSE over the whole image (section 3.3); the loaders are
the classification ``Loader`` with no standardisation, whose label slot carries each image's
index so that test images always get the same, seeded mask.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..classification.data import Loader
from ..search.searcher import SearchConfig, Searcher
from ..search.utils import check_halves_fit, resolve_device, seed_everything
from .export import InpaintingExport
from .masks import MASKS, apply_mask, make_masks
from .metrics import capped_psnr, ssim
from .space import CAESpace
from .supernet import CAESupernet

__all__ = ["InpaintingTask", "build_inpainting_search", "evaluate_restoration", "face_loader"]


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


def face_loader(images: torch.Tensor, batch: int, device: torch.device, **kw: Any) -> Loader:
    """A :class:`Loader` of uint8 ``images`` (N, C, H, W) scaled to [0, 1] (no standardisation) whose
    label slot carries each image's index (for the test masks of :class:`InpaintingTask`)."""
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

    ``iterations`` (e.g. the paper's 50,000): exactly that many iterations, as epochs of
    ``I = min(1000, batches per half)`` iterations, the last one shorter when ``I`` does not divide
    it (``epochs``, ``iters_per_epoch`` and ``total_iterations`` of the searcher's config), with
    cosine annealing per iteration; without it ``config`` is used as given. ``config`` itself is
    never changed (the searcher gets a copy). ``searcher_cls``: e.g.
    :class:`asng_nas.search.distributed.DistributedSearcher` for a multi-process search.

    Raises ``ValueError`` before any training for images smaller than SSIM's 11 x 11 window
    (:func:`~.metrics.ssim`, which the evaluation needs), ``iterations < 1``, or a ``batch_size``
    larger than a half of ``train``.
    """
    if min(train.shape[-2:]) < 11 or min(test.shape[-2:]) < 11:
        raise ValueError(f"images of {tuple(train.shape[-2:])} pixels: the SSIM evaluation needs at least 11 x 11")
    check_halves_fit(batch_size, len(train))
    if iterations is not None and iterations < 1:
        raise ValueError(f"need iterations >= 1 (or None: the config's epochs), got {iterations}")
    cfg = dataclasses.replace(config) if config is not None else SearchConfig(schedule="iteration")
    dev = resolve_device(device)
    seed_everything(cfg.seed)
    space = CAESpace(encoding, n_nodes, level_back, channels, channel_range)
    model = CAESupernet.for_space(space, train.shape[1])
    half = len(train) // 2
    w_loader = face_loader(train[:half], batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed)
    t_loader = face_loader(train[half:], batch_size, dev, shuffle=True, drop_last=True, seed=cfg.seed + 7919)
    test_loader = face_loader(test, 64, dev)
    if iterations is not None:
        ipe = min(len(w_loader), len(t_loader), 1000)
        epochs = math.ceil(iterations / ipe)
        cfg = dataclasses.replace(
            cfg, iters_per_epoch=ipe, epochs=epochs, schedule="iteration", total_iterations=iterations
        )
    task = InpaintingTask(mask, train.shape[-2], train.shape[-1], n_test=len(test), test_seed=cfg.seed + 12345)

    export = InpaintingExport(model, task, test_loader)
    return searcher_cls(model, space, task, w_loader, t_loader, test_loader, cfg, out_dir, device=dev, export=export)
