"""The parts of the ``asng-bench`` sub-command parsers that several studies share: the parser of
a study with its ``--out`` folder and its command function (:func:`add_study_parser`), and the
flags ``--seeds``, a list of names (``--problems`` / ``--samplers`` / ``--strategies``),
``--jobs`` and ``--quick``."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from typing import Any

from .argtypes import positive_int

__all__ = ["add_jobs_flag", "add_names_flag", "add_quick_flag", "add_seeds_flag", "add_study_parser"]


def add_study_parser(
    sub: argparse._SubParsersAction,
    name: str,
    what: str,
    func: Callable[[argparse.Namespace], Any],
    out: str | None = None,
    out_help: str = "",
) -> argparse.ArgumentParser:
    """The sub-command ``name`` (``what`` is its help and description) that runs ``func(args)``;
    with ``out``, its first flag is ``--out`` (default ``out``, help ``out_help``)."""
    p: argparse.ArgumentParser = sub.add_parser(name, help=what, description=what)
    p.set_defaults(func=func)
    if out is not None:
        p.add_argument("--out", default=out, help=out_help)
    return p


def add_seeds_flag(p: argparse.ArgumentParser, per: str, full: int, quick: int) -> None:
    """``--seeds N`` (an integer >= 1; default None: ``full``, or ``quick`` with ``--quick``)."""
    p.add_argument("--seeds", type=positive_int, default=None, help=f"seeds per {per} ({full}; {quick} with --quick)")


def add_names_flag(
    p: argparse.ArgumentParser, flag: str, names: Collection[str], what: str, default: str = "all"
) -> None:
    """``flag NAME [NAME ...]``, one or more of ``names`` (default None: ``default``, e.g. all)."""
    p.add_argument(
        flag, nargs="+", default=None, choices=list(names), metavar="NAME",
        help=f"{what} (default: {default}; " + ", ".join(names) + ")",
    )  # fmt: skip


def add_jobs_flag(p: argparse.ArgumentParser, help: str = "worker processes") -> None:
    """``--jobs N``: worker processes (an integer >= 1, default 1)."""
    p.add_argument("--jobs", type=positive_int, default=1, help=help)


def add_quick_flag(p: argparse.ArgumentParser, help: str) -> None:
    """``--quick``: the study's smoke run (``help`` says what it runs)."""
    p.add_argument("--quick", action="store_true", help=help)
