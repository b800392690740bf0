"""The ``nas-compare`` sub-command: ASNG-NAS against random sampling with weight sharing and
first-order DARTS on one ENAS-cell supernet (``--quick`` is a smoke run)."""

from __future__ import annotations

import argparse

from ..argtypes import non_negative_int, positive_int
from ..flags import add_jobs_flag, add_names_flag, add_quick_flag, add_seeds_flag, add_study_parser
from ..outdir import add_overwrite_flag, refuse_overwrite
from ..usage import UsageError

__all__ = ["add_command", "nas_compare_command", "SEEDS", "QUICK_SEEDS"]

SEEDS = 3
QUICK_SEEDS = 2


def nas_compare_command(args: argparse.Namespace) -> None:
    """``asng-bench nas-compare``: run (or continue) the comparison into ``--out``."""
    import dataclasses
    import shutil
    from pathlib import Path

    from ..blackbox.registry import importable

    missing = [m for m in ("torch", "asng_nas", "scipy") if not importable(m)]
    if missing:
        raise UsageError(f"nas-compare needs {', '.join(missing)}: pip install 'asng-bench[nas]' (and torch)")
    from .config import FULL, QUICK
    from .study import OUTPUTS, run_study

    if args.resume and args.overwrite:
        raise UsageError("--resume and --overwrite exclude each other")
    if not args.resume:
        refuse_overwrite(args.out, OUTPUTS, args.overwrite, "pass --resume to continue it or --overwrite to replace it")
    cfg = QUICK if args.quick else FULL
    if args.iterations is not None:
        cfg = dataclasses.replace(cfg, iterations=args.iterations)
    n_seeds = args.seeds or (QUICK_SEEDS if args.quick else SEEDS)
    seeds = list(range(args.first_seed, args.first_seed + n_seeds))
    if args.overwrite and (Path(args.out) / "runs").is_dir():
        shutil.rmtree(Path(args.out) / "runs")
    cmd = f"asng-bench nas-compare --out {args.out} --seeds {n_seeds} --jobs {args.jobs}"
    cmd += "".join(
        f" {flag} {v}"
        for flag, v in (("--data-dir", args.data_dir), ("--iterations", args.iterations))
        if v is not None
    )
    cmd += " --quick" * args.quick + (f" --first-seed {args.first_seed}" if args.first_seed else "")
    try:
        meta = run_study(
            args.out, cfg, seeds, args.strategies, args.data_dir, args.jobs, command=cmd + " --resume" * args.resume
        )
    except (ValueError, FileNotFoundError) as e:
        raise UsageError(str(e)) from None
    print(f"[nas-compare] total CPU {meta['total_cpu_s']} s -> {args.out}/nas_compare.md")


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``nas-compare``."""
    from .config import FULL, STRATEGIES

    what = (
        "ASNG-NAS (lambda = 2; delta0 = 1 and 0.1) vs random sampling with weight sharing vs first-order DARTS "
        "on one ENAS-cell supernet: search, retrain from scratch, test error vs search CPU time"
    )
    out_help = "folder for runs/, runs.csv, nas_compare.md/.png"
    p = add_study_parser(sub, "nas-compare", what, nas_compare_command, "results/nas_compare", out_help)
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder of the Fashion-MNIST IDX files (default: /usr/share/datasets/fashion-mnist)",
    )
    add_seeds_flag(p, "strategy", SEEDS, QUICK_SEEDS)
    p.add_argument("--first-seed", type=non_negative_int, default=0, help="the first seed")
    p.add_argument(
        "--iterations", type=positive_int, default=None, help=f"search iterations per run ({FULL.iterations})"
    )
    add_names_flag(p, "--strategies", STRATEGIES, "strategies")
    add_jobs_flag(p, "worker processes (one torch thread each)")
    add_quick_flag(p, "smoke run: a tiny supernet and budget, 2 seeds (< 2 minutes)")
    p.add_argument("--resume", action="store_true", help="continue a previous run in --out (keeps its finished runs)")
    add_overwrite_flag(p)
