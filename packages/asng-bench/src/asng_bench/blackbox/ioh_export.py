"""The runs of a black-box study in IOHanalyzer's format, written by ioh's own logger.

``ioh.logger.Analyzer`` is fed the improvement trace of every run (:mod:`.traces`) through its
``call(LogInfo)`` interface, with a ``MetaData`` per problem attached once per run: one folder per
optimizer (the "algorithm"), one ``IOHprofiler_f<id>_<problem>.json`` per problem and the
``.dat`` files of (evaluations, raw_y) lines, one block per run. ``raw_y`` is the gap
f - f_opt of each improving evaluation (so every problem's optimum is 0, minimised); the
function ids follow :data:`.registry.PROBLEMS` (1, 2, ...), the dimension is the number of
variables, the instance 1, the runs of a problem in the order of their seeds (0, 1, ...).

The logger learns a run's length from a problem's evaluation counter, which a replay through
``call`` does not have; the ``evals`` of each run in the json files is then set to the run's
recorded number of evaluations (what IOHanalyzer uses as the budget of an unsuccessful run).

Each track is zipped: ``ioh/main.zip`` and ``ioh/short.zip`` (IOHanalyzer's upload takes the zip
files as they are), with ``ioh/README.md`` saying what is in them.
"""

from __future__ import annotations

import importlib
import json
import shutil
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..report_io import package_versions
from .cells import optimizer_order
from .registry import PROBLEMS, get_problem
from .traces import Trace, TraceKey

__all__ = ["export_ioh", "IOH_DIR"]

IOH_DIR = "ioh"


def _problem_ids(names: Iterable[str]) -> dict[str, int]:
    order = list(PROBLEMS)
    return {n: (order.index(n) + 1 if n in order else len(order) + 1 + i) for i, n in enumerate(sorted(set(names)))}


def _patch_evals(folder: Path, evals: Mapping[str, list[int]]) -> None:
    """Set each run's ``evals`` in the json files of one algorithm folder (runs in logging order)."""
    for path in folder.glob("IOHprofiler_f*.json"):
        info = json.loads(path.read_text())
        n = evals[info["function_name"]]
        runs = [r for sc in info["scenarios"] for r in sc["runs"]]
        if len(runs) != len(n):
            raise RuntimeError(f"{path}: {len(runs)} runs logged, {len(n)} expected")
        for r, e in zip(runs, n):
            r["evals"] = int(e)
        path.write_text(json.dumps(info, indent=1) + "\n")


def _export_track(
    root: Path, track: str, runs: list[dict[str, Any]], traces: Mapping[TraceKey, Trace], ids: dict[str, int]
) -> list[str]:
    """Write one track's folders under ``root`` (one per optimizer); the runs without a trace."""
    ioh: Any = importlib.import_module("ioh")  # typed loosely: its stubs do not list LogInfo / MetaData

    missing = []
    by_opt: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in runs:
        by_opt[r["optimizer"]].append(r)
    for opt in optimizer_order(by_opt):
        lg = ioh.logger.Analyzer(
            triggers=[ioh.logger.trigger.ALWAYS],
            root=str(root),
            folder_name=opt,
            algorithm_name=opt,
            algorithm_info=f"asng-bench black-box study, {track} track; raw_y = f - f_opt",
        )
        evals: dict[str, list[int]] = defaultdict(list)
        for r in sorted(by_opt[opt], key=lambda r: (ids[r["problem"]], int(r["seed"]))):
            trace = traces.get((track, r["problem"], opt, int(r["seed"])))
            if not trace:
                missing.append(f"{r['problem']}/{opt}/seed {r['seed']}")
                continue
            p = get_problem(r["problem"])
            dim = int(p.dimension)
            lg.attach_problem(ioh.MetaData(ids[r["problem"]], 1, r["problem"], dim, ioh.OptimizationType.MIN, 0.0))
            optimum = ioh.RealSolution([0.0] * dim, 0.0)
            for e, g in trace:
                lg.call(ioh.LogInfo(int(e), g, g, g, g, g, g, [], [], [], optimum, True))
            lg.reset()
            evals[r["problem"]].append(int(r["n_evals"]))
        lg.close()
        if evals:
            _patch_evals(root / opt, evals)
        else:
            shutil.rmtree(root / opt, ignore_errors=True)
    return missing


def export_ioh(out: str | Path, runs: list[dict[str, Any]], traces: Mapping[TraceKey, Trace]) -> dict[str, Any]:
    """Write ``out/ioh/<track>.zip`` and ``out/ioh/README.md`` from the rows of runs.csv and the traces.

    Returns ``{"tracks": {track: runs exported}, "without_trace": [...]}`` (the runs that had no
    trace, e.g. peers' runs reused from a study that did not record traces). Needs ``ioh``
    (ImportError otherwise)."""
    dest = Path(out) / IOH_DIR
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    ids = _problem_ids(r["problem"] for r in runs)
    summary: dict[str, Any] = {"tracks": {}, "without_trace": []}
    for track in dict.fromkeys(r["track"] for r in runs):
        rows = [r for r in runs if r["track"] == track]
        with tempfile.TemporaryDirectory() as tmp:
            missing = _export_track(Path(tmp), track, rows, traces, ids)
            with zipfile.ZipFile(dest / f"{track}.zip", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
                for f in sorted(Path(tmp).rglob("*")):
                    if f.is_file():
                        z.write(f, f.relative_to(tmp).as_posix())
        summary["tracks"][track] = len(rows) - len(missing)
        summary["without_trace"] += [f"{track}: {m}" for m in missing]
    lines = [
        "# IOHanalyzer export of the black-box study",
        "",
        f"Written by `ioh.logger.Analyzer` (ioh {package_versions(['ioh'])['ioh']}) from "
        "`../traces.csv.gz`; one zip per track, one folder per optimizer inside. Upload a zip to IOHanalyzer "
        "(or unzip it and load the folder). raw_y is the gap f - f_opt of each improving evaluation "
        "(minimised, optimum 0); function ids:",
        "",
        *[f"- f{i}: {n} ({get_problem(n).description})" for n, i in sorted(ids.items(), key=lambda kv: kv[1])],
        "",
        "Runs per track: " + ", ".join(f"{t} {n}" for t, n in summary["tracks"].items()) + ".",
    ]
    if summary["without_trace"]:
        pairs: dict[str, set[str]] = defaultdict(set)
        for m in summary["without_trace"]:  # "track: problem/optimizer/seed s"
            problem, opt = m.split(": ", 1)[1].split("/")[:2]
            pairs[opt].add(problem)
        lines += [
            "",
            f"Not exported: {len(summary['without_trace'])} runs without an improvement trace (runs reused from a "
            "study whose runner did not record traces): "
            + "; ".join(f"{o} on {', '.join(sorted(ps))}" for o, ps in sorted(pairs.items()))
            + ".",
        ]
    (dest / "README.md").write_text("\n".join(lines) + "\n")
    return summary
