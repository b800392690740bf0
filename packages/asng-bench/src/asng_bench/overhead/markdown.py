"""overhead.md: the tables of :func:`.measure.measure`'s results."""

from __future__ import annotations

from typing import Any

from ..report_io import md_table

__all__ = ["to_markdown"]


def to_markdown(res: dict[str, Any]) -> str:
    """Machine, the ask()+tell() table, the Fisher factor table and the long-variable table."""
    m = res["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}.",
        f"Median of {res['repeats']} repeats of {res['pairs']} pairs; objective time excluded.",
        "",
    ]
    lines += md_table(
        ["case", "n_theta", "µs per ask()+tell()"],
        "lrr",
        [[r["case"], r["n_theta"], r["us_per_pair"]] for r in res["ask_tell"]],
    )
    lines.append("")
    lines += md_table(
        ["Fisher factor product, n_theta", "ours (appendix B, O(m)) µs", "dense eigh per block µs", "speed-up"],
        "rrrr",
        [[r["n_theta"], r["ours_us"], r["dense_eigh_us"], f"{r['speedup']}x"] for r in res["fisher_factor"]],
    )
    if res.get("large"):
        lines.append("")
        lines += md_table(
            ["ASNG, long categorical variable", "n_theta", "build ms", "µs per ask()+tell()", "peak MiB"],
            "lrrrr",
            [[r["case"], r["n_theta"], r["build_ms"], r["us_per_pair"], r["peak_mib"]] for r in res["large"]],
        )
        lines.append(
            f"\nLong-variable rows: median of {res['repeats']} repeats of {res['large'][0]['pairs']} pairs; peak "
            "allocation traced by tracemalloc over one build and 5 ask()+tell() pairs."
        )
    load = res.get("load_average") or [None, None]
    seen = f" (1-minute load average {load[0]} at the start, {load[1]} at the end)" if None not in load else ""
    lines.append(
        f"\nThe machine is shared and noisy{seen}: timings move by a factor of 2 or more between runs; "
        "compare rows of the same run rather than runs. NumPy's BLAS (OpenBLAS) starts threads for vectors "
        "of more than about 10,000 elements, which on a loaded machine can add milliseconds per call to "
        "the long-variable rows (OPENBLAS_NUM_THREADS=1 avoids it)."
    )
    return "\n".join(lines) + "\n"
