"""The ``asng-bench`` command line: one sub-command per study."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from .blackbox import cli as blackbox_cli
from .blackbox import overhead_cli as blackbox_overhead_cli
from .nas_compare import cli as nas_compare_cli
from .nas_report import cli as nas_report_cli
from .overhead import cli as overhead_cli
from .samplers import cli as samplers_cli
from .toy import cli as toy_cli
from .usage import UsageError


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """``--help`` shows ``(default: X)`` after every flag that has a value by default (not after
    switches, nor where the default is "none" and the help text says what happens instead)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        default = action.default
        if action.help is None:
            return ""
        if default is None or isinstance(default, bool) or default == []:
            return action.help or ""
        return super()._get_help_string(action) or ""


class _Parser(argparse.ArgumentParser):
    """An argument parser with :class:`_HelpFormatter`; sub-parsers are of the same class."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="asng-bench",
        description="Benchmarks and paper-style studies of asng-opt / asng-nas, one sub-command per study "
        "(asng-bench COMMAND --help for its flags and their defaults).",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    overhead_cli.add_command(sub)
    blackbox_cli.add_command(sub)
    blackbox_overhead_cli.add_command(sub)
    toy_cli.add_commands(sub)  # toy, toy-sweep, figures, toy-speed
    nas_report_cli.add_command(sub)
    samplers_cli.add_command(sub)
    nas_compare_cli.add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse ``argv`` and run the sub-command; a :class:`.usage.UsageError` is one line on stderr, exit 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except UsageError as err:
        parser.exit(2, f"{parser.prog} {args.command}: error: {err}\n")


if __name__ == "__main__":
    main()
