"""The report of a black-box study, rebuilt from its files: summary.csv, blackbox.md, the ECDF
figures (ecdf.png, ecdf_short.png, ablation.png) from runs.csv, hits.csv and meta.json, and
the IOHanalyzer export ioh/ from runs.csv and traces.csv.gz where both ioh and the traces are
there (``asng-bench blackbox --report-only``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..report_io import read_csv, read_json
from .ablation_map import ablation_figure
from .ecdf import ecdf_figure
from .ioh_export import export_ioh
from .registry import importable
from .summary import summarize_targets, write_summary
from .tables import markdown
from .traces import TRACES, read_traces

__all__ = ["report", "run_errors"]


def run_errors(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The runs whose searcher raised (runs.csv's ``error``), by ``"<optimizer> on <problem> (<track>
    track)"``: ``{"runs": count, "seeds": "0, 3", "messages": {message: "seeds ..."}}``, each
    distinct message with the seeds that ended with it."""
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.get("error"):
            key = f"{r['optimizer']} on {r['problem']} ({r['track']} track)"
            info = out.setdefault(key, {"runs": 0, "seeds": [], "messages": {}})
            seed = int(float(r["seed"]))
            info["runs"] += 1
            info["seeds"].append(seed)
            info["messages"].setdefault(r["error"], []).append(seed)
    for info in out.values():
        info["seeds"] = ", ".join(str(s) for s in sorted(info["seeds"]))
        info["messages"] = {m: ", ".join(str(s) for s in sorted(v)) for m, v in info["messages"].items()}
    return out


def report(out: str | Path) -> None:
    """(Re)write summary.csv, blackbox.md, the figures and ioh/ from the study's files in ``out``."""
    out = Path(out)
    meta = read_json(out / "meta.json")
    rows = read_csv(out / "runs.csv")
    hits = read_csv(out / "hits.csv")
    summary = summarize_targets(hits, rows)
    write_summary(out / "summary.csv", summary)
    (out / "blackbox.md").write_text(markdown(summary, {**meta, "errors": run_errors(rows)}))
    try:
        ecdf_figure(hits, out / "ecdf.png")
        ecdf_figure(hits, out / "ecdf_short.png", track="short")
        ablation_figure(hits, out / "ablation.png")
        (out / "ecdf_ablation.png").unlink(missing_ok=True)  # its ECDF panels before: replaced by ablation.png
    except ImportError:  # matplotlib is a dependency, but keep the data if it is broken
        pass
    if (out / TRACES).is_file() and importable("ioh"):
        export_ioh(out, rows, read_traces(out / TRACES))
