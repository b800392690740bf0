"""The GPU check as a whole: :func:`run_check` runs its parts and returns the report."""

from __future__ import annotations

import platform
import time
from typing import Any

import torch

from .parts import bench_part, compare_part, retrain_part, search_part, sync
from .workload import FULL, TINY, ensure_tqdm, synthetic_cifar

__all__ = ["check_device", "run_check"]


def check_device(device: str | torch.device) -> torch.device:
    """``torch.device(device)``; raises ``ValueError`` for a malformed name or a CUDA device on a
    machine without CUDA."""
    try:
        dev = torch.device(device)
    except RuntimeError as e:
        raise ValueError(f"bad device {device!r}: {e}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device} asked for, but torch.cuda.is_available() is False on this machine")
    return dev


def run_check(
    device: str | torch.device = "cuda", tiny: bool = False, seed: int = 0, compile: str = "off"
) -> dict[str, Any]:
    """Run the three parts of the check (the docstring of :mod:`asng_nas.gpu_check`) and return the report (a JSON-able
    dict with ``"passed"``). Raises ``ValueError`` for a CUDA device on a machine without one."""
    dev = check_device(device)
    ensure_tqdm()
    from ..search.utils import seed_everything

    sz = TINY if tiny else FULL
    t0 = time.perf_counter()
    seed_everything(seed)
    data = synthetic_cifar(sz.n_train, sz.n_test, seed)
    searcher, search = search_part(data, sz, dev, seed)
    sync(dev)
    retraining = retrain_part(searcher.result.architecture, data, sz, dev, seed, compile)
    comparison = compare_part(searcher, data, sz, dev, seed)
    bench = bench_part(sz, dev, seed)
    checks = {
        "search_losses_finite": search["finite"],
        "retrain_losses_finite": retraining["finite"],
        "compare_losses_finite": comparison["finite"],
        "bf16_within_tolerance": comparison["within_tolerance"],
        "resolved_pairs_ranked_alike": comparison["pairs_resolved_same_order"] == comparison["pairs_resolved"],
    }
    report = {
        "passed": all(checks.values()),
        "checks": checks,
        "device": str(dev),
        "device_name": torch.cuda.get_device_name(dev) if dev.type == "cuda" else (platform.processor() or "cpu"),
        "size": "tiny" if tiny else "full",
        "precision": "bf16 autocast + channels_last"
        if dev.type == "cuda"
        else "fp32 (the package autocasts on CUDA only)",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        "seed": seed,
        "data": f"synthetic CIFAR-shaped: {sz.n_train} train / {sz.n_test} test images, 3 x 32 x 32, 10 classes",
        "search_epoch": search,
        "retrain_epoch": retraining,
        "fp32_cpu_vs_bf16_device": comparison,
        "asng_vs_darts_iteration": bench,
        "seconds": time.perf_counter() - t0,
    }
    if dev.type == "cuda":
        report["max_memory_gib"] = torch.cuda.max_memory_allocated(dev) / 2**30
    return report
