"""The ``toy`` and ``toy-sweep`` sub-commands: argument handling, progress bars, printed summaries."""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Callable

from .sp1 import format_summary, run_statistics, summarize
from .toy_runner import Setting

__all__ = ["toy_command", "toy_sweep_command"]


def _bar(total: int, unit: str, desc: str) -> tuple[Callable[[int, int], None], Callable[[], None]]:
    """A tqdm bar driven by ``update(done, total)``; returns ``(update, close)``."""
    from tqdm import tqdm

    bar = tqdm(total=total, unit=unit, desc=desc, dynamic_ncols=True, mininterval=1.0)

    def update(done: int, _total: int) -> None:
        bar.update(done - bar.n)

    return update, bar.close


def toy_command(args: argparse.Namespace) -> None:
    """``asng-bench toy``: runs of one setting -> ``OUT/runs.csv``, SP1 summary printed."""
    from .toy_sweep import one_setting

    alpha = args.alpha if args.alg == "asng" else float("nan")
    setting = Setting(args.alg, args.eps_x, args.delta0, alpha)
    update, close = _bar(args.runs, "run", f"toy {args.alg}")
    try:
        table, wall = one_setting(
            setting,
            args.runs,
            args.out,
            seed=args.seed,
            t_max=args.t_max,
            single=args.single,
            progress=update,
        )
    finally:
        close()
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
    from .toy_sweep import figure_settings, sweep

    n_settings = len({s.key for f in args.figure for s in figure_settings(f)})
    update, close = _bar(n_settings * args.runs, "run", "toy-sweep")
    try:
        meta = sweep(
            args.figure,
            args.runs,
            args.out,
            seed=args.seed,
            t_max=args.t_max,
            jobs=args.jobs,
            progress=update,
            command="asng-bench " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        )
    finally:
        close()
    print(
        f"{meta['runs']} runs ({meta['settings']} settings x {args.runs}), {meta['run_iterations']:,} run-iterations "
        f"in {meta['wall_seconds']:.0f} s ({meta['run_iterations_per_second']:,.0f}/s, {args.jobs} job(s), "
        f"{meta['cpu_seconds']:.0f} CPU s); "
        f"load average before/after: {meta['loadavg_before']} / {meta['loadavg_after']}"
    )
    import pandas as pd

    for f in meta["figures"]:
        summary = summarize(pd.read_csv(f"{args.out}/runs_fig{f}.csv"))
        print(f"figure {f}: {int((summary['successes'] == 0).sum())} of {len(summary)} settings never succeeded")
