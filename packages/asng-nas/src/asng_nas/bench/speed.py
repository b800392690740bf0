"""Cost of one ASNG-NAS search iteration against a first-order DARTS iteration on the same space.

``python -m asng_nas.bench --out results/nas/`` writes ``search_iteration.csv`` and
``search_iteration.json``: median seconds per iteration of each method and the ratio
DARTS / ASNG (the paper's claim: ASNG-NAS only runs the sampled operations, so it is faster).
Both use the same :class:`~asng_nas.classification.supernet.Supernet` modules and synthetic batches; the ASNG
iteration is :meth:`Searcher.weight_step` + :meth:`Searcher.theta_step` (lambda_x = lambda_theta
= 2, including ask/tell), the DARTS one is :meth:`DartsBaseline.step`.
"""

from __future__ import annotations

import argparse
import csv
import json
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import torch

from ..classification.space import ENASSpace
from ..classification.supernet import Supernet
from ..classification.task import ClassificationTask
from ..search.searcher import SearchConfig, Searcher
from ..search.utils import atomic_write_text, resolve_device
from .darts_baseline import DartsBaseline

__all__ = ["bench_iteration", "main"]


class _Batches:
    """A stand-in loader: ``n`` fixed batches."""

    def __init__(self, batch: tuple[torch.Tensor, torch.Tensor], n: int = 1000):
        self.batch, self.n = batch, n

    def __len__(self) -> int:
        return self.n

    def epoch(self, epoch: int):  # noqa: ANN201
        for _ in range(self.n):
            yield self.batch


def _time_pair(
    fa: Callable[[], Any],
    fb: Callable[[], Any],
    repeats: int,
    warmup: int,
    sync: Callable[[], None],
) -> tuple[list[float], list[float]]:
    """Seconds of ``fa`` and ``fb``, interleaved so that load changes hit both alike."""
    for _ in range(warmup):
        fa()
        fb()
    sync()
    ta: list[float] = []
    tb: list[float] = []
    for _ in range(repeats):
        for f, out in ((fa, ta), (fb, tb)):
            t = time.perf_counter()
            f()
            sync()
            out.append(time.perf_counter() - t)
    return ta, tb


def bench_iteration(
    n_cells: int = 5,
    channels: int = 8,
    batch_size: int = 32,
    image_size: int = 32,
    repeats: int = 10,
    warmup: int = 2,
    seed: int = 0,
    device: str | torch.device | None = "cpu",
) -> dict[str, Any]:
    """Median seconds of one iteration of each method and their ratio (DARTS / ASNG)."""
    dev = resolve_device(device)
    torch.manual_seed(seed)
    space = ENASSpace()
    net = Supernet(n_cells, channels, 10, 3, affine=False).to(dev)
    g = torch.Generator().manual_seed(seed)
    xw = torch.randn(batch_size, 3, image_size, image_size, generator=g).to(dev)
    xt = torch.randn(batch_size, 3, image_size, image_size, generator=g).to(dev)
    yw = torch.randint(0, 10, (batch_size,), generator=g).to(dev)
    yt = torch.randint(0, 10, (batch_size,), generator=g).to(dev)
    bw, bt = (xw, yw), (xt, yt)
    cfg = SearchConfig(epochs=1, seed=seed, progress=False, amp=False, channels_last=False)
    searcher = Searcher(net, space, ClassificationTask(None), _Batches(bw), _Batches(bt), None, cfg, None, dev)
    darts = DartsBaseline(net, space.ops, space.n_nodes)
    sync = (lambda: torch.cuda.synchronize(dev)) if dev.type == "cuda" else (lambda: None)

    def asng_iter() -> None:
        searcher.weight_step(bw)
        searcher.theta_step(bt)

    def darts_iter() -> None:
        darts.step(bw, bt)

    t_asng, t_darts = _time_pair(asng_iter, darts_iter, repeats, warmup, sync)
    ma, md = statistics.median(t_asng), statistics.median(t_darts)
    return {
        "n_cells": n_cells,
        "channels": channels,
        "batch_size": batch_size,
        "image_size": image_size,
        "repeats": repeats,
        "device": str(dev),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "asng_seconds": ma,
        "darts_seconds": md,
        "ratio_darts_over_asng": md / ma,
        "asng_all": t_asng,
        "darts_all": t_darts,
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m asng_nas.bench", description=__doc__.split("\n")[0])
    ap.add_argument("--out", default="results/nas")
    ap.add_argument("--cells", type=int, default=5)
    ap.add_argument("--channels", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--image-size", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    res = bench_iteration(
        args.cells, args.channels, args.batch_size, args.image_size, args.repeats, args.warmup, device=args.device
    )
    out = Path(args.out)
    atomic_write_text(out / "search_iteration.json", json.dumps(res, indent=2) + "\n")
    cols = [k for k, v in res.items() if not isinstance(v, list)]
    with open(out / "search_iteration.csv", "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
        w.writeheader()
        w.writerow(res)
    print(
        f"one search iteration on {res['device']} ({args.cells} cells, C = {args.channels}, "
        f"batch {args.batch_size}, {args.image_size}x{args.image_size}): "
        f"ASNG {res['asng_seconds'] * 1e3:.1f} ms, DARTS {res['darts_seconds'] * 1e3:.1f} ms, "
        f"ratio {res['ratio_darts_over_asng']:.2f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
