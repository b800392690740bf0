"""Mini-batches of an in-memory ``uint8`` image tensor, standardised on the device (:class:`Loader`).

Used by the classification search and retraining and by the inpainting task.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch

from .augment import Augment

__all__ = ["Loader"]


class Loader:
    """Mini-batches of an in-memory ``uint8`` image tensor, standardised on ``device``.

    The order of epoch ``e`` is a permutation drawn from ``seed`` and ``e`` alone, so a resumed
    run sees the same data order. ``augment`` (if given) runs batched on the device with
    ``generator``.

    Yields ``(x: (B, C, H, W) float, y: (B,) int64)`` on ``device``.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        mean: tuple[float, ...],
        std: tuple[float, ...],
        device: torch.device | str = "cpu",
        shuffle: bool = False,
        drop_last: bool = False,
        seed: int = 0,
        augment: Augment | None = None,
        channels_last: bool = False,
    ):
        if len(x) != len(y):
            raise ValueError(f"{len(x)} images but {len(y)} labels")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        self.device = torch.device(device)
        if self.device.type == "cuda":  # keep the (uint8) data on the GPU: no host copies
            x, y = x.to(self.device), y.to(self.device)
        self.x, self.y = x, y
        self.batch_size, self.shuffle, self.drop_last = batch_size, shuffle, drop_last
        self.seed, self.augment, self.channels_last = seed, augment, channels_last
        self.mean = torch.tensor(mean, dtype=torch.float32, device=self.device).view(1, -1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32, device=self.device).view(1, -1, 1, 1)
        self.generator: torch.Generator | None = None

    def __len__(self) -> int:
        n = len(self.x)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def order(self, epoch: int) -> torch.Tensor:
        """The sample order of ``epoch`` (identity when not shuffling)."""
        if not self.shuffle:
            return torch.arange(len(self.x))
        g = torch.Generator().manual_seed(int(self.seed) * 100_003 + int(epoch))
        return torch.randperm(len(self.x), generator=g)

    def epoch(self, epoch: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        idx = self.order(epoch).to(self.x.device)
        for k in range(len(self)):
            sel = idx[k * self.batch_size : (k + 1) * self.batch_size]
            xb = self.x[sel].to(self.device, non_blocking=True).float().div_(255.0)
            xb = (xb - self.mean) / self.std
            if self.augment is not None:
                xb = self.augment(xb, self.generator)
            if self.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            yield xb, self.y[sel].to(self.device, non_blocking=True)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        return self.epoch(0)
