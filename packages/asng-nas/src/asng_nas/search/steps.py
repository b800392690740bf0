"""One ASNG-NAS iteration's two halves: the weight step and the theta step (section 3.2).

The process-level hooks (:meth:`Searcher.local_indices`, :meth:`Searcher.reduce_gradients`,
:meth:`Searcher.gather_losses`) are called on the searcher, so a multi-process subclass changes
which architectures this process evaluates and how results are combined.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from .utils import autocast, to_float

if TYPE_CHECKING:
    from .searcher import Searcher

__all__ = ["SearchSteps"]


class SearchSteps:
    """The weight step (SGD on the supernet) and the theta step (``ASNG.tell``) of one iteration."""

    def __init__(self, searcher: Searcher):
        self.s = searcher  # the state (model, optimizer, asng, epoch, ...) lives on the searcher

    def weight(self, batch: Any) -> tuple[float, dict[str, float]]:
        """Draw ``lam_x`` architectures, back-propagate their mean loss on ``batch``, SGD step.

        Returns the mean loss and the mean metrics of the evaluated architectures.
        """
        self.s.model.train()
        samples = self.s.space.split(self.s.asng.ask(self.s.cfg.lam_x))
        inputs, targets = self.s.task.prepare(batch, True, self.s.generator)
        self.s.optimizer.zero_grad(set_to_none=True)
        losses, metrics = [], []
        for j in self.s.local_indices(len(samples)):
            arch = self.s.space.decode(samples[j])
            with autocast(self.s.device, self.s.cfg.amp):
                out = self.s.model(inputs, arch)
                loss = self.s.task.loss(out, targets)
            (loss / len(samples)).backward()
            losses.append(to_float(loss))
            metrics.append(self.s.task.metrics(out.detach() if hasattr(out, "detach") else out, targets))
        self.s.reduce_gradients()
        if self.s.cfg.grad_clip and self.s.cfg.grad_clip > 0:
            nn.utils.clip_grad_norm_(self.s.model.parameters(), self.s.cfg.grad_clip)
        self.s.optimizer.step()
        mean_metrics = {k: float(np.mean([m[k] for m in metrics])) for k in metrics[0]}
        return float(np.mean(losses)), mean_metrics

    @torch.no_grad()
    def theta(self, batch: Any) -> np.ndarray:
        """Draw ``lam_theta`` architectures, evaluate their losses on ``batch`` (no backprop) and
        update the distribution. Returns the ``(lam_theta,)`` losses."""
        self.s.model.train()
        drawn = self.s.asng.ask(self.s.cfg.lam_theta)
        samples = self.s.space.split(drawn)
        inputs, targets = self.s.task.prepare(batch, True, self.s.generator)
        local = {}
        for j in self.s.local_indices(len(samples)):
            with autocast(self.s.device, self.s.cfg.amp):
                out = self.s.model(inputs, self.s.space.decode(samples[j]))
                local[j] = to_float(self.s.task.loss(out, targets))
        losses = self.s.gather_losses(local, len(samples))
        if not np.all(np.isfinite(losses)):
            raise FloatingPointError(
                f"non-finite architecture losses {losses.tolist()} at epoch {self.s.epoch + 1}; theta was not "
                f"updated and the checkpoint of the last complete epoch is intact ({self.s.retry_hint})"
            )
        self.s.asng.tell(drawn, losses)
        return losses
