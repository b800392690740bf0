"""The symmetric convolutional autoencoder (CAE) architecture of the inpainting search.

An architecture is a chain of ``n_nodes`` encoder nodes with level-back ``level_back``: node i
(1-based) reads one of nodes max(0, i - level_back) .. i - 1 (node 0 is the input image), and the
output node reads one of the last ``level_back`` nodes. Only nodes on the path traced back from
the output are *active*; the active path is a chain a_1 -> a_2 -> ... -> a_L.

Encoder layer j (node a_j): conv k x k, ``channels`` outputs, ReLU; stride 1 for a skip node and 2
otherwise (stride 1 once the feature map is 1 x 1). The decoder mirrors the encoder in reverse:
the mirror of layer j is a transposed conv k x k back to layer j's input resolution and to the
channels of layer j - 1 (layer 1's mirror keeps c_1 channels); for a skip node the encoder feature
map of that resolution (the output of layer j - 1, or of layer 1 for j = 1) is added, then ReLU.
A fixed 3 x 3, stride-1 transposed conv maps c_1 channels to the 3 output channels.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["NodeSpec", "CAEArch", "KERNELS", "LAYER_TYPES"]

KERNELS = (1, 3, 5)
#: the 6 layer types of the Cat encoding, in category order (type index = kernel index * 2 + no-skip)
LAYER_TYPES: tuple[str, ...] = tuple(f"conv{k}x{k}{'+skip' if s else ''}" for k in KERNELS for s in (True, False))


@dataclass(frozen=True)
class NodeSpec:
    """One encoder node: kernel size, skip connection, output channels, input node index."""

    kernel: int
    skip: bool
    channels: int
    input: int

    @property
    def type_index(self) -> int:
        """Which of the 6 layer types (kernel x skip) -- types do not share weights."""
        return KERNELS.index(self.kernel) * 2 + (0 if self.skip else 1)


@dataclass(frozen=True)
class CAEArch:
    """A decoded architecture: ``nodes[i - 1]`` is node i; ``output`` is the output node's input."""

    nodes: tuple[NodeSpec, ...]
    output: int

    def active(self) -> list[int]:
        """Active node indices (1-based), from the input side to the output side."""
        path = []
        i = self.output
        while i > 0:
            path.append(i)
            i = self.nodes[i - 1].input
        return path[::-1]

    def to_dict(self) -> dict:
        return {
            "nodes": [
                {"node": i + 1, "kernel": n.kernel, "skip": n.skip, "channels": n.channels, "input": n.input}
                for i, n in enumerate(self.nodes)
            ],
            "output": self.output,
            "active": self.active(),
        }
