"""Throughput of the search with 1 and with N processes (gloo on the CPU, NCCL on GPUs).

``python -m asng_nas.bench.distributed --out results/nas`` runs the same inpainting search
(embedded faces, a small CAE space) for a fixed number of epochs in one process and in
``--procs`` processes, for every lambda of ``--lams`` (lambda_x = lambda_theta; default 2 and
``--procs``; the multi-process run needs lambda >= ``--procs`` and is left out below), and
records images per second (weight-step and theta-step images: lambda architectures each see the
step's mini-batch) in ``distributed_throughput.json``. The batch size and the iterations per
epoch recorded are the searcher's own (its loaders' batch size, its ``iters_per_epoch``), and the
timed iterations are counted, not assumed. On the CPU the comparison is one process with all
cores as torch threads against N processes with cores / N threads each.
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


def _build(
    cls: type[Searcher], epochs: int, lam: int, size: int, device: str, batch: int, iters: int | None
) -> Searcher:
    x = embedded_faces(size)
    cfg = SearchConfig(
        epochs=epochs + 1,
        seed=0,
        progress=False,
        schedule="iteration",
        lam_x=lam,
        lam_theta=lam,
        eval_every=0,
        iters_per_epoch=iters,
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
        batch_size=batch,
        device=device,
        searcher_cls=cls,
    )


def _timed(s: Searcher, epochs: int) -> dict[str, Any]:
    """Images per second (weight-step and theta-step images) over ``epochs`` epochs after one
    warm-up epoch, with what was measured: the loaders' batch size, the searcher's iterations per
    epoch and the iterations and images the timed epochs counted."""
    counted = {"iterations": 0, "images": 0}
    weight_step, theta_step = s.weight_step, s.theta_step

    def counting_weight_step(batch: Any) -> Any:
        counted["iterations"] += 1
        counted["images"] += s.cfg.lam_x * len(batch[0])
        return weight_step(batch)

    def counting_theta_step(batch: Any) -> Any:
        counted["images"] += s.cfg.lam_theta * len(batch[0])
        return theta_step(batch)

    s.cfg.epochs = epochs + 1
    s.run_epoch()  # warm-up
    s.weight_step, s.theta_step = counting_weight_step, counting_theta_step  # type: ignore[method-assign]
    t0 = time.perf_counter()
    for _ in range(epochs):
        s.run_epoch()
    seconds = time.perf_counter() - t0
    del s.weight_step, s.theta_step  # the class's methods again
    return {
        "lambda_x": s.cfg.lam_x,
        "lambda_theta": s.cfg.lam_theta,
        "batch_size": getattr(s.weight_loader, "batch_size"),  # noqa: B009 -- not part of BatchLoader
        "iterations_per_epoch": s.iters_per_epoch,
        "timed_iterations": counted["iterations"],
        "timed_images": counted["images"],
        "images_per_s": counted["images"] / seconds,
    }


def _worker(
    rank: int,
    world: int,
    port: int,
    epochs: int,
    lam: int,
    size: int,
    batch: int,
    iters: int | None,
    threads: int,
    out: str,
) -> None:
    from ..search.distributed import DistributedSearcher, distributed_session

    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(threads)
    # the session tears the group down completely (barrier, then destroy_process_group), also
    # when the body raises; see asng_nas.search.distributed
    with distributed_session("gloo", rank=rank, world_size=world):
        s = _build(DistributedSearcher, epochs, lam, size, "cpu", batch, iters)
        measured = _timed(s, epochs)
        if rank == 0:
            Path(out).write_text(json.dumps(measured))


def _row(measured: dict[str, Any], processes: int, threads: int) -> dict[str, Any]:
    return {
        "lambda": measured["lambda_x"],
        "processes": processes,
        "threads_each": threads,
        **{k: v for k, v in measured.items() if k not in ("lambda_x", "lambda_theta", "images_per_s")},
        "images_per_s": round(measured["images_per_s"], 1),
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", default="results/nas")
    p.add_argument("--iters", type=int, default=8, help="timed epochs (after one warm-up epoch)")
    p.add_argument("--procs", type=int, default=2)
    p.add_argument("--size", type=int, default=32, help="image side")
    p.add_argument("--batch-size", type=int, default=16, help="mini-batch (48 faces per half)")
    p.add_argument("--iters-per-epoch", type=int, default=None, help="cap (default: the whole half)")
    p.add_argument(
        "--lams",
        default=None,
        help="comma-separated lambdas (lambda_x = lambda_theta >= 2; default: 2 and --procs); "
        "the --procs run only for those >= --procs",
    )
    args = p.parse_args(argv)
    lams = sorted({int(v) for v in args.lams.split(",")} if args.lams else {2, args.procs})
    if lams[0] < 2:
        p.error(f"--lams {lams}: every lambda must be >= 2")
    cores = os.cpu_count() or 1
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for lam in lams:
        for threads_one in sorted({1, cores}):
            torch.set_num_threads(threads_one)
            s = _build(Searcher, args.iters, lam, args.size, "cpu", args.batch_size, args.iters_per_epoch)
            rows.append(_row(_timed(s, args.iters), 1, threads_one))
        if lam < args.procs:  # not every process would evaluate an architecture
            continue
        tmp = out / ".ddp_rate.json"
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        threads = max(1, cores // args.procs)
        mp.spawn(
            _worker,
            args=(
                args.procs,
                port,
                args.iters,
                lam,
                args.size,
                args.batch_size,
                args.iters_per_epoch,
                threads,
                str(tmp),
            ),
            nprocs=args.procs,
        )
        many = json.loads(tmp.read_text())
        tmp.unlink()
        rows.append(_row(many, args.procs, threads))
    from asng_nas.search.utils import to_jsonable

    res = {
        "device": "cpu",
        "cores": cores,
        "torch": torch.__version__,
        "timed_epochs": args.iters,
        "batch_size": args.batch_size,
        "iterations_per_epoch": rows[0]["iterations_per_epoch"],
        "lambdas": lams,
        "load_average_1min_at_end": os.getloadavg()[0],
        "rows": rows,
    }
    (out / "distributed_throughput.json").write_text(json.dumps(to_jsonable(res), indent=2) + "\n")
    print(json.dumps(res, indent=2))
    return res


if __name__ == "__main__":
    main()
