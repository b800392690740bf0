"""The ``blackbox`` sub-command: parses the flags into the typed arguments of
:func:`.runner.run_study` (``--quick`` is a smaller study), or only rebuilds the report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..argtypes import non_negative_int, positive_int
from ..flags import add_jobs_flag, add_names_flag, add_quick_flag, add_seeds_flag, add_study_parser
from ..outdir import previous_outputs, refuse_overwrite
from ..usage import UsageError
from .partial import PARTIAL

__all__ = ["add_command", "blackbox_command", "QUICK_SEEDS", "QUICK_BUDGET_CAP", "QUICK_SHORT_BUDGET"]

SEEDS = 25
QUICK_SEEDS = 3
QUICK_BUDGET_CAP = 400  #: main-track budgets of ``--quick`` are at most this
QUICK_SHORT_BUDGET = 50
#: what a study writes into its folder (``partial.jsonl`` only while it runs: a stopped study)
OUTPUTS = ("runs.csv", "hits.csv", "traces.csv.gz", "meta.json", "summary.csv", "blackbox.md", "ecdf*.png", "ioh/*.zip")
REPORT_INPUTS = ("runs.csv", "hits.csv", "meta.json")


def _command_line(args: argparse.Namespace) -> str:
    """The command recorded in meta.json (the flags that change the study, and ``--resume``)."""
    cmd = f"asng-bench blackbox --out {args.out} --jobs {args.jobs}" + (" --quick" if args.quick else "")
    cmd += " --resume" if args.resume else ""
    if args.seeds:
        cmd += f" --seeds {args.seeds}"
    if args.untuned_seeds:
        cmd += f" --untuned-seeds {args.untuned_seeds}"
    if args.short_budget is not None:
        cmd += f" --short-budget {args.short_budget}"
    if args.problems:
        cmd += " --problems " + " ".join(args.problems)
    if args.optimizers:
        cmd += " --optimizers " + " ".join(args.optimizers)
    if args.reuse:
        cmd += " --reuse " + " ".join(args.reuse)
    return cmd


def _check_problems(names: list[str]) -> None:
    """Refuse a problem whose package (ioh) is not installed."""
    from .registry import PROBLEMS, importable

    for name in names:
        needs = PROBLEMS[name].package
        if not importable(needs):
            raise UsageError(f"problem {name} needs the package {needs}: pip install 'asng-bench[peers]'")


def _check_out(args: argparse.Namespace) -> None:
    """Refuse a folder with a previous study unless ``--overwrite`` (or ``--resume`` for a stopped one)."""
    out = args.out
    if args.report_only:
        missing = [name for name in REPORT_INPUTS if not (Path(out) / name).is_file()]
        if missing:
            raise UsageError(
                f"--report-only needs {', '.join(missing)} in {out} (the files of a study run by `asng-bench blackbox`)"
            )
        return
    stopped = bool(previous_outputs(out, [PARTIAL]))
    if stopped and not (args.resume or args.overwrite):
        raise UsageError(
            f"{out} holds a stopped study ({PARTIAL}); pass --resume to continue it or --overwrite to start again"
        )
    if not (args.resume and stopped):
        refuse_overwrite(out, OUTPUTS, args.overwrite)


def blackbox_command(args: argparse.Namespace) -> None:
    """``asng-bench blackbox``: run the study (or ``--report-only``), then the README section."""
    from .readme import update_readme
    from .report import report

    _check_out(args)
    _check_problems(args.problems or [])
    for src in args.reuse or []:
        if not Path(src).is_dir():
            raise UsageError(f"--reuse {src}: no such folder")
        lacking = [n for n in REPORT_INPUTS if not (Path(src) / n).is_file()]
        if lacking:
            raise UsageError(
                f"--reuse {src}: no {', '.join(lacking)} there (it needs runs.csv, hits.csv and meta.json)"
            )
    if args.report_only:
        report(args.out)
    else:
        try:
            meta = _run(args)
        except KeyboardInterrupt:  # the finished runs are in PARTIAL already (appended as they come)
            print(
                f"asng-bench blackbox: stopped; the finished runs are kept in {Path(args.out) / PARTIAL}: "
                "run the same command with --resume to go on",
                file=sys.stderr,
            )
            raise SystemExit(130) from None
        print(f"[blackbox] done in {meta['wall_s']} s -> {args.out}")
    if args.readme:
        update_readme(args.readme, args.out)


def _run(args: argparse.Namespace) -> dict:
    """The study the arguments ask for (:func:`.runner.run_study`); its meta.json."""
    from .registry import SHORT_BUDGET, main_budgets, quick_problems, untuned_problems
    from .runner import run_study

    quick = args.quick
    return run_study(
        args.out,
        problems=(args.problems or quick_problems()) if quick else args.problems,
        optimizers=args.optimizers,
        seeds=args.seeds or (QUICK_SEEDS if quick else SEEDS),
        budgets=main_budgets(QUICK_BUDGET_CAP if quick else None),
        short_budget=(
            args.short_budget if args.short_budget is not None else QUICK_SHORT_BUDGET if quick else SHORT_BUDGET
        )
        or None,  # fmt: skip
        jobs=args.jobs,
        command=_command_line(args),
        resume=args.resume,
        reuse=args.reuse,
        seeds_by_problem={p: args.untuned_seeds for p in untuned_problems()} if args.untuned_seeds else None,
    )


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``blackbox``."""
    from .registry import OPTIMIZERS, PROBLEMS, SHORT_BUDGET, untuned_problems

    what = "black-box comparison with cmaes, optuna, nevergrad and random search"
    out_help = "folder for the CSVs, meta.json, blackbox.md, the figures (ecdf*.png, ablation.png) and ioh/"
    p = add_study_parser(sub, "blackbox", what, blackbox_command, "results/blackbox", out_help)
    add_seeds_flag(p, "optimizer and problem", SEEDS, QUICK_SEEDS)
    p.add_argument(
        "--untuned-seeds", type=positive_int, default=None,
        help="seeds on the main track of the untuned problems (default: as --seeds; their short track has --seeds): "
        + ", ".join(untuned_problems()),
    )  # fmt: skip
    add_names_flag(p, "--problems", PROBLEMS, "problem names", "all available")
    add_names_flag(p, "--optimizers", OPTIMIZERS, "optimizer names", "all installed")
    p.add_argument(
        "--short-budget", type=non_negative_int, default=None,
        help=f"budget of the short track (default {SHORT_BUDGET}, {QUICK_SHORT_BUDGET} with --quick; 0: none)",
    )  # fmt: skip
    add_jobs_flag(p)
    add_quick_flag(p, f"smoke run: {QUICK_SEEDS} seeds, budgets <= {QUICK_BUDGET_CAP}, four problems")
    p.add_argument("--readme", default=None, help="results/README.md whose black-box section to (re)write")
    again = p.add_mutually_exclusive_group()
    again.add_argument(
        "--resume", action="store_true", help=f"continue a stopped study in the output folder (its {PARTIAL})"
    )
    again.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of a previous study in the output folder"
    )
    p.add_argument("--report-only", action="store_true", help="only rebuild the tables and figures from the CSVs")
    p.add_argument(
        "--reuse", nargs="+", default=None, metavar="DIR",
        help="take the peers' runs from the studies in DIR (the first first; --out itself may be one) where the "
        "versions of their packages, the problem and the seeds are unchanged (ours always run again); meta.json "
        "records what was reused",
    )  # fmt: skip
