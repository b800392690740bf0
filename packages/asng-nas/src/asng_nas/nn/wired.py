"""Sizes that depend on the wiring: :class:`ChosenValue`, and :class:`WiredConv2d`, a
weight-sharing ``Conv2d`` whose sizes may be one.

When a choice upstream decides which tensor arrives at a layer (an :class:`~asng_nas.nn.layers.InputChoice`
picks one of several earlier layers, each with its own width), the layer's input channel count is
neither fixed nor one value choice: it is *the width of the chosen input*. ``ChosenValue(choice,
options)`` says so: its value is ``options[i]`` for the active index ``i`` of ``choice``. It is not a
variable of its own (discovery does not list it); the choices it reads are, where they appear in the
model. Options may be integers, value choices or other chosen values (a chain, e.g. "the width of
the first layer of the active path").
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any, TypeVar, Union

import torch
from torch import nn

from .layers import InputChoice
from .ops import Conv2d
from .values import ValueChoice

__all__ = [
    "ChosenValue",
    "WiredConv2d",
    "WiredShape",
    "Size",
    "resolve",
    "largest",
    "copy_sliced",
    "check_conv",
    "wired_input_choices",
]


class ChosenValue:
    """The one of ``options`` that ``choice`` picks: ``options[i]`` for the active index ``i``.

    Args:
        choice: an :class:`InputChoice` with ``n_chosen == 1`` (``i``: the chosen input; also read
            from the :class:`~asng_nas.nn.layers.FixedInputs` an export puts in its place), or a
            :class:`ValueChoice` (``i``: the position of its active value).
        options: one per candidate of ``choice``: integers >= 1, value choices of them, or chosen values.

    Raises:
        ValueError: another kind of choice, an input choice keeping several inputs, a number of
            options other than the choice's candidates, an option that is not a positive integer.
    """

    def __init__(self, choice: InputChoice | ValueChoice, options: Sequence[Size]):
        if isinstance(choice, InputChoice):
            if choice.n_chosen != 1:
                raise ValueError(f"ChosenValue: {choice.describe()} keeps {choice.n_chosen} inputs; it must keep one")
        elif not isinstance(choice, ValueChoice):
            raise ValueError(
                f"ChosenValue: choice must be an InputChoice or a ValueChoice, got {type(choice).__name__}"
            )
        opts = tuple(options)
        if len(opts) != len(choice.candidates):
            raise ValueError(
                f"ChosenValue: {len(opts)} options for the {len(choice.candidates)} candidates of {choice.describe()}"
            )
        for o in opts:
            check_size("ChosenValue", "options", o)
        self.choice, self.options = choice, opts
        self._largest = max(largest(o) for o in opts)

    def index(self) -> int:
        """The active position of ``choice`` (RuntimeError when nothing is selected)."""
        c = self.choice
        if isinstance(c, ValueChoice):
            v = c.active()
            cands = c.candidates
            return (v - cands.start) // cands.step if isinstance(cands, range) else cands.index(v)
        return c.chosen[0]

    def value(self) -> int:
        """The active size."""
        return resolve(self.options[self.index()])

    def largest(self) -> int:
        """The largest size any wiring gives (what a wrapper allocates)."""
        return self._largest

    def __repr__(self) -> str:
        return f"ChosenValue({self.choice.describe()}, options={list(self.options)!r})"


#: a layer size: fixed, a value choice, or set by the wiring
Size = Union[int, ValueChoice, ChosenValue]


def wired_input_choices(model: nn.Module) -> dict[int, str]:
    """``{id(input choice): where}`` for every :class:`InputChoice` that a :class:`ChosenValue` held
    by a module of ``model`` reads (also through options that are chosen values); ``where`` names
    the module and argument, e.g. ``"mid.in_channels"``. Such a choice sets a layer's *size*, so
    it cannot be a mixture (a continuous relaxation) of its inputs."""
    found: dict[int, str] = {}

    def visit(x: Any, where: str) -> None:
        if isinstance(x, ChosenValue):
            if isinstance(x.choice, InputChoice):
                found.setdefault(id(x.choice), where)
            for o in x.options:
                visit(o, where)

    for path, m in model.named_modules():
        for attr, v in vars(m).items():
            visit(v, f"{path}.{attr.removesuffix('_choice')}" if path else attr.removesuffix("_choice"))
    return found


def resolve(x: Size) -> int:
    """The active value of a size (RuntimeError when a choice it reads has nothing selected)."""
    if isinstance(x, ChosenValue):
        return x.value()
    return int(x.active() if isinstance(x, ValueChoice) else x)


def largest(x: Size) -> int:
    """The largest value a size takes."""
    if isinstance(x, ChosenValue):
        return x.largest()
    if isinstance(x, ValueChoice):
        return int(x.candidates[-1] if isinstance(x.candidates, range) else max(x.candidates))
    return int(x)


def check_size(owner: str, name: str, x: Any) -> None:
    """ValueError unless ``x`` is an integer >= 1, a value choice of them, or a chosen value."""
    if isinstance(x, ChosenValue):
        return
    vals = x.candidates if isinstance(x, ValueChoice) else (x,)
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
            raise ValueError(f"{owner}: {name} must be integers >= 1 (or a ValueChoice or ChosenValue), got {x!r}")


def check_conv(owner: str, in_channels: Any, out_channels: Any, kernel_size: Any, padding: Any) -> None:
    """ValueError for a convolution's bad sizes (see :func:`check_size`), kernel sizes whose
    differences to the largest are odd (no centre crop), or a padding other than an int >= 0 or ``"same"``."""
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels), ("kernel_size", kernel_size)):
        check_size(owner, name, v)
    if isinstance(kernel_size, ValueChoice) and any((largest(kernel_size) - k) % 2 for k in kernel_size.candidates):
        raise ValueError(f"{owner}: kernel sizes {list(kernel_size.candidates)} must all be odd or all even")
    if padding != "same" and (isinstance(padding, bool) or not isinstance(padding, int) or padding < 0):
        raise ValueError(f"{owner}: padding must be an int >= 0 or 'same', got {padding!r}")


class WiredShape:
    """The active shape of a convolution wrapper whose sizes (``<name>_choice`` attributes) may be
    :data:`Size` s: :meth:`active_shape` -> (in channels, out channels, kernel size, padding)."""

    _names = ("in_channels", "out_channels", "kernel_size")
    dilation: tuple[int, ...]
    padding_rule: int | str

    def active_shape(self) -> tuple[int, int, int, int]:
        cin, cout, k = (resolve(getattr(self, n + "_choice")) for n in self._names)
        pad = self.dilation[0] * (k - 1) // 2 if self.padding_rule == "same" else int(self.padding_rule)
        return cin, cout, k, pad


ConvT = TypeVar("ConvT", nn.Conv2d, nn.ConvTranspose2d)


def copy_sliced(out: ConvT, weight: torch.Tensor, bias: torch.Tensor | None) -> ConvT:
    """Copy the sliced ``weight`` and ``bias`` into ``out`` (a torch layer of their shape); ``out``."""
    with torch.no_grad():
        out.weight.copy_(weight)
        if bias is not None and out.bias is not None:
            out.bias.copy_(bias)
    return out


class WiredConv2d(WiredShape, Conv2d):
    """:class:`~asng_nas.nn.ops.Conv2d` whose ``in_channels`` and ``out_channels`` may also be a
    :class:`ChosenValue` (a kernel size may be a value choice, as there). The weights are
    allocated at the largest sizes and sliced to the active ones; :meth:`to_plain` gives the
    ``nn.Conv2d`` of the active shape.

    Raises:
        ValueError: as :class:`~asng_nas.nn.ops.Conv2d`.
    """

    def __init__(
        self,
        in_channels: Size,
        out_channels: Size,
        kernel_size: int | ValueChoice,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        bias: bool = True,
    ):
        check_conv("WiredConv2d", in_channels, out_channels, kernel_size, padding)
        plain = [largest(v) if isinstance(v, ChosenValue) else v for v in (in_channels, out_channels)]
        super().__init__(plain[0], plain[1], kernel_size, stride, padding, dilation, bias)
        self.in_channels_choice, self.out_channels_choice = in_channels, out_channels  # type: ignore[assignment]
