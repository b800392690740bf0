"""CAE networks: the search supernet and the fixed network of one exported architecture.

The supernet gives every (node, layer type) its own encoder and decoder weights at the largest
width; its forward is that of :class:`~.model.CAEModel`, the space written with
:mod:`asng_nas.nn` primitives, which slice the weights to the sampled channel counts, so a
forward pass runs only the active layers. The fixed network (:class:`CAENet`, for retraining)
holds exactly the active layers' weights at their widths and runs them through the plain module
that ``asng_nas.nn.export`` makes of a :class:`~.model.CAEModel` for its architecture.
:func:`cae_forward` is the same function of an architecture written out directly (the tests hold
the supernet and the fixed network to it).
"""

from __future__ import annotations

import math
from typing import Any, Callable, cast

import torch
import torch.nn.functional as F
from torch import nn

from ..nn.discover import activate, discover
from ..nn.export import Exported, export
from .arch import KERNELS, CAEArch, NodeSpec
from .model import CAEModel, arch_choices
from .space import CAESpace

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
    """All candidate layers of the inpainting space, weights at ``max_channels``: a
    :class:`~.model.CAEModel` of :mod:`asng_nas.nn` primitives (``self.model``) run on the active
    architecture.

    Args:
        n_nodes: encoder nodes (20 in the paper).
        max_channels: the widest channel choice (256); weights are allocated at this width.
        in_channels: image channels (3).
        space: the :class:`~.space.CAESpace` searched; ``self.model`` then has exactly its
            variables (``asng_nas.nn.ModelSpace(self.model)`` has its n_theta). Without it the
            model's variables cover every architecture of ``n_nodes`` nodes up to
            ``max_channels`` (integer widths in [1, max_channels], any earlier node as input).

    ``forward(x, arch)``: ``(N, C, H, W)`` images and a :class:`~.arch.CAEArch` ->
    ``(N, C, H, W)``; only the active layers run and receive gradients.

    The weights live where they always did (``enc_w``, ``dec_w``, ``enc_b``, ``dec_b``: one per
    (node, layer type), slot ``(node - 1) * 6 + type``; ``out_w``, ``out_b``); the primitives of
    ``self.model`` hold the same parameters. ``state_dict`` keeps the old keys only and
    ``load_state_dict`` takes them (checkpoints of earlier versions load); ``parameters()``
    keeps the old order (optimizer states fit).

    Raises:
        ValueError: a ``space`` with other nodes, or wider than ``max_channels``.
    """

    def __init__(self, n_nodes: int = 20, max_channels: int = 256, in_channels: int = 3, space: CAESpace | None = None):
        if space is not None and (space.n_nodes != n_nodes or space.max_channels > max_channels):
            raise ValueError(  # before any weight is drawn: a refused call leaves the RNG as it was
                f"the space has {space.n_nodes} nodes up to {space.max_channels} channels; "
                f"the supernet {n_nodes} nodes up to {max_channels}"
            )
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
        with torch.device("meta"):  # no memory, no random draw: the weights are the ones above
            self.model = _model_for(space, n_nodes, max_channels, in_channels)
        self._aliases = self._share()
        self._variables = discover(self.model)
        self.register_state_dict_post_hook(_drop_aliases)
        self.register_load_state_dict_pre_hook(_add_aliases)

    @classmethod
    def for_space(cls, space: CAESpace, in_channels: int = 3) -> CAESupernet:
        """The supernet of ``space`` (its nodes, its largest width, its variables)."""
        return cls(space.n_nodes, space.max_channels, in_channels, space=space)

    def _slot(self, node: int, type_index: int) -> int:
        return (node - 1) * 2 * len(KERNELS) + type_index

    def _share(self) -> dict[str, str]:
        """Point the primitives at the weights above; ``{model parameter name: weight name}``."""
        for i in range(1, self.n_nodes + 1):
            for t, layer in enumerate(self.model.layers(i)):
                slot = self._slot(i, t)
                layer.enc.weight, layer.enc.bias = self.enc_w[slot], self.enc_b[slot]
                layer.dec.weight, layer.dec.bias = self.dec_w[slot], self.dec_b[slot]
        self.model.out.weight, self.model.out.bias = self.out_w, self.out_b
        return _aliases(self)

    def _enc(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        slot = self._slot(i, spec.type_index)
        return self.enc_w[slot][:c_out, :c_in], self.enc_b[slot][:c_out]

    def _dec(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        slot = self._slot(i, spec.type_index)
        return self.dec_w[slot][:c_in, :c_out], self.dec_b[slot][:c_out]

    def choices(self, arch: CAEArch) -> dict[str, Any]:
        """``arch`` as ``{label: value}`` of ``self.model``'s variables (for :func:`asng_nas.nn.export`)."""
        return arch_choices(self.model, arch)

    def export(self, arch: CAEArch, example_input: torch.Tensor | None = None, init: str = "copy") -> Exported:
        """``arch`` as a plain module (:func:`asng_nas.nn.export` of ``self.model``; with an
        ``example_input``, e.g. one image, the nodes off the active path are dropped)."""
        return export(self.model, self.choices(arch), init=init, example_input=example_input)

    def forward(self, x: torch.Tensor, arch: CAEArch) -> torch.Tensor:
        activate(self._variables, arch_choices(self.model, arch))
        return self.model(x)


def _model_for(space: CAESpace | None, n_nodes: int, max_channels: int, in_channels: int) -> CAEModel:
    if space is None:
        return CAEModel("int", n_nodes, n_nodes, (1, max_channels), in_channels)
    widths = space.channels if space.encoding == "cat" else space.channel_range
    return CAEModel(space.encoding, n_nodes, space.level_back, widths, in_channels)


def _aliases(owner: nn.Module) -> dict[str, str]:
    """``{owner.model's parameter name: owner's name of the same weight}``, every one of
    ``owner.model``'s parameters being one of ``owner``'s own."""
    names = {id(p): name for name, p in owner.named_parameters()}  # the model's are duplicates: not listed
    model = owner.get_submodule("model")
    aliases = {f"model.{n}": names[id(p)] for n, p in model.named_parameters(remove_duplicate=False)}
    if len(aliases) != sum(1 for _ in model.named_parameters(remove_duplicate=False)):  # pragma: no cover
        raise RuntimeError("a layer of the CAE model holds a weight of its own")
    return aliases


def _drop_aliases(module: nn.Module, state_dict: dict[str, Any], prefix: str, local_metadata: Any) -> None:
    """state_dict post-hook: the primitives' names of the shared weights go (only the old keys stay)."""
    for key in [k for k in state_dict if k.startswith(prefix + "model.")]:
        del state_dict[key]


def _add_aliases(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
    """load_state_dict pre-hook: the primitives' names of the shared weights, from the old keys."""
    assert isinstance(module, (CAESupernet, CAENet))
    for alias, name in module._aliases.items():
        if prefix + name in state_dict:
            state_dict.setdefault(prefix + alias, state_dict[prefix + name])


class CAENet(nn.Module):
    """The network of one architecture, holding only its active layers (for retraining).

    Args:
        arch: the architecture (e.g. a search's export).
        in_channels: image channels (3).

    ``forward(x)``: ``(N, C, H, W)`` corrupted images -> ``(N, C, H, W)`` restorations: the plain
    module ``self.model`` (``asng_nas.nn.export`` of a :class:`~.model.CAEModel` for ``arch``,
    built on the meta device: no memory, no random draw) run on this network's weights.

    The weights are drawn as they always were (same seed, same weights) and keep their names:
    ``enc_w``, ``enc_b``, ``dec_w``, ``dec_b`` (keyed by node) and ``out_w``, ``out_b``; the layers
    of ``self.model`` hold the same parameters. ``state_dict`` has those keys only and
    ``load_state_dict`` takes them (checkpoints of earlier versions load); ``parameters()`` keeps
    their order (optimizer states fit).

    Raises:
        ValueError: an architecture without an active node (before any weight is drawn).
    """

    def __init__(self, arch: CAEArch, in_channels: int = 3):
        super().__init__()
        self.arch = arch
        active, chans = _channel_plan(arch, in_channels)
        model = _plain_model(arch, in_channels)
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
        self.model = model
        self._aliases = self._share(active)
        self.register_state_dict_post_hook(_drop_aliases)
        self.register_load_state_dict_pre_hook(_add_aliases)

    def _share(self, active: list[int]) -> dict[str, str]:
        """Point the exported layers at the weights above; ``{model parameter name: weight name}``."""
        pairs = [("out", self.out_w, self.out_b)]
        for i in active:
            pairs.append((f"nodes.{i - 1}.layer.enc", self.enc_w[str(i)], self.enc_b[str(i)]))
            pairs.append((f"nodes.{i - 1}.layer.dec", self.dec_w[str(i)], self.dec_b[str(i)]))
        for path, w, b in pairs:
            conv = cast(nn.Conv2d, self.model.get_submodule(path))  # or a ConvTranspose2d: the same fields
            if conv.weight.shape != w.shape or conv.bias is None or conv.bias.shape != b.shape:  # pragma: no cover
                raise RuntimeError(f"the exported CAE layer {path} does not fit a weight of {tuple(w.shape)}")
            conv.weight, conv.bias = w, b
        if any(t.is_meta for t in self.model.state_dict().values()):  # pragma: no cover
            raise RuntimeError("the exported CAE model holds a weight the fixed network does not")
        return _aliases(self)

    def _enc(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.enc_w[str(i)], self.enc_b[str(i)]

    def _dec(self, i: int, spec: NodeSpec, c_in: int, c_out: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.dec_w[str(i)], self.dec_b[str(i)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def _plain_model(arch: CAEArch, in_channels: int) -> nn.Module:
    """The plain module of ``arch`` (only its active layers), exported from a :class:`~.model.CAEModel`
    whose variables hold ``arch`` (integer widths up to its widest node, any earlier node as
    input); built on the meta device (no memory, no random draw), its weights still to be set."""
    n = len(arch.nodes)
    widest = max(spec.channels for spec in arch.nodes)
    with torch.device("meta"):
        model = CAEModel("int", n, n, (1, widest), in_channels)
        image = torch.empty(1, in_channels, 8, 8)  # which layers run does not depend on the size
        return export(model, arch_choices(model, arch), example_input=image).module
