import json
import math

import pytest

from asng_bench.cli import main
from asng_bench.overhead.spaces import cifar_categories, inpainting_int_space


def test_spaces_have_the_papers_sizes():
    assert sum(m - 1 for m in cifar_categories()) == 140
    assert inpainting_int_space().n_theta == 174


def test_overhead_cli_writes_results(tmp_path):
    main(["overhead", "--out", str(tmp_path), "--repeats", "1", "--pairs", "20"])
    res = json.loads((tmp_path / "overhead.json").read_text())
    assert res["pairs"] == 20 and res["repeats"] == 1
    assert [r["n_theta"] for r in res["ask_tell"]] == [140, 1000, 174, 140, 140]
    assert all(_finite(r["us_per_pair"]) for r in res["ask_tell"])  # timings: numbers, their size is a benchmark
    md = (tmp_path / "overhead.md").read_text()
    assert "µs per ask()+tell()" in md and all(f"| {r['case']} |" in md for r in res["ask_tell"] + res["large"])
    assert [r["n_theta"] for r in res["fisher_factor"]] == [140, 1000]
    for r in res["fisher_factor"]:  # the speed-up column is the ratio of the two timing columns
        assert r["speedup"] == pytest.approx(r["dense_eigh_us"] / r["ours_us"], rel=0.02)
    large = {r["n_theta"]: r for r in res["large"]}
    assert set(large) == {19999, 20005}
    for r in large.values():
        assert r["pairs"] == 5 and _finite(r["build_ms"]) and _finite(r["us_per_pair"])
        assert 0 < r["peak_mib"] < 100  # linear in the categories: no m x m intermediate
    assert "peak MiB" in md
    assert len(res["load_average"]) == 2 and {"cpu", "cores", "python", "numpy"} <= set(res["machine"])


def _finite(x) -> bool:
    return isinstance(x, float) and math.isfinite(x)
