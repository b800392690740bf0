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


def test_the_console_line_per_epoch_is_short_and_the_log_keeps_everything(digits, tmp_path, capsys):
    cfg = SearchConfig(epochs=2, seed=5, iters_per_epoch=3, progress=True)
    build_search(digits, tmp_path, cfg, n_cells=2, channels=4, batch_size=16, max_test=64).run()
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("search ")]
    assert [x.split(" | ")[0] for x in lines] == ["search 1/2", "search 2/2"]
    assert all(len(x) <= 130 and "{" not in x and "most_likely" not in x for x in lines), lines
    assert "train loss " in lines[0] and " acc " in lines[0] and "max-theta" in lines[0]
    assert "test loss " in lines[-1] and lines[-1].endswith(" s")
    rec = json.loads(open(tmp_path / "log.jsonl").read().splitlines()[-1])
    assert {"most_likely", "lr", "theta_loss", "eval_seconds"} <= set(rec)  # the file keeps the whole record


def test_epoch_line_formats_a_record():
    from asng_nas.search.loop import epoch_line

    rec = {"epoch": 3, "lr": 0.02, "train_loss": 1.23456, "train_psnr": 24.5, "theta_loss": 1.3,
           "delta": 0.0123, "mean_max_theta": 0.5, "search_seconds": 12.34, "test_ssim": 0.75,
           "eval_seconds": 1.0, "most_likely": [[1, 2]]}  # fmt: skip
    assert epoch_line("search", rec, 10) == (
        "search 3/10 | train loss 1.235 PSNR 24.5 | test SSIM 0.75 | theta-loss 1.3 delta 0.0123 max-theta 0.5 | 12.3 s"
    )


@pytest.mark.parametrize(
    "bad, match",
    [({"epochs": 0}, "epochs"), ({"lr": 0.0}, "lr > 0"), ({"momentum": 1.0}, "momentum"),
     ({"grad_clip": -1.0}, "grad_clip"), ({"iters_per_epoch": 0}, "iters_per_epoch")],
)  # fmt: skip
def test_search_and_retraining_share_one_validated_training_config(bad, match):
    from asng_nas.classification.retrain import CellRetrainConfig
    from asng_nas.search.config import TrainConfig

    assert issubclass(SearchConfig, TrainConfig) and issubclass(CellRetrainConfig, TrainConfig)
    assert (SearchConfig().epochs, CellRetrainConfig().epochs) == (100, 600)
    for cls in (SearchConfig, CellRetrainConfig):
        with pytest.raises(ValueError, match=match):
            cls(**bad)
