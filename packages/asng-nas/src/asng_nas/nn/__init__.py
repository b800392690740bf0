"""asng_nas.nn: search any PyTorch model.

Write an ordinary ``nn.Module`` with choice primitives in it -- :class:`LayerChoice` (one of
several modules runs), :class:`InputChoice` (choose among incoming tensors), :class:`ValueChoice`
/ :class:`IntChoice` (a value, e.g. a kernel size or a width, as an argument of the weight-sharing
:class:`Conv2d`, :class:`Linear`, :class:`BatchNorm2d`) -- and hand it to :func:`search`. Then
:func:`export` the architecture found as a plain module and :func:`rebuild` it from its JSON.

Modules: :mod:`.mutable` (the variable and its evaluation state), :mod:`.values`, :mod:`.layers`,
:mod:`.ops` (the primitives), :mod:`.transpose` (a weight-sharing
:class:`ConvTranspose2d`), :mod:`.wired` (:class:`ChosenValue`: a size set by an upstream choice,
and :class:`WiredConv2d`, which takes one), :mod:`.switch` (:class:`Switch`: a module picked by
a value choice, also an ordinal one), :mod:`.discover` (find, activate, mix), :mod:`.space` (the named
asng-opt space), :mod:`.export`, :mod:`.prune` (drop what an architecture never runs),
:mod:`.strategy` (how strategies evaluate choices; DARTS's relaxation), :mod:`.data`,
:mod:`.task`, :mod:`.search` (the entry point).
"""

from .data import DataLoaderAdapter, DatasetLoader, split_halves
from .discover import Variable, activate, discover, set_mixture
from .export import Exported, export, rebuild
from .layers import FixedInputs, InputChoice, LayerChoice
from .mutable import Mutable
from .ops import BatchNorm2d, Conv2d, Linear
from .prune import Unused
from .search import NNSearchResult, Supernet, build_search, search
from .space import ModelSpace, named_space
from .strategy import Relaxation
from .switch import Switch
from .task import SupervisedTask, accuracy
from .transpose import ConvTranspose2d
from .values import IntChoice, ValueChoice
from .wired import ChosenValue, WiredConv2d

__all__ = [
    "LayerChoice",
    "InputChoice",
    "ValueChoice",
    "IntChoice",
    "Conv2d",
    "Linear",
    "BatchNorm2d",
    "ConvTranspose2d",
    "WiredConv2d",
    "ChosenValue",
    "Switch",
    "FixedInputs",
    "Mutable",
    "Variable",
    "discover",
    "activate",
    "set_mixture",
    "ModelSpace",
    "named_space",
    "export",
    "rebuild",
    "Exported",
    "Unused",
    "Relaxation",
    "search",
    "build_search",
    "Supernet",
    "NNSearchResult",
    "SupervisedTask",
    "accuracy",
    "DatasetLoader",
    "DataLoaderAdapter",
    "split_halves",
]
