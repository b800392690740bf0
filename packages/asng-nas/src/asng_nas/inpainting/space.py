"""The two encodings of the CAE inpainting search space (section 3.3, appendix E.3).

* ``cat``: per node a layer type (6 = kernel {1, 3, 5} x skip {yes, no}) and a width from
  ``channels`` (3 choices), plus the connections: all categorical (n_theta = 214 with the paper's
  20 nodes and level-back 5; 60 variables).
* ``int``: per node skip (2 categories) and the connections categorical; kernel index in [1, 3]
  (kernel 2 index - 1) and width in ``channel_range`` as integer variables: an
  ``asng_opt.Product`` of a ``Categorical`` and an ``Integer`` (n_theta = 174; 80 variables).
  Sampled integers are clipped and rounded for the network only.

Connections: node i (1-based, i >= 2) reads one of nodes max(0, i - level_back) .. i - 1, nearest
first (node 0 is the image); node 1 always reads the image and has no variable; the output node
reads one of the last ``level_back`` nodes.

:class:`~.model.CAEModel` is this space written with :mod:`asng_nas.nn` primitives: its variables
(``asng_nas.nn.discover``) carry the same labels, kinds and candidates (tested), and
:class:`~.supernet.CAESupernet` runs a decoded architecture by activating them.
"""

from __future__ import annotations

from typing import Any

from ..search.space import Choice, IntRange, SearchSpace
from .arch import KERNELS, LAYER_TYPES, CAEArch, NodeSpec

__all__ = ["CAESpace", "LAYER_TYPES"]


class CAESpace(SearchSpace):
    """The CAE space as named variables; :meth:`decode` builds a :class:`CAEArch`."""

    def __init__(
        self,
        encoding: str = "cat",
        n_nodes: int = 20,
        level_back: int = 5,
        channels: tuple[int, ...] = (64, 128, 256),
        channel_range: tuple[int, int] | None = None,
    ):
        if encoding not in ("cat", "int"):
            raise ValueError(f"unknown encoding {encoding!r}; choose 'cat' or 'int'")
        if n_nodes < 1 or level_back < 1:
            raise ValueError("n_nodes and level_back must be >= 1")
        self.encoding, self.n_nodes, self.level_back = encoding, int(n_nodes), int(level_back)
        self.channels = tuple(int(c) for c in channels)
        lo, hi = channel_range if channel_range else (min(self.channels), max(self.channels))
        self.channel_range = (int(lo), int(hi))
        self.max_channels = max(self.channels) if encoding == "cat" else self.channel_range[1]
        n = self.n_nodes
        conns = {f"node{i}.input": Choice(range(i - 1, max(0, i - level_back) - 1, -1)) for i in range(2, n + 1)}
        conns["output.input"] = Choice(range(n, max(0, n - level_back), -1))
        variables: dict[str, Choice | IntRange]
        if encoding == "cat":
            variables = {
                **{f"node{i}.type": Choice(LAYER_TYPES) for i in range(1, n + 1)},
                **{f"node{i}.channels": Choice(self.channels) for i in range(1, n + 1)},
                **conns,
            }
        else:
            variables = {
                **{f"node{i}.skip": Choice((True, False)) for i in range(1, n + 1)},
                **conns,
                **{f"node{i}.kernel_index": IntRange(1, len(KERNELS)) for i in range(1, n + 1)},
                **{f"node{i}.channels": IntRange(lo, hi) for i in range(1, n + 1)},
            }
        super().__init__(variables)

    def decode(self, sample: Any) -> CAEArch:
        """One sample (an (n,) int array, or ``{"cat": ..., "int": ...}``) -> the architecture."""
        a = self.assignment(sample)
        nodes = []
        for i in range(1, self.n_nodes + 1):
            if self.encoding == "cat":
                t = LAYER_TYPES.index(a[f"node{i}.type"])
                kernel, skip = KERNELS[t // 2], t % 2 == 0
            else:
                kernel, skip = KERNELS[a[f"node{i}.kernel_index"] - 1], bool(a[f"node{i}.skip"])
            nodes.append(
                NodeSpec(
                    kernel=kernel, skip=skip, channels=int(a[f"node{i}.channels"]), input=a.get(f"node{i}.input", 0)
                )
            )
        return CAEArch(nodes=tuple(nodes), output=int(a["output.input"]))

    def describe(self, sample: Any) -> dict[str, Any]:
        return {"choices": self.assignment(sample), "architecture": self.decode(sample).to_dict()}
