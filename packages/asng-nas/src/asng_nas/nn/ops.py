"""Weight-sharing wrappers that take :class:`~asng_nas.nn.values.ValueChoice` arguments.

Each wrapper subclasses its torch layer at the **largest** shape (so torch's initialisation, and a
user's ``isinstance(m, nn.Conv2d)`` init code, see the whole tensor) and, at forward, slices the
weights to the active values: the first ``out`` output channels / features, the first ``in``
input channels, and for a kernel size the centre ``k x k`` crop of the largest kernel (the
weight sharing of once-for-all / ProxylessNAS-style supernets). :meth:`to_plain` returns the torch
layer of the active shape with those weights copied (and the wrapper's device, dtype and
train / eval mode).

Input sizes follow the convention of NNI's value choices: ``in_channels`` / ``in_features`` is an
``int`` when fixed, or the **same** value choice as the layer that feeds it (a forward whose input
has another size raises ``ValueError``).
"""

from __future__ import annotations

import numbers
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .values import ValueChoice, current, max_value

__all__ = ["Conv2d", "Linear", "BatchNorm2d", "WeightSharing"]


def _check_size(owner: str, name: str, x: Any, minimum: int = 1) -> None:
    if type(x).__name__ == "ChosenValue":  # wired.py builds on this module: the name, not the class
        wired = "use WiredConv2d (or ConvTranspose2d), which takes one" if owner == "Conv2d" else "not supported"
        raise ValueError(f"{owner}: {name} is a ChosenValue (a size set by an upstream choice): {wired}")
    vals = x.candidates if isinstance(x, ValueChoice) else (x,)
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < minimum:
            raise ValueError(f"{owner}: {name} must be integers >= {minimum} (or a ValueChoice of them), got {x!r}")


def _choices(owner: nn.Module, names: tuple[str, ...]) -> dict[str, ValueChoice]:
    return {n: getattr(owner, n + "_choice") for n in names if isinstance(getattr(owner, n + "_choice"), ValueChoice)}


class WeightSharing:
    """What the wrappers have in common: ``value_choices()`` (argument name -> ValueChoice) and
    ``to_plain()`` (the torch layer of the active shape, weights copied)."""

    def value_choices(self) -> dict[str, ValueChoice]:
        raise NotImplementedError

    def to_plain(self) -> nn.Module:
        raise NotImplementedError


def check_channels(owner: str, x: torch.Tensor, expected: int, dims: int = 4) -> None:
    """ValueError unless ``x`` is a batch ``(N, expected, ...)`` of ``dims`` dimensions (what the
    wrapper slices; an unbatched ``(C, H, W)`` input is named as such)."""
    if not isinstance(x, torch.Tensor) or x.dim() != dims:
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise ValueError(
            f"{owner}: expects a batch of {dims} dimensions (N, {expected}, H, W), got {got}"
            + (
                " (add the batch dimension: x.unsqueeze(0))"
                if isinstance(x, torch.Tensor) and x.dim() == dims - 1
                else ""
            )
        )
    if x.shape[1] != expected:
        got = tuple(x.shape)
        raise ValueError(
            f"{owner}: input of shape {got} has not the active {expected} channels (pass the ValueChoice of the "
            "layer that feeds this one as its in_channels / in_features / num_features)"
        )


class Conv2d(nn.Conv2d, WeightSharing):
    """``nn.Conv2d`` whose ``in_channels``, ``out_channels`` and ``kernel_size`` (square) may be
    value choices.

    Args:
        padding: an ``int``, or ``"same"``: ``dilation * (k - 1) // 2`` for the active kernel size
            ``k`` (the spatial size is kept at stride 1 for odd ``k``).
        stride, dilation, bias: as ``nn.Conv2d`` (``groups`` is 1).

    Raises:
        ValueError: sizes that are not positive integers, kernel sizes whose differences to the
            largest are odd (no centre crop), a bad padding.
    """

    _names = ("in_channels", "out_channels", "kernel_size")

    def __init__(
        self,
        in_channels: int | ValueChoice,
        out_channels: int | ValueChoice,
        kernel_size: int | ValueChoice,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        bias: bool = True,
    ):
        for name, v in zip(self._names, (in_channels, out_channels, kernel_size)):
            _check_size("Conv2d", name, v)
        kmax = int(max_value(kernel_size))
        if isinstance(kernel_size, ValueChoice) and any((kmax - k) % 2 for k in kernel_size.candidates):
            raise ValueError(f"Conv2d: kernel sizes {list(kernel_size.candidates)} must all be odd or all even")
        if padding != "same" and (isinstance(padding, bool) or not isinstance(padding, int) or padding < 0):
            raise ValueError(f"Conv2d: padding must be an int >= 0 or 'same', got {padding!r}")
        super().__init__(
            int(max_value(in_channels)),
            int(max_value(out_channels)),
            kmax,
            stride=stride,
            padding=0,
            dilation=dilation,
            bias=bias,
        )
        self.in_channels_choice, self.out_channels_choice = in_channels, out_channels
        self.kernel_size_choice, self.padding_rule = kernel_size, padding

    def value_choices(self) -> dict[str, ValueChoice]:
        return _choices(self, self._names)

    def active_shape(self) -> tuple[int, int, int, int]:
        """(in channels, out channels, kernel size, padding) of the active values."""
        cin, cout, k = (int(current(getattr(self, n + "_choice"))) for n in self._names)
        d = self.dilation[0]
        pad = d * (k - 1) // 2 if self.padding_rule == "same" else int(self.padding_rule)
        return cin, cout, k, pad

    def _weights(self, cin: int, cout: int, k: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        off = (self.kernel_size[0] - k) // 2
        w = self.weight[:cout, :cin, off : off + k, off : off + k]
        return w, (self.bias[:cout] if self.bias is not None else None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cin, cout, k, pad = self.active_shape()
        check_channels("Conv2d", x, cin)
        w, b = self._weights(cin, cout, k)
        return F.conv2d(x, w, b, self.stride, pad, self.dilation)

    def to_plain(self) -> nn.Conv2d:
        cin, cout, k, pad = self.active_shape()
        stride, dilation = (int(self.stride[0]), int(self.stride[1])), (int(self.dilation[0]), int(self.dilation[1]))
        out = nn.Conv2d(cin, cout, k, stride, pad, dilation, bias=self.bias is not None).to(self.weight)
        w, b = self._weights(cin, cout, k)
        with torch.no_grad():
            out.weight.copy_(w)
            if b is not None and out.bias is not None:
                out.bias.copy_(b)
        return out.train(self.training)

    def extra_repr(self) -> str:
        return (
            f"in={self.in_channels_choice!r}, out={self.out_channels_choice!r}, kernel={self.kernel_size_choice!r}, "
            f"stride={self.stride}, padding={self.padding_rule!r}"
        )


class Linear(nn.Linear, WeightSharing):
    """``nn.Linear`` whose ``in_features`` and ``out_features`` may be value choices."""

    _names = ("in_features", "out_features")

    def __init__(self, in_features: int | ValueChoice, out_features: int | ValueChoice, bias: bool = True):
        for name, v in zip(self._names, (in_features, out_features)):
            _check_size("Linear", name, v)
        super().__init__(int(max_value(in_features)), int(max_value(out_features)), bias=bias)
        self.in_features_choice, self.out_features_choice = in_features, out_features

    def value_choices(self) -> dict[str, ValueChoice]:
        return _choices(self, self._names)

    def active_shape(self) -> tuple[int, int]:
        return int(current(self.in_features_choice)), int(current(self.out_features_choice))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        fin, fout = self.active_shape()
        if x.shape[-1] != fin:
            raise ValueError(f"Linear: input of shape {tuple(x.shape)} has not the active {fin} features")
        return F.linear(x, self.weight[:fout, :fin], self.bias[:fout] if self.bias is not None else None)

    def to_plain(self) -> nn.Linear:
        fin, fout = self.active_shape()
        out = nn.Linear(fin, fout, bias=self.bias is not None).to(self.weight)
        with torch.no_grad():
            out.weight.copy_(self.weight[:fout, :fin])
            if self.bias is not None and out.bias is not None:
                out.bias.copy_(self.bias[:fout])
        return out.train(self.training)

    def extra_repr(self) -> str:
        return f"in={self.in_features_choice!r}, out={self.out_features_choice!r}, bias={self.bias is not None}"


class BatchNorm2d(nn.BatchNorm2d, WeightSharing):
    """``nn.BatchNorm2d`` whose ``num_features`` may be a value choice: the affine parameters and
    running statistics of the first ``c`` channels are used (and updated in place) for ``c`` active
    channels. A subclass of ``nn.BatchNorm2d``, so the search's BN re-estimation finds it."""

    def __init__(
        self,
        num_features: int | ValueChoice,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
    ):
        _check_size("BatchNorm2d", "num_features", num_features)
        super().__init__(int(max_value(num_features)), eps, momentum, affine, track_running_stats)
        self.num_features_choice = num_features

    def value_choices(self) -> dict[str, ValueChoice]:
        return _choices(self, ("num_features",))

    def _sliced(self, c: int) -> dict[str, torch.Tensor | None]:
        return {
            "weight": self.weight[:c] if self.weight is not None else None,
            "bias": self.bias[:c] if self.bias is not None else None,
            "running_mean": self.running_mean[:c] if self.running_mean is not None else None,
            "running_var": self.running_var[:c] if self.running_var is not None else None,
        }

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # torch's _BatchNorm.forward, on the first c channels
        c = int(current(self.num_features_choice))
        check_channels("BatchNorm2d", x, c)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / float(self.num_batches_tracked) if self.momentum is None else self.momentum
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        p = self._sliced(c)
        keep = not self.training or self.track_running_stats
        return F.batch_norm(
            x,
            p["running_mean"] if keep else None,
            p["running_var"] if keep else None,
            p["weight"],
            p["bias"],
            use_batch,
            factor,
            self.eps,
        )

    def to_plain(self) -> nn.BatchNorm2d:
        c = int(current(self.num_features_choice))
        out = nn.BatchNorm2d(c, self.eps, self.momentum, self.affine, self.track_running_stats)
        floats = [t for t in (*self.parameters(), *self.buffers()) if t.is_floating_point()]
        out = out.to(floats[0]) if floats else out  # the wrapper's device and dtype
        with torch.no_grad():
            for name, t in self._sliced(c).items():
                if t is not None:
                    getattr(out, name).copy_(t)
            if self.num_batches_tracked is not None and out.num_batches_tracked is not None:
                out.num_batches_tracked.copy_(self.num_batches_tracked)
        return out.train(self.training)

    def extra_repr(self) -> str:
        return f"num_features={self.num_features_choice!r}, eps={self.eps}, affine={self.affine}"
