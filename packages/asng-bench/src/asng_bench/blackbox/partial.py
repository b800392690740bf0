"""The file that lets a stopped black-box study resume: ``partial.jsonl`` in its folder, one line
per finished run, ``[runs.csv row, hits.csv rows, improvement trace, wall time]`` in JSON; the wall
time (s) is the study's up to that run, earlier passes of a resumed study included (lines written
before it was recorded have none, and older ones no trace either)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:  # the command line imports this module: keep it light
    from .reuse import Result, Task

__all__ = ["PARTIAL", "read_partial", "append_partial"]

PARTIAL = "partial.jsonl"


def read_partial(partial: Path, resume: bool) -> tuple[dict[Task, Result], Optional[float]]:
    """With ``resume`` and ``partial`` there, the runs a stopped study finished and the wall time
    (s) of its passes so far (None if a line does not record it; 0 without lines); otherwise none
    and 0, and ``partial`` is made empty. ValueError (naming the file and line) for a line that is
    not a recorded run."""
    done: dict[Task, Result] = {}
    wall: Optional[float] = 0.0
    if resume and partial.exists():
        for i, line in enumerate(partial.read_text().splitlines(), 1):
            if not line.strip():
                continue
            try:
                row, h, *rest = json.loads(line)
                tr = [(int(e), float(g)) for e, g in rest[0]] if rest and rest[0] is not None else None
                key = (row["track"], row["problem"], row["optimizer"], row["budget"], row["seed"])
            except (ValueError, TypeError, KeyError) as e:
                raise ValueError(f"{partial}: line {i} is not a finished run ({e})") from None
            done[key] = (row, h, tr)
            wall = None if wall is None or len(rest) < 2 else max(wall, float(rest[1]))
    else:
        partial.write_text("")
    return done, wall


def append_partial(partial: Path, result: Result, wall_s: float) -> None:
    """Append one finished run to ``partial``, with the study's wall time ``wall_s`` (s) so far."""
    with open(partial, "a") as f:
        f.write(json.dumps([*result, round(wall_s, 3)]) + "\n")
