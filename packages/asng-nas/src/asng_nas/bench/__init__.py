"""Benchmarks: ASNG-NAS vs a DARTS-style mixed-op baseline (:mod:`.speed`, run with
``python -m asng_nas.bench``; :mod:`.darts_baseline`) and the distributed search throughput
(:mod:`.distributed`, run with ``python -m asng_nas.bench.distributed``)."""

from .speed import bench_iteration, main

__all__ = ["bench_iteration", "main"]
