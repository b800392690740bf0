"""Corruption masks for inpainting (appendix E.3): Center, Pixel and Half.

A mask is a (N, 1, H, W) bool tensor, True where a pixel is missing; the network sees
``image * ~mask`` (missing pixels set to 0). Masks are drawn per image from a
``torch.Generator``, new for every batch; seed a generator to make test masks repeatable.
"""

from __future__ import annotations

import torch

__all__ = ["MASKS", "make_masks", "apply_mask"]

MASKS = ("center", "pixel", "half")


def make_masks(
    kind: str,
    n: int,
    height: int,
    width: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
    pixel_fraction: float = 0.8,
    center_fraction: float = 0.5,
) -> torch.Tensor:
    """Draw ``n`` masks of one kind.

    Args:
        kind: ``"center"`` -- the central square of side ``center_fraction`` x the image side
            (32 x 32 on 64 x 64 images); ``"pixel"`` -- each pixel missing independently with
            probability ``pixel_fraction`` (80 %); ``"half"`` -- one of the four halves (left,
            right, top, bottom), chosen uniformly per image.
        generator: random source; the masks are drawn on its device and then moved to ``device``.

    Returns:
        (n, 1, height, width) bool, True = missing.
    """
    if kind not in MASKS:
        raise ValueError(f"unknown mask {kind!r}; choose from {MASKS}")
    gdev = generator.device if generator is not None else torch.device("cpu")
    if kind == "center":
        m = torch.zeros(n, 1, height, width, dtype=torch.bool)
        sh, sw = round(height * center_fraction), round(width * center_fraction)
        top, left = (height - sh) // 2, (width - sw) // 2
        m[:, :, top : top + sh, left : left + sw] = True
    elif kind == "pixel":
        m = torch.rand(n, 1, height, width, generator=generator, device=gdev) < pixel_fraction
    else:
        which = torch.randint(0, 4, (n,), generator=generator, device=gdev)
        rows = torch.arange(height, device=gdev).view(1, height, 1)
        cols = torch.arange(width, device=gdev).view(1, 1, width)
        w = which.view(n, 1, 1)
        m = (
            ((w == 0) & (cols < width // 2))
            | ((w == 1) & (cols >= width // 2))
            | ((w == 2) & (rows < height // 2))
            | ((w == 3) & (rows >= height // 2))
        ).unsqueeze(1)
    return m.to(device)


def apply_mask(images: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) images with the missing pixels set to 0."""
    return images * (~mask).to(images.dtype)
