"""The three measured parts of the GPU check: one search epoch, one retraining epoch, fp32 (CPU)
against bf16 autocast (device) on the same architectures and weights, and one ASNG-NAS iteration
against one DARTS iteration. Each returns a JSON-able dict."""

from __future__ import annotations

import copy
import math
import tempfile
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .stats import loss_tolerance, rank_correlations
from .workload import Sizes

__all__ = ["bench_part", "compare_part", "retrain_part", "search_part", "sync"]


def sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def search_part(data: Any, sz: Sizes, dev: torch.device, seed: int) -> tuple[Any, dict[str, Any]]:
    from ..classification.task import build_search
    from ..search.config import SearchConfig

    cfg = SearchConfig(epochs=1, seed=seed, progress=False, amp=True, channels_last=True, bn_batches=2)
    s = build_search(data, None, cfg, sz.search_cells, sz.search_channels, batch_size=sz.search_batch, device=dev)
    res = s.run()
    s.result = res  # type: ignore[attr-defined]
    rec = res.history[-1]
    n_img = 2 * sz.search_batch * s.iters_per_epoch  # a weight batch and a theta batch per iteration
    out = {
        "iterations": s.iters_per_epoch,
        "batch_size": sz.search_batch,
        "cells": sz.search_cells,
        "channels": sz.search_channels,
        "seconds": s.search_seconds,
        "images_per_second": n_img / s.search_seconds,
        "train_loss": rec["train_loss"],
        "theta_loss": rec["theta_loss"],
        "test_loss": rec.get("test_loss"),
        "test_accuracy": rec.get("test_accuracy"),
    }
    out["finite"] = all(math.isfinite(out[k]) for k in ("train_loss", "theta_loss"))
    return s, out


def retrain_part(genotype: Any, data: Any, sz: Sizes, dev: torch.device, seed: int, compile: str) -> dict[str, Any]:
    from ..classification.retrain import CellRetrainConfig, retrain

    cfg = CellRetrainConfig(
        epochs=1,
        batch_size=sz.retrain_batch,
        n_cells=sz.retrain_cells,
        channels=sz.retrain_channels,
        seed=seed,
        amp=True,
        channels_last=True,
        progress=False,
        compile=compile,
    )
    records: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        summary = retrain(genotype, data, tmp, cfg, dev, on_epoch_end=records.append)
    rec = records[-1]
    n_iter = len(data.x_train) // sz.retrain_batch
    out = {
        "iterations": n_iter,
        "batch_size": sz.retrain_batch,
        "cells": sz.retrain_cells,
        "channels": sz.retrain_channels,
        "parameters": summary["n_params"],
        "compile": compile,
        "seconds": rec["train_seconds"],
        "images_per_second": n_iter * sz.retrain_batch / rec["train_seconds"],
        "train_loss": rec["train_loss"],
        "test_loss": rec.get("test_loss"),
        "test_accuracy": rec.get("test_accuracy"),
    }
    out["finite"] = all(math.isfinite(v) for v in (out["train_loss"], out["test_loss"] or 0.0))
    return out


@torch.no_grad()
def _losses(model: Any, archs: list[Any], x: torch.Tensor, y: torch.Tensor, bf16: bool) -> list[float]:
    """Mean cross-entropy (fp32) of each architecture on ``(x, y)``, BN in training mode (batch
    statistics, as in the theta step), under bf16 autocast when ``bf16``."""
    model.train()
    out = []
    for arch in archs:
        ctx = (
            torch.autocast(x.device.type, dtype=torch.bfloat16)
            if bf16
            else torch.autocast(x.device.type, enabled=False)
        )
        with ctx:
            logits = model(x, arch)
        out.append(float(F.cross_entropy(logits.float(), y)))
    return out


def compare_part(searcher: Any, data: Any, sz: Sizes, dev: torch.device, seed: int) -> dict[str, Any]:
    """The same ``n_archs`` architectures (drawn from the searched distribution), the same
    weights and the same batch: fp32 on the CPU against bf16 autocast (+ channels_last on CUDA)
    on ``dev``."""
    space = searcher.space
    samples = space.split(searcher.asng.ask(sz.n_archs))  # from the searched distribution
    archs = [space.decode(s) for s in samples]
    x = (data.x_test[: sz.compare_batch].float() / 255.0 - torch.tensor(data.mean).view(1, -1, 1, 1)) / torch.tensor(
        data.std
    ).view(1, -1, 1, 1)
    y = data.y_test[: sz.compare_batch]
    # the searched weights, as fp32 contiguous tensors on the CPU, and a copy of those on the device
    cpu_model = copy.deepcopy(searcher.model).to("cpu", memory_format=torch.contiguous_format).float()
    dev_model = copy.deepcopy(cpu_model).to(dev)
    xd = x.to(dev)
    if dev.type == "cuda":
        dev_model = dev_model.to(memory_format=torch.channels_last)
        xd = xd.contiguous(memory_format=torch.channels_last)
    fp32 = _losses(cpu_model, archs, x, y, bf16=False)
    bf16 = _losses(dev_model, archs, xd, y.to(dev), bf16=True)
    diffs = [abs(a - b) for a, b in zip(fp32, bf16)]
    tols = [loss_tolerance(v) for v in fp32]
    resolved = consistent = 0
    for i in range(len(fp32)):
        for j in range(i + 1, len(fp32)):
            if abs(fp32[i] - fp32[j]) > tols[i] + tols[j]:  # a gap larger than both errors together
                resolved += 1
                consistent += (fp32[i] - fp32[j]) * (bf16[i] - bf16[j]) > 0
    corr = rank_correlations(fp32, bf16)
    return {
        "n_archs": len(archs),
        "batch_size": len(y),
        "fp32_cpu_losses": fp32,
        "bf16_device_losses": bf16,
        "abs_diffs": diffs,
        "tolerances": tols,
        "max_abs_diff": max(diffs),
        "max_rel_diff": max(d / max(abs(v), 1e-12) for d, v in zip(diffs, fp32)),
        "within_tolerance": all(d <= t for d, t in zip(diffs, tols)),
        "finite": all(math.isfinite(v) for v in fp32 + bf16),
        "same_order": bool(np.array_equal(np.argsort(fp32, kind="stable"), np.argsort(bf16, kind="stable"))),
        "pairs_resolved": resolved,
        "pairs_resolved_same_order": int(consistent),
        **corr,
    }


def bench_part(sz: Sizes, dev: torch.device, seed: int) -> dict[str, Any]:
    from ..bench.speed import bench_iteration

    r = bench_iteration(
        sz.bench_cells,
        sz.bench_channels,
        sz.bench_batch,
        sz.bench_image,
        sz.bench_repeats,
        warmup=sz.bench_warmup,
        seed=seed,
        device=dev,
    )
    return {
        "cells": r["n_cells"],
        "channels": r["channels"],
        "batch_size": r["batch_size"],
        "image_size": r["image_size"],
        "repeats": r["repeats"],
        "precision": "fp32 (asng_nas.bench.speed: no autocast)",
        "asng_seconds": r["asng_seconds"],
        "darts_seconds": r["darts_seconds"],
        "asng_over_darts": r["asng_seconds"] / r["darts_seconds"],
        "darts_over_asng": r["ratio_darts_over_asng"],
    }
