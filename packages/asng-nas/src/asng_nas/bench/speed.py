"""Cost of one ASNG-NAS search iteration against a first-order DARTS iteration on the same space,
and against the same iteration of another version of asng-nas.

``python -m asng_nas.bench --out results/nas/`` writes ``search_iteration.csv`` and
``search_iteration.json``: median seconds per iteration of each method and the ratio
DARTS / ASNG (the paper's claim: ASNG-NAS only runs the sampled operations, so it is faster).
Both use the same :class:`~asng_nas.classification.supernet.Supernet` modules and synthetic batches; the ASNG
iteration is :meth:`Searcher.weight_step` + :meth:`Searcher.theta_step` (lambda_x = lambda_theta
= 2, including ask/tell), the DARTS one is :meth:`DartsBaseline.step`.

``--against SRC`` (the ``src`` folder of another asng-nas checkout, e.g. a ``git worktree`` of an
earlier commit) also times that ASNG iteration of this asng-nas and of SRC's in one run
(:func:`bench_against`, ``search_iteration_against.json``): one worker process per version, the
same seed, batches and thread count, the iterations interleaved (old, new, new, old, ...) so that
load changes hit both alike; and whether both reached the same weights and theta after the
warm-up iterations (bit for bit).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
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

__all__ = ["bench_iteration", "bench_against", "main"]


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


# One version's search iteration, run by `python -c` with that version first on PYTHONPATH. Only the
# API both versions share: Supernet, ENASSpace, ClassificationTask, Searcher.weight_step/theta_step.
_WORKER = """
import hashlib, json, sys, time
import torch
a = json.loads(sys.argv[1])
torch.set_num_threads(a["threads"])
import asng_nas
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet
from asng_nas.classification.task import ClassificationTask
from asng_nas.search.searcher import SearchConfig, Searcher

class Batches:
    def __init__(self, batch):
        self.batch = batch
    def __len__(self):
        return 1000
    def epoch(self, e):
        for _ in range(1000):
            yield self.batch

torch.manual_seed(a["seed"])
space = ENASSpace()
net = Supernet(a["n_cells"], a["channels"], 10, 3, affine=False)
g = torch.Generator().manual_seed(a["seed"])
n, s = a["batch_size"], a["image_size"]
bw = (torch.randn(n, 3, s, s, generator=g), torch.randint(0, 10, (n,), generator=g))
bt = (torch.randn(n, 3, s, s, generator=g), torch.randint(0, 10, (n,), generator=g))
cfg = SearchConfig(epochs=1, seed=a["seed"], progress=False, amp=False, channels_last=False)
searcher = Searcher(net, space, ClassificationTask(None), Batches(bw), Batches(bt), None, cfg, None, "cpu")
for _ in range(a["warmup"]):
    searcher.weight_step(bw)
    searcher.theta_step(bt)
h = hashlib.sha256()
state = net.state_dict()
for k in sorted(state):
    h.update(k.encode())
    h.update(state[k].detach().contiguous().numpy().tobytes())
h.update(searcher.asng.theta.tobytes())
print(json.dumps({"module": asng_nas.__file__, "state": h.hexdigest(), "n_keys": len(state)}), flush=True)
for line in sys.stdin:
    if line.strip() != "go":
        break
    t, c = time.perf_counter(), time.process_time()
    searcher.weight_step(bw)
    searcher.theta_step(bt)
    print(json.dumps({"wall": time.perf_counter() - t, "cpu": time.process_time() - c}), flush=True)
"""


def _worker(src: Path, args: dict[str, Any]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    cmd = [sys.executable, "-c", _WORKER, json.dumps(args)]
    return subprocess.Popen(
        cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )


def _reply(name: str, proc: subprocess.Popen[str]) -> dict[str, Any]:
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line:
        proc.kill()
        err = proc.stderr.read() if proc.stderr is not None else ""
        raise RuntimeError(f"the {name} worker stopped: {err.strip().splitlines()[-1:] or ['no output']}")
    return dict(json.loads(line))


#: The defaults of :func:`bench_against` (5 cells, C = 8, batch 16, 32 x 32).
AGAINST_SETUP = {"n_cells": 5, "channels": 8, "batch_size": 16, "image_size": 32, "repeats": 10, "warmup": 2, "seed": 0}


def bench_against(other_src: str | Path, threads: int = 1, **setup: int) -> dict[str, Any]:
    """Median seconds (wall and CPU) of one ASNG search iteration of this asng-nas (``new``) and
    of the one in ``other_src`` (``old``: a folder holding an ``asng_nas`` package), each in its own
    worker process with ``threads`` torch threads, interleaved.

    Returns the setup, ``ratio_new_over_old`` (wall), ``cpu_ratio_new_over_old``,
    ``paired_cpu_ratio_new_over_old`` (the median of the CPU-time ratios of the two runs of each
    repeat, which drifting load hits alike), ``same_state`` (both had the same state-dict keys,
    weights and theta after ``warmup`` iterations: the same search, bit for bit) and the times.
    ``setup``: any of :data:`AGAINST_SETUP` (``n_cells``, ``channels``, ``batch_size``,
    ``image_size`` (pixels), ``repeats``, ``warmup``, ``seed``).

    Raises:
        ValueError: ``other_src`` has no ``asng_nas`` package, an unknown setup key.
            RuntimeError: a worker failed (its last error line).
    """
    unknown = sorted(set(setup) - set(AGAINST_SETUP))
    if unknown:
        raise ValueError(f"bench_against: unknown setup {unknown}; known: {sorted(AGAINST_SETUP)}")
    old_src = Path(other_src).resolve()
    if not (old_src / "asng_nas" / "__init__.py").is_file():
        raise ValueError(f"{other_src}: no asng_nas package in this folder (give the src folder of a checkout)")
    new_src = Path(__file__).resolve().parents[2]
    args = {**AGAINST_SETUP, **setup, "threads": threads}
    procs = {"old": _worker(old_src, args), "new": _worker(new_src, args)}
    try:
        info = {name: _reply(name, p) for name, p in procs.items()}
        times: dict[str, list[dict[str, Any]]] = {"old": [], "new": []}
        for r in range(args["repeats"]):
            for name in ("old", "new") if r % 2 == 0 else ("new", "old"):
                stdin = procs[name].stdin
                assert stdin is not None
                stdin.write("go\n")
                stdin.flush()
                times[name].append(_reply(name, procs[name]))
    finally:
        for p in procs.values():
            p.kill()
            p.wait()
    med = {f"{name}_{k}": statistics.median(t[k] for t in ts) for name, ts in times.items() for k in ("wall", "cpu")}
    return {
        **args,
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
        "old_module": info["old"]["module"],
        "new_module": info["new"]["module"],
        "same_state": info["old"]["state"] == info["new"]["state"] and info["old"]["n_keys"] == info["new"]["n_keys"],
        "old_seconds": med["old_wall"],
        "new_seconds": med["new_wall"],
        "ratio_new_over_old": med["new_wall"] / med["old_wall"],
        "old_cpu_seconds": med["old_cpu"],
        "new_cpu_seconds": med["new_cpu"],
        "cpu_ratio_new_over_old": med["new_cpu"] / med["old_cpu"],
        "paired_cpu_ratio_new_over_old": statistics.median(
            n["cpu"] / o["cpu"] for o, n in zip(times["old"], times["new"])
        ),
        "old_all": [t["wall"] for t in times["old"]],
        "new_all": [t["wall"] for t in times["new"]],
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
    ap.add_argument(
        "--against",
        metavar="SRC",
        default=None,
        help="also time this ASNG iteration against the asng_nas package in SRC (e.g. a git worktree's "
        "packages/asng-nas/src), interleaved: search_iteration_against.json",
    )
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    setup = dict(
        n_cells=args.cells,
        channels=args.channels,
        batch_size=args.batch_size,
        image_size=args.image_size,
        repeats=args.repeats,
        warmup=args.warmup,
    )
    res = bench_iteration(**setup, device=args.device)
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
    if args.against:
        cmp = bench_against(args.against, args.threads or torch.get_num_threads(), **setup)
        atomic_write_text(out / "search_iteration_against.json", json.dumps(cmp, indent=2) + "\n")
        print(
            f"this asng-nas vs {args.against}: {cmp['new_seconds'] * 1e3:.1f} ms vs {cmp['old_seconds'] * 1e3:.1f} ms "
            f"per iteration (ratio {cmp['ratio_new_over_old']:.3f}, CPU {cmp['cpu_ratio_new_over_old']:.3f}, "
            f"paired CPU {cmp['paired_cpu_ratio_new_over_old']:.3f}), "
            f"same search: {cmp['same_state']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
