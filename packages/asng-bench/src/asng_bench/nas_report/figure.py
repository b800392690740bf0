"""The paper's Figure 2 analogue: test error of the most likely architecture against search time."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..report_io import pyplot, save_figure
from .runs import search_log

__all__ = ["figure2"]


def figure2(searches: Sequence[Path], path: Path, label: str) -> Path:
    """One curve per search folder (its ``log.csv`` rows with a test accuracy)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    for s in searches:
        rows = [r for r in search_log(s) if "test_accuracy" in r]
        ax.plot(
            [r["search_seconds"] / 3600 for r in rows],
            [100 * (1 - r["test_accuracy"]) for r in rows],
            marker="o",
            ms=3,
            label=f"ASNG-NAS, most likely ({s.name})",
        )
    ax.set_xlabel("search time (hours, evaluation excluded)")
    ax.set_ylabel("test error (%)")
    ax.set_title(f"Figure 2 analogue: {label}", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    return save_figure(fig, path, dpi=120)
