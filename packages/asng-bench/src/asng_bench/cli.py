"""The ``asng-bench`` command line: one sub-command per study."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from .blackbox import cli as blackbox_cli
from .nas_report import cli as nas_report_cli
from .overhead import cli as overhead_cli
from .toy import cli as toy_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asng-bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    overhead_cli.add_command(sub)
    blackbox_cli.add_command(sub)
    toy_cli.add_commands(sub)  # toy, toy-sweep, figures, toy-speed
    nas_report_cli.add_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
