"""The toy study's sub-commands: ``toy``, ``toy-sweep``, ``figures`` and ``toy-speed`` (arguments,
progress bars, printed summaries). The work is done by :mod:`.sweep`, :mod:`.figures`, :mod:`.speed`."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Callable

__all__ = ["add_commands", "toy_command", "toy_sweep_command", "figures_command", "toy_speed_command"]


@contextmanager
def _progress_bar(total: int, desc: str) -> Iterator[Callable[[int, int], None]]:
    """A tqdm bar over runs, driven by ``update(done, total)``; closed on leaving."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit="run", desc=desc, dynamic_ncols=True, mininterval=1.0)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    try:
        yield update
    finally:
        bar.close()


def toy_command(args: argparse.Namespace) -> None:
    """``asng-bench toy``: runs of one setting -> ``OUT/runs.csv``, SP1 summary printed."""
    from ..stats import run_statistics
    from .settings import Setting
    from .summary import format_summary
    from .sweep import one_setting

    alpha = args.alpha if args.alg == "asng" else float("nan")
    setting = Setting(args.alg, args.eps_x, args.delta0, alpha)
    with _progress_bar(args.runs, f"toy {args.alg}") as update:
        table, wall = one_setting(
            setting, args.runs, args.out, seed=args.seed, t_max=args.t_max, single=args.single, progress=update
        )
    stats = run_statistics(table["success"].to_numpy(), table["iterations"].to_numpy())
    its = int(table["iterations"].sum())
    mode = "single-run (asng-opt classes)" if args.single else "batched"
    hp = f"alpha={args.alpha:g}, " if args.alg == "asng" else ""
    print(
        f"{args.alg} ({hp}delta0={args.delta0:g}, eps_x={args.eps_x:g}), seeds {args.seed}..{args.seed + args.runs - 1}"
    )
    print(format_summary(stats))
    print(f"{mode}: {wall:.1f} s, {its / wall:,.0f} run-iterations/s; wrote {args.out}/runs.csv")


def toy_sweep_command(args: argparse.Namespace) -> None:
    """``asng-bench toy-sweep``: the grids of figures 1 and/or 3, with a progress bar over runs."""
    import pandas as pd

    from .grids import figure_settings
    from .summary import summarize_settings
    from .sweep import sweep

    n_settings = len({s.key for f in args.figure for s in figure_settings(f)})
    command = "asng-bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with _progress_bar(n_settings * args.runs, "toy-sweep") as update:
        meta = sweep(
            args.figure, args.runs, args.out, seed=args.seed, t_max=args.t_max, jobs=args.jobs, progress=update,
            command=command,
        )  # fmt: skip
    print(
        f"{meta['runs']} runs ({meta['settings']} settings x {args.runs}), {meta['run_iterations']:,} run-iterations "
        f"in {meta['wall_seconds']:.0f} s ({meta['run_iterations_per_second']:,.0f}/s, {args.jobs} job(s), "
        f"{meta['cpu_seconds']:.0f} CPU s); "
        f"load average before/after: {meta['loadavg_before']} / {meta['loadavg_after']}"
    )
    for f in meta["figures"]:
        summary = summarize_settings(pd.read_csv(f"{args.out}/runs_fig{f}.csv"))
        print(f"figure {f}: {int((summary['successes'] == 0).sum())} of {len(summary)} settings never succeeded")


def figures_command(args: argparse.Namespace) -> None:
    """``asng-bench figures``: summary.csv / summary.md and the PNGs from the runs tables."""
    from .figures import render

    for path in render(args.toy, args.out):
        print(f"wrote {path}")


def toy_speed_command(args: argparse.Namespace) -> None:
    """``asng-bench toy-speed``: batched vs single-run throughput -> ``OUT/speedup.json``."""
    from .speed import measure_speedup

    res = measure_speedup(n_single=args.single_runs, n_batch=args.batch_runs, out=args.out)
    print(
        f"single-run: {res['single_iterations_per_second']:,.0f} it/s; batched: "
        f"{res['batched_run_iterations_per_second']:,.0f} run-it/s; speed-up {res['speedup']}x "
        f"(same results: {res['first_runs_identical']}); wrote {args.out}/speedup.json"
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``toy``, ``toy-sweep``, ``figures`` and ``toy-speed``."""
    p = sub.add_parser("toy", help="one setting of the selective squared error study (section 3.1)")
    p.add_argument("--alg", choices=["asng", "sng", "adam"], required=True)
    p.add_argument("--delta0", type=float, required=True, help="ASNG delta_theta^0, SNG delta, Adam learning rate")
    p.add_argument("--eps-x", type=float, required=True, help="SGD learning rate of x before cosine annealing")
    p.add_argument("--alpha", type=float, default=1.5, help="ASNG's alpha (ignored by sng / adam)")
    p.add_argument("--runs", type=int, default=100, help="independent runs")
    p.add_argument("--seed", type=int, default=0, help="run r uses seed SEED + r (recorded in runs.csv)")
    p.add_argument("--out", required=True, help="folder for runs.csv")
    p.add_argument("--t-max", type=int, default=100_000, help="iteration budget and cosine period (paper: 1e5)")
    p.add_argument(
        "--single", action="store_true", help="drive each run through the asng-opt classes (ask/tell), not batched"
    )
    p.set_defaults(func=toy_command)

    p = sub.add_parser("toy-sweep", help="the grids of figures 1 and 3 (runs_fig{1,3}.csv and sweep JSON)")
    p.add_argument("--figure", type=int, nargs="+", choices=[1, 3], required=True, help="1, 3 or both")
    p.add_argument("--runs", type=int, default=100, help="runs per setting")
    p.add_argument("--seed", type=int, default=0, help="run r of every setting uses seed SEED + r")
    p.add_argument("--out", default="results/toy", help="folder for runs_fig*.csv and sweep_fig*.json")
    p.add_argument("--t-max", type=int, default=100_000, help="iteration budget and cosine period (paper: 1e5)")
    p.add_argument("--jobs", type=int, default=1, help="worker processes (batches: one per alg, eps_x, alpha)")
    p.set_defaults(func=toy_sweep_command)

    p = sub.add_parser("figures", help="figures 1 and 3 and summary.csv from the toy sweep's runs tables")
    p.add_argument("--toy", default="results/toy", help="folder with runs_fig1.csv / runs_fig3.csv")
    p.add_argument("--out", default="results/figures", help="folder for fig1_toy.png / fig3_alpha.png")
    p.set_defaults(func=figures_command)

    p = sub.add_parser("toy-speed", help="batched vs single-run throughput of the toy study (speedup.json)")
    p.add_argument("--out", default="results/toy", help="folder for speedup.json")
    p.add_argument("--single-runs", type=int, default=4, help="runs in single-run mode")
    p.add_argument("--batch-runs", type=int, default=1000, help="runs in the batch")
    p.set_defaults(func=toy_speed_command)
