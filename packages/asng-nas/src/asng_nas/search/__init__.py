"""The generic search machinery: independent of the space, the network and the task.

:mod:`.space` (declarative search spaces), :mod:`.searcher` (the :class:`Searcher` facade, its
config and the protocols it needs), :mod:`.steps` (one weight step / theta step),
:mod:`.evaluator` (BN recalibration + evaluation), :mod:`.loop` (the epoch loop, progress and
logs), :mod:`.checkpoint` (checkpoint + RNG persistence, resume), :mod:`.distributed`
(multi-process hooks), :mod:`.export` (the default export), :mod:`.utils`.
"""

from .searcher import BatchLoader, SearchConfig, Searcher, SearchResult, Task, cosine_lr
from .space import Choice, FloatRange, IntRange, SearchSpace, mean_max_theta, split_samples

__all__ = [
    "BatchLoader",
    "SearchConfig",
    "Searcher",
    "SearchResult",
    "Task",
    "cosine_lr",
    "Choice",
    "IntRange",
    "FloatRange",
    "SearchSpace",
    "mean_max_theta",
    "split_samples",
]
