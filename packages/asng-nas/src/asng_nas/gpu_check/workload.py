"""What the GPU check runs on: its sizes (:data:`FULL` for one GPU, :data:`TINY` for a CPU test)
and CIFAR-shaped synthetic data; a silent stand-in for tqdm where it is not installed."""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["FULL", "TINY", "Sizes", "ensure_tqdm", "synthetic_cifar"]


@dataclass(frozen=True)
class Sizes:
    """How big each part of the check is (``FULL`` for one GPU, ``TINY`` for a CPU test)."""

    n_train: int
    n_test: int
    search_cells: int
    search_channels: int
    search_batch: int
    retrain_cells: int
    retrain_channels: int
    retrain_batch: int
    n_archs: int
    compare_batch: int
    bench_cells: int
    bench_channels: int
    bench_batch: int
    bench_image: int
    bench_repeats: int
    bench_warmup: int


FULL = Sizes(8192, 1024, 8, 16, 128, 20, 36, 128, 8, 256, 8, 16, 64, 32, 10, 2)
TINY = Sizes(64, 16, 3, 4, 16, 3, 4, 16, 4, 16, 2, 4, 4, 16, 1, 0)


def ensure_tqdm() -> None:
    """The search and retraining loops import ``tqdm.auto`` for their progress bars (disabled
    here); on a machine without tqdm, register a silent stand-in."""
    try:
        importlib.import_module("tqdm.auto")
    except ImportError:

        class _Bar:
            def __init__(self, *args: Any, **kwargs: Any):
                pass

            def __getattr__(self, name: str) -> Any:
                return lambda *a, **k: None

        mod = types.ModuleType("tqdm.auto")
        mod.tqdm = _Bar  # type: ignore[attr-defined]
        mod.__spec__ = importlib.machinery.ModuleSpec("tqdm.auto", None)
        pkg = types.ModuleType("tqdm")
        pkg.auto = mod  # type: ignore[attr-defined]
        pkg.__spec__ = importlib.machinery.ModuleSpec("tqdm", None, is_package=True)
        sys.modules["tqdm"] = pkg
        sys.modules["tqdm.auto"] = mod


def synthetic_cifar(n_train: int, n_test: int, seed: int = 0) -> Any:
    """CIFAR-shaped synthetic :class:`~asng_nas.classification.data.ImageData`: uint8
    ``(N, 3, 32, 32)`` images, 10 classes; each class is a smooth random 8 x 8 colour pattern
    (upsampled to 32 x 32) plus pixel noise, so that a network learns something in one epoch."""
    from ..classification.augment import Augment
    from ..classification.data import ImageData

    g = torch.Generator().manual_seed(seed)
    templates = F.interpolate(torch.rand(10, 3, 8, 8, generator=g), size=32, mode="bilinear", align_corners=False)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, 10, (n,), generator=g)
        x = 0.5 + 0.7 * (templates[y] - 0.5) + 0.15 * torch.randn(n, 3, 32, 32, generator=g)
        return (x.clamp(0, 1) * 255).round().to(torch.uint8), y

    x_tr, y_tr = draw(n_train)
    x_te, y_te = draw(n_test)
    return ImageData("synthetic-cifar", x_tr, y_tr, x_te, y_te, 10, augment=Augment(pad=4, flip=True))
