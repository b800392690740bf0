"""Evaluation of one architecture of the supernet: BN recalibration, then mean loss and metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from .config import BatchLoader
from .utils import autocast, to_float

if TYPE_CHECKING:
    from .searcher import Searcher

__all__ = ["Evaluator"]


class Evaluator:
    """BN recalibration (:meth:`recalibrate_bn`) and evaluation (:meth:`evaluate`)."""

    def __init__(self, searcher: Searcher):
        self.s = searcher  # the state (model, optimizer, asng, epoch, ...) lives on the searcher

    @torch.no_grad()
    def recalibrate_bn(self, arch: Any, n_batches: int) -> None:
        """Re-estimate the BN running statistics for ``arch`` from ``n_batches`` un-augmented
        batches of the weight half (cumulative averages). The supernet's running statistics
        mix many architectures; this makes evaluation of one of them meaningful. Training uses
        batch statistics, so this has no effect on the search itself."""
        bns = [m for m in self.s.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if n_batches <= 0 or not bns:
            return
        saved = [m.momentum for m in bns]
        for m in bns:
            m.reset_running_stats()
            m.momentum = None
        self.s.model.train()
        batches = self.s.weight_loader.epoch(0)
        for _ in range(min(n_batches, len(self.s.weight_loader))):
            inputs, _ = self.s.task.prepare(next(batches), False, None)
            with autocast(self.s.device, self.s.cfg.amp):
                self.s.model(inputs, arch)
        for m, mom in zip(bns, saved):
            m.momentum = mom

    @torch.no_grad()
    def evaluate(self, arch: Any = None, loader: BatchLoader | None = None) -> dict[str, float]:
        """Mean loss and metrics of ``arch`` (default: the most likely one) on ``loader``
        (default: the test loader), BN in eval mode after :meth:`recalibrate_bn`."""
        loader = loader or self.s.test_loader
        if loader is None:
            return {}
        if arch is None:
            arch = self.s.space.decode(self.s.asng.most_likely())
        self.s.recalibrate_bn(arch, self.s.cfg.bn_batches)
        self.s.model.eval()
        sums: dict[str, float] = {}
        n = 0
        for batch in loader.epoch(0):
            inputs, targets = self.s.task.prepare(batch, False, None)
            with autocast(self.s.device, self.s.cfg.amp):
                out = self.s.model(inputs, arch)
                loss = to_float(self.s.task.loss(out, targets))
            b = _batch_size(targets)
            vals = {"loss": loss, **self.s.task.metrics(out, targets)}
            for k, v in vals.items():
                sums[k] = sums.get(k, 0.0) + v * b
            n += b
        self.s.model.train()
        return {k: v / max(n, 1) for k, v in sums.items()}


def _batch_size(targets: Any) -> int:
    if isinstance(targets, torch.Tensor):
        return int(targets.shape[0])
    if isinstance(targets, (tuple, list)):
        return _batch_size(targets[0])
    return 1
