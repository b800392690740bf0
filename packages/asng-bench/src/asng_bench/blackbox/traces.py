"""traces.csv.gz: each run's improvement trace, the evaluations at which its best gap improved.

One row per improvement: ``track, problem, optimizer, seed, evals, best_gap`` (``evals`` counts
from 1; ``best_gap`` = f - f_opt of that evaluation, the best so far). The first evaluation is
always a row. Gzip-compressed CSV; :mod:`.ioh_export` turns it into IOHanalyzer's format.
"""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["TRACE_COLUMNS", "TRACES", "Trace", "TraceKey", "write_traces", "read_traces"]

TRACE_COLUMNS = ["track", "problem", "optimizer", "seed", "evals", "best_gap"]
TRACES = "traces.csv.gz"
Trace = list[tuple[int, float]]  #: (evaluation, best gap), the evaluations increasing, the gaps decreasing
TraceKey = tuple[str, str, str, int]  #: (track, problem, optimizer, seed)


def write_traces(path: str | Path, traces: Mapping[TraceKey, Trace]) -> Path:
    """Write ``traces`` (in the mapping's order) as gzip-compressed CSV; gaps with 10 significant digits."""
    path = Path(path)
    with gzip.open(path, "wt", newline="", compresslevel=9) as f:
        w = csv.writer(f)
        w.writerow(TRACE_COLUMNS)
        for (track, problem, opt, seed), trace in traces.items():
            for e, g in trace:
                w.writerow([track, problem, opt, seed, e, f"{g:.10g}"])
    return path


def read_traces(path: str | Path) -> dict[TraceKey, Trace]:
    """The traces of a file written by :func:`write_traces`.

    Raises:
        ValueError: naming the file, if its header or a row is not as written.
    """
    path = Path(path)
    out: dict[TraceKey, Trace] = {}
    try:
        with gzip.open(path, "rt", newline="") as f:
            rows: Iterable[list[str]] = csv.reader(f)
            it = iter(rows)
            if next(it, None) != TRACE_COLUMNS:
                raise ValueError(f"{path}: not a traces file (header is not {','.join(TRACE_COLUMNS)})")
            for i, r in enumerate(it, start=2):
                try:
                    key = (r[0], r[1], r[2], int(r[3]))
                    out.setdefault(key, []).append((int(r[4]), float(r[5])))
                except (IndexError, ValueError):
                    raise ValueError(f"{path}: line {i} is not a trace row: {r!r}") from None
    except (OSError, EOFError) as e:
        raise ValueError(f"{path}: cannot read the traces: {e}") from None
    return out
