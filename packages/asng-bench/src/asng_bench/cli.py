"""The ``asng-bench`` command line: one sub-command per study."""

from __future__ import annotations

import argparse
from collections.abc import Sequence


def _add_overhead(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("overhead", help="time one ask()+tell() pair of the asng-opt optimizers")
    p.add_argument("--out", default="results/opt", help="folder for overhead.json / overhead.md")
    p.add_argument("--repeats", type=int, default=5, help="timing repeats (the median is reported)")
    p.add_argument("--pairs", type=int, default=4000, help="ask/tell pairs per repeat")

    def run(args: argparse.Namespace) -> None:
        from .overhead import main as overhead_main

        overhead_main(args.out, repeats=args.repeats, pairs=args.pairs)

    p.set_defaults(func=run)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asng-bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    _add_overhead(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
