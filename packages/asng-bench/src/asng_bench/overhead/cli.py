"""The ``overhead`` sub-command: measure, then write overhead.json and overhead.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..argtypes import positive_int
from ..flags import add_study_parser
from ..outdir import add_overwrite_flag, refuse_overwrite

__all__ = ["add_command", "overhead_command", "write_overhead"]

OUTPUTS = ("overhead.json", "overhead.md")


def write_overhead(out: str | Path, repeats: int = 5, pairs: int = 4000) -> dict[str, Any]:
    """Measure (:func:`.measure.measure`), write ``out/overhead.json`` and ``out/overhead.md``, print the tables."""
    from ..report_io import write_json
    from .markdown import to_markdown
    from .measure import measure

    res = measure(pairs=pairs, repeats=repeats)
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    write_json(path / "overhead.json", res)
    md = to_markdown(res)
    (path / "overhead.md").write_text(md)
    print(md)
    return res


def overhead_command(args: argparse.Namespace) -> None:
    """``asng-bench overhead``: refuse to replace a previous measurement unless ``--overwrite``, then measure."""
    refuse_overwrite(args.out, OUTPUTS, args.overwrite)
    write_overhead(args.out, repeats=args.repeats, pairs=args.pairs)


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``overhead``."""
    what = "time one ask()+tell() pair of the asng-opt optimizers (overhead.json, overhead.md)"
    p = add_study_parser(
        sub, "overhead", what, overhead_command, "results/opt", "folder for overhead.json / overhead.md"
    )
    p.add_argument("--repeats", type=positive_int, default=5, help="timing repeats (the median is reported)")
    p.add_argument("--pairs", type=positive_int, default=4000, help="ask/tell pairs per repeat")
    add_overwrite_flag(p)
