"""The toy study's sub-commands: ``toy``, ``toy-sweep``, ``figures`` and ``toy-speed`` (arguments,
progress bars, printed summaries). The work is done by :mod:`.sweep`, :mod:`.figures`, :mod:`.speed`."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from ..argtypes import alpha_value, non_negative_int, positive_float, positive_int
from ..flags import add_jobs_flag, add_study_parser
from ..outdir import add_overwrite_flag, refuse_existing, refuse_overwrite
from ..usage import UsageError

__all__ = [
    "add_commands",
    "toy_command",
    "toy_sweep_command",
    "figures_command",
    "toy_speed_command",
    "DEFAULT_ALG",
    "DEFAULT_DELTA0",
    "DEFAULT_EPS_X",
    "DEFAULT_ALPHA",
    "DEFAULT_RUNS",
]

#: ``asng-bench toy`` without flags: the paper's defaults (alpha = 1.5, delta0 = 1) at the larger eps_x
#: of figure 1 (the setting of :data:`.speed.DEFAULT_SETTING`), 10 runs (seconds, not minutes)
DEFAULT_ALG, DEFAULT_DELTA0, DEFAULT_EPS_X, DEFAULT_ALPHA, DEFAULT_RUNS = "asng", 1.0, 0.05, 1.5, 10


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

    refuse_overwrite(args.out, ["runs.csv"], args.overwrite)
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

    figures = sorted(set(args.figure))
    refuse_overwrite(
        args.out, [f"runs_fig{f}.csv" for f in figures] + ["sweep_fig" + "_".join(map(str, figures)) + ".json"],
        args.overwrite,
    )  # fmt: skip
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
    from .figures import NO_RUNS_TABLES, outputs, render

    if not Path(args.toy).is_dir():
        raise UsageError(f"{args.toy} is not a folder (--toy: a folder written by `asng-bench toy-sweep` or `toy`)")
    planned = outputs(args.toy, args.out)
    if not planned:
        raise UsageError(NO_RUNS_TABLES.format(args.toy))
    refuse_existing(planned, args.overwrite)
    for path in render(args.toy, args.out):
        print(f"wrote {path}")


def toy_speed_command(args: argparse.Namespace) -> None:
    """``asng-bench toy-speed``: batched vs single-run throughput -> ``OUT/speedup.json``."""
    from .speed import measure_speedup

    if args.batch_runs < args.single_runs:
        raise UsageError(
            f"--batch-runs ({args.batch_runs}) must be at least --single-runs ({args.single_runs}): "
            "the first runs of both modes are compared"
        )
    refuse_overwrite(args.out, ["speedup.json"], args.overwrite)
    res = measure_speedup(n_single=args.single_runs, n_batch=args.batch_runs, out=args.out)
    print(
        f"single-run: {res['single_iterations_per_second']:,.0f} it/s; batched: "
        f"{res['batched_run_iterations_per_second']:,.0f} run-it/s; speed-up {res['speedup']}x "
        f"(same results: {res['first_runs_identical']}); wrote {args.out}/speedup.json"
    )


def _run_flags(p: argparse.ArgumentParser, runs: int, runs_help: str, seed_help: str, out: str, out_help: str) -> None:
    """``--runs``, ``--seed``, ``--out`` and ``--t-max`` of ``toy`` and ``toy-sweep``."""
    p.add_argument("--runs", type=positive_int, default=runs, help=runs_help)
    p.add_argument("--seed", type=non_negative_int, default=0, help=seed_help)
    p.add_argument("--out", default=out, help=out_help)
    p.add_argument(
        "--t-max", type=positive_int, default=100_000, help="iteration budget and cosine period (paper: 1e5)"
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register ``toy``, ``toy-sweep``, ``figures`` and ``toy-speed``."""
    what = "one setting of the selective squared error study (section 3.1): runs -> OUT/runs.csv, SP1 printed"
    p = add_study_parser(sub, "toy", what, toy_command)
    p.add_argument("--alg", choices=["asng", "sng", "adam"], default=DEFAULT_ALG, help="the algorithm updating theta")
    p.add_argument(
        "--delta0",
        type=positive_float,
        default=DEFAULT_DELTA0,
        help="ASNG delta_theta^0, SNG delta, Adam learning rate",
    )
    p.add_argument(
        "--eps-x", type=positive_float, default=DEFAULT_EPS_X, help="SGD learning rate of x before cosine annealing"
    )
    p.add_argument("--alpha", type=alpha_value, default=DEFAULT_ALPHA, help="ASNG's alpha > 1 (ignored by sng / adam)")
    seed_help = "run r uses seed SEED + r (recorded in runs.csv)"
    _run_flags(p, DEFAULT_RUNS, "independent runs (the paper: 100)", seed_help, "runs/toy", "folder for runs.csv")
    p.add_argument(
        "--single", action="store_true", help="drive each run through the asng-opt classes (ask/tell), not batched"
    )
    add_overwrite_flag(p)

    what = "the grids of figures 1 and 3 (runs_fig{1,3}.csv and sweep JSON); an interrupted sweep resumes"
    p = add_study_parser(sub, "toy-sweep", what, toy_sweep_command)
    p.add_argument("--figure", type=int, nargs="+", choices=[1, 3], required=True, help="1, 3 or both")
    seed_help = "run r of every setting uses seed SEED + r"
    _run_flags(p, 100, "runs per setting", seed_help, "results/toy", "folder for runs_fig*.csv and sweep_fig*.json")
    add_jobs_flag(p, "worker processes (batches: one per alg, eps_x, alpha)")
    add_overwrite_flag(p)

    what = "summary tables and figures from the runs tables of `toy-sweep` (figures 1 and 3) or of `toy`"
    p = add_study_parser(sub, "figures", what, figures_command)
    p.add_argument(
        "--toy", default="results/toy",
        help="folder with runs_fig1.csv / runs_fig3.csv (toy-sweep) or runs.csv (toy); summary.csv/.md go here too",
    )  # fmt: skip
    p.add_argument(
        "--out", default="results/figures", help="folder for fig1_toy.png / fig3_alpha.png (runs_ecdf.png for toy)"
    )
    add_overwrite_flag(p)

    what = "batched vs single-run throughput of the toy study (speedup.json)"
    p = add_study_parser(sub, "toy-speed", what, toy_speed_command, "results/toy", "folder for speedup.json")
    p.add_argument("--single-runs", type=positive_int, default=4, help="runs in single-run mode")
    p.add_argument("--batch-runs", type=positive_int, default=1000, help="runs in the batch (at least --single-runs)")
    add_overwrite_flag(p)
