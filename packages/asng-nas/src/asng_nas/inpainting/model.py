"""The CAE inpainting search space written with :mod:`asng_nas.nn` primitives.

:class:`CAEModel` is an ordinary module whose variables are those of :class:`~.space.CAESpace`
(same labels, kinds and candidates: n_theta = 214 / 174 with the paper's settings): per node a
layer choice, a width and an input, and the output's input. Each of a node's 6 layer types
(kernel {1, 3, 5} x skip) is a :class:`CAELayer` with its own encoder convolution and decoder
transposed convolution, allocated at the largest width:

* ``cat``: the type is a :class:`~asng_nas.nn.LayerChoice` ``node{i}.type`` over
  :data:`~.arch.LAYER_TYPES`, the width a :class:`~asng_nas.nn.ValueChoice` ``node{i}.channels``;
* ``int``: nested :class:`~asng_nas.nn.Switch` es read ``node{i}.skip`` (a value choice) and
  ``node{i}.kernel_index`` (an :class:`~asng_nas.nn.IntChoice` in [1, 3]); the width is an IntChoice.

Node i reads a node chosen by an :class:`~asng_nas.nn.InputChoice` ``node{i}.input`` (index 0 = the
nearest, node i - 1), so its input width is the chosen node's:
:class:`~asng_nas.nn.ChosenValue`. The forward walks the active path as ``arch.py`` describes;
:func:`asng_nas.nn.export` gives the plain network of one architecture. The path walk reads
one input per node, so the model has no mixture (DARTS) state.
"""

from __future__ import annotations

from typing import Any, cast

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.layers import InputChoice, LayerChoice
from ..nn.switch import Switch
from ..nn.transpose import ConvTranspose2d
from ..nn.values import IntChoice, ValueChoice
from ..nn.wired import ChosenValue, Size, WiredConv2d
from .arch import KERNELS, LAYER_TYPES, CAEArch

__all__ = ["CAELayer", "CAENode", "CAEModel", "arch_choices"]


def _run(conv: nn.Conv2d | nn.ConvTranspose2d, unstrided: bool, x: torch.Tensor, **kw: Any) -> torch.Tensor:
    """``conv(x, **kw)`` (a wrapper or its exported torch layer), at stride 1 if ``unstrided``."""
    if not unstrided or conv.stride == (1, 1):
        return conv(x, **kw)
    stride, conv.stride = conv.stride, (1, 1)
    try:
        return conv(x, **kw)
    finally:
        conv.stride = stride


def _pick(choice: InputChoice | None, options: list[Size]) -> Size:
    """The size of the input ``choice`` picks among ``options`` (the only option without a choice)."""
    return options[0] if choice is None else ChosenValue(choice, options)


class CAELayer(nn.Module):
    """One layer type of one node: conv k x k (stride 1 for a skip layer, else 2; stride 1 once a
    map side is 1) and its mirror, a transposed conv back to the input's size.

    ``forward(x)``: encoder, ``(N, c_in, H, W) -> (N, c, H', W')``, ReLU. ``forward(x, target,
    skip_map)``: decoder, to ``target``'s spatial size and ``c_dec`` channels, plus ``skip_map``
    for a skip layer, ReLU.
    """

    def __init__(self, kernel: int, skip: bool, c_in: Size, c: Size, c_dec: Size):
        super().__init__()
        self.kernel, self.skip = kernel, skip
        s = 1 if skip else 2
        self.enc = WiredConv2d(c_in, c, kernel, stride=s, padding=kernel // 2)
        self.dec = ConvTranspose2d(c, c_dec, kernel, stride=s, padding=kernel // 2)

    def forward(
        self, x: torch.Tensor, target: torch.Tensor | None = None, skip_map: torch.Tensor | None = None
    ) -> torch.Tensor:
        if target is None:
            return F.relu(_run(self.enc, min(x.shape[-2:]) <= 1, x))
        h = _run(self.dec, min(target.shape[-2:]) <= 1, x, output_size=target.shape[-2:])
        if self.skip:
            assert skip_map is not None
            h = h + skip_map
        return F.relu(h)


class CAENode(nn.Module):
    """Node ``i``: ``input`` (None for node 1, which reads the image) and ``layer`` (the active
    :class:`CAELayer`, through a layer choice or switches)."""

    layer: nn.Module

    def __init__(self, input: InputChoice | None, layer: nn.Module):
        super().__init__()
        self.input, self.layer = input, layer

    def reads(self, i: int) -> int:
        """The node that node ``i`` reads (0: the image)."""
        return 0 if self.input is None else i - 1 - self.input.chosen[0]


class CAEModel(nn.Module):
    """The CAE supernet as a model of primitives (see the module docstring).

    Args:
        encoding: ``"cat"`` or ``"int"``.
        n_nodes, level_back: as :class:`~.space.CAESpace`.
        widths: the width choices (``cat``), or ``(low, high)`` of the integer width (``int``).
        in_channels: image channels.

    ``forward(x)``: ``(N, C, H, W) -> (N, C, H, W)`` for the active architecture.

    Raises:
        ValueError: an unknown encoding, ``n_nodes`` or ``level_back`` < 1.
    """

    def __init__(
        self, encoding: str, n_nodes: int, level_back: int, widths: tuple[int, ...], in_channels: int = 3
    ) -> None:
        super().__init__()
        if encoding not in ("cat", "int"):
            raise ValueError(f"unknown encoding {encoding!r}; choose 'cat' or 'int'")
        if n_nodes < 1 or level_back < 1:
            raise ValueError("n_nodes and level_back must be >= 1")
        self.encoding = encoding
        width: list[ValueChoice] = [
            ValueChoice(widths, f"node{i}.channels")
            if encoding == "cat"
            else IntChoice(widths[0], widths[1], label=f"node{i}.channels")
            for i in range(1, n_nodes + 1)
        ]
        first: list[Size] = []  # the width of the first node of the path ending at node i
        nodes = []
        for i in range(1, n_nodes + 1):
            c = width[i - 1]
            inp = InputChoice(min(i, level_back), label=f"node{i}.input") if i > 1 else None
            reads = range(i - 1, max(0, i - level_back) - 1, -1)
            c_in = _pick(inp, [width[r - 1] if r else in_channels for r in reads])
            c_dec = _pick(inp, [width[r - 1] if r else c for r in reads])
            first.append(_pick(inp, [first[r - 1] if r else c for r in reads]))
            nodes.append(CAENode(inp, self._layer(i, c_in, c, c_dec)))
        self.nodes = nn.ModuleList(nodes)
        self.output = InputChoice(min(n_nodes, level_back), label="output.input")
        ends = range(n_nodes, max(0, n_nodes - level_back), -1)
        self.out = ConvTranspose2d(ChosenValue(self.output, [first[r - 1] for r in ends]), in_channels, 3, padding=1)

    def _layer(self, i: int, c_in: Size, c: Size, c_dec: Size) -> nn.Module:
        layers = {t: CAELayer(KERNELS[t // 2], t % 2 == 0, c_in, c, c_dec) for t in range(len(LAYER_TYPES))}
        if self.encoding == "cat":
            return LayerChoice({LAYER_TYPES[t]: m for t, m in layers.items()}, label=f"node{i}.type")
        skip, kernel = (
            ValueChoice((True, False), f"node{i}.skip"),
            IntChoice(1, len(KERNELS), 1, f"node{i}.kernel_index"),
        )
        return Switch(
            skip, {s: Switch(kernel, {k + 1: layers[k * 2 + (0 if s else 1)] for k in range(3)}) for s in (True, False)}
        )

    def layers(self, i: int) -> list[CAELayer]:
        """Node ``i``'s 6 layers in type order (:data:`~.arch.LAYER_TYPES`), before an export."""
        layer = self.node(i).layer
        if isinstance(layer, LayerChoice):
            found = [layer.candidate(t) for t in LAYER_TYPES]
        else:
            assert isinstance(layer, Switch)
            found = [cast(Switch, layer.cases[str(t % 2 == 0)]).cases[str(t // 2 + 1)] for t in range(len(LAYER_TYPES))]
        assert all(isinstance(m, CAELayer) for m in found)
        return found  # type: ignore[return-value]

    def node(self, i: int) -> CAENode:
        """Node ``i`` (1-based)."""
        return cast(CAENode, self.nodes[i - 1])

    def active_path(self) -> list[int]:
        """The active nodes (1-based), from the input side to the output side."""
        nodes = cast(list[CAENode], list(self.nodes))  # a list: ModuleList indexing is slow
        path, i = [], len(nodes) - self.output.chosen[0]
        while i > 0:
            path.append(i)
            i = nodes[i - 1].reads(i)
        return path[::-1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = cast(list[CAENode], list(self.nodes))
        layers = [nodes[i - 1].layer for i in self.active_path()]
        feats, h = [x], x
        for layer in layers:
            h = layer(h)
            feats.append(h)
        for j in range(len(layers), 0, -1):
            h = layers[j - 1](h, feats[j - 1], feats[j - 1] if j > 1 else feats[1])
        return self.out(h)


def arch_choices(model: CAEModel, arch: CAEArch) -> dict[str, object]:
    """The ``{label: value}`` of ``arch`` for the variables of ``model`` (the argument of
    :func:`asng_nas.nn.activate`); ``arch`` has ``len(model.nodes)`` nodes, its widths are
    candidates of the model's."""
    n = len(arch.nodes)
    out: dict[str, object] = {"output.input": n - arch.output}
    for i, spec in enumerate(arch.nodes, start=1):
        if model.encoding == "cat":
            out[f"node{i}.type"] = LAYER_TYPES[spec.type_index]
        else:
            out[f"node{i}.skip"] = spec.skip
            out[f"node{i}.kernel_index"] = KERNELS.index(spec.kernel) + 1
        out[f"node{i}.channels"] = spec.channels
        if i > 1:
            out[f"node{i}.input"] = i - 1 - spec.input
    return out
