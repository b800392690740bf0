"""CAE networks: the search supernet and the fixed network of one exported architecture.

Both run :func:`cae_forward`, which walks the active path of an architecture; they differ only
in where a layer's weights come from. The supernet gives every (node, layer type) its own
encoder and decoder weights at the largest width and slices them to the sampled channel counts,
so a forward pass runs only the active layers. The fixed network holds exactly the active
layers' weights at their widths (for retraining).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from .arch import KERNELS, CAEArch, NodeSpec

__all__ = ["CAESupernet", "CAENet", "cae_forward"]

# (node index, node spec, input channels, output channels) -> (weight, bias)
WeightFn = Callable[[int, NodeSpec, int, int], tuple[torch.Tensor, torch.Tensor]]


def _init_(w: torch.Tensor) -> torch.Tensor:
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    return w


def _channel_plan(arch: CAEArch, in_channels: int) -> tuple[list[int], list[int]]:
    """Active nodes, and the channels before/after each encoder layer (chans[0] = the image's)."""
    active = arch.active()
    if not active:
        raise ValueError("the architecture has no active node")
    return active, [in_channels] + [arch.nodes[i - 1].channels for i in active]


def cae_forward(
    x: torch.Tensor, arch: CAEArch, enc: WeightFn, dec: WeightFn, out_w: torch.Tensor, out_b: torch.Tensor
) -> torch.Tensor:
    """(N, C, H, W) corrupted images -> (N, C, H, W) restorations through the active path.

    Encoder layer j: conv k x k, stride 1 (skip, or a 1 x 1 map) or 2, ReLU. Mirror of layer j:
    transposed conv back to layer j's input shape (channels c_{j-1}, c_0 := c_1), plus the
    encoder map of that shape for a skip node, ReLU. Output: 3 x 3 stride-1 transposed conv.
    """
    active, chans = _channel_plan(arch, x.shape[1])
    feats, strides, h = [x], [], x
    for j, i in enumerate(active, start=1):
        spec = arch.nodes[i - 1]
        stride = 1 if spec.skip or min(h.shape[-2:]) <= 1 else 2
        w, b = enc(i, spec, chans[j - 1], chans[j])
        h = F.relu(F.conv2d(h, w, b, stride=stride, padding=spec.kernel // 2))
        feats.append(h)
        strides.append(stride)
    for j in range(len(active), 0, -1):
        i = active[j - 1]
        spec = arch.nodes[i - 1]
        k, s, p = spec.kernel, strides[j - 1], spec.kernel // 2
        c_out = chans[j - 1] if j > 1 else chans[1]
        skip_map = feats[j - 1] if j > 1 else feats[1]
        op = tuple(t - ((n - 1) * s - 2 * p + k) for t, n in zip(feats[j - 1].shape[-2:], h.shape[-2:]))
        w, b = dec(i, spec, chans[j], c_out)
        h = F.conv_transpose2d(h, w, b, stride=s, padding=p, output_padding=op)
        if spec.skip:
            h = h + skip_map
        h = F.relu(h)
    return F.conv_transpose2d(h, out_w[: chans[1]], out_b, stride=1, padding=1)


class CAESupernet(nn.Module):
    """All candidate layers of the inpainting space, weights at ``max_channels``.

    Args:
        n_nodes: encoder nodes (20 in the paper).
        max_channels: the widest channel choice (256); weights are allocated at this width.
        in_channels: image channels (3).
    """

    def __init__(self, n_nodes: int = 20, max_channels: int = 256, in_channels: int = 3):
        super().__init__()
        self.n_nodes, self.max_channels, self.in_channels = n_nodes, max_channels, in_channels
        C = max_channels
        shapes = [(k, s) for k in KERNELS for s in (True, False)]
        self.enc_w = nn.ParameterList(
            [nn.Parameter(_init_(torch.empty(C, C, k, k))) for _ in range(n_nodes) for k, _ in shapes]
        )
        self.dec_w = nn.ParameterList(  # conv_transpose layout: (in, out, k, k)
            [nn.Parameter(_init_(torch.empty(C, C, k, k))) for _ in range(n_nodes) for k, _ in shapes]
        )
        self.enc_b = nn.ParameterList([nn.Parameter(torch.zeros(C)) for _ in range(n_nodes * len(shapes))])
        self.dec_b = nn.ParameterList([nn.Parameter(torch.zeros(C)) for _ in range(n_nodes * len(shapes))])
        self.out_w = nn.Parameter(_init_(torch.empty(C, in_channels, 3, 3)))
        self.out_b = nn.Parameter(torch.zeros(in_channels))

    def _slot(self, node: int, type_index: int) -> int:
        return (node - 1) * 2 * len(KERNELS) + type_index

    def _enc(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        slot = self._slot(i, spec.type_index)
        return self.enc_w[slot][:c_out, :c_in], self.enc_b[slot][:c_out]

    def _dec(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        slot = self._slot(i, spec.type_index)
        return self.dec_w[slot][:c_in, :c_out], self.dec_b[slot][:c_out]

    def forward(self, x: torch.Tensor, arch: CAEArch) -> torch.Tensor:
        return cae_forward(x, arch, self._enc, self._dec, self.out_w, self.out_b)


class CAENet(nn.Module):
    """The network of one architecture, holding only its active layers (for retraining)."""

    def __init__(self, arch: CAEArch, in_channels: int = 3):
        super().__init__()
        self.arch = arch
        active, chans = _channel_plan(arch, in_channels)
        self.enc_w, self.enc_b, self.dec_w, self.dec_b = (nn.ParameterDict() for _ in range(4))
        for j, i in enumerate(active, start=1):
            k = arch.nodes[i - 1].kernel
            c_out_dec = chans[j - 1] if j > 1 else chans[1]
            self.enc_w[str(i)] = nn.Parameter(_init_(torch.empty(chans[j], chans[j - 1], k, k)))
            self.enc_b[str(i)] = nn.Parameter(torch.zeros(chans[j]))
            self.dec_w[str(i)] = nn.Parameter(_init_(torch.empty(chans[j], c_out_dec, k, k)))
            self.dec_b[str(i)] = nn.Parameter(torch.zeros(c_out_dec))
        self.out_w = nn.Parameter(_init_(torch.empty(chans[1], in_channels, 3, 3)))
        self.out_b = nn.Parameter(torch.zeros(in_channels))

    def _enc(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.enc_w[str(i)], self.enc_b[str(i)]

    def _dec(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dec_w[str(i)], self.dec_b[str(i)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return cae_forward(x, self.arch, self._enc, self._dec, self.out_w, self.out_b)
