"""The ``blackbox-overhead`` sub-command: the optimizers' overhead per evaluation, ours against a
peer, back to back in one process (:mod:`.overhead`)."""

from __future__ import annotations

import argparse

from ..argtypes import positive_int
from ..flags import add_names_flag, add_study_parser
from ..outdir import add_overwrite_flag, refuse_overwrite
from ..usage import UsageError

__all__ = ["add_command", "overhead_command", "SEEDS", "OPTIMIZERS_DEFAULT"]

SEEDS = 5
#: ours (the reference, first) and the peer the issue names as the strongest model-based one
OPTIMIZERS_DEFAULT = ("asng-bb", "cmaes-catcmawm")
TRACKS = ("short", "main")


def overhead_command(args: argparse.Namespace) -> None:
    """``asng-bench blackbox-overhead``: check the names, refuse to replace a previous measurement
    unless ``--overwrite``, then measure."""
    from .overhead import OUTPUTS, write_overhead
    from .registry import available, default_problems

    optimizers = list(args.optimizers or OPTIMIZERS_DEFAULT)
    if len(optimizers) < 2 or len(set(optimizers)) < len(optimizers):
        raise UsageError(
            f"--optimizers needs two or more different names (the first is the reference), got {optimizers}"
        )
    missing = [o for o in optimizers if not available(o)]
    if missing:
        raise UsageError(f"not installed here: {missing} (pip install 'asng-bench[peers]')")
    refuse_overwrite(args.out, OUTPUTS, args.overwrite)
    problems = args.problems or default_problems()
    seeds = args.seeds
    command = f"asng-bench blackbox-overhead --out {args.out} --seeds {seeds} --tracks {' '.join(args.tracks)}"
    command += (
        " --optimizers " + " ".join(optimizers) + ("" if args.problems is None else " --problems " + " ".join(problems))
    )
    write_overhead(args.out, problems, optimizers, args.tracks, seeds, command)


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``blackbox-overhead``."""
    from .registry import OPTIMIZERS, PROBLEMS

    what = (
        "overhead per evaluation of the black-box optimizers, ours against a peer, back to back in one process "
        "(overhead.csv, overhead.md)"
    )
    p = add_study_parser(sub, "blackbox-overhead", what, overhead_command, "results/blackbox/overhead",
                         "folder for overhead.csv / overhead.md")  # fmt: skip
    p.add_argument("--seeds", type=positive_int, default=SEEDS, help="seeds per problem and track")
    add_names_flag(p, "--problems", PROBLEMS, "problem names", "all available")
    add_names_flag(p, "--optimizers", OPTIMIZERS, "optimizer names, the reference first", " ".join(OPTIMIZERS_DEFAULT))
    p.add_argument(
        "--tracks", nargs="+", choices=TRACKS, default=list(TRACKS), help="the budgets: short (150) and / or main"
    )
    add_overwrite_flag(p)
