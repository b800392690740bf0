"""The ``nas-report`` sub-command: run specs ``SEARCH[:RETRAIN]`` (classification) and
``MASK:ENCODING:SEARCH[:RETRAIN]`` (inpainting) -> table1.md, fig2_search.png, table2.md.
Nothing here trains anything."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from .published import MASKS

__all__ = ["add_command", "write_report"]


def _split(spec: str, n_fixed: int) -> list[str]:
    parts = spec.split(":")
    if len(parts) not in (n_fixed + 1, n_fixed + 2):
        raise ValueError(f"cannot parse run {spec!r}")
    return parts


def write_report(classification: Sequence[str], inpainting: Sequence[str], out: str, label: str) -> dict[str, Path]:
    """Write table1.md / fig2_search.png (from ``SEARCH[:RETRAIN]`` specs) and table2.md (from
    ``MASK:ENCODING:SEARCH[:RETRAIN]`` specs) into ``out``."""
    from .figure import figure2
    from .tables import table1, table2

    dest = Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if classification:
        runs = []
        for spec in classification:
            p = _split(spec, 0)
            runs.append((Path(p[0]), Path(p[1]) if len(p) > 1 else None))
        (dest / "table1.md").write_text(table1(runs, label))
        written["table1"] = dest / "table1.md"
        written["figure2"] = figure2([r[0] for r in runs], dest / "fig2_search.png", label)
    if inpainting:
        iruns = []
        for spec in inpainting:
            p = _split(spec, 2)
            if p[0] not in MASKS or p[1] not in ("cat", "int"):
                raise ValueError(f"run {spec!r}: mask must be one of {MASKS}, encoding cat or int")
            iruns.append((p[0], p[1], Path(p[2]), Path(p[3]) if len(p) > 3 else None))
        (dest / "table2.md").write_text(table2(iruns, label))
        written["table2"] = dest / "table2.md"
    for k, v in written.items():
        print(f"{k}: {v}")
    return written


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``nas-report``."""
    p = sub.add_parser("nas-report", help="Table 1 / Figure 2 / Table 2 from asng-nas run folders")
    p.add_argument("--classification", nargs="*", default=[], metavar="SEARCH[:RETRAIN]")
    p.add_argument("--inpainting", nargs="*", default=[], metavar="MASK:ENCODING:SEARCH[:RETRAIN]")
    p.add_argument("--label", default="this run", help="what our rows were run on, e.g. 'digits, CPU'")
    p.add_argument("--out", default="results/nas")
    p.set_defaults(func=lambda args: write_report(args.classification, args.inpainting, args.out, args.label))
