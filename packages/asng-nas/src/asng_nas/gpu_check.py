"""GPU readiness check: ``python -m asng_nas.gpu_check [--device cuda] [--out DIR] [--tiny]``.

Needs only torch, numpy and the two asng packages (no data set, no download, no tqdm, no
scikit-learn), so it runs on a machine that has torch preinstalled and the repository copied
(``PYTHONPATH=packages/asng-opt/src:packages/asng-nas/src``; see ``docs/gpu_check.md``). On
CIFAR-shaped synthetic data (3 x 32 x 32, 10 classes) it

1. runs one search epoch (:func:`asng_nas.classification.task.build_search`) and one retraining
   epoch of the architecture found (:func:`asng_nas.classification.retrain.retrain`) with bf16
   autocast and channels_last (the package applies both on CUDA only), checks that their losses
   are finite and measures images/s;
2. evaluates the same sampled architectures of the searched supernet, with the same weights, on
   the same batch in fp32 on the CPU and under bf16 autocast (channels_last on CUDA) on the
   device: the losses must agree within :func:`loss_tolerance`, and every pair of architectures
   whose fp32 losses differ by more than twice the tolerance must be ranked the same way
   (Spearman's rho and Kendall's tau are reported too);
3. times one ASNG-NAS iteration against one first-order DARTS iteration on the device
   (:func:`asng_nas.bench.speed.bench_iteration`).

Writes ``gpu_check.json`` and ``gpu_check.md`` under ``--out`` (default
``results/nas/gpu_check/``); exits 0 when every check passes, 1 otherwise, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.machinery
import json
import math
import platform
import sys
import tempfile
import time
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

__all__ = [
    "Sizes",
    "FULL",
    "TINY",
    "synthetic_cifar",
    "loss_tolerance",
    "rank_correlations",
    "check_device",
    "run_check",
    "to_markdown",
    "main",
]

CPU_PRECISION = "fp32 (the search and retraining autocast on CUDA only; the comparison uses bf16 on the CPU too)"
BF16_UNIT_ROUNDOFF = 2.0**-8  # bf16 keeps 8 significant bits: relative rounding error <= 2^-8 (round to nearest)


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


def _ensure_tqdm() -> None:
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
    from .classification.augment import Augment
    from .classification.data import ImageData

    g = torch.Generator().manual_seed(seed)
    templates = F.interpolate(torch.rand(10, 3, 8, 8, generator=g), size=32, mode="bilinear", align_corners=False)

    def draw(n: int) -> tuple[torch.Tensor, torch.Tensor]:
        y = torch.randint(0, 10, (n,), generator=g)
        x = 0.5 + 0.7 * (templates[y] - 0.5) + 0.15 * torch.randn(n, 3, 32, 32, generator=g)
        return (x.clamp(0, 1) * 255).round().to(torch.uint8), y

    x_tr, y_tr = draw(n_train)
    x_te, y_te = draw(n_test)
    return ImageData("synthetic-cifar", x_tr, y_tr, x_te, y_te, 10, augment=Augment(pad=4, flip=True))


def loss_tolerance(loss: float) -> float:
    """Largest accepted ``|bf16 loss - fp32 loss|`` for a cross-entropy ``loss``: 0.02 + 0.02 x loss.

    Why: bf16 rounds every stored activation with a relative error of at most
    u = 2^-8 ~ 0.39 %. The supernet's logits pass through a few dozen such roundings, but batch
    normalisation rescales after every cell, so the errors do not compound multiplicatively;
    allowing about 5u (2 %) relative error on the logits and using
    ``|CE(z') - CE(z)| <= 2 max_i |z'_i - z_i|`` (the gradient of cross-entropy in the logits is
    softmax - one-hot, whose L1 norm is at most 2), with logits of the size of the loss, gives
    a bound of about 2 % of the loss; the absolute 0.02 covers losses near 0 and the different
    summation orders of the two devices' kernels. Measured on the CPU (bf16 autocast there, the
    ``--tiny`` network after one search epoch): differences below 0.001 on losses near 2.3.
    """
    return 0.02 + 0.02 * abs(loss)


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of ``x`` (ties get their mean rank)."""
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x), dtype=float)
    r[order] = np.arange(1, len(x) + 1)
    for v in np.unique(x):
        tie = x == v
        r[tie] = r[tie].mean()
    return r


def rank_correlations(a: Sequence[float], b: Sequence[float]) -> dict[str, float]:
    """Spearman's rho (Pearson correlation of the ranks) and Kendall's tau-b (concordant minus
    discordant pairs over the square root of the untied pair counts) of two equal-length
    sequences; numpy only. NaN where a sequence is constant."""
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError(f"need two 1-d sequences of the same length >= 2, got {x.shape} and {y.shape}")
    rx, ry = _ranks(x), _ranks(y)
    sx, sy = rx.std(), ry.std()
    rho = float(((rx - rx.mean()) * (ry - ry.mean())).mean() / (sx * sy)) if sx > 0 and sy > 0 else math.nan
    i, j = np.triu_indices(len(x), 1)
    dx, dy = np.sign(x[i] - x[j]), np.sign(y[i] - y[j])
    n1, n2 = np.count_nonzero(dx), np.count_nonzero(dy)
    tau = float((dx * dy).sum() / math.sqrt(n1 * n2)) if n1 and n2 else math.nan
    return {"spearman": rho, "kendall": tau}


def _sync(dev: torch.device) -> None:
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)


def _search_epoch(data: Any, sz: Sizes, dev: torch.device, seed: int) -> tuple[Any, dict[str, Any]]:
    from .classification.task import build_search
    from .search.config import SearchConfig

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


def _retrain_epoch(genotype: Any, data: Any, sz: Sizes, dev: torch.device, seed: int, compile: str) -> dict[str, Any]:
    from .classification.retrain import CellRetrainConfig, retrain

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


def _compare(searcher: Any, data: Any, sz: Sizes, dev: torch.device, seed: int) -> dict[str, Any]:
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


def _bench(sz: Sizes, dev: torch.device, seed: int) -> dict[str, Any]:
    from .bench.speed import bench_iteration

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
    """Run the three parts of the check (module docstring) and return the report (a JSON-able
    dict with ``"passed"``). Raises ``ValueError`` for a CUDA device on a machine without one."""
    dev = check_device(device)
    _ensure_tqdm()
    from .search.utils import seed_everything

    sz = TINY if tiny else FULL
    t0 = time.perf_counter()
    seed_everything(seed)
    data = synthetic_cifar(sz.n_train, sz.n_test, seed)
    searcher, search = _search_epoch(data, sz, dev, seed)
    _sync(dev)
    retraining = _retrain_epoch(searcher.result.architecture, data, sz, dev, seed, compile)
    comparison = _compare(searcher, data, sz, dev, seed)
    bench = _bench(sz, dev, seed)
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


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def to_markdown(r: dict[str, Any]) -> str:
    """The report as a short markdown page."""
    s, t, c, b = r["search_epoch"], r["retrain_epoch"], r["fp32_cpu_vs_bf16_device"], r["asng_vs_darts_iteration"]
    lines = [
        f"# GPU check: {'PASSED' if r['passed'] else 'FAILED'}",
        "",
        f"Device {r['device']} ({r['device_name']}), torch {r['torch']}, {r['precision']}, size {r['size']}, "
        f"{r['seconds']:.1f} s in all. Data: {r['data']}.",
        "",
        "| check | result |",
        "|---|---|",
        *[f"| {k} | {'ok' if v else 'FAILED'} |" for k, v in r["checks"].items()],
        "",
        "| part | iterations x batch | seconds | images/s | train loss | test loss |",
        "|---|---|---|---|---|---|",
        f"| search epoch ({s['cells']} cells, C = {s['channels']}) | {s['iterations']} x {s['batch_size']} (x2) | "
        f"{_fmt(s['seconds'])} | {_fmt(s['images_per_second'])} | {_fmt(s['train_loss'])} | {_fmt(s['test_loss'])} |",
        f"| retraining epoch ({t['cells']} cells, C = {t['channels']}, {t['parameters']} parameters, "
        f"compile {t['compile']}) | {t['iterations']} x {t['batch_size']} | {_fmt(t['seconds'])} | "
        f"{_fmt(t['images_per_second'])} | {_fmt(t['train_loss'])} | {_fmt(t['test_loss'])} |",
        "",
        f"Search images/s counts the weight batch and the theta batch of each iteration. "
        f"ASNG-NAS iteration {b['asng_seconds'] * 1e3:.1f} ms, first-order DARTS iteration "
        f"{b['darts_seconds'] * 1e3:.1f} ms ({b['cells']} cells, C = {b['channels']}, batch {b['batch_size']} of "
        f"{b['image_size']} x {b['image_size']}, "
        f"{b['precision']}): ASNG / DARTS = {b['asng_over_darts']:.3f} (DARTS / ASNG = {b['darts_over_asng']:.2f}).",
        "",
        f"## fp32 (CPU) against bf16 autocast ({r['device']}): {c['n_archs']} architectures, one batch of "
        f"{c['batch_size']}",
        "",
        "Tolerance per architecture: |bf16 - fp32| <= 0.02 + 0.02 x loss (see `loss_tolerance`).",
        "",
        "| architecture | fp32 loss | bf16 loss | abs diff | tolerance |",
        "|---|---|---|---|---|",
        *[
            f"| {i} | {a:.5f} | {bb:.5f} | {d:.2e} | {tol:.3f} |"
            for i, (a, bb, d, tol) in enumerate(
                zip(c["fp32_cpu_losses"], c["bf16_device_losses"], c["abs_diffs"], c["tolerances"])
            )
        ],
        "",
        f"Spearman rho {_fmt(c['spearman'])}, Kendall tau {_fmt(c['kendall'])}, same order: {c['same_order']}; "
        f"{c['pairs_resolved_same_order']} of the {c['pairs_resolved']} pairs whose fp32 losses differ by more "
        f"than both tolerances keep their order (closer pairs may swap within rounding).",
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    from .search.training import COMPILE_CHOICES
    from .search.utils import atomic_write_text, to_jsonable

    ap = argparse.ArgumentParser(prog="python -m asng_nas.gpu_check", description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda", help="cuda (default), cuda:1, cpu")
    ap.add_argument("--out", default="results/nas/gpu_check", help="folder for gpu_check.json / gpu_check.md")
    ap.add_argument("--tiny", action="store_true", help="tiny sizes (a CPU test: seconds)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--compile", default="off", choices=COMPILE_CHOICES, help="torch.compile of the retraining")
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    try:
        check_device(args.device)
    except ValueError as e:
        print(f"gpu_check: error: {e}", file=sys.stderr)
        return 2
    report = run_check(args.device, args.tiny, args.seed, args.compile)
    out = Path(args.out)
    atomic_write_text(out / "gpu_check.json", json.dumps(to_jsonable(report), indent=2) + "\n")
    atomic_write_text(out / "gpu_check.md", to_markdown(report))
    print(to_markdown(report))
    print(f"-> {out / 'gpu_check.json'}, {out / 'gpu_check.md'}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
