"""Timing of the asng-opt optimizers: one ask()+tell() pair, the appendix-B Fisher factor product
against the dense alternative, and the long-variable spaces (build, pair, peak allocation).

The objective is left out (losses are precomputed random numbers), so the numbers are the
optimizer's own cost. As a ratio measured in the same run, the appendix-B factor product
(O(m) per variable) is timed against the dense alternative it replaces: an eigendecomposition
of each variable's Fisher block to form F^1/2 at every step. Spaces with one very long
categorical variable (20,000 categories) get their own rows: build time, ask()+tell() time and
the peak allocation (tracemalloc) of build + ask + tell, which stays linear in the categories.
"""

from __future__ import annotations

import statistics
import time
import tracemalloc
from functools import partial
from typing import Any, Callable, Optional

import numpy as np

from asng_opt import ASNG, Categorical

from ..report_io import load_average, machine_info
from .spaces import ask_tell_cases, cifar_categories, large_spaces

__all__ = ["measure", "dense_sqrt_product"]


def _seconds_per_pair(opt: Any, losses: np.ndarray, warmup: int, pairs: int) -> float:
    """``warmup`` untimed pairs, then the mean seconds of ``pairs`` ask()+tell() pairs."""
    for i in range(warmup):
        opt.tell(opt.ask(), losses[i])
    t0 = time.perf_counter()
    for i in range(warmup, warmup + pairs):
        opt.tell(opt.ask(), losses[i])
    return (time.perf_counter() - t0) / pairs


def _time_pairs(make: Callable[[], Any], pairs: int, repeats: int) -> float:
    """Median over repeats of the mean seconds per ask()+tell() pair (50 warm-up pairs)."""
    losses = np.random.default_rng(0).random((pairs + 50, 2))
    return statistics.median(_seconds_per_pair(make(), losses, 50, pairs) for _ in range(repeats))


def dense_sqrt_product(dist: Categorical, theta: np.ndarray, g: np.ndarray) -> np.ndarray:
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
    """Median over repeats of the mean seconds per call."""
    per = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        per.append((time.perf_counter() - t0) / calls)
    return statistics.median(per)


def _fisher_factor(cats: list[int], repeats: int) -> dict[str, Any]:
    """The O(m) factor product against :func:`dense_sqrt_product` (checked equal in norm first)."""
    d = Categorical(cats)
    th = d.initial_theta()
    g = np.random.default_rng(1).standard_normal(d.n_theta)
    assert np.allclose(np.linalg.norm(dense_sqrt_product(d, th, g)), np.linalg.norm(d.fisher_sqrt(th, g)))
    ours = _time_call(partial(d.fisher_sqrt, th, g), 2000, repeats)
    dense = _time_call(partial(dense_sqrt_product, d, th, g), 50, repeats)
    return {
        "n_theta": d.n_theta,
        "ours_us": round(ours * 1e6, 2),
        "dense_eigh_us": round(dense * 1e6, 1),
        "speedup": round(dense / ours, 1),
    }


def _measure_large(cats: list[int], pairs: int, repeats: int) -> dict[str, Any]:
    """Build time, ask()+tell() time (medians over repeats) and the peak allocation of build + ask + tell."""
    losses = np.random.default_rng(0).random((pairs + 5, 2))
    build, per = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        opt = ASNG(Categorical(cats), seed=0)
        build.append(time.perf_counter() - t0)
        per.append(_seconds_per_pair(opt, losses, 5, pairs))
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


def _load1() -> Optional[float]:
    """The 1-minute load average, if the OS reports it."""
    load = load_average()
    return load[0] if load else None


def measure(pairs: int = 4000, repeats: int = 5) -> dict[str, Any]:
    """All rows of overhead.json (timings in µs / ms, medians over ``repeats``)."""
    load_before = _load1()
    rows = []
    for name, make in ask_tell_cases().items():
        n_theta = make().distribution.n_theta
        sec = _time_pairs(make, pairs, repeats)
        rows.append({"case": name, "n_theta": n_theta, "us_per_pair": round(sec * 1e6, 2)})
    factor = [_fisher_factor(cats, repeats) for cats in (cifar_categories(), [5] * 250)]
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
        "load_average": [load_before, _load1()],
        "machine": machine_info(),
    }
