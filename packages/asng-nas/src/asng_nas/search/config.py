"""What the search loop needs from its collaborators (:class:`Task`, :class:`BatchLoader`), its
hyper-parameters (:class:`SearchConfig`, on :class:`TrainConfig`, which the cell retraining
shares) and its outcome (:class:`SearchResult`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, cast

import torch

__all__ = ["Task", "BatchLoader", "TrainConfig", "SearchConfig", "SearchResult"]


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
class TrainConfig:
    """The SGD training hyper-parameters the search and the cell retraining share (defaults: the
    paper's CIFAR-10 settings), validated once here.

    ``epochs`` of at most ``iters_per_epoch`` iterations (None: the whole data), SGD with
    ``momentum`` and ``weight_decay`` and cosine annealing from ``lr`` to ``lr_min``, gradient
    norm clipped to ``grad_clip`` (0: off); evaluation every ``eval_every`` epochs (0: at the end);
    bf16 autocast (``amp``) and ``channels_last`` on CUDA only; ``progress``: a progress bar and
    one line per epoch. Raises ``ValueError`` naming the field for a value out of range, and
    naming both for ``lr_min > lr``.
    """

    epochs: int = 100
    lr: float = 0.025
    lr_min: float = 0.0
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    seed: int = 0
    iters_per_epoch: int | None = None
    eval_every: int = 1
    amp: bool = True
    channels_last: bool = True
    progress: bool = True

    def __post_init__(self) -> None:
        if self.epochs < 1:
            raise ValueError("need epochs >= 1")
        if not (self.lr > 0 and self.lr_min >= 0 and 0 <= self.momentum < 1):
            raise ValueError(
                f"need lr > 0, lr_min >= 0, 0 <= momentum < 1; got {self.lr}, {self.lr_min}, {self.momentum}"
            )
        if self.lr_min > self.lr:
            raise ValueError(
                f"need lr_min <= lr (the cosine schedule anneals from lr down to lr_min); got lr_min {self.lr_min} "
                f"> lr {self.lr}: lower lr_min (--lr-min) or raise lr (--lr)"
            )
        if not (self.weight_decay >= 0 and self.grad_clip >= 0 and self.eval_every >= 0):
            raise ValueError(
                f"need weight_decay, grad_clip and eval_every >= 0; got {self.weight_decay}, {self.grad_clip}, "
                f"{self.eval_every}"
            )
        if self.iters_per_epoch is not None and self.iters_per_epoch < 1:
            raise ValueError(f"need iters_per_epoch >= 1 (or None: the whole data), got {self.iters_per_epoch}")


@dataclass
class SearchConfig(TrainConfig):
    """Hyper-parameters of the search (defaults: the paper's CIFAR-10 search): those of
    :class:`TrainConfig` and ASNG's."""

    # architectures per weight / theta step; None (the default): the world size, at least 2.
    # Always an int once constructed (hence the cast of the default).
    lam_x: int = cast(int, None)
    lam_theta: int = cast(int, None)
    alpha: float = 1.5
    delta0: float = 1.0
    schedule: str = "epoch"  # cosine annealing per "epoch" or per "iteration"
    bn_batches: int = 10  # weight-half batches that re-estimate BN statistics before evaluation
    world_size: int = 1  # processes that share the architectures of a step (torchrun's WORLD_SIZE)
    # the run's iterations in all (None: epochs x the iterations per epoch). Set, the last of the
    # epochs is cut short to make the count exact; it must then fall in the last epoch (the
    # searcher checks). The inpainting search's ``iterations`` sets it.
    total_iterations: int | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.schedule not in ("epoch", "iteration"):
            raise ValueError(f"schedule must be 'epoch' or 'iteration', got {self.schedule!r}")
        if self.world_size < 1:
            raise ValueError(f"need world_size >= 1, got {self.world_size}")
        if self.total_iterations is not None and self.total_iterations < 1:
            raise ValueError(f"need total_iterations >= 1 (or None: whole epochs), got {self.total_iterations}")
        # the paper's rule (section 2.3): lambda_x = lambda_theta = #processes, at least 2
        if self.lam_x is None:
            self.lam_x = max(2, self.world_size)
        if self.lam_theta is None:
            self.lam_theta = max(2, self.world_size)
        self.check_lambdas(self.world_size)

    def check_lambdas(self, world_size: int) -> None:
        """Raise ``ValueError`` unless ``lam_x >= 1``, ``lam_theta >= 2`` (ASNG ranks at least two
        samples) and both are at least ``world_size`` (every process evaluates at least one
        architecture of each step). The one place the lambdas are validated."""
        if self.lam_x < 1 or self.lam_theta < 2:
            raise ValueError(f"need lam_x >= 1 and lam_theta >= 2, got {self.lam_x} and {self.lam_theta}")
        if min(self.lam_x, self.lam_theta) < world_size:
            raise ValueError(
                f"lam_x={self.lam_x} and lam_theta={self.lam_theta} must be >= the world size "
                f"{world_size}: every process evaluates at least one architecture"
            )


@dataclass
class SearchResult:
    """Outcome of :meth:`Searcher.run`."""

    most_likely: Any
    architecture: Any
    history: list[dict[str, Any]] = field(default_factory=list)
    finished: bool = True
