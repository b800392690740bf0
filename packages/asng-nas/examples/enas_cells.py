"""The built-in ENAS micro-cell space (section 3.2) is written with asng_nas.nn primitives.

``asng_nas.classification.supernet.Supernet`` is an ordinary module: node i of a cell has two
slots (a, b); each slot picks an input among the 2 + i states with an ``InputChoice`` and an
operation with a ``LayerChoice`` (one per input: the weights belong to (node, input, operation)).
Its variables are ``ENASSpace``'s, in the same order, so a sample of the built-in search means the
same architecture to every ``asng_nas.nn`` tool: the search loop passes a ``Genotype``, the nn
strategies activate ``{label: value}`` choices or set DARTS's mixture, and ``asng_nas.nn.export``
turns one architecture into a plain module.

    python enas_cells.py     # n_theta, one architecture run three ways, a DARTS forward
"""

from __future__ import annotations

import torch

import asng_nas.nn as ann
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet
from asng_opt import ASNG


def main(n_cells: int = 5, channels: int = 8, size: int = 16) -> None:
    torch.manual_seed(0)
    net = Supernet(n_cells, channels, n_classes=10, in_channels=3).eval()
    enas, space = ENASSpace(), ann.ModelSpace(net)
    print(f"n_theta: ENASSpace {enas.n_theta}, primitives {space.n_theta}; same order: {space.names == enas.names}")
    sample = enas.split(ASNG(enas.make_distribution(), lam=2, seed=0).ask(2))[0]
    x = torch.randn(2, 3, size, size)
    by_genotype = net(x, enas.decode(sample))  # what the built-in search does
    by_choices = net(x, space.decode(sample))  # what the asng_nas.nn strategies do
    exported = ann.export(net, space.decode(sample), example_input=x[:1]).module  # no choice left
    print("same logits three ways:", torch.equal(by_genotype, by_choices), torch.allclose(exported(x), by_genotype))
    relax = ann.Relaxation(net)  # DARTS: every input and operation mixed by softmax(alpha)
    relax.set_on()
    print(f"DARTS mixture over {len(relax.labels)} variables: logits {tuple(net(x).shape)}")


if __name__ == "__main__":
    main()
