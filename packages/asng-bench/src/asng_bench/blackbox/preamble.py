"""The opening lines of blackbox.md, from meta.json: command, wall time, seeds, versions, machine,
load, reruns merged in and the peers' runs reused from earlier studies."""

from __future__ import annotations

from typing import Any

__all__ = ["preamble"]


def _reuse_lines(meta: dict[str, Any]) -> list[str]:
    rec = meta.get("reused")
    if not rec:
        return []
    out = []
    for src in rec["sources"]:
        if not src["runs"]:
            continue
        out.append(
            f"Reused peers' runs: {src['runs']} runs taken from `{src['source']}` (written by `{src['command']}`; "
            f"versions and problems compared, peers' code fingerprint {src['code_fingerprint']}; "
            f"{src['runs_without_trace']} of them without an improvement trace, the spot-checked ones have one): "
            + "; ".join(f"{o} on {', '.join(ps)}" for o, ps in src["reused"].items())
            + "."
        )
    checks = rec.get("spot_checks") or {}
    if checks:
        same = sum(v == "identical" for v in checks.values())
        out.append(
            f"Spot checks (one reused run per optimizer and problem run again and compared): {same} of {len(checks)} "
            "identical" + ("; the others' runs were all run again (below)." if same < len(checks) else ".")
        )
    if rec.get("rerun"):
        out.append("Peers' runs made here: " + "; ".join(f"{k} ({v})" for k, v in rec["rerun"].items()) + ".")
    return out


def preamble(meta: dict[str, Any]) -> list[str]:
    """The lines before the tables (``meta``: the study's meta.json)."""
    machine = ("cpu", "cpu_kind", "blas_kernel", "cores", "memory_gib", "python")
    out = [
        f"Command: `{meta['command']}` — wall time {meta['wall_s']:.0f} s"
        + (
            f" (a resumed study: {meta['wall_s_total']:,.0f} s with its earlier passes, "
            f"{meta.get('resumed_runs', 0):,} runs kept from them)"
            if meta.get("wall_s_total") is not None and meta.get("resumed_runs")
            else ""
        )
        + f" with {meta['jobs']} worker process(es), "
        f"{meta['seeds']} seed{'s' if meta['seeds'] != 1 else ''} (0–{meta['seeds'] - 1}) per optimizer and problem"
        + "".join(
            f"; {n} (0–{n - 1}) on {'the main track of ' if meta.get('short_seeds_full') else ''}"
            + ", ".join(p for p, m in (meta.get("seeds_by_problem") or {}).items() if m == n)
            for n in sorted(set((meta.get("seeds_by_problem") or {}).values()))
        )
        + ".",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items() if v) + ".",
        "Machine: "
        + ", ".join(f"{k} {meta['machine'][k]}" for k in machine if meta["machine"].get(k) is not None)
        + ".",
    ]
    load = meta.get("load_average")
    if load and load.get("start"):
        out.append(
            f"Load average (1, 5, 15 min) at the start {load['start']}, at the end {load.get('end')}: the overhead "
            "columns are wall-clock times, comparable only between runs made under the same load."
        )
    for prob, info in (meta.get("rerun") or {}).items():
        out.append(
            f"Rerun of {prob}: `{info['command']}` ({info['wall_s']:.0f} s), merged into the CSVs: {info['why']}."
        )
    out += _reuse_lines(meta)
    for what, info in (meta.get("errors") or {}).items():
        kinds = "; ".join(f"`{m}` (seeds {seeds})" for m, seeds in info["messages"].items())
        out.append(
            f"**Runs that ended with an error**, {what}: {info['runs']} run(s), ended at the optimizer's "
            f"exception and counted with what they had found: {kinds}."
        )
    if meta.get("skipped_not_installed"):
        out.append(f"Not installed, skipped: {', '.join(meta['skipped_not_installed'])}.")
    return out
