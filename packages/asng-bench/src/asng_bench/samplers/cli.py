"""The ``samplers`` sub-command: ASNGSampler vs optuna's samplers (``--quick`` is a smoke run)."""

from __future__ import annotations

import argparse

from ..argtypes import positive_int
from ..flags import add_jobs_flag, add_names_flag, add_quick_flag, add_seeds_flag, add_study_parser
from ..outdir import add_overwrite_flag, refuse_overwrite
from ..usage import UsageError

__all__ = ["add_command", "samplers_command", "SEEDS", "BUDGET", "QUICK_SEEDS", "QUICK_BUDGET"]

SEEDS = 10
BUDGET = 250
QUICK_SEEDS = 2
QUICK_BUDGET = 30


def samplers_command(args: argparse.Namespace) -> None:
    """``asng-bench samplers``: run the comparison into ``--out``."""
    from ..blackbox.registry import importable
    from .study import OUTPUTS, run_study

    if not importable("optuna"):
        raise UsageError("the sampler comparison needs optuna: pip install 'asng-opt[optuna]' (or 'asng-bench[peers]')")
    refuse_overwrite(args.out, OUTPUTS, args.overwrite)
    seeds = args.seeds or (QUICK_SEEDS if args.quick else SEEDS)
    budget = args.budget or (QUICK_BUDGET if args.quick else BUDGET)
    cmd = f"asng-bench samplers --out {args.out} --seeds {seeds} --budget {budget} --jobs {args.jobs}"
    if args.problems:
        cmd += " --problems " + " ".join(args.problems)
    if args.samplers:
        cmd += " --samplers " + " ".join(args.samplers)
    meta = run_study(
        args.out,
        problems=args.problems,
        samplers=args.samplers,
        seeds=seeds,
        budget=budget,
        jobs=args.jobs,
        command=cmd,
    )
    print(f"[samplers] done in {meta['wall_s']} s -> {args.out}/samplers.md")


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``samplers``."""
    from .runs import PROBLEMS, SAMPLERS

    what = "ASNGSampler vs optuna's TPE, CMA-ES and random samplers (evaluations to target, overhead per trial)"
    out_help = "folder for runs.csv, hits.csv, summary.csv, samplers.md"
    p = add_study_parser(sub, "samplers", what, samplers_command, "results/samplers", out_help)
    add_seeds_flag(p, "problem and sampler", SEEDS, QUICK_SEEDS)
    p.add_argument(
        "--budget", type=positive_int, default=None, help=f"trials per run ({BUDGET}; {QUICK_BUDGET} with --quick)"
    )
    add_names_flag(p, "--problems", PROBLEMS, "problem names")
    add_names_flag(p, "--samplers", SAMPLERS, "sampler names")
    add_jobs_flag(p)
    add_quick_flag(p, f"smoke run: {QUICK_SEEDS} seeds, {QUICK_BUDGET} trials")
    add_overwrite_flag(p)
