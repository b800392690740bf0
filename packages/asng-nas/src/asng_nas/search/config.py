"""What the search loop needs from its collaborators (:class:`Task`, :class:`BatchLoader`), its
hyper-parameters (:class:`SearchConfig`) and its outcome (:class:`SearchResult`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import torch

__all__ = ["Task", "BatchLoader", "SearchConfig", "SearchResult"]


class Task(Protocol):
    """What the search loop needs to know about the learning problem."""

    metric: str

    def prepare(self, batch: Any, train: bool, generator: torch.Generator | None) -> tuple[Any, Any]: ...

    def loss(self, outputs: Any, targets: Any) -> torch.Tensor: ...

    def metrics(self, outputs: Any, targets: Any) -> dict[str, float]: ...


class BatchLoader(Protocol):
    def __len__(self) -> int: ...

    def epoch(self, epoch: int) -> Iterator[Any]: ...


@dataclass
class SearchConfig:
    """Hyper-parameters of the search (defaults: the paper's CIFAR-10 search)."""

    epochs: int = 100
    lr: float = 0.025
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    lam_x: int = 2
    lam_theta: int = 2
    alpha: float = 1.5
    delta0: float = 1.0
    seed: int = 0
    schedule: str = "epoch"  # cosine annealing per "epoch" or per "iteration"
    iters_per_epoch: int | None = None  # cap on iterations per epoch (None: the whole half)
    eval_every: int = 1  # evaluate the most likely architecture every k epochs (0: at the end)
    bn_batches: int = 10  # weight-half batches that re-estimate BN statistics before evaluation
    amp: bool = True  # bf16 autocast (CUDA only)
    channels_last: bool = True  # (CUDA only)
    progress: bool = True

    def __post_init__(self) -> None:
        if self.schedule not in ("epoch", "iteration"):
            raise ValueError(f"schedule must be 'epoch' or 'iteration', got {self.schedule!r}")
        if self.epochs < 1 or self.lam_x < 1 or self.lam_theta < 2:
            raise ValueError("need epochs >= 1, lam_x >= 1 and lam_theta >= 2")


@dataclass
class SearchResult:
    """Outcome of :meth:`Searcher.run`."""

    most_likely: Any
    architecture: Any
    history: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = True
