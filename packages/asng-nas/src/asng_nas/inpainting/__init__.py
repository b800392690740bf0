"""Inpainting with a searched convolutional autoencoder (section 3.3, appendix E.3)."""

from .masks import MASKS, apply_mask, make_masks
from .metrics import psnr, quantize, ssim

__all__ = ["MASKS", "apply_mask", "make_masks", "psnr", "quantize", "ssim"]
