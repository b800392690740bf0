"""The entry point of the command line: :func:`main` parses the flags (:mod:`.parser`) and runs
the sub-command (:mod:`.cell_commands`, :mod:`.inpaint_commands`, :mod:`.summary`).

:func:`main` turns what a user can get wrong into one line on stderr and exit status 2 (a
missing or damaged data file or checkpoint, an ``--out`` folder holding a previous run, a
missing optional package, a ``--resume`` with other flags than the run's), and Ctrl-C into one
line saying what is saved and how to resume (exit status 130); anything else is a bug and keeps
its traceback. A command that fails before its first checkpoint leaves neither an empty ``--out``
it created nor the record of its flags (``run_flags.json``, ``retrain_run_flags.json``) behind."""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..search.distributed import shutdown_distributed
from .cell_commands import evaluate_command, retrain_command, search_command
from .inpaint_commands import inpaint_retrain_command, inpaint_search_command
from .launch import is_lead, new_folders, remove_if_empty
from .outdir import OUTPUTS, checkpoint_name
from .parser import parse_args
from .runflags import forget_run_flags

__all__ = ["main"]


def _end_distributed(completed: bool) -> None:
    """Tear down the process group :func:`.launch.launch` joined under torchrun (a no-op otherwise):
    after a barrier when the command completed on this rank, without one when it failed (the
    other ranks may never get there). Without it the group outlived ``main`` and its gloo
    threads ran into interpreter shutdown (see :mod:`asng_nas.search.distributed`)."""
    shutdown_distributed(barrier=completed)


def _summary(args: argparse.Namespace) -> int:
    """Print the summary of the folders; a path that is no folder is a one-line error (status 2)."""
    from .summary import not_folders, summarize

    text = summarize(args.folders)
    if text:
        print(text)
    for line in not_folders(args.folders):
        print(f"asng-nas: error: {line}", file=sys.stderr)
    return 2 if not_folders(args.folders) else 0


class _Interrupted:
    """What ``main`` says after Ctrl-C: what is saved in ``--out`` and the command that resumes."""

    @staticmethod
    def message(args: argparse.Namespace, argv: Sequence[str]) -> str:
        out = getattr(args, "out", None)
        if args.command not in OUTPUTS or out is None:
            return "asng-nas: interrupted"
        ckpt = Path(out) / checkpoint_name(args.command)
        if not ckpt.is_file():
            return f"asng-nas: interrupted before the first checkpoint; nothing to resume in {out}"
        words = [w for w in argv if w != "--overwrite"]
        again = shlex.join(["asng-nas", *words, *([] if "--resume" in words else ["--resume"])])
        saved = "the last checkpoint" if args.command == "inpaint-retrain" else "the last completed epoch"
        return f"asng-nas: interrupted; {saved} is saved in {ckpt}: continue with: {again}"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``asng-nas`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if getattr(args, "threads", None):
        import torch

        torch.set_num_threads(args.threads)
    completed = False
    created = new_folders(args.out) if args.command in OUTPUTS else []
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return_code = _dispatch(args, argv)
            completed = return_code == 0
            return return_code
        finally:
            if not completed and is_lead():
                forget_run_flags(args)  # no record of a run that never reached its first checkpoint
                remove_if_empty(created)  # a refused or failed run leaves no empty --out behind
            _end_distributed(completed)


def _show_warning(message: Any, category: Any, filename: str, lineno: int, file: Any = None, line: Any = None) -> None:
    """Warnings of a command as one line on stderr (no source line)."""
    first = str(message).strip().splitlines()[0] if str(message).strip() else category.__name__
    if "matplotlib" in first and "pip install" not in first:
        first += ' (pip install "asng-nas[plot]" draws it)'
    print(f"asng-nas: warning: {first}", file=sys.stderr)


def _dispatch(args: argparse.Namespace, argv: Sequence[str]) -> int:
    """Run the sub-command; the errors a user can cause become one line and status 2."""
    try:
        commands = {
            "search": search_command,
            "retrain": retrain_command,
            "evaluate": evaluate_command,
            "inpaint-search": inpaint_search_command,
            "inpaint-retrain": inpaint_retrain_command,
            "summary": _summary,
        }
        return commands[args.command](args)
    except KeyboardInterrupt:
        with contextlib.suppress(OSError):
            sys.stdout.flush()
        print(f"\n{_Interrupted.message(args, argv)}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `asng-nas summary runs/x | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (OSError, ValueError, ImportError) as e:
        print(f"asng-nas: error: {_one_line(e)}", file=sys.stderr)
        return 2


def _one_line(e: BaseException) -> str:
    """The first line of an exception's message (ImportError: with the extra to install)."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if isinstance(e, ImportError) and e.name and "pip install" not in text:
        extra = {"matplotlib": "plot", "PIL": "inpainting"}.get(e.name.split(".")[0])
        if extra:
            text += f' (install it with: pip install "asng-nas[{extra}]")'
    return text


if __name__ == "__main__":
    sys.exit(main())
