import json
import os

import numpy as np
import pytest
import torch

from asng_nas.bench import bench_iteration, main
from asng_nas.bench.darts_baseline import DartsBaseline, mixed_forward
from asng_nas.classification.space import ENASSpace
from asng_nas.classification.supernet import Supernet

torch.set_num_threads(1)


def test_mixed_forward_runs_every_edge():
    net = Supernet(2, 4, in_channels=3)
    ran = set()
    for k, cell in enumerate(net.cells):
        for key, mod in cell.edges.items():
            mod.register_forward_hook(lambda m, i, o, k=k, key=key: ran.add((k, key)))
    darts = DartsBaseline(net, ENASSpace().ops)
    y = mixed_forward(net, torch.randn(2, 3, 8, 8), darts.arch, ENASSpace().ops)
    assert y.shape == (2, 10)
    assert len(ran) == sum(len(c.edges) for c in net.cells)


def test_bench_iteration_tiny(tmp_path):
    res = bench_iteration(n_cells=2, channels=4, batch_size=4, image_size=8, repeats=2, warmup=1)
    # timings are the benchmark's claim (results/nas), not a unit test's: check what they are made of
    assert all(np.isfinite(res[k]) for k in ("asng_seconds", "darts_seconds"))
    assert res["ratio_darts_over_asng"] == pytest.approx(res["darts_seconds"] / res["asng_seconds"], rel=1e-3)
    main(
        [
            "--out",
            str(tmp_path),
            "--cells",
            "2",
            "--channels",
            "4",
            "--batch-size",
            "2",
            "--image-size",
            "8",
            "--repeats",
            "1",
            "--warmup",
            "0",
        ]
    )
    doc = json.load(open(tmp_path / "search_iteration.json"))
    assert (doc["n_cells"], doc["channels"], doc["batch_size"], doc["image_size"]) == (2, 4, 2, 8)
    assert doc["ratio_darts_over_asng"] == pytest.approx(doc["darts_seconds"] / doc["asng_seconds"], rel=1e-3)
    assert (tmp_path / "search_iteration.csv").read_text().startswith("n_cells,")


def test_distributed_bench_records_what_it_ran(tmp_path, monkeypatch):
    """A tiny run of the 1-vs-N-process throughput bench: every lambda listed gets its rows (the
    multi-process one only where lambda >= the process count), and the batch size and iterations
    recorded are the configured ones (timings are not checked)."""
    from asng_nas.bench.distributed import main as distributed_main

    monkeypatch.setattr(os, "cpu_count", lambda: 1)  # one thread count: fewer one-process runs
    argv = ["--out", str(tmp_path), "--iters", "1", "--size", "16", "--batch-size", "8", "--iters-per-epoch", "2"]
    res = distributed_main([*argv, "--procs", "3", "--lams", "2,3"])
    assert json.load(open(tmp_path / "distributed_throughput.json"))["rows"] == res["rows"]
    assert res["lambdas"] == [2, 3]
    assert [(r["lambda"], r["processes"]) for r in res["rows"]] == [(2, 1), (3, 1), (3, 3)]  # 2 < 3 processes
    for r in res["rows"]:
        assert (r["batch_size"], r["iterations_per_epoch"], r["timed_iterations"]) == (8, 2, 2)
        assert r["timed_images"] == 2 * r["lambda"] * 8 * 2  # weight + theta step, 2 iterations
    assert (res["batch_size"], res["iterations_per_epoch"], res["timed_epochs"]) == (8, 2, 1)


def test_bench_against_times_two_versions_interleaved(tmp_path):
    """Against this very package the two workers run the same search bit for bit; timings are not
    checked (see results/nas); a folder without asng_nas or an unknown setup key is refused."""
    import asng_nas
    from asng_nas.bench.speed import bench_against

    src = os.path.dirname(os.path.dirname(asng_nas.__file__))
    res = bench_against(src, n_cells=2, channels=4, batch_size=2, image_size=8, repeats=2, warmup=1)
    assert res["same_state"] is True and res["old_module"] == res["new_module"]
    assert len(res["old_all"]) == len(res["new_all"]) == 2 and res["threads"] == 1
    assert res["ratio_new_over_old"] == pytest.approx(res["new_seconds"] / res["old_seconds"])
    with pytest.raises(ValueError, match="no asng_nas package"):
        bench_against(tmp_path)
    with pytest.raises(ValueError, match="unknown setup"):
        bench_against(src, cells=3)
