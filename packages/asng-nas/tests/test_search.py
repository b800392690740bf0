import csv
import json

import numpy as np
import pytest
import torch

from asng_nas.classification.data import load_digits
from asng_nas.classification.export import load_genotype
from asng_nas.classification.task import build_search
from asng_nas.search.searcher import SearchConfig, cosine_lr

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def digits():
    return load_digits()


def _searcher(digits, out, epochs=3, **kw):
    cfg = SearchConfig(epochs=epochs, seed=5, iters_per_epoch=3, progress=False, **kw)
    return build_search(digits, out, cfg, n_cells=2, channels=4, batch_size=16, max_test=64)


def test_short_search_on_digits_logs_and_exports(digits, tmp_path):
    s = _searcher(digits, tmp_path, epochs=2)
    theta0 = s.asng.theta.copy()
    res = s.run()
    assert res.finished and len(res.history) == 2
    assert not np.array_equal(theta0, s.asng.theta)  # theta moved
    rows = list(csv.DictReader(open(tmp_path / "log.csv")))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    for key in ("train_loss", "test_accuracy", "delta", "mean_max_theta", "search_seconds"):
        assert key in rows[0] and np.isfinite(float(rows[-1][key]))
    lines = [json.loads(x) for x in open(tmp_path / "log.jsonl")]
    assert len(lines) == 2 and len(lines[-1]["most_likely"]) == 40
    assert float(rows[1]["search_seconds"]) >= float(rows[0]["search_seconds"]) > 0
    doc = json.load(open(tmp_path / "architecture.json"))
    assert len(doc["choices"]) == 40 and doc["n_theta"] == 140
    assert np.asarray(doc["theta"]).shape == (40, 6)  # zero-padded to 6
    assert load_genotype(tmp_path) == res.architecture
    assert (tmp_path / "cells.png").stat().st_size > 1000
    assert (tmp_path / "checkpoint.pt").is_file()


def test_resume_reproduces_theta_of_uninterrupted_run(digits, tmp_path):
    full = _searcher(digits, tmp_path / "full")
    full.run()

    part = _searcher(digits, tmp_path / "cut")
    res = part.run(stop_after=1)  # "killed" after the first epoch's checkpoint
    assert not res.finished and part.epoch == 1
    del part
    resumed = _searcher(digits, tmp_path / "cut")
    assert resumed.resume() and resumed.epoch == 1
    resumed.run()

    np.testing.assert_array_equal(full.asng.theta, resumed.asng.theta)
    assert full.asng.delta == resumed.asng.delta
    for a, b in zip(full.model.state_dict().values(), resumed.model.state_dict().values()):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    la = [json.loads(x) for x in open(tmp_path / "full" / "log.jsonl")]
    lb = [json.loads(x) for x in open(tmp_path / "cut" / "log.jsonl")]
    assert [r["delta"] for r in la] == [r["delta"] for r in lb]
    assert [r["train_loss"] for r in la] == [r["train_loss"] for r in lb]


def test_cosine_schedule():
    assert cosine_lr(0.025, 0.0, 0, 100) == 0.025
    assert cosine_lr(0.025, 0.0, 100, 100) == pytest.approx(0.0)
    assert cosine_lr(0.025, 0.0, 50, 100) == pytest.approx(0.0125)
