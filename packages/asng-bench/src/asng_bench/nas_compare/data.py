"""The study's data: a labelled image set as standardised float tensors, the training set split
once into a weight half and an architecture half (the test set is only read by the retraining's
final evaluation), and seeded mini-batch streams over a half."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["StudyData", "load_study_data", "batches", "DATASETS"]

DATASETS = ("fashion-mnist",)


@dataclass
class StudyData:
    """``x_*``: ``(N, C, H, W)`` float32, standardised with the training set's per-channel mean
    and standard deviation; ``y_*``: ``(N,)`` int64. ``weight_idx`` / ``arch_idx``: the two halves
    of a fixed permutation of the training indices (supernet weights / architecture choice)."""

    name: str
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    weight_idx: torch.Tensor
    arch_idx: torch.Tensor
    n_classes: int

    @property
    def in_channels(self) -> int:
        return int(self.x_train.shape[1])


def load_study_data(name: str, data_dir: str | Path | None = None, pool: int = 1, split_seed: int = 0) -> StudyData:
    """Read ``fashion-mnist`` (IDX files in ``data_dir``, default Debian's
    ``/usr/share/datasets/fashion-mnist``; plain or gzipped).

    Args:
        pool: average-pool the images ``pool x pool`` (2: 28 x 28 -> 14 x 14), to fit small CPUs.
        split_seed: the seed of the permutation that splits the training set in halves.

    Raises:
        ValueError: an unknown data set, ``pool < 1``; FileNotFoundError: missing IDX files.
    """
    from asng_nas.classification.data import load_dataset

    if name not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(DATASETS)}")
    if pool < 1:
        raise ValueError(f"pool must be >= 1, got {pool}")
    raw = load_dataset(name, data_dir)
    mean = raw.x_train.double().div(255).mean(dim=(0, 2, 3)).float().view(1, -1, 1, 1)
    std = raw.x_train.double().div(255).std(dim=(0, 2, 3)).clamp_min(1e-3).float().view(1, -1, 1, 1)

    def prep(x: torch.Tensor) -> torch.Tensor:
        z = (x.float() / 255.0 - mean) / std
        return F.avg_pool2d(z, pool) if pool > 1 else z

    perm = torch.from_numpy(np.random.default_rng(split_seed).permutation(len(raw.x_train)))
    half = len(perm) // 2
    return StudyData(
        name,
        prep(raw.x_train).contiguous(),
        raw.y_train,
        prep(raw.x_test).contiguous(),
        raw.y_test,
        perm[:half],
        perm[half:],
        raw.n_classes,
    )


def batches(
    x: torch.Tensor, y: torch.Tensor, idx: torch.Tensor, batch: int, seed: int
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """An endless stream of ``(x: (batch, C, H, W), y: (batch,))`` mini-batches of the items
    ``idx``: one seeded permutation per pass (incomplete last batches dropped).

    Raises:
        ValueError: fewer items than ``batch``."""
    if len(idx) < batch:
        raise ValueError(f"{len(idx)} items, fewer than one batch of {batch}")
    g = torch.Generator().manual_seed(int(seed))
    while True:
        order = idx[torch.randperm(len(idx), generator=g)]
        for k in range(len(order) // batch):
            sel = order[k * batch : (k + 1) * batch]
            yield x[sel], y[sel]
