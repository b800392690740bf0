"""Throughput of the search with 1 and with N processes (gloo on the CPU, NCCL on GPUs).

``python -m asng_nas.bench.distributed --out results/nas`` runs the same inpainting search
(embedded faces, a small CAE space) for a fixed number of iterations in one process and in
``--procs`` processes, and records images per second (weight step + theta step images) in
``distributed_throughput.json``. On the CPU the comparison is one process with all cores as
torch threads against N processes with cores / N threads each.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import time
from pathlib import Path
from typing import Any

import torch
import torch.multiprocessing as mp

from ..inpainting.data import embedded_faces
from ..inpainting.task import build_inpainting_search
from ..search.searcher import SearchConfig, Searcher


def _build(cls: type[Searcher], epochs: int, lam: int, size: int, device: str) -> Searcher:
    x = embedded_faces(size)
    cfg = SearchConfig(
        epochs=epochs + 1, seed=0, progress=False, schedule="iteration", lam_x=lam, lam_theta=lam, eval_every=0
    )
    return build_inpainting_search(
        x[:96],
        x[96:],
        None,
        cfg,
        encoding="cat",
        mask="center",
        n_nodes=8,
        level_back=3,
        channels=(16, 32, 64),
        batch_size=16,
        device=device,
        searcher_cls=cls,
    )


def _timed(s: Searcher, epochs: int, lam: int) -> float:
    """Images per second (weight-step and theta-step images) over ``epochs`` epochs after one
    warm-up epoch."""
    s.cfg.epochs = epochs + 1
    s.run_epoch()  # warm-up
    t0 = time.perf_counter()
    for _ in range(epochs):
        s.run_epoch()
    return 2 * lam * 16 * s.iters_per_epoch * epochs / (time.perf_counter() - t0)


def _worker(rank: int, world: int, port: int, iters: int, lam: int, size: int, threads: int, out: str) -> None:
    from ..search.distributed import DistributedSearcher, distributed_session

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(threads)
    # the session tears the group down completely (barrier, then destroy_process_group), also
    # when the body raises; see asng_nas.search.distributed
    with distributed_session("gloo", rank=rank, world_size=world):
        s = _build(DistributedSearcher, iters, lam, size, "cpu")
        rate = _timed(s, iters, lam)
        if rank == 0:
            Path(out).write_text(json.dumps({"images_per_s": rate}))


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="results/nas")
    p.add_argument("--iters", type=int, default=8, help="timed epochs (of 3 iterations: 48 faces per half, batch 16)")
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--size", type=int, default=32, help="image side")
    args = p.parse_args(argv)
    cores = os.cpu_count() or 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for lam in sorted({2, args.procs}):
        if lam < args.procs:
            continue
        for threads_one in sorted({1, cores}):
            torch.set_num_threads(threads_one)
            s = _build(Searcher, args.iters, lam, args.size, "cpu")
            rate = _timed(s, args.iters, lam)
            rows.append({"lambda": lam, "processes": 1, "threads_each": threads_one, "images_per_s": round(rate, 1)})
        tmp = out / ".ddp_rate.json"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        threads = max(1, cores // args.procs)
        mp.spawn(_worker, args=(args.procs, port, args.iters, lam, args.size, threads, str(tmp)), nprocs=args.procs)
        many = json.loads(tmp.read_text())["images_per_s"]
        tmp.unlink()
        rows.append({"lambda": lam, "processes": args.procs, "threads_each": threads, "images_per_s": round(many, 1)})
    from asng_nas.search.utils import to_jsonable

    res = {
        "device": "cpu",
        "cores": cores,
        "torch": torch.__version__,
        "timed_epochs": args.iters,
        "iterations_per_epoch": 3,
        "load_average_1min_at_end": os.getloadavg()[0],
        "rows": rows,
    }
    (out / "distributed_throughput.json").write_text(json.dumps(to_jsonable(res), indent=2) + "\n")
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
