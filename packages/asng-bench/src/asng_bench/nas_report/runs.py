"""Reading the run folders written by ``asng-nas``: a search folder holds ``log.csv`` and
``architecture.json``; a classification retrain folder ``retrain_summary.json``; an inpainting
retrain folder ``metrics.json``."""

from __future__ import annotations

from pathlib import Path

from ..report_io import read_csv

__all__ = ["search_log"]


def search_log(search_dir: Path) -> list[dict[str, float]]:
    """The rows of a search's ``log.csv`` as numbers (empty cells left out)."""
    return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in read_csv(search_dir / "log.csv")]
