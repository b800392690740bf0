"""The ``--out`` folder of a sub-command: refuse to replace a previous run's outputs unless asked to.

Each command names the files it is about to write (glob patterns inside the folder); if any of
them is already there, the command stops before doing any work with one line naming the folder
and the flag that lets it go on (``--overwrite``, or ``--resume`` where the command can resume).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path

from .usage import UsageError

__all__ = ["add_overwrite_flag", "previous_outputs", "refuse_overwrite", "refuse_existing"]


def add_overwrite_flag(parser: argparse.ArgumentParser) -> None:
    """``--overwrite``: replace the outputs of a previous run in ``--out``."""
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the outputs of a previous run in the output folder"
    )


def previous_outputs(folder: str | Path, patterns: Iterable[str]) -> list[str]:
    """The names of the files in ``folder`` that match ``patterns`` (sorted, no duplicates).

    Raises :class:`UsageError` when ``folder`` exists but is not a folder."""
    folder = Path(folder)
    if not folder.exists():
        return []
    if not folder.is_dir():
        raise UsageError(f"{folder} is a file, not a folder")
    return sorted({p.name for pattern in patterns for p in folder.glob(pattern) if p.is_file()})


def refuse_overwrite(
    folder: str | Path, patterns: Iterable[str], overwrite: bool, flags: str = "pass --overwrite to replace them"
) -> None:
    """Raise :class:`UsageError` if ``folder`` holds a file matching ``patterns`` and not ``overwrite``."""
    refuse_existing([Path(folder) / name for name in previous_outputs(folder, patterns)], overwrite, flags)


def refuse_existing(
    paths: Iterable[str | Path], overwrite: bool, flags: str = "pass --overwrite to replace them"
) -> None:
    """Raise :class:`UsageError` naming the folders and files if any of ``paths`` exists and not ``overwrite``."""
    found = [Path(p) for p in paths if Path(p).exists()]
    if not found or overwrite:
        return
    folders = list(dict.fromkeys(str(p.parent) for p in found))
    names = [p.name for p in found]
    listed = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
    holds = "hold" if len(folders) > 1 else "holds"
    raise UsageError(f"{' and '.join(folders)} already {holds} the outputs of a previous run ({listed}); {flags}")
