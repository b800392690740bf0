"""PSNR and SSIM of restored images, computed with torch on the images' device.

Both follow the paper's protocol (appendix E.3): outputs are clipped to [0, 1] and quantised to
8 bits before measuring. SSIM is Wang et al. (2004) with an 11 x 11 Gaussian window of sigma 1.5
(radius int(3.5 sigma + 0.5) = 5), K1 = 0.01, K2 = 0.03, population covariances, averaged over
the pixels whose window lies inside the image and over channels -- the same numbers as
scikit-image's ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
use_sample_covariance=False, channel_axis=-1)`` on the 8-bit images.

Averages of PSNR over images (the search metric and the retraining evaluation) both go through
:func:`capped_psnr`: a perfect restoration (MSE 0, PSNR +inf) counts as :data:`PSNR_CAP` = 100 dB.
It is counted rather than dropped because dropping it would make a better restoration lower the
average (and average different methods over different images); it is capped because +inf would
swamp the mean. 100 dB lies above every finite PSNR of 8-bit images with fewer than 153,000 values
(the smallest non-zero MSE is 1 / n levels^2, i.e. 10 log10(255^2 n) dB), so the cap keeps the
ordering for the image sizes used here.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["PSNR_CAP", "quantize", "psnr", "capped_psnr", "ssim"]

#: PSNR in dB that a perfect restoration counts as in averages (see the module docstring).
PSNR_CAP = 100.0


def quantize(x: torch.Tensor) -> torch.Tensor:
    """Clip to [0, 1] and round to the nearest of 256 levels; same shape, values k / 255."""
    return torch.round(x.clamp(0.0, 1.0) * 255.0) / 255.0


def _levels(x: torch.Tensor) -> torch.Tensor:
    """The 8-bit levels 0..255 of clipped images, exactly, in float64."""
    return torch.round(x.clamp(0.0, 1.0) * 255.0).double()


def psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image.

    Args:
        pred, target: (N, C, H, W) images in [0, 1] (pred is clipped and quantised; target is
            quantised too, so 8-bit ground truth stays exact).

    Returns:
        (N,) PSNR = 10 log10(1 / MSE); +inf for a perfect restoration.
    """
    mse = (_levels(pred) - _levels(target)).pow(2).flatten(1).mean(1)  # in levels^2
    return 10.0 * torch.log10(255.0**2 / mse)


def capped_psnr(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """:func:`psnr` per image with a perfect restoration counted as :data:`PSNR_CAP` dB: the
    values every PSNR average of this package is taken over."""
    p = psnr(pred, target)
    return torch.where(torch.isfinite(p), p, torch.full_like(p, PSNR_CAP))


def _gaussian_window(sigma: float, device: torch.device) -> torch.Tensor:
    radius = int(3.5 * sigma + 0.5)
    x = torch.arange(-radius, radius + 1, dtype=torch.float64, device=device)
    w = torch.exp(-(x**2) / (2 * sigma * sigma))
    return w / w.sum()


def ssim(pred: torch.Tensor, target: torch.Tensor, sigma: float = 1.5) -> torch.Tensor:
    """Mean structural similarity per image (N,), over channels and valid window positions.

    Args:
        pred, target: (N, C, H, W) images in [0, 1], H and W at least the window size (11).
    """
    p, t = _levels(pred) / 255.0, _levels(target) / 255.0
    n, c, h, w = p.shape
    g = _gaussian_window(sigma, p.device)
    k = g.numel()
    if h < k or w < k:
        raise ValueError(f"ssim: images of {h}x{w} are smaller than the {k}x{k} window")

    def blur(x: torch.Tensor) -> torch.Tensor:  # separable, 'valid' (no padding): the cropped region
        x = x.reshape(n * c, 1, x.shape[-2], x.shape[-1])
        x = F.conv2d(x, g.view(1, 1, 1, k))
        x = F.conv2d(x, g.view(1, 1, k, 1))
        return x.reshape(n, c, x.shape[-2], x.shape[-1])

    c1, c2 = (0.01 * 1.0) ** 2, (0.03 * 1.0) ** 2  # data range 1 (images k/255)
    ux, uy = blur(p), blur(t)
    vx = blur(p * p) - ux * ux
    vy = blur(t * t) - uy * uy
    vxy = blur(p * t) - ux * uy
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1)
