"""asng_nas: one-shot neural architecture search with ASNG (Akimoto, Shirakawa et al., ICML 2019).

Layout: :mod:`~asng_nas.search` (the generic machinery: search spaces, the alternating search
loop with logs, checkpoints and resume, distributed hooks, export), :mod:`~asng_nas.classification`
(the ENAS/CIFAR cell space: ops, cells, supernet, network, genotype, task, data, augmentation,
retraining), :mod:`~asng_nas.inpainting` (the CAE inpainting space), :mod:`~asng_nas.bench`
(speed and distributed-throughput benchmarks, the DARTS baseline) and :mod:`~asng_nas.cli`.
"""

from .classification.genotype import CellGenotype, Genotype
from .classification.space import OPS, ENASSpace
from .classification.supernet import Supernet
from .search.searcher import SearchConfig, Searcher, SearchResult
from .search.space import Choice, FloatRange, IntRange, SearchSpace

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
    "FloatRange",
    "SearchSpace",
    "Supernet",
]
