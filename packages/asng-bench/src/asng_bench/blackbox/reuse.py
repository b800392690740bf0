"""Reusing the peers' runs of a previous study (``asng-bench blackbox --reuse DIR``).

A peer's runs on a problem are taken from ``DIR`` (its runs.csv, hits.csv, meta.json and, if
there, traces.csv.gz) instead of being run again when nothing that decides them changed:

* the versions recorded in DIR/meta.json of numpy, of the peer's own package and of the
  problem's package (ioh) equal the installed ones;
* the problem's description (its definition, parameters included) is the same, and so are its
  target gaps;
* DIR has a run for every (budget, seed) of the track the new study asks for: a pair's runs are
  taken track by track (a study that adds seeds to the short track alone still reuses the main
  track's runs, the expensive ones);
* the peers' code: where DIR/meta.json records a fingerprint of it (:func:`peer_code_sha256`)
  and it differs, the runs are still taken, and the spot check that the runner makes for every
  (peer, problem) (one run computed again and compared, :func:`.reuse_peers.spot_check`) decides:
  a pair whose run is not reproduced is run again in full. (The wrappers change when the study
  gains a kind of variable -- the real-valued problems did -- without changing what they do on
  the problems that have none.) Studies before this option did not record a fingerprint; that is
  reported.

Ours (asng-opt) are always run again, and so are the peers run with the runner's cache (role
``peer-variant``: :attr:`.registry.OptimizerSpec.reusable`). Everything else is run. A source
study's runs.csv from before the ``cached`` column gives its runs ``cached`` = 0 (a peer without
the cache answers nothing from it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Optional

from ..report_io import package_versions, read_csv, read_json
from .registry import OPTIMIZERS, PROBLEMS, get_problem
from .traces import TRACES, Trace, read_traces

__all__ = ["peer_code_sha256", "reusable_runs", "rerun_key", "Task", "Result"]

Task = tuple[str, str, str, int, int]  #: (track, problem, optimizer, budget, seed)
Result = tuple[dict[str, Any], list[dict[str, Any]], Optional[Trace]]  #: (runs row, hits rows, trace)

_INTS = ("seed", "budget", "n_evals", "restarts")
_FLOATS = ("best_gap", "wall_s", "objective_s", "overhead_us_per_eval")


def peer_code_sha256() -> str:
    """SHA-256 of the source of the peers' wrappers and of the searcher interface (peers.py, searcher.py)."""
    here = Path(__file__).parent
    h = hashlib.sha256()
    for name in ("peers.py", "searcher.py"):
        h.update((here / name).read_bytes())
    return h.hexdigest()


def _typed_run(r: dict[str, Any]) -> dict[str, Any]:
    out = dict(r)
    for k in _INTS:
        out[k] = int(float(r[k]))
    for k in _FLOATS:
        out[k] = float(r[k])
    out["solved"] = str(r["solved"]) == "True"
    out["cached"] = int(float(r.get("cached") or 0))  # absent before the runner's cache: none
    out["error"] = r.get("error") or ""  # absent before the runner recorded errors: none
    return out


def _typed_hit(h: dict[str, Any]) -> dict[str, Any]:
    return {
        **h,
        "seed": int(float(h["seed"])),
        "budget": int(float(h["budget"])),
        "target_index": int(h["target_index"]),
        "target_gap": float(h["target_gap"]),
        "evals": None if h["evals"] in (None, "") else int(float(h["evals"])),
        "n_evals": int(float(h["n_evals"])),
    }


def _why_not(source: dict[str, Any], problem: str, optimizer: str, installed: dict[str, Optional[str]]) -> str:
    """Why the peer's runs on the problem cannot be reused ("" if they can, as far as meta.json tells)."""
    spec = OPTIMIZERS[optimizer]
    needs = ["numpy", *spec.package_versions]
    if PROBLEMS[problem].package:
        needs.append(str(PROBLEMS[problem].package))
    was = source.get("versions", {})
    changed = [
        f"{n} {was.get(n) or 'not recorded'} -> {installed.get(n) or 'not installed'}"
        for n in needs
        if was.get(n) != installed.get(n)
    ]
    if changed:
        return "versions changed: " + ", ".join(changed)
    desc = source.get("problems", {}).get(problem)
    if desc != get_problem(problem).description:
        return "not in the source study" if desc is None else f"problem changed: {desc!r}"
    return ""


def _fingerprint(meta: dict[str, Any]) -> str:
    """What the source study's fingerprint of the peers' code says, for the record."""
    code = meta.get("peer_code_sha256")
    if code is None:
        return "not recorded by the source study"
    if code == peer_code_sha256():
        return "unchanged"
    return "changed since the source study: each (peer, problem) reused only where its spot check reproduces the run"


def rerun_key(optimizer: str, problem: str, track: str, partly: bool) -> str:
    """How a record names runs made again: ``"opt on problem"``, with ``", track track"`` when
    ``partly`` (the pair's other track was reused)."""
    return f"{optimizer} on {problem}" + (f", {track} track" if partly else "")


def reusable_runs(source_dir: str | Path, tasks: Sequence[Task]) -> tuple[dict[Task, Result], dict[str, Any]]:
    """The results of ``tasks`` that can be taken from the study in ``source_dir``, and a record of
    what was reused (for meta.json): source, its command, per optimizer the problems reused, and
    per (optimizer, problem) not reused the reason.

    Raises:
        ValueError: naming the folder, if it lacks runs.csv, hits.csv or meta.json.
    """
    src = Path(source_dir)
    missing = [n for n in ("runs.csv", "hits.csv", "meta.json") if not (src / n).is_file()]
    if missing:
        raise ValueError(f"--reuse {src}: no {', '.join(missing)} there (a study written by `asng-bench blackbox`)")
    meta = read_json(src / "meta.json")
    installed = package_versions({"numpy", "ioh", *(p for s in OPTIMIZERS.values() for p in s.package_versions)})
    runs = {(r["track"], r["problem"], r["optimizer"], int(float(r["budget"])), int(float(r["seed"]))): r
            for r in read_csv(src / "runs.csv")}  # fmt: skip
    hits: dict[Task, list[dict[str, Any]]] = {}
    for h in read_csv(src / "hits.csv"):
        key = (h["track"], h["problem"], h["optimizer"], int(float(h["budget"])), int(float(h["seed"])))
        hits.setdefault(key, []).append(_typed_hit(h))
    traces = read_traces(src / TRACES) if (src / TRACES).is_file() else {}
    peer_tasks = [t for t in tasks if OPTIMIZERS[t[2]].reusable]
    reasons: dict[tuple[str, str], str] = {}
    for _, pname, opt, _, _ in peer_tasks:
        if (opt, pname) not in reasons:
            reasons[(opt, pname)] = _why_not(meta, pname, opt, installed)
    lacking: dict[tuple[str, str, str], str] = {}  # (optimizer, problem, track): the first run it lacks
    for t in peer_tasks:  # every run of the pair's track must be there, with the problem's targets
        if reasons[(t[2], t[1])] or (t[2], t[1], t[0]) in lacking:
            continue
        gaps = get_problem(t[1]).gaps
        hs = sorted(hits.get(t, []), key=lambda h: h["target_index"])
        if t not in runs or [h["target_gap"] for h in hs] != [float(g) for g in gaps]:
            lacking[(t[2], t[1], t[0])] = f"no run (or other targets) for {t[0]} track, budget {t[3]}, seed {t[4]}"
    out: dict[Task, Result] = {}
    for t in peer_tasks:
        if not reasons[(t[2], t[1])] and (t[2], t[1], t[0]) not in lacking:
            trace = traces.get((t[0], t[1], t[2], t[4]))
            out[t] = (_typed_run(runs[t]), sorted(hits[t], key=lambda h: h["target_index"]), trace)
    taken = {(t[2], t[1]) for t in out}
    reused: dict[str, list[str]] = {}
    for opt, pname in reasons:
        if (opt, pname) in taken:
            reused.setdefault(opt, []).append(pname)
    rerun = {f"{opt} on {pname}": why for (opt, pname), why in reasons.items() if why}
    for (opt, pname, track), why in lacking.items():
        rerun[rerun_key(opt, pname, track, (opt, pname) in taken)] = why
    record = {
        "source": str(src),
        "command": meta.get("command"),
        "runs": len(out),
        "runs_without_trace": sum(r[2] is None for r in out.values()),
        "code_fingerprint": _fingerprint(meta),
        "reused": reused,
        "rerun": rerun,
    }
    return out, record
