"""Building blocks of the ENAS micro cells. All tensors are ``(N, C, H, W)``.

* ``identity``: the input, or :class:`FactorizedReduce` when the edge has stride 2.
* ``avg_pool_3x3`` / ``max_pool_3x3``: 3 x 3 pooling, padding 1 (average excludes padding).
* ``sep_conv_3x3`` / ``sep_conv_5x5``: :class:`SepConv`, twice ReLU - depthwise - pointwise - BN.

``affine`` switches the BN affine parameters (off during search, on for retraining).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "ReLUConvBN",
    "SepConv",
    "FactorizedReduce",
    "Pool",
    "make_op",
    "drop_path",
    "OP_NAMES",
]

OP_NAMES = ("identity", "avg_pool_3x3", "max_pool_3x3", "sep_conv_3x3", "sep_conv_5x5")


class ReLUConvBN(nn.Sequential):
    """ReLU -> k x k conv (no bias) -> BN: ``(N, C_in, H, W) -> (N, C_out, H', W')``."""

    def __init__(self, c_in: int, c_out: int, kernel: int = 1, stride: int = 1, affine: bool = True):
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride, kernel // 2, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )


class SepConv(nn.Sequential):
    """Separable conv applied twice: (ReLU, depthwise k x k, pointwise 1 x 1, BN) x 2.

    The first depthwise conv has the edge's stride: ``(N, C, H, W) -> (N, C, H/s, W/s)``.
    """

    def __init__(self, c: int, kernel: int, stride: int = 1, affine: bool = True):
        pad = kernel // 2
        layers: list[nn.Module] = []
        for s in (stride, 1):
            layers += [
                nn.ReLU(inplace=False),
                nn.Conv2d(c, c, kernel, s, pad, groups=c, bias=False),
                nn.Conv2d(c, c, 1, bias=False),
                nn.BatchNorm2d(c, affine=affine),
            ]
        super().__init__(*layers)


class FactorizedReduce(nn.Module):
    """Halve the resolution without losing pixels: ReLU, two stride-2 1 x 1 convs on inputs
    offset by one pixel, concatenated, BN. ``(N, C_in, H, W) -> (N, C_out, ceil(H/2), ceil(W/2))``.
    """

    def __init__(self, c_in: int, c_out: int, affine: bool = True):
        super().__init__()
        if c_out % 2:
            raise ValueError(f"FactorizedReduce needs an even number of output channels, got {c_out}")
        self.conv_a = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.conv_b = nn.Conv2d(c_in, c_out // 2, 1, 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(x)
        a = self.conv_a(x)
        # shift by one pixel (zero pad at the bottom/right) so both halves see different pixels
        b = self.conv_b(F.pad(x[:, :, 1:, 1:], (0, 1, 0, 1)))
        return self.bn(torch.cat([a, b], dim=1))


class Pool(nn.Module):
    """3 x 3 average or max pooling with padding 1 and the edge's stride."""

    def __init__(self, kind: str, stride: int = 1):
        super().__init__()
        self.kind, self.stride = kind, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "avg":
            return F.avg_pool2d(x, 3, self.stride, 1, count_include_pad=False)
        return F.max_pool2d(x, 3, self.stride, 1)

    def extra_repr(self) -> str:
        return f"kind={self.kind}, stride={self.stride}"


def make_op(name: str, c: int, stride: int, affine: bool) -> nn.Module:
    """The module of operation ``name`` on ``c`` channels with the given stride (1 or 2)."""
    if name == "identity":
        return nn.Identity() if stride == 1 else FactorizedReduce(c, c, affine)
    if name == "avg_pool_3x3":
        return Pool("avg", stride)
    if name == "max_pool_3x3":
        return Pool("max", stride)
    if name == "sep_conv_3x3":
        return SepConv(c, 3, stride, affine)
    if name == "sep_conv_5x5":
        return SepConv(c, 5, stride, affine)
    raise ValueError(f"unknown operation {name!r}; known: {', '.join(OP_NAMES)}")


def drop_path(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Drop whole samples of a path with probability ``p`` and rescale the rest by 1 / (1 - p)."""
    if p <= 0.0:
        return x
    keep = 1.0 - p
    mask = torch.rand(x.shape[0], 1, 1, 1, device=x.device, generator=generator) < keep
    return x * mask.to(x.dtype) / keep
