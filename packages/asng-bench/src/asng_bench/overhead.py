"""Overhead of the asng-opt optimizers: wall time of one ask()+tell() pair.

The objective is left out (losses are precomputed random numbers), so the numbers are the
optimizer's own cost. As a ratio measured in the same run, the appendix-B factor product
(O(m) per variable) is timed against the dense alternative it replaces: an eigendecomposition
of each variable's Fisher block to form F^1/2 at every step. Spaces with one very long
categorical variable (20,000 categories) get their own rows: build time, ask()+tell() time and
the peak allocation (tracemalloc) of build + ask + tell, which stays linear in the categories.
"""

from __future__ import annotations

import json
import os
import statistics
import time
import tracemalloc
from functools import partial
from pathlib import Path
from typing import Any, Callable

import numpy as np

from asng_opt import ASNG, SNG, AdamNG, Categorical, Integer, Product

from .machine import machine_info


def cifar_categories() -> list[int]:
    """The CIFAR-10 cell space: per node i (0-4) two inputs of 2 + i and two ops of 5, two cells."""
    return [m for i in range(5) for m in (2 + i, 2 + i, 5, 5)] * 2


def inpainting_int_space() -> Product:
    """The inpainting Int space of the paper (n_theta = 174)."""
    conn = [min(i, 5) for i in range(2, 21)] + [5]
    return Product(cat=Categorical([2] * 20 + conn), ints=Integer([1] * 20 + [64] * 20, [3] * 20 + [256] * 20))


def _time_pairs(make: Callable[[], Any], pairs: int, repeats: int) -> float:
    """Median over repeats of the mean seconds per ask()+tell() pair."""
    rng = np.random.default_rng(0)
    losses = rng.random((pairs + 50, 2))
    per = []
    for _ in range(repeats):
        opt = make()
        for i in range(50):  # warm-up
            opt.tell(opt.ask(), losses[i])
        t0 = time.perf_counter()
        for i in range(50, pairs + 50):
            opt.tell(opt.ask(), losses[i])
        per.append((time.perf_counter() - t0) / pairs)
    return statistics.median(per)


def _dense_sqrt_product(dist: Categorical, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Baseline: F_i^1/2 g_i by eigendecomposing each Fisher block (what appendix B avoids)."""
    out = np.empty_like(g)
    row = 0
    for i, m in enumerate(dist.categories):
        k = m - 1
        th = theta[i, :k]
        F = np.diag(1.0 / th) + 1.0 / theta[i, k]
        w, E = np.linalg.eigh(F)
        out[row : row + k] = E @ (np.sqrt(w) * (E.T @ g[row : row + k]))
        row += k
    return out


def _time_call(fn: Callable[[], Any], calls: int, repeats: int) -> float:
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per.append((time.perf_counter() - t0) / calls)
    return statistics.median(per)


def large_spaces() -> dict[str, list[int]]:
    """Spaces with one long categorical variable (the largest m that must stay fast and small)."""
    return {"1 variable, 20,000 categories": [20000], "3 variables, 5 / 20,000 / 3 categories": [5, 20000, 3]}


def _measure_large(cats: list[int], pairs: int, repeats: int) -> dict[str, Any]:
    """Build time, ask()+tell() time (medians over repeats) and the peak allocation of build + ask + tell."""
    rng = np.random.default_rng(0)
    losses = rng.random((pairs + 5, 2))
    build, per = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        opt = ASNG(Categorical(cats), seed=0)
        build.append(time.perf_counter() - t0)
        for i in range(5):  # warm-up
            opt.tell(opt.ask(), losses[i])
        t0 = time.perf_counter()
        for i in range(5, pairs + 5):
            opt.tell(opt.ask(), losses[i])
        per.append((time.perf_counter() - t0) / pairs)
    tracemalloc.start()  # separately: tracing slows allocation down
    try:
        opt = ASNG(Categorical(cats), seed=0)
        for i in range(5):
            opt.tell(opt.ask(), losses[i])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {
        "n_theta": opt.distribution.n_theta,
        "build_ms": round(statistics.median(build) * 1e3, 2),
        "us_per_pair": round(statistics.median(per) * 1e6, 1),
        "peak_mib": round(peak / 2**20, 2),
    }


def _load() -> float | None:
    """The 1-minute load average (other processes competing for the cores), if the OS reports it."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def measure(pairs: int = 4000, repeats: int = 5) -> dict[str, Any]:
    load_before = _load()
    cases = {
        "ASNG, CIFAR-10 cell space (n_theta=140)": lambda: ASNG(Categorical(cifar_categories()), seed=0),
        "ASNG, 250 x 5 categorical (n_theta=1000)": lambda: ASNG(Categorical([5] * 250), seed=0),
        "ASNG, inpainting Int product (n_theta=174)": lambda: ASNG(inpainting_int_space(), seed=0),
        "SNG, CIFAR-10 cell space (n_theta=140)": lambda: SNG(Categorical(cifar_categories()), seed=0),
        "AdamNG, CIFAR-10 cell space (n_theta=140)": lambda: AdamNG(Categorical(cifar_categories()), seed=0),
    }
    rows = []
    for name, make in cases.items():
        n_theta = make().distribution.n_theta
        sec = _time_pairs(make, pairs, repeats)
        rows.append({"case": name, "n_theta": n_theta, "us_per_pair": round(sec * 1e6, 2)})
    factor = []
    for cats in (cifar_categories(), [5] * 250):
        d = Categorical(cats)
        th = d.initial_theta()
        g = np.random.default_rng(1).standard_normal(d.n_theta)
        assert np.allclose(np.linalg.norm(_dense_sqrt_product(d, th, g)), np.linalg.norm(d.fisher_sqrt(th, g)))
        ours = _time_call(partial(d.fisher_sqrt, th, g), 2000, repeats)
        dense = _time_call(partial(_dense_sqrt_product, d, th, g), 50, repeats)
        factor.append(
            {
                "n_theta": d.n_theta,
                "ours_us": round(ours * 1e6, 2),
                "dense_eigh_us": round(dense * 1e6, 1),
                "speedup": round(dense / ours, 1),
            }
        )
    large_pairs = max(5, pairs // 40)
    large = [
        {"case": name, "categories": cats, "pairs": large_pairs, **_measure_large(cats, large_pairs, repeats)}
        for name, cats in large_spaces().items()
    ]
    return {
        "pairs": pairs,
        "repeats": repeats,
        "ask_tell": rows,
        "fisher_factor": factor,
        "large": large,
        "load_average": [load_before, _load()],
        "machine": machine_info(),
    }


def to_markdown(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']}.",
        f"Median of {res['repeats']} repeats of {res['pairs']} pairs; objective time excluded.",
        "",
        "| case | n_theta | µs per ask()+tell() |",
        "|---|---:|---:|",
    ]
    lines += [f"| {r['case']} | {r['n_theta']} | {r['us_per_pair']} |" for r in res["ask_tell"]]
    lines += [
        "",
        "| Fisher factor product, n_theta | ours (appendix B, O(m)) µs | dense eigh per block µs | speed-up |",
        "|---:|---:|---:|---:|",
    ]
    for r in res["fisher_factor"]:
        lines.append(f"| {r['n_theta']} | {r['ours_us']} | {r['dense_eigh_us']} | {r['speedup']}x |")
    if res.get("large"):
        lines += [
            "",
            "| ASNG, long categorical variable | n_theta | build ms | µs per ask()+tell() | peak MiB |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in res["large"]:
            lines.append(f"| {r['case']} | {r['n_theta']} | {r['build_ms']} | {r['us_per_pair']} | {r['peak_mib']} |")
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


def main(out: str, repeats: int = 5, pairs: int = 4000) -> dict[str, Any]:
    res = measure(pairs=pairs, repeats=repeats)
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    (path / "overhead.json").write_text(json.dumps(res, indent=2) + "\n")
    md = to_markdown(res)
    (path / "overhead.md").write_text(md)
    print(md)
    return res
