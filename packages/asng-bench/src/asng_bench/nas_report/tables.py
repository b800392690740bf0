"""Markdown Table 1 (CIFAR-10 cells) and Table 2 (inpainting): the published rows, then ours."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Optional

from ..report_io import md_row, md_table, read_json
from .published import MASKS, PUBLISHED_TABLE1, PUBLISHED_TABLE2
from .runs import search_log

__all__ = ["table1", "table2"]


def table1(runs: Sequence[tuple[Path, Optional[Path]]], label: str) -> str:
    """Markdown Table 1: the published rows, then one row per (search, retrain) run of ours."""
    lines = md_table(
        ["method", "search cost (days)", "params (M)", "test error (%)", "source"],
        "lrrrl",
        [[*row, "published"] for row in PUBLISHED_TABLE1],
    )
    for search, retrain in runs:
        arch = read_json(search / "architecture.json")
        days = arch.get("search_seconds", float("nan")) / 86400
        params = err = "–"
        if retrain is not None and (retrain / "retrain_summary.json").exists():
            r = read_json(retrain / "retrain_summary.json")
            params, err = f"{r['n_params'] / 1e6:.2f}", f"{100 * r['test_error']:.2f}"
        lines.append(md_row([f"ASNG-NAS, ours ({label})", f"{days:.4f} (CPU)", params, err, search]))
    return "\n".join(lines) + "\n"


def _cell(search: Path, retrain: Optional[Path]) -> str:
    """``PSNR / SSIM`` of the retrained network, else of the search network's last evaluation."""
    if retrain is not None and (retrain / "metrics.json").exists():
        m = read_json(retrain / "metrics.json")
        return f"{m['test_psnr']:.1f} / {m['test_ssim']:.3f}"
    last = [r for r in search_log(search) if "test_psnr" in r][-1]
    return f"{last['test_psnr']:.1f} / {last['test_ssim']:.3f} (search net)"


def table2(runs: Sequence[tuple[str, str, Path, Optional[Path]]], label: str) -> str:
    """Markdown Table 2: published rows, then ours; ``runs`` are (mask, encoding, search, retrain)."""
    lines = md_table(
        ["method", *MASKS, "source"],
        "l" + "r" * len(MASKS) + "l",
        [[m, *(v[k] for k in MASKS), "published"] for m, v in PUBLISHED_TABLE2.items()],
    )
    ours: dict[str, dict[str, str]] = {}
    for mask, enc, search, retrain in runs:
        ours.setdefault(f"ASNG-NAS ({enc.capitalize()}), ours ({label})", {})[mask] = _cell(search, retrain)
    for name, cells in ours.items():
        lines.append(md_row([name, *(cells.get(k, "–") for k in MASKS), "this repository"]))
    return "\n".join(lines) + "\n"
