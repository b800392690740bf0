"""The ``blackbox`` sub-command: parses the flags into the typed arguments of
:func:`.runner.run_study` (``--quick`` is a smaller study), or only rebuilds the report."""

from __future__ import annotations

import argparse

__all__ = ["add_command", "blackbox_command", "QUICK_SEEDS", "QUICK_BUDGET_CAP", "QUICK_SHORT_BUDGET"]

SEEDS = 25
QUICK_SEEDS = 3
QUICK_BUDGET_CAP = 400  #: main-track budgets of ``--quick`` are at most this
QUICK_SHORT_BUDGET = 50


def _command_line(args: argparse.Namespace) -> str:
    """The command recorded in meta.json (the flags that change the study)."""
    cmd = f"asng-bench blackbox --out {args.out} --jobs {args.jobs}" + (" --quick" if args.quick else "")
    if args.seeds:
        cmd += f" --seeds {args.seeds}"
    if args.problems:
        cmd += " --problems " + " ".join(args.problems)
    if args.optimizers:
        cmd += " --optimizers " + " ".join(args.optimizers)
    return cmd


def blackbox_command(args: argparse.Namespace) -> None:
    """``asng-bench blackbox``: run the study (or ``--report-only``), then the README section."""
    from .readme import update_readme
    from .registry import main_budgets, quick_problems
    from .report import report
    from .runner import run_study

    if args.report_only:
        report(args.out)
    else:
        quick = args.quick
        meta = run_study(
            args.out,
            problems=(args.problems or quick_problems()) if quick else args.problems,
            optimizers=args.optimizers,
            seeds=args.seeds or (QUICK_SEEDS if quick else SEEDS),
            budgets=main_budgets(QUICK_BUDGET_CAP if quick else None),
            short_budget=(QUICK_SHORT_BUDGET if quick else args.short_budget) or None,
            jobs=args.jobs,
            command=_command_line(args),
            resume=args.resume,
        )
        print(f"[blackbox] done in {meta['wall_s']} s -> {args.out}")
    if args.readme:
        update_readme(args.readme, args.out)


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``blackbox``."""
    from .registry import SHORT_BUDGET

    p = sub.add_parser("blackbox", help="black-box comparison with cmaes, optuna, nevergrad and random search")
    p.add_argument("--out", default="results/blackbox", help="folder for the CSVs, meta.json, blackbox.md, ecdf.png")
    p.add_argument("--seeds", type=int, default=None, help="seeds per optimizer and problem (25; 3 with --quick)")
    p.add_argument("--problems", nargs="+", default=None, help="problem names (default: all available)")
    p.add_argument("--optimizers", nargs="+", default=None, help="optimizer names (default: all installed)")
    p.add_argument(
        "--short-budget", type=int, default=SHORT_BUDGET, help="budget of the short track (0: no short track)"
    )
    p.add_argument("--jobs", type=int, default=1, help="worker processes")
    p.add_argument("--quick", action="store_true", help="smoke run: 3 seeds, budgets <= 400, four problems")
    p.add_argument("--readme", default=None, help="results/README.md whose black-box section to (re)write")
    p.add_argument("--resume", action="store_true", help="keep the runs of a stopped study (partial.jsonl)")
    p.add_argument("--report-only", action="store_true", help="only rebuild the tables and figures from the CSVs")
    p.set_defaults(func=blackbox_command)
