"""Image classification as a search task, and the builder of a classification search.

:class:`ClassificationTask` is the ``task`` object of :class:`asng_nas.search.Searcher`:
training batches are augmented (batched, on the device, with the searcher's generator), the loss
is cross-entropy and the metric accuracy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..search.searcher import SearchConfig, Searcher
from ..search.utils import check_halves_fit, resolve_device, seed_everything
from .augment import Augment
from .data import ImageData, Loader
from .space import ENASSpace
from .supernet import Supernet

__all__ = ["ClassificationTask", "build_search"]


class ClassificationTask:
    """Cross-entropy / accuracy on ``(x: (N, C, H, W), y: (N,))`` batches.

    ``augment`` is applied to training batches only (None: no augmentation).
    """

    metric = "accuracy"

    def __init__(self, augment: Augment | None = None):
        self.augment = augment

    def prepare(
        self, batch: tuple[torch.Tensor, torch.Tensor], train: bool, generator: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = batch
        if train and self.augment is not None:
            channels_last = x.is_contiguous(memory_format=torch.channels_last) and x.shape[1] > 1
            x = self.augment(x, generator)
            if channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
        return x, y

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(outputs.float(), targets)

    def metrics(self, outputs: torch.Tensor, targets: torch.Tensor) -> dict[str, float]:
        return {"accuracy": float((outputs.argmax(1) == targets).float().mean().item())}


def build_search(
    data: ImageData,
    out_dir: str | Path | None,
    config: SearchConfig | None = None,
    n_cells: int = 8,
    channels: int = 16,
    n_nodes: int = 5,
    batch_size: int = 64,
    eval_batch_size: int = 256,
    augment: Augment | None = None,
    device: str | torch.device | None = None,
    max_test: int | None = None,
    searcher_cls: type[Searcher] = Searcher,
) -> Searcher:
    """A :class:`Searcher` over :class:`ENASSpace` for ``data``: the training set split in halves
    (first half -> weights, second half -> theta), the test set for the most likely architecture.

    ``augment`` defaults to the data set's own (pad/crop, flip) for both halves. ``searcher_cls``:
    e.g. :class:`asng_nas.search.distributed.DistributedSearcher` for a multi-process search.

    Raises ``ValueError`` before any work when ``batch_size`` is larger than a half of the
    training set (no complete batch: zero iterations per epoch).
    """
    check_halves_fit(batch_size, len(data.x_train))
    cfg = config or SearchConfig()
    dev = resolve_device(device)
    seed_everything(cfg.seed)
    space = ENASSpace(n_nodes=n_nodes)
    model = Supernet(n_cells, channels, data.n_classes, data.in_channels, n_nodes, space.ops, affine=False)
    half = len(data.x_train) // 2
    cl = dev.type == "cuda" and cfg.channels_last
    common: dict[str, Any] = dict(mean=data.mean, std=data.std, device=dev, channels_last=cl)
    w_loader = Loader(
        data.x_train[:half],
        data.y_train[:half],
        batch_size,
        shuffle=True,
        drop_last=True,
        seed=cfg.seed,
        **common,
    )
    t_loader = Loader(
        data.x_train[half:],
        data.y_train[half:],
        batch_size,
        shuffle=True,
        drop_last=True,
        seed=cfg.seed + 7919,
        **common,
    )
    x_te, y_te = data.x_test, data.y_test
    if max_test:
        x_te, y_te = x_te[:max_test], y_te[:max_test]
    test_loader = Loader(x_te, y_te, eval_batch_size, **common)
    task = ClassificationTask(augment if augment is not None else data.augment)
    return searcher_cls(model, space, task, w_loader, t_loader, test_loader, cfg, out_dir, device=dev)
