"""The ``nas-report`` sub-command: run specs ``SEARCH[:RETRAIN]`` (classification) and
``MASK:ENCODING:SEARCH[:RETRAIN]`` (inpainting) -> table1.md, fig2_search.png, table2.md.
Nothing here trains anything."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Callable, Optional

from ..outdir import add_overwrite_flag, refuse_overwrite
from ..usage import UsageError
from .published import MASKS

__all__ = ["add_command", "nas_report_command", "parse_classification", "parse_inpainting", "write_report"]

CLASSIFICATION_FILES = ("table1.md", "fig2_search.png")
INPAINTING_FILES = ("table2.md",)


def _split(spec: str, n_fixed: int) -> list[str]:
    parts = spec.split(":")
    if len(parts) not in (n_fixed + 1, n_fixed + 2) or not all(parts):
        raise ValueError(f"cannot parse run {spec!r}")
    return parts


def _folders(spec: str, names: Sequence[str]) -> list[Path]:
    for name in names:
        if not Path(name).is_dir():
            raise ValueError(f"run {spec!r}: no folder {name}")
    return [Path(name) for name in names]


def parse_classification(spec: str) -> tuple[Path, Optional[Path]]:
    """``SEARCH[:RETRAIN]`` -> the two folders (the retraining one may be absent)."""
    folders = _folders(spec, _split(spec, 0))
    return folders[0], folders[1] if len(folders) > 1 else None


def parse_inpainting(spec: str) -> tuple[str, str, Path, Optional[Path]]:
    """``MASK:ENCODING:SEARCH[:RETRAIN]`` -> mask, encoding and the two folders."""
    p = _split(spec, 2)
    if p[0] not in MASKS or p[1] not in ("cat", "int"):
        raise ValueError(f"run {spec!r}: mask must be one of {MASKS}, encoding cat or int")
    folders = _folders(spec, p[2:])
    return p[0], p[1], folders[0], folders[1] if len(folders) > 1 else None


def _checked(parse: Callable[[str], object]) -> Callable[[str], str]:
    """An argparse ``type=``: the spec itself, once ``parse`` accepts it (else a usage error naming the flag)."""

    def check(spec: str) -> str:
        try:
            parse(spec)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None
        return spec

    return check


def write_report(classification: Sequence[str], inpainting: Sequence[str], out: str, label: str) -> dict[str, Path]:
    """Write table1.md / fig2_search.png (from ``SEARCH[:RETRAIN]`` specs) and table2.md (from
    ``MASK:ENCODING:SEARCH[:RETRAIN]`` specs) into ``out``."""
    from .figure import figure2
    from .tables import table1, table2

    dest = Path(out)
    dest.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    if classification:
        runs = [parse_classification(spec) for spec in classification]
        (dest / "table1.md").write_text(table1(runs, label))
        written["table1"] = dest / "table1.md"
        written["figure2"] = figure2([r[0] for r in runs], dest / "fig2_search.png", label)
    if inpainting:
        iruns = [parse_inpainting(spec) for spec in inpainting]
        (dest / "table2.md").write_text(table2(iruns, label))
        written["table2"] = dest / "table2.md"
    for k, v in written.items():
        print(f"{k}: {v}")
    return written


def nas_report_command(args: argparse.Namespace) -> None:
    """``asng-bench nas-report``: at least one kind of run; refuse to replace earlier tables unless ``--overwrite``."""
    if not (args.classification or args.inpainting):
        raise UsageError("give runs with --classification and/or --inpainting")
    files = (CLASSIFICATION_FILES if args.classification else ()) + (INPAINTING_FILES if args.inpainting else ())
    refuse_overwrite(args.out, files, args.overwrite)
    write_report(args.classification, args.inpainting, args.out, args.label)


def add_command(sub: argparse._SubParsersAction) -> None:
    """Register ``nas-report``."""
    what = "Table 1 / Figure 2 / Table 2 from asng-nas run folders"
    p = sub.add_parser("nas-report", help=what, description=what)
    p.add_argument(
        "--classification", nargs="*", default=[], type=_checked(parse_classification), metavar="SEARCH[:RETRAIN]",
        help="asng-nas search folders, each with its retraining folder if there is one -> table1.md, fig2_search.png",
    )  # fmt: skip
    p.add_argument(
        "--inpainting", nargs="*", default=[], type=_checked(parse_inpainting),
        metavar="MASK:ENCODING:SEARCH[:RETRAIN]",
        help=f"inpainting runs: mask ({', '.join(MASKS)}), encoding (cat or int), search [and retraining] folder "
        "-> table2.md",
    )  # fmt: skip
    p.add_argument("--label", default="this run", help="what our rows were run on, e.g. 'digits, CPU'")
    p.add_argument("--out", default="results/nas", help="folder for the tables and the figure")
    add_overwrite_flag(p)
    p.set_defaults(func=nas_report_command)
