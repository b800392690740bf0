import json

import numpy as np
import pytest
import torch

from asng_nas.inpainting.data import embedded_faces
from asng_nas.inpainting.export import load_cae_arch
from asng_nas.inpainting.retrain import InpaintRetrainConfig, retrain_inpainting
from asng_nas.inpainting.task import build_inpainting_search
from asng_nas.search.searcher import SearchConfig

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def faces():
    x = embedded_faces(16)
    return x[:80], x[80:]


def _cfg(**kw):
    return SearchConfig(epochs=2, seed=0, progress=False, schedule="iteration", **kw)


def _search(faces, out, encoding, mask="center", **kw):
    train, test = faces
    return build_inpainting_search(
        train,
        test,
        out,
        _cfg(**kw),
        encoding=encoding,
        mask=mask,
        n_nodes=4,
        level_back=2,
        channels=(4, 8),
        channel_range=(4, 8),
        batch_size=8,
        device="cpu",
    )


@pytest.mark.parametrize("encoding, mask", [("cat", "center"), ("int", "pixel"), ("cat", "half")])
def test_short_search_runs_logs_and_exports(faces, tmp_path, encoding, mask):
    s = _search(faces, tmp_path, encoding, mask)
    res = s.run()
    assert res.finished and len(res.history) == 2
    rec = res.history[-1]
    assert np.isfinite(rec["train_loss"]) and 0 < rec["test_ssim"] <= 1 and rec["test_psnr"] > 5
    doc = json.loads((tmp_path / "architecture.json").read_text())
    assert doc["encoding"] == encoding and doc["n_theta"] == s.asng.distribution.n_theta
    assert (tmp_path / "architecture.png").exists() and (tmp_path / "inpainting.png").exists()
    assert (tmp_path / "log.csv").exists()
    arch = load_cae_arch(tmp_path)
    assert arch.active() == doc["architecture"]["active"]


def test_resume_gives_same_theta(faces, tmp_path):
    full = _search(faces, tmp_path / "a", "int")
    full.run()
    part = _search(faces, tmp_path / "b", "int")
    part.run(stop_after=1)
    resumed = _search(faces, tmp_path / "b", "int")
    resumed.load_state_dict(torch.load(tmp_path / "b" / "checkpoint.pt", weights_only=False))
    resumed.run()
    ta, tb = full.asng.theta, resumed.asng.theta
    for k in ta:
        assert np.array_equal(ta[k], tb[k])


def test_retrain_short(faces, tmp_path):
    s = _search(faces, tmp_path / "s", "cat")
    s.run()
    arch = load_cae_arch(tmp_path / "s")
    train, test = faces
    res = retrain_inpainting(arch, train, test, tmp_path / "r", InpaintRetrainConfig(iterations=6, eval_every=3), "cpu")
    assert res["parameters"] > 0 and 0 < res["test_ssim"] <= 1
    assert (tmp_path / "r" / "model.pt").exists() and (tmp_path / "r" / "metrics.json").exists()


def test_cli_inpaint_search_and_retrain(tmp_path, capsys):
    from asng_nas.cli import main

    out = tmp_path / "s"
    common = ["--image-size", "16", "--threads", "1"]
    args = ["inpaint-search", "--iterations", "4", "--nodes", "4", "--level-back", "2", "--channels", "4,8"]
    args += ["--channel-range", "4,8", "--batch-size", "8", "--out", str(out), "--no-progress"]
    assert main([*args, *common]) == 0
    assert "test PSNR" in capsys.readouterr().out
    doc = json.loads((out / "architecture.json").read_text())
    assert doc["config"]["lam_x"] == 2 and doc["config"]["schedule"] == "iteration"
    r = ["inpaint-retrain", "--arch", str(out), "--iterations", "2", "--eval-every", "1", "--out", str(tmp_path / "r")]
    assert main([*r, *common]) == 0
    assert (tmp_path / "r" / "metrics.json").exists()
    assert main(["inpaint-search", "--data-dir", str(tmp_path / "missing"), "--out", str(out), *common]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_export_gets_its_inputs_explicitly(faces, tmp_path):
    from asng_nas.inpainting.export import InpaintingExport, export_inpainting

    s = _search(faces, tmp_path / "s", "cat")
    ex = s.export
    assert isinstance(ex, InpaintingExport)
    assert ex.model is s.model and ex.task is s.task and ex.test_loader is s.test_loader
    dist, theta = s.asng.distribution, s.asng.theta
    doc = ex(tmp_path / "a", s.space, dist, theta, extra={"k": 1})
    assert doc["k"] == 1 and (tmp_path / "a" / "architecture.json").exists()
    assert (tmp_path / "a" / "inpainting.png").exists() == (tmp_path / "a" / "architecture.png").exists()
    bare = export_inpainting(
        tmp_path / "b", s.space, dist, theta
    )  # without model, task, loader: no figure of restorations
    assert bare["architecture"] == doc["architecture"] and not (tmp_path / "b" / "inpainting.png").exists()
