"""asng_nas: one-shot neural architecture search with ASNG (Akimoto, Shirakawa et al., ICML 2019).

Modules: :mod:`~asng_nas.space` (declarative search spaces, the ENAS micro space),
:mod:`~asng_nas.ops` / :mod:`~asng_nas.cells` / :mod:`~asng_nas.supernet` (weight-sharing
network that runs only the sampled operations), :mod:`~asng_nas.search` (the alternating
search loop with logs, checkpoints and resume), :mod:`~asng_nas.tasks` (classification task and
search builder), :mod:`~asng_nas.data` / :mod:`~asng_nas.augment` (offline data, batched
augmentation), :mod:`~asng_nas.export`, :mod:`~asng_nas.network` / :mod:`~asng_nas.retrain`
(the exported network), :mod:`~asng_nas.darts_baseline` and :mod:`~asng_nas.bench` (speed
comparison), :mod:`~asng_nas.cli`.
"""

from .genotype import CellGenotype, Genotype
from .search import SearchConfig, Searcher, SearchResult
from .space import OPS, Choice, ENASSpace, IntRange, SearchSpace
from .supernet import Supernet

__version__ = "0.1.0"

__all__ = [
    "CellGenotype",
    "Genotype",
    "SearchConfig",
    "Searcher",
    "SearchResult",
    "OPS",
    "Choice",
    "ENASSpace",
    "IntRange",
    "SearchSpace",
    "Supernet",
]
