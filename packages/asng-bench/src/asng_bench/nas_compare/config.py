"""The study's settings: one supernet, one search budget and one retraining schedule for every strategy."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

__all__ = ["StudyConfig", "FULL", "QUICK", "STRATEGIES"]

#: strategy name -> what it is (the order of the tables and the figure)
STRATEGIES: dict[str, str] = {
    "asng": "ASNG-NAS, the paper's defaults (lambda = 2, delta0 = 1, alpha = 1.5)",
    "asng-d0.1": "ASNG-NAS with delta0 = 0.1",
    "random-ws": "random sampling with weight sharing, best of N by supernet validation accuracy (Li & Talwalkar 2019)",
    "darts": "first-order DARTS (Liu et al. 2019), argmax derivation",
}


@dataclass(frozen=True)
class StudyConfig:
    """Everything that must be equal across strategies and seeds.

    Supernet: ``n_cells`` ENAS cells of ``n_nodes`` nodes, ``channels`` channels, on images
    average-pooled by ``pool``. Search: ``iterations`` iterations of batch ``batch`` (one weight
    step on the weight half each, plus the strategy's architecture step on the other half), SGD
    (``lr`` cosine-annealed to 0 over the iterations, ``momentum``, ``weight_decay``,
    ``grad_clip``), as in the paper's search. Random sampling ranks ``rs_candidates`` uniform
    architectures on ``rs_eval_items`` items of the architecture half. DARTS's alphas: Adam
    (``alpha_lr``, betas (0.5, 0.999), ``alpha_wd``; DARTS's defaults). Retraining: a fresh
    network (affine BN) of the found cells, ``retrain_steps`` SGD steps of batch ``retrain_batch``
    on the whole training set, ``retrain_lr`` cosine-annealed, Nesterov momentum 0.9, weight decay
    ``weight_decay``; then the whole test set.
    """

    dataset: str = "fashion-mnist"
    pool: int = 2
    n_cells: int = 3
    n_nodes: int = 3
    channels: int = 8
    batch: int = 32
    iterations: int = 100
    log_every: int = 25
    lr: float = 0.025
    momentum: float = 0.9
    weight_decay: float = 3e-4
    grad_clip: float = 5.0
    rs_candidates: int = 10
    rs_eval_items: int = 512
    alpha_lr: float = 3e-4
    alpha_wd: float = 1e-3
    retrain_steps: int = 250
    retrain_batch: int = 64
    retrain_lr: float = 0.05

    def __post_init__(self) -> None:
        counts: tuple[str, ...] = ("pool", "n_cells", "n_nodes", "channels", "batch", "iterations", "log_every")
        counts += ("rs_candidates", "rs_eval_items", "retrain_steps", "retrain_batch")
        for name in counts:
            if getattr(self, name) < 1:
                raise ValueError(f"StudyConfig.{name} must be >= 1, got {getattr(self, name)}")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = StudyConfig()
#: --quick: a smoke run of the whole pipeline (minutes become seconds; nothing to conclude from it)
QUICK = StudyConfig(
    channels=4, n_cells=3, n_nodes=2, batch=16, iterations=6, log_every=3, rs_candidates=3, rs_eval_items=32,
    retrain_steps=4, retrain_batch=16,
)  # fmt: skip
