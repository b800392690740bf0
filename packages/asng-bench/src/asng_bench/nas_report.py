"""Paper-style tables and figure from asng-nas runs: Table 1 and Figure 2 (CIFAR-10 cells),
Table 2 (inpainting), with the paper's published rows beside ours, labelled "published".

Inputs are run folders written by ``asng-nas``: a search folder holds ``log.csv`` and
``architecture.json``; a classification retrain folder ``retrain_summary.json``; an inpainting
retrain folder ``metrics.json``. Nothing here trains anything.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["PUBLISHED_TABLE1", "PUBLISHED_TABLE2", "table1", "table2", "figure2", "main"]

#: Table 1 of the paper: (method, search cost in GPU days, params in M, test error in %)
PUBLISHED_TABLE1: tuple[tuple[str, str, str, str], ...] = (
    ("NASNet-A (Zoph et al., 2018)", "1800", "3.3", "2.65"),
    ("NAONet (Luo et al., 2018)", "200", "128", "2.11"),
    ("ProxylessNAS-G (Cai et al., 2019)", "4", "5.7", "2.08"),
    ("SMASHv2 (Brock et al., 2018)", "1.5", "16.0", "4.03"),
    ("DARTS second order (Liu et al., 2019)", "4", "3.3", "2.76 (± 0.09)"),
    ("DARTS first order (Liu et al., 2019)", "1.5", "3.3", "3.00 (± 0.14)"),
    ("SNAS (Xie et al., 2019)", "1.5", "2.8", "2.85 (± 0.02)"),
    ("ENAS (Pham et al., 2018)", "0.45", "4.6", "2.89"),
    ("ASNG-NAS (Akimoto et al., 2019)", "0.11", "3.9", "2.83 (± 0.14)"),
)

#: Table 2 of the paper: PSNR [dB] / SSIM per mask
PUBLISHED_TABLE2: dict[str, dict[str, str]] = {
    "CE": {"center": "28.5 / 0.912", "pixel": "22.9 / 0.730", "half": "19.9 / 0.747"},
    "SII": {"center": "19.4 / 0.907", "pixel": "22.8 / 0.710", "half": "13.7 / 0.582"},
    "BASE": {"center": "27.1 / 0.883", "pixel": "27.5 / 0.836", "half": "11.8 / 0.604"},
    "E-CAE (12 GPU days)": {"center": "29.9 / 0.934", "pixel": "27.8 / 0.887", "half": "21.1 / 0.771"},
    "ASNG-NAS (Cat) (0.84 GPU days)": {"center": "29.2 / 0.903", "pixel": "28.4 / 0.905", "half": "20.5 / 0.779"},
    "ASNG-NAS (Int) (0.75 GPU days)": {"center": "29.3 / 0.911", "pixel": "28.6 / 0.909", "half": "20.6 / 0.779"},
}
MASKS = ("center", "pixel", "half")


def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _log(search_dir: Path) -> list[dict[str, float]]:
    with open(search_dir / "log.csv") as fh:
        return [{k: float(v) for k, v in row.items() if v not in ("", None)} for row in csv.DictReader(fh)]


def table1(runs: Sequence[tuple[Path, Path | None]], label: str) -> str:
    """Markdown Table 1: the published rows, then one row per (search, retrain) run of ours."""
    lines = [
        "| method | search cost (days) | params (M) | test error (%) | source |",
        "|---|---:|---:|---:|---|",
    ]
    lines += [f"| {m} | {c} | {p} | {e} | published |" for m, c, p, e in PUBLISHED_TABLE1]
    for search, retrain in runs:
        arch = _json(search / "architecture.json")
        days = arch.get("search_seconds", float("nan")) / 86400
        params = err = "–"
        if retrain is not None and (retrain / "retrain_summary.json").exists():
            r = _json(retrain / "retrain_summary.json")
            params, err = f"{r['n_params'] / 1e6:.2f}", f"{100 * r['test_error']:.2f}"
        lines.append(f"| ASNG-NAS, ours ({label}) | {days:.4f} (CPU) | {params} | {err} | {search} |")
    return "\n".join(lines) + "\n"


def figure2(searches: Sequence[Path], path: Path, label: str) -> Path:
    """Test error of the most likely architecture against search time (the paper's figure 2)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.4))
    for s in searches:
        rows = [r for r in _log(s) if "test_accuracy" in r]
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
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def table2(runs: Sequence[tuple[str, str, Path, Path | None]], label: str) -> str:
    """Markdown Table 2: published rows, then ours; ``runs`` are (mask, encoding, search, retrain)."""
    lines = ["| method | " + " | ".join(MASKS) + " | source |", "|---|" + "---:|" * len(MASKS) + "---|"]
    lines += [f"| {m} | " + " | ".join(v[k] for k in MASKS) + " | published |" for m, v in PUBLISHED_TABLE2.items()]
    ours: dict[str, dict[str, str]] = {}
    for mask, enc, search, retrain in runs:
        name = f"ASNG-NAS ({enc.capitalize()}), ours ({label})"
        if retrain is not None and (retrain / "metrics.json").exists():
            m = _json(retrain / "metrics.json")
            cell = f"{m['test_psnr']:.1f} / {m['test_ssim']:.3f}"
        else:
            last = [r for r in _log(search) if "test_psnr" in r][-1]
            cell = f"{last['test_psnr']:.1f} / {last['test_ssim']:.3f} (search net)"
        ours.setdefault(name, {})[mask] = cell
    for name, cells in ours.items():
        lines.append(f"| {name} | " + " | ".join(cells.get(k, "–") for k in MASKS) + " | this repository |")
    return "\n".join(lines) + "\n"


def _split(spec: str, n_fixed: int) -> list[str]:
    parts = spec.split(":")
    if len(parts) not in (n_fixed + 1, n_fixed + 2):
        raise ValueError(f"cannot parse run {spec!r}")
    return parts


def main(classification: Sequence[str], inpainting: Sequence[str], out: str, label: str) -> dict[str, Path]:
    """Write table1.md / fig2_search.png (from ``SEARCH[:RETRAIN]`` specs) and table2.md (from
    ``MASK:ENCODING:SEARCH[:RETRAIN]`` specs) into ``out``."""
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
