"""asng-bench blackbox-overhead: the study's runs back to back in one process, the paired ratios
and their counts (timings are numbers here; their size is the benchmark's business)."""

import csv
import math
import statistics

import pytest
from bench_cli import run

from asng_bench.blackbox.overhead import COLUMNS, measure_overhead, overhead_markdown
from asng_bench.stats import bootstrap_median_ci

META = {"seeds": 3, "command": "asng-bench blackbox-overhead", "machine": {}, "load_average": [None, None], "wall_s": 1}


def test_the_runs_alternate_and_skip_what_does_not_apply():
    rows = measure_overhead(["onemax", "sharp-ridge"], ["asng-bb", "bb-diagonal"], ["short"], 2)
    order = [(r["problem"], r["seed"], r["optimizer"]) for r in rows]
    assert order == [
        ("onemax", 0, "asng-bb"),  # bb-diagonal applies only where there are real variables
        ("onemax", 1, "asng-bb"),
        ("sharp-ridge", 0, "asng-bb"),
        ("sharp-ridge", 0, "bb-diagonal"),
        ("sharp-ridge", 1, "bb-diagonal"),  # odd seeds: the other order
        ("sharp-ridge", 1, "asng-bb"),
    ]
    for r in rows:
        assert r["budget"] == 150 and 0 < r["n_evals"] <= 150 and set(COLUMNS) <= set(r)
        assert r["overhead_us_per_eval"] == pytest.approx((r["wall_s"] - r["objective_s"]) / r["n_evals"] * 1e6)


def _rows(us):
    """Synthetic rows: ``us[problem][optimizer]`` the overheads of seeds 0, 1, 2."""
    return [
        {"track": "short", "problem": p, "optimizer": o, "seed": s, "overhead_us_per_eval": v}
        for p, by in us.items()
        for o, values in by.items()
        for s, v in enumerate(values)
    ]


def test_the_table_holds_the_medians_paired_ratios_and_counts():
    us = {
        "cheap": {"a": [10.0, 20.0, 10.0], "b": [30.0, 50.0, 40.0]},  # ratios 3, 2.5, 4
        "dear": {"a": [40.0, 40.0, 40.0], "b": [10.0, 20.0, 12.0]},  # ratios 0.25, 0.5, 0.3
        "level": {"a": [10.0, 10.0, 10.0], "b": [9.0, 11.0, 10.0]},  # ratios 0.9, 1.1, 1.0
        "alone": {"a": [5.0, 5.0, 5.0]},  # b did not run here
    }
    md = overhead_markdown(_rows(us), ["a", "b"], META)
    for p, ratios in [("cheap", [3.0, 2.5, 4.0]), ("dear", [0.25, 0.5, 0.3]), ("level", [0.9, 1.1, 1.0])]:
        lo, hi = bootstrap_median_ci(ratios)
        a, b = (statistics.median(us[p][o]) for o in "ab")
        assert f"| {p} | {a:,.0f} | {b:,.0f} | {statistics.median(ratios):.2f} [{lo:.2f}–{hi:.2f}] |" in md
    assert "| alone | 5 | – | – |" in md
    assert "* a against b: cheaper on 1 of 3 problems, dearer on 1 (intervals excluding 1), median ratio 1.00." in md


def test_the_cli_writes_refuses_to_overwrite_and_checks_names(tmp_path, capsys):
    out = tmp_path / "ovh"
    argv = ["blackbox-overhead", "--out", str(out), "--seeds", "2", "--tracks", "short", "--problems", "onemax"]
    code, printed, _ = run([*argv, "--optimizers", "asng-bb", "random"], capsys)
    assert code == 0 and "## short track" in printed
    with open(out / "overhead.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["optimizer"], r["seed"]) for r in rows] == [
        ("asng-bb", "0"),
        ("random", "0"),
        ("random", "1"),
        ("asng-bb", "1"),
    ]
    assert all(math.isfinite(float(r["overhead_us_per_eval"])) for r in rows)
    md = (out / "overhead.md").read_text()
    assert md == printed.split("[blackbox-overhead] short onemax: done\n", 1)[1].rstrip("\n") + "\n"
    assert "--optimizers asng-bb random --problems onemax" in md
    code, _, err = run([*argv, "--optimizers", "asng-bb", "random"], capsys)
    assert code == 2 and "already holds the outputs of a previous run" in err and "--overwrite" in err
    code, _, err = run([*argv, "--optimizers", "asng-bb", "--overwrite"], capsys)
    assert code == 2 and "two or more different names" in err
    code, _, err = run([*argv, "--optimizers", "asng-bb", "asng-bb", "--overwrite"], capsys)
    assert code == 2 and "two or more different names" in err
    code, _, err = run([*argv, "--optimizers", "asng-bb", "nonesuch"], capsys)
    assert code == 2 and "invalid choice: 'nonesuch'" in err
