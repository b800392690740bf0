"""Batched data augmentation on the training device (no per-image Python loop).

All functions take ``x: (N, C, H, W)`` float tensors and a ``torch.Generator`` on ``x.device``
and return a new ``(N, C, H, W)`` tensor.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

__all__ = ["random_crop", "random_flip", "cutout", "Augment"]


def _randint(high: int, n: int, x: torch.Tensor, gen: torch.Generator | None) -> torch.Tensor:
    return torch.randint(0, high, (n,), device=x.device, generator=gen)


def random_crop(x: torch.Tensor, pad: int, gen: torch.Generator | None = None) -> torch.Tensor:
    """Zero-pad by ``pad`` on each side, then crop an H x W window at a random offset per image."""
    if pad <= 0:
        return x
    n, c, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad))
    oy = _randint(2 * pad + 1, n, x, gen)
    ox = _randint(2 * pad + 1, n, x, gen)
    rows = (oy[:, None] + torch.arange(h, device=x.device)[None, :])[:, None, :, None]
    cols = (ox[:, None] + torch.arange(w, device=x.device)[None, :])[:, None, None, :]
    idx_n = torch.arange(n, device=x.device)[:, None, None, None]
    idx_c = torch.arange(c, device=x.device)[None, :, None, None]
    return xp[idx_n, idx_c, rows, cols]


def random_flip(x: torch.Tensor, gen: torch.Generator | None = None, p: float = 0.5) -> torch.Tensor:
    """Mirror each image horizontally with probability ``p``."""
    flip = torch.rand(x.shape[0], device=x.device, generator=gen) < p
    return torch.where(flip[:, None, None, None], x.flip(-1), x)


def cutout(x: torch.Tensor, size: int, gen: torch.Generator | None = None) -> torch.Tensor:
    """Zero a ``size`` x ``size`` square (clipped at the border) centred at a random pixel."""
    if size <= 0:
        return x
    n, _, h, w = x.shape
    cy = _randint(h, n, x, gen)[:, None]
    cx = _randint(w, n, x, gen)[:, None]
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    lo = size // 2
    in_y = (ys >= cy - lo) & (ys < cy - lo + size)  # (N, H)
    in_x = (xs >= cx - lo) & (xs < cx - lo + size)  # (N, W)
    hole = in_y[:, :, None] & in_x[:, None, :]  # (N, H, W)
    return x * (~hole)[:, None].to(x.dtype)


@dataclass(frozen=True)
class Augment:
    """Pad-and-crop, horizontal flip and cutout, in that order; each can be switched off."""

    pad: int = 4
    flip: bool = True
    cutout: int = 0

    def __call__(self, x: torch.Tensor, gen: torch.Generator | None = None) -> torch.Tensor:
        x = random_crop(x, self.pad, gen)
        if self.flip:
            x = random_flip(x, gen)
        return cutout(x, self.cutout, gen)
