"""The searched space: ENAS micro cells (Pham et al. 2018; the paper's section 3.2), the built-in
supernet of asng-nas (:class:`asng_nas.classification.supernet.Supernet`), which is written with
the ``asng_nas.nn`` primitives, so that every strategy runs on one and the same supernet.

Node ``i`` of a cell has two slots; a slot picks one of the ``2 + i`` earlier states with an
``InputChoice`` and an operation (``asng_nas.classification.ops.OP_NAMES``: separable 3 x 3 and
5 x 5 convolutions, 3 x 3 average and max pooling, identity) with a ``LayerChoice``. The weights
belong to (node, input, operation) and both slots of a node share them; all normal cells share one
set of labels, all reduction cells another (``4 * n_nodes`` variables per cell type). In the mixture
state (DARTS) every input runs through its mixed operation and the inputs are mixed; the cell
output is a 1 x 1 convolution of the concatenated nodes that no node reads (all nodes in the
mixture state).

``ENASCellNet(n_cells, channels, n_classes, in_channels, n_nodes, affine=...)`` is that class;
``forward(x: (N, in_channels, H, W)) -> (N, n_classes)`` runs the active architecture.
"""

from __future__ import annotations

from typing import Any

from asng_nas.classification.supernet import Supernet as ENASCellNet

__all__ = ["ENASCellNet", "count_parameters"]


def count_parameters(module: Any) -> int:
    """Number of parameters (elements) of ``module``."""
    return int(sum(p.numel() for p in module.parameters()))
