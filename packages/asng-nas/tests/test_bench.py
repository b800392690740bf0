import json

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
    assert res["asng_seconds"] > 0 and res["darts_seconds"] > 0
    assert res["ratio_darts_over_asng"] > 1.0
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
    assert doc["ratio_darts_over_asng"] > 0
    assert (tmp_path / "search_iteration.csv").read_text().startswith("n_cells,")
