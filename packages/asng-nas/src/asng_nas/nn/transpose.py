"""A weight-sharing ``ConvTranspose2d`` (a decoder's upsampling layer) whose sizes may be value
choices or :class:`~asng_nas.nn.wired.ChosenValue` s.

As the wrappers of :mod:`asng_nas.nn.ops`, it subclasses its torch layer at the largest shape and,
at forward, slices the weights to the active one: torch's transposed-convolution weight is
``(in, out, k, k)``, so the first ``in`` input and ``out`` output channels are used, and the centre
``k x k`` crop of the largest kernel. :meth:`ConvTranspose2d.forward` takes ``output_size`` as
``nn.ConvTranspose2d`` does (the spatial size to restore, which a stride > 1 leaves ambiguous), so
the user's ``forward`` runs unchanged on the exported ``nn.ConvTranspose2d``.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .ops import WeightSharing, check_channels
from .values import ValueChoice
from .wired import Size, WiredShape, check_conv, copy_sliced, largest

__all__ = ["ConvTranspose2d", "output_padding"]


def output_padding(
    in_size: Sequence[int], out_size: Sequence[int], stride: int, padding: int, kernel: int, dilation: int = 1
) -> tuple[int, ...]:
    """The ``output_padding`` that makes a transposed convolution of spatial input ``in_size``
    produce ``out_size``: ``out - ((n - 1) * stride - 2 * padding + dilation * (k - 1) + 1)`` per
    dimension (the output-size formula of ``torch.nn.ConvTranspose2d``).

    Raises:
        ValueError: a size that no output padding in ``[0, max(stride, dilation))`` reaches.
    """
    pads = []
    for n, t in zip(in_size, out_size):
        p = int(t) - ((int(n) - 1) * stride - 2 * padding + dilation * (kernel - 1) + 1)
        if not 0 <= p < max(stride, dilation):
            raise ValueError(
                f"ConvTranspose2d: output size {tuple(out_size)} is not reachable from input size {tuple(in_size)} "
                f"with stride {stride}, padding {padding}, kernel {kernel}"
            )
        pads.append(p)
    return tuple(pads)


class ConvTranspose2d(WiredShape, nn.ConvTranspose2d, WeightSharing):
    """``nn.ConvTranspose2d`` whose ``in_channels``, ``out_channels`` (value choices or chosen
    values) and ``kernel_size`` (a value choice; square) may be searched.

    Args:
        padding: an ``int``, or ``"same"``: ``dilation * (k - 1) // 2`` for the active kernel size.
        output_padding: as ``nn.ConvTranspose2d``: added to one side of the output, an ``int`` in
            ``[0, max(stride, dilation))``; used when :meth:`forward` gets no ``output_size``.
        stride, dilation, bias: as ``nn.ConvTranspose2d`` (``groups`` is 1).

    Raises:
        ValueError: sizes that are not positive integers, kernel sizes whose differences to the
            largest are odd, a bad padding or output padding.
    """

    def __init__(
        self,
        in_channels: Size,
        out_channels: Size,
        kernel_size: int | ValueChoice,
        stride: int = 1,
        padding: int | str = 0,
        output_padding: int = 0,
        bias: bool = True,
        dilation: int = 1,
    ):
        check_conv("ConvTranspose2d", in_channels, out_channels, kernel_size, padding)
        ok = isinstance(output_padding, int) and not isinstance(output_padding, bool)
        if not ok or not 0 <= output_padding < max(stride, dilation):
            raise ValueError(
                f"ConvTranspose2d: output_padding must be an int in [0, max(stride, dilation)={max(stride, dilation)}),"
                f" got {output_padding!r}"
            )
        sizes = (largest(in_channels), largest(out_channels), largest(kernel_size))
        super().__init__(*sizes, stride, 0, output_padding, 1, bias, dilation)
        self.in_channels_choice, self.out_channels_choice = in_channels, out_channels
        self.kernel_size_choice, self.padding_rule = kernel_size, padding

    def value_choices(self) -> dict[str, ValueChoice]:
        return {n: v for n in self._names if isinstance(v := getattr(self, n + "_choice"), ValueChoice)}

    def _weights(self, cin: int, cout: int, k: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        off = (self.kernel_size[0] - k) // 2
        w = self.weight[:cin, :cout] if off == 0 else self.weight[:cin, :cout, off : off + k, off : off + k]
        return w, (self.bias[:cout] if self.bias is not None else None)

    def forward(self, x: torch.Tensor, output_size: Sequence[int] | None = None) -> torch.Tensor:
        """(N, in, H, W) -> (N, out, H', W'); ``output_size``: the wanted (H', W') (or a full shape)."""
        cin, cout, k, pad = self.active_shape()
        check_channels("ConvTranspose2d", x, cin)
        s, d = self.stride[0], self.dilation[0]
        op = (
            tuple(self.output_padding)
            if output_size is None
            else output_padding(x.shape[-2:], list(output_size)[-2:], s, pad, k, d)
        )
        w, b = self._weights(cin, cout, k)
        return F.conv_transpose2d(x, w, b, self.stride, pad, op, 1, self.dilation)

    def to_plain(self) -> nn.ConvTranspose2d:
        cin, cout, k, pad = self.active_shape()
        stride, dilation = (self.stride[0], self.stride[1]), (self.dilation[0], self.dilation[1])
        op = (self.output_padding[0], self.output_padding[1])
        out = nn.ConvTranspose2d(cin, cout, k, stride, pad, op, 1, self.bias is not None, dilation).to(self.weight)
        return copy_sliced(out, *self._weights(cin, cout, k)).train(self.training)

    def extra_repr(self) -> str:
        return (
            f"in={self.in_channels_choice!r}, out={self.out_channels_choice!r}, kernel={self.kernel_size_choice!r}, "
            f"stride={self.stride}, padding={self.padding_rule!r}, output_padding={self.output_padding}"
        )
