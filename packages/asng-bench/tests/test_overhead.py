import json

from asng_bench.cli import main
from asng_bench.overhead import cifar_categories, inpainting_int_space


def test_spaces_have_the_papers_sizes():
    assert sum(m - 1 for m in cifar_categories()) == 140
    assert inpainting_int_space().n_theta == 174


def test_overhead_cli_writes_results(tmp_path):
    main(["overhead", "--out", str(tmp_path), "--repeats", "1", "--pairs", "20"])
    res = json.loads((tmp_path / "overhead.json").read_text())
    assert {r["n_theta"] for r in res["ask_tell"]} == {140, 1000, 174}
    assert all(r["us_per_pair"] > 0 for r in res["ask_tell"])
    assert "µs per ask()+tell()" in (tmp_path / "overhead.md").read_text()
    large = {r["n_theta"]: r for r in res["large"]}
    assert set(large) == {19999, 20005}
    for r in large.values():
        assert r["build_ms"] > 0 and r["us_per_pair"] > 0
        assert 0 < r["peak_mib"] < 100  # linear in the categories: no m x m intermediate
    assert "peak MiB" in (tmp_path / "overhead.md").read_text()
