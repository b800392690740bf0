"""The report of a black-box study, rebuilt from its files: summary.csv, blackbox.md and the ECDF
figures from runs.csv, hits.csv and meta.json (``asng-bench blackbox --report-only``)."""

from __future__ import annotations

from pathlib import Path

from ..report_io import read_csv, read_json
from .ecdf import ecdf_figure
from .summary import summarize_targets, write_summary
from .tables import markdown

__all__ = ["report"]


def report(out: str | Path) -> None:
    """(Re)write summary.csv, blackbox.md and the figures from runs.csv, hits.csv and meta.json."""
    out = Path(out)
    meta = read_json(out / "meta.json")
    rows = read_csv(out / "runs.csv")
    hits = read_csv(out / "hits.csv")
    summary = summarize_targets(hits, rows)
    write_summary(out / "summary.csv", summary)
    (out / "blackbox.md").write_text(markdown(summary, meta))
    try:
        ecdf_figure(hits, out / "ecdf.png")
        ecdf_figure(hits, out / "ecdf_short.png", track="short")
    except ImportError:  # matplotlib is a dependency, but keep the data if it is broken
        pass
